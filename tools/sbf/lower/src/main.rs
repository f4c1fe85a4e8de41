//! `gridtokenx-sbf-lower IN OUT`: reads a linked module (bitcode or text), rewrites what
//! LLVM 22's BPF backend cannot compile (see `arith` and `abi`), verifies the result and
//! writes bitcode. `tools/sbf/link.sh` runs it between sbpf-linker's link and its code
//! generation.
mod abi;
mod arith;
mod ir;

use llvm_sys::analysis::{LLVMVerifierFailureAction, LLVMVerifyModule};
use llvm_sys::bit_writer::LLVMWriteBitcodeToFile;
use llvm_sys::core::*;
use llvm_sys::ir_reader::LLVMParseIRInContext2;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output] = &args[..] else {
        eprintln!("usage: gridtokenx-sbf-lower IN.bc|IN.ll OUT.bc");
        std::process::exit(2);
    };
    if let Err(e) = run(input, output) {
        eprintln!("gridtokenx-sbf-lower: {e}");
        std::process::exit(1);
    }
}

fn run(input: &str, output: &str) -> Result<(), String> {
    unsafe {
        let context = LLVMContextCreate();
        let mut buffer = std::ptr::null_mut();
        let mut error = std::ptr::null_mut();
        if LLVMCreateMemoryBufferWithContentsOfFile(ir::cstr(input).as_ptr(), &mut buffer, &mut error) != 0 {
            return Err(format!("cannot read {input}: {}", ir::message(error)));
        }
        let mut module = std::ptr::null_mut();
        let parsed = LLVMParseIRInContext2(context, buffer, &mut module, &mut error);
        LLVMDisposeMemoryBuffer(buffer);
        if parsed != 0 {
            return Err(format!("cannot parse {input}: {}", ir::message(error)));
        }
        let cx = ir::Cx::new(module);
        let arithmetic = arith::lower(&cx)?;
        let signatures = abi::lower(&cx)?;
        eprintln!("gridtokenx-sbf-lower: {arithmetic:?} {signatures:?}");
        drop(cx);
        if LLVMVerifyModule(module, LLVMVerifierFailureAction::LLVMReturnStatusAction, &mut error) != 0 {
            let dump = format!("{output}.invalid.ll");
            LLVMPrintModuleToFile(module, ir::cstr(&dump).as_ptr(), std::ptr::null_mut());
            return Err(format!(
                "the rewritten module does not verify (dumped to {dump}): {}",
                ir::message(error)
            ));
        }
        if LLVMWriteBitcodeToFile(module, ir::cstr(output).as_ptr()) != 0 {
            return Err(format!("cannot write {output}"));
        }
        LLVMDisposeModule(module);
        LLVMContextDispose(context);
    }
    Ok(())
}
