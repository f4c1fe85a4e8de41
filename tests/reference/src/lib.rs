//! The Python reference models our physics is checked against (pvlib for PV, pandapower
//! for power flow) run from the project's venv, which scripts/python-venv.sh creates in the
//! cache and fills from PyPI. Test tooling only: nothing of it runs in the product.
//!
//! A reference script reads one JSON document on stdin and prints one on stdout.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The venv's Python, after scripts/python-venv.sh made sure the reference libraries are
/// installed (it returns at once when they are).
pub fn python() -> PathBuf {
    let script = repo_root().join("scripts/python-venv.sh");
    let status = Command::new(&script).status().unwrap_or_else(|e| panic!("could not run {}: {e}", script.display()));
    assert!(
        status.success(),
        "scripts/python-venv.sh failed, so the reference libraries are missing: install python3 and python3-venv, \
         allow access to PyPI, and re-run scripts/python-venv.sh"
    );
    let cache = std::env::var_os("GRIDTOKENX_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/gridtokenx"));
    cache.join("venv/bin/python")
}

/// Runs `script` with `input` on stdin and returns the JSON it printed.
pub fn run(script: &Path, input: &serde_json::Value) -> serde_json::Value {
    let name = script.file_name().map_or_else(|| script.display().to_string(), |n| n.to_string_lossy().into_owned());
    let mut child = Command::new(python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {name}: {e}"));
    child.stdin.take().expect("stdin is piped").write_all(input.to_string().as_bytes()).expect("write the input");
    let out = child.wait_with_output().expect("wait for the reference script");
    assert!(out.status.success(), "{name} failed (its error is above; is its library in the venv? run scripts/python-venv.sh)");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{name} did not print JSON: {e}"))
}
