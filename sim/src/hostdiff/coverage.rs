//! The coverage table: how many calls each object type received, per
//! syscall variant, namespace and kernel result (`ok` or an errno name).
//!
//! Counts are kept in `BTreeMap`s so the printed table is in a fixed
//! order. An object type with no calls fails the run unless the set-up
//! recorded why the machine lacks it (see [`Coverage::uncovered`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::world::ObjectKind;

/// One cell of the table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cell {
    pub syscall: String,
    pub namespace: &'static str,
    pub result: String,
}

/// Calls per object type and cell, and why objects were missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    pub calls: BTreeMap<ObjectKind, BTreeMap<Cell, u64>>,
    /// Why the machine could not create an object, per object and run.
    pub missing: BTreeMap<ObjectKind, String>,
}

impl Coverage {
    /// Counts one call.
    pub fn record(&mut self, object: ObjectKind, cell: Cell) {
        *self.calls.entry(object).or_default().entry(cell).or_default() += 1;
    }

    /// Calls made on `object`.
    pub fn total(&self, object: ObjectKind) -> u64 {
        self.calls.get(&object).map_or(0, |cells| cells.values().sum())
    }

    /// Objects of `expected` with no calls and no recorded reason.
    pub fn uncovered(&self, expected: &[ObjectKind]) -> Vec<ObjectKind> {
        expected.iter().copied().filter(|kind| self.total(*kind) == 0 && !self.missing.contains_key(kind)).collect()
    }

    /// One summary line per object: calls, syscall variants, namespaces,
    /// and distinct results.
    pub fn summary(&self, expected: &[ObjectKind]) -> String {
        let mut out = String::new();
        for kind in expected {
            let cells = self.calls.get(kind);
            let count = |part: fn(&Cell) -> String| {
                cells.map_or(0, |cells| cells.keys().map(part).collect::<std::collections::BTreeSet<_>>().len())
            };
            let variants = count(|cell| cell.syscall.clone());
            let namespaces = count(|cell| cell.namespace.to_owned());
            let results = count(|cell| cell.result.clone());
            let _ = write!(out, "  {:<40} {:>7} calls, {variants:>2} variants, {namespaces:>2} namespaces, {results:>2} results", kind.to_string(), self.total(*kind));
            if let Some(why) = self.missing.get(kind) {
                let _ = write!(out, " (missing in some runs: {why})");
            }
            out.push('\n');
        }
        out
    }

    /// The full table: object, syscall variant, namespace, and the count
    /// of each result.
    pub fn table(&self) -> String {
        let mut out = String::new();
        for (kind, cells) in &self.calls {
            let mut rows: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
            for (cell, count) in cells {
                rows.entry((&cell.syscall, cell.namespace)).or_default().push(format!("{} {count}", cell.result));
            }
            for ((syscall, namespace), results) in rows {
                let _ = writeln!(out, "  {:<40} {syscall:<26} {namespace:<20} {}", kind.to_string(), results.join(", "));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_reason_excuses_zero_calls() {
        let mut coverage = Coverage::default();
        let cell = Cell { syscall: "getxattr".into(), namespace: "user", result: "ENODATA".into() };
        coverage.record(ObjectKind::TmpfsRegular, cell);
        let expected = [ObjectKind::TmpfsRegular, ObjectKind::TmpfsFifo, ObjectKind::AbstractUnixSocket];
        coverage.missing.insert(ObjectKind::AbstractUnixSocket, "refused".into());
        assert_eq!(coverage.uncovered(&expected), vec![ObjectKind::TmpfsFifo]);
    }
}
