#!/usr/bin/env python3
"""Patches a copy of Rust 1.96's `library/` so that `std` builds for `target_os = "solana"`:
SBF programs are single-threaded, have no OS, no randomness and (for `System`) no allocator
of their own — a program's `#[global_allocator]` (the SDK's bump allocator) serves every
allocation. So `solana` joins the targets that take std's generic, unsupported and
no-threads paths. Every replacement must match exactly once: a different std source fails
here, loudly, instead of building something subtly different.

Usage: patch-std.py LIBRARY_DIR
"""
import pathlib
import sys

SYS = "std/src/sys"

# (file under library/, old text, new text)
PATCHES = [
    # std's build script: `solana` is a supported platform, not `restricted_std`.
    ("std/build.rs",
     '        || target_os == "vexos"\n\n        // See src/bootstrap',
     '        || target_os == "vexos"\n        || target_os == "solana"\n\n        // See src/bootstrap'),
    # HashMap keys: SBF has no writable statics, so no per-thread key cache (the unused
    # static is then optimized away); with no randomness the keys are fixed anyway.
    ("std/src/hash/random.rs",
     '        thread_local!(static KEYS: Cell<(u64, u64)> = {',
     '        if cfg!(target_os = "solana") {\n            return RandomState { k0: 0, k1: 0 };\n        }\n        thread_local!(static KEYS: Cell<(u64, u64)> = {'),
    # The allocator: a System that has nothing to give (programs install their own).
    (f"{SYS}/alloc/mod.rs",
     '    target_os = "zkvm" => {\n        mod zkvm;\n    }\n}',
     '    target_os = "zkvm" => {\n        mod zkvm;\n    }\n    target_os = "solana" => {\n        mod solana;\n    }\n}'),
    (f"{SYS}/alloc/mod.rs",
     '    target_arch = "wasm64",\n',
     '    target_arch = "wasm64",\n    target_arch = "bpf",\n'),
    # io errors: no errno, generic messages.
    (f"{SYS}/io/error/mod.rs",
     '        target_os = "vexos",\n        target_family = "wasm",\n        target_os = "zkvm",\n    ) => {\n        mod generic;',
     '        target_os = "vexos",\n        target_family = "wasm",\n        target_os = "zkvm",\n        target_os = "solana",\n    ) => {\n        mod generic;'),
    # thread locals: one thread.
    (f"{SYS}/thread_local/mod.rs",
     '        target_os = "zkvm",\n        target_os = "trusty",\n        target_os = "vexos",\n    ) => {\n        mod no_threads;\n        pub use no_threads::{EagerStorage',
     '        target_os = "zkvm",\n        target_os = "trusty",\n        target_os = "vexos",\n        target_os = "solana",\n    ) => {\n        mod no_threads;\n        pub use no_threads::{EagerStorage'),
    # thread-exit guard: nothing to run at thread exit.
    (f"{SYS}/thread_local/mod.rs",
     '            target_os = "zkvm",\n            target_os = "trusty",\n            target_os = "vexos",\n        ) => {\n            pub(crate) fn enable() {',
     '            target_os = "zkvm",\n            target_os = "trusty",\n            target_os = "vexos",\n            target_os = "solana",\n        ) => {\n            pub(crate) fn enable() {'),
    # randomness: none (HashMap keys are fixed; programs must not rely on them).
    (f"{SYS}/random/mod.rs",
     '        target_os = "xous",\n        target_os = "vexos",\n    ) => {\n        // FIXME: finally remove',
     '        target_os = "xous",\n        target_os = "vexos",\n        target_os = "solana",\n    ) => {\n        // FIXME: finally remove'),
    (f"{SYS}/random/mod.rs",
     '    target_os = "xous",\n    target_os = "vexos",\n)))]\npub fn hashmap_random_keys',
     '    target_os = "xous",\n    target_os = "vexos",\n    target_os = "solana",\n)))]\npub fn hashmap_random_keys'),
]

NEW_FILES = {
    f"{SYS}/alloc/solana.rs": '''//! SBF programs install their own `#[global_allocator]`; `System` has nothing to give.
use crate::alloc::{GlobalAlloc, Layout, System};

#[stable(feature = "alloc_system_type", since = "1.28.0")]
unsafe impl GlobalAlloc for System {
    #[inline]
    unsafe fn alloc(&self, _layout: Layout) -> *mut u8 {
        crate::ptr::null_mut()
    }

    #[inline]
    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}
''',
}


def main(library: pathlib.Path) -> None:
    for relative, old, new in PATCHES:
        path = library / relative
        text = path.read_text()
        if text.count(old) != 1:
            sys.exit(f"patch-std: {relative}: expected text found {text.count(old)} times (not Rust 1.96's std?)")
        path.write_text(text.replace(old, new))
    for relative, text in NEW_FILES.items():
        (library / relative).write_text(text)


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]))
