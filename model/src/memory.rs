//! Memory cost per inode, computed from the kernel struct sizes a design
//! models (x86_64, no lockdep) and the kmalloc size classes.
//!
//! The kernel's published figures for one small xattr (`user.test=foo`) are
//! about 80 bytes on v7.0 (rbtree) and about 1296 bytes on v7.1-rc2
//! (per-inode rhashtable), measured by Miklos Szeredi in the commit that
//! added a per-superblock cache (1e7cd8a53b72, v7.2). The designs' cost
//! models reproduce both from struct sizes.

use std::fmt;

/// The kmalloc size classes (`kmalloc-8` to `kmalloc-8k`).
const KMALLOC_CLASSES: [usize; 13] = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];

/// Bytes a `kmalloc` or `kvmalloc` of `size` takes: the smallest size class,
/// or whole 4 KiB pages above `kmalloc-8k`.
pub fn kmalloc_size(size: usize) -> usize {
    match KMALLOC_CLASSES.iter().find(|class| **class >= size) {
        Some(class) => *class,
        None => size.div_ceil(4096) * 4096,
    }
}

/// The bytes of one inode's store, itemized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryCost {
    /// (what, bytes) per allocation.
    pub items: Vec<(String, usize)>,
    /// The kernel's published figure for one small xattr, with its source.
    pub published: Option<(usize, &'static str)>,
}

impl MemoryCost {
    pub fn total(&self) -> usize {
        self.items.iter().map(|(_, bytes)| bytes).sum()
    }
}

impl fmt::Display for MemoryCost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bytes", self.total())?;
        for (what, bytes) in &self.items {
            write!(f, "\n  {bytes:>6}  {what}")?;
        }
        if let Some((bytes, source)) = self.published {
            write!(f, "\n  published: about {bytes} bytes ({source})")?;
        }
        Ok(())
    }
}

/// The allocations of one entry: the struct plus value, then the name copy
/// (`kstrdup`, with its NUL).
pub fn entry_items(header: usize, name_len: usize, value_len: usize) -> Vec<(String, usize)> {
    vec![
        (format!("struct simple_xattr ({header} + {value_len} value bytes)"), kmalloc_size(header + value_len)),
        (format!("name ({name_len} bytes + NUL)"), kmalloc_size(name_len + 1)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kmalloc_rounds_to_size_classes() {
        assert_eq!(kmalloc_size(43), 64);
        assert_eq!(kmalloc_size(10), 16);
        assert_eq!(kmalloc_size(136), 192);
        assert_eq!(kmalloc_size(576), 1024);
        assert_eq!(kmalloc_size(8193), 12288);
    }
}
