//! Nothing to build: this script exists so that the `bindgen` build dependency in
//! Cargo.toml (which fixes a feature clash in RocksDB's bindings, see there) is part of the
//! build graph.
fn main() {}
