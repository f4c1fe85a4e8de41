//! `gridtokenx-idl <repository root> <output dir>`: the Anchor IDL of each of our programs,
//! generated from the code the way `anchor idl build` does (the `anchor` CLI is not
//! available here), written as `<output dir>/<program>.json`.
//!
//! The generation itself is anchor-lang-idl's `IdlBuilder`, the library the CLI uses: it
//! runs the program crate's `__anchor_private_print_idl*` tests (compiled with the
//! `idl-build` feature), collects what they print and assembles, sorts and verifies the
//! IDL. Formatting is the CLI's: `serde_json::to_string_pretty`.
use std::path::PathBuf;
use std::process::ExitCode;

use anchor_lang_idl::build::IdlBuilder;

/// Our programs, by crate directory under `programs/`, and whether their IDL resolves
/// account addresses (PDA seeds, relations). The market's pair record is derived from
/// `state::pair_seeds(base, quote)` (the mints in byte order), an expression Anchor's
/// resolution copies verbatim into code where the accounts are not in scope, which does
/// not compile; its IDL therefore leaves addresses to the client (`market::client`).
const PROGRAMS: [(&str, bool); 3] = [("governance", true), ("energy", true), ("market", false)];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [root, out] = args.as_slice() else {
        eprintln!("usage: gridtokenx-idl <repository root> <output dir>");
        return ExitCode::from(2);
    };
    // IdlBuilder turns a set RUSTUP_TOOLCHAIN into a literal "+{toolchain}" argument;
    // rust-toolchain.toml pins the toolchain anyway.
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    let (root, out) = (PathBuf::from(root), PathBuf::from(out));
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("cannot create {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    for (program, resolution) in PROGRAMS {
        let built = IdlBuilder::new()
            .program_path(root.join("programs").join(program))
            .resolution(resolution)
            .cargo_args(vec!["--locked".into(), "--lib".into()])
            .build();
        let idl = match built {
            Ok(idl) => idl,
            Err(e) => {
                eprintln!("{program}: IDL build failed: {e:#}");
                return ExitCode::FAILURE;
            }
        };
        let path = out.join(format!("{program}.json"));
        let json = match serde_json::to_string_pretty(&idl) {
            Ok(json) => json + "\n",
            Err(e) => {
                eprintln!("{program}: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Err(e) = std::fs::write(&path, json) {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
