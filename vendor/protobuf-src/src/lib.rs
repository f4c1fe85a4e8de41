//! protobuf-src's two functions, answered by the system's protoc instead of one compiled from
//! source (README.md: why, and what it costs a build).

use std::path::PathBuf;

/// The `protoc` a build script should run: `$PROTOC` when set, else the first on `PATH`.
///
/// # Panics
/// When there is none, with the fix in the message: build scripts report a panic as the
/// build's error, which is where the person building will look.
pub fn protoc() -> PathBuf {
    if let Some(protoc) = std::env::var_os("PROTOC") {
        return PathBuf::from(protoc);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("protoc"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "protoc not found on PATH: install Debian's protobuf-compiler \
                 (scripts/env.sh's ensure_build_deps does), or set PROTOC"
            )
        })
}

/// The directory holding protobuf's well-known types (`google/protobuf/*.proto`), which
/// Debian's libprotobuf-dev installs beside its headers.
pub fn include() -> PathBuf {
    PathBuf::from("/usr/include")
}
