//! A design defined entirely in this file, registered next to the kernel's
//! two and run through the same suite under loom and shuttle: how a
//! maintainer tries the next revision of a patch.

mod common;

use common::*;
use xattr_model::arena::RawHandle;
use xattr_model::ctx::{LockClass, OpCtx};
use xattr_model::design::{DesignEntry, Registry};
use xattr_model::entry::simple_xattr_space;
use xattr_model::env::Env;
use xattr_model::errno::Errno;
use xattr_model::explore::Designs;
use xattr_model::memory::{entry_items, MemoryCost};
use xattr_model::runtime::Runtime;
use xattr_model::store::{set_step, GetOutput, Reclaim, SetStep, Store};
use xattr_model::suite::cases;
use xattr_model::sync::Mutex;

const NAME: &str = "mutex-list";

/// An unsorted list under one mutex; displaced entries are freed at once.
struct ListStore<R: Runtime> {
    list: Mutex<R, Vec<(String, RawHandle)>>,
}

impl<R: Runtime> Store<R> for ListStore<R> {
    fn simple_xattr_get(&self, env: &Env<R>, ctx: &OpCtx, name: &str, size: Option<usize>) -> Result<GetOutput, Errno> {
        let list = self.list.lock(ctx);
        let (_, handle) = list.iter().find(|(key, _)| key == name).ok_or(Errno::ENODATA)?;
        let value = env.entry(ctx, *handle).value();
        match size {
            None => Ok(GetOutput::Size(value.len())),
            Some(size) if size < value.len() => Err(Errno::ERANGE),
            Some(_) => Ok(GetOutput::Value(value)),
        }
    }

    fn simple_xattr_set(
        &self,
        env: &Env<R>,
        ctx: &OpCtx,
        name: &str,
        value: Option<&[u8]>,
        flags: u32,
    ) -> Result<Option<RawHandle>, Errno> {
        let new = value.map(|value| env.simple_xattr_alloc(ctx, name, value)).transpose()?;
        let mut list = self.list.lock(ctx);
        let index = list.iter().position(|(key, _)| key == name);
        let result = match set_step(index, new, flags) {
            SetStep::Fail(errno) => Err(errno),
            SetStep::Replace(index, new) => Ok(Some(std::mem::replace(&mut list[index].1, new))),
            SetStep::Remove(index) => Ok(Some(list.remove(index).1)),
            SetStep::Insert(new) => {
                list.push((name.to_owned(), new));
                Ok(None)
            }
            SetStep::Nothing => Ok(None),
        };
        drop(list);
        if let (Err(_), Some(new)) = (&result, new) {
            env.simple_xattr_free(ctx, new);
        }
        result
    }

    fn simple_xattr_list(&self, env: &Env<R>, ctx: &OpCtx, trusted_visible: bool) -> Result<Vec<String>, Errno> {
        let list = self.list.lock(ctx);
        let names = list.iter().map(|(_, handle)| env.entry(ctx, *handle).name());
        Ok(names.filter(|name| trusted_visible || !name.starts_with("trusted.")).collect())
    }

    fn simple_xattr_add(&self, env: &Env<R>, ctx: &OpCtx, name: &str, value: &[u8]) -> Result<(), Errno> {
        let new = env.simple_xattr_alloc(ctx, name, value)?;
        self.list.lock(ctx).push((name.to_owned(), new));
        Ok(())
    }

    fn simple_xattrs_free(&self, env: &Env<R>, ctx: &OpCtx) -> usize {
        let entries = std::mem::take(&mut *self.list.lock(ctx));
        let mut freed = 0;
        for (name, handle) in entries {
            freed += simple_xattr_space(&name, env.entry(ctx, handle).size());
            env.simple_xattr_free(ctx, handle);
        }
        freed
    }

    fn reclaim(&self) -> Reclaim {
        Reclaim::Immediate
    }

    fn assert_invariants(&self, _env: &Env<R>) -> Result<(), String> {
        Ok(())
    }

    fn contents(&self, env: &Env<R>) -> Vec<(String, Vec<u8>)> {
        let list = self.list.lock(&OpCtx::new(0));
        list.iter().map(|(name, handle)| (name.clone(), env.peek_entry(*handle).value())).collect()
    }
}

fn entry<R: Runtime>() -> DesignEntry<R> {
    DesignEntry {
        name: NAME,
        kernel: "none (a test design)",
        summary: "unsorted list under one mutex",
        new_store: |_env, _ctx| Box::new(ListStore::<R> { list: Mutex::new(LockClass::StoreWrite, Vec::new()) }),
        memory_cost: |entries| MemoryCost {
            items: entries.iter().flat_map(|(name, value)| entry_items(40, *name, *value)).collect(),
            published: None,
        },
    }
}

/// The built-in designs plus the test design.
#[derive(Clone)]
struct WithListStore;

impl Designs for WithListStore {
    fn registry<R: Runtime>(&self) -> Registry<R> {
        let mut registry = Registry::builtin();
        registry.register(entry());
        registry
    }
}

#[test]
fn registry_lists_third_design() {
    let names = WithListStore.registry::<xattr_model::runtime::StdRuntime>().names();
    assert_eq!(names, ["rbtree-rwlock", "rhashtable-rcu", NAME]);
}

#[test]
fn third_design_passes_suite_under_loom() {
    for case in cases().into_iter().filter(|case| case.loom) {
        let result = run_case_with(case.name, &config(NAME, &[]), WithListStore, LOOM3);
        assert_passes(&result);
    }
}

#[test]
fn third_design_passes_suite_under_shuttle() {
    for case in cases() {
        let result = run_case_with(case.name, &config(NAME, &[]), WithListStore, PCT);
        assert_passes(&result);
    }
}
