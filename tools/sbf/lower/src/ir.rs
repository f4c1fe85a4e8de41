//! A thin layer over LLVM's C API: names, iteration, types and the entry-block buffers the
//! rewrites use. Everything unsafe about LLVM lives behind these few functions.
use std::ffi::{CStr, CString};

use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::{LLVMOpcode, LLVMTypeKind};

const SCRATCH_WORDS: u32 = 8;

pub fn cstr(s: &str) -> CString {
    CString::new(s).expect("no NUL in LLVM names")
}

pub fn name(value: LLVMValueRef) -> String {
    unsafe {
        let mut len = 0;
        let ptr = LLVMGetValueName2(value, &mut len);
        if ptr.is_null() {
            return String::new();
        }
        String::from_utf8_lossy(std::slice::from_raw_parts(ptr as *const u8, len)).into_owned()
    }
}

pub fn functions(module: LLVMModuleRef) -> Vec<LLVMValueRef> {
    let mut out = Vec::new();
    unsafe {
        let mut f = LLVMGetFirstFunction(module);
        while !f.is_null() {
            out.push(f);
            f = LLVMGetNextFunction(f);
        }
    }
    out
}

pub fn is_declaration(function: LLVMValueRef) -> bool {
    unsafe { LLVMIsDeclaration(function) != 0 }
}

pub fn blocks(function: LLVMValueRef) -> Vec<LLVMBasicBlockRef> {
    let mut out = Vec::new();
    unsafe {
        let mut b = LLVMGetFirstBasicBlock(function);
        while !b.is_null() {
            out.push(b);
            b = LLVMGetNextBasicBlock(b);
        }
    }
    out
}

pub fn instructions(function: LLVMValueRef) -> Vec<LLVMValueRef> {
    let mut out = Vec::new();
    for block in blocks(function) {
        unsafe {
            let mut i = LLVMGetFirstInstruction(block);
            while !i.is_null() {
                out.push(i);
                i = LLVMGetNextInstruction(i);
            }
        }
    }
    out
}

pub fn opcode(instruction: LLVMValueRef) -> LLVMOpcode {
    unsafe { LLVMGetInstructionOpcode(instruction) }
}

pub fn type_of(value: LLVMValueRef) -> LLVMTypeRef {
    unsafe { LLVMTypeOf(value) }
}

pub fn int_width(ty: LLVMTypeRef) -> Option<u32> {
    unsafe { (LLVMGetTypeKind(ty) == LLVMTypeKind::LLVMIntegerTypeKind).then(|| LLVMGetIntTypeWidth(ty)) }
}

pub fn operand(instruction: LLVMValueRef, index: u32) -> LLVMValueRef {
    unsafe { LLVMGetOperand(instruction, index) }
}

pub fn is_constant_int(value: LLVMValueRef) -> bool {
    unsafe { !LLVMIsAConstantInt(value).is_null() }
}

/// The function a call instruction calls directly, if it is a direct call.
pub fn direct_callee(call: LLVMValueRef) -> Option<LLVMValueRef> {
    unsafe {
        let callee = LLVMGetCalledValue(call);
        (!LLVMIsAFunction(callee).is_null()).then_some(callee)
    }
}

pub fn call_args(call: LLVMValueRef) -> Vec<LLVMValueRef> {
    let n = unsafe { LLVMGetNumArgOperands(call) };
    (0..n).map(|i| operand(call, i)).collect()
}

pub fn param_types(function_type: LLVMTypeRef) -> Vec<LLVMTypeRef> {
    unsafe {
        let n = LLVMCountParamTypes(function_type) as usize;
        let mut out = vec![std::ptr::null_mut(); n];
        LLVMGetParamTypes(function_type, out.as_mut_ptr());
        out
    }
}

pub fn params(function: LLVMValueRef) -> Vec<LLVMValueRef> {
    unsafe {
        let n = LLVMCountParams(function) as usize;
        let mut out = vec![std::ptr::null_mut(); n];
        LLVMGetParams(function, out.as_mut_ptr());
        out
    }
}

/// Rewriting context: the module's context, a builder and the common types.
pub struct Cx {
    /// One scratch buffer per function, shared by every arithmetic rewrite in it: each
    /// rewrite stores, calls and loads back to back, so they never overlap, and SBF's
    /// 4 KB stack frame cannot afford one buffer per operation.
    scratch: std::cell::RefCell<std::collections::HashMap<LLVMValueRef, LLVMValueRef>>,
    pub module: LLVMModuleRef,
    pub context: LLVMContextRef,
    pub builder: LLVMBuilderRef,
    pub i8: LLVMTypeRef,
    pub i64: LLVMTypeRef,
    pub i128: LLVMTypeRef,
    pub ptr: LLVMTypeRef,
    pub void: LLVMTypeRef,
}

impl Cx {
    pub fn new(module: LLVMModuleRef) -> Cx {
        unsafe {
            let context = LLVMGetModuleContext(module);
            Cx {
                scratch: Default::default(),
                module,
                context,
                builder: LLVMCreateBuilderInContext(context),
                i8: LLVMInt8TypeInContext(context),
                i64: LLVMInt64TypeInContext(context),
                i128: LLVMInt128TypeInContext(context),
                ptr: LLVMPointerTypeInContext(context, 0),
                void: LLVMVoidTypeInContext(context),
            }
        }
    }

    pub fn position_before(&self, instruction: LLVMValueRef) {
        unsafe { LLVMPositionBuilderBefore(self.builder, instruction) }
    }

    /// An alloca in `function`'s entry block (so loops do not grow the stack), 8-aligned.
    /// Leaves the builder before `restore_before`.
    pub fn entry_alloca(
        &self,
        function: LLVMValueRef,
        ty: LLVMTypeRef,
        restore_before: LLVMValueRef,
    ) -> LLVMValueRef {
        unsafe {
            let entry = LLVMGetEntryBasicBlock(function);
            LLVMPositionBuilderBefore(self.builder, LLVMGetFirstInstruction(entry));
            let slot = LLVMBuildAlloca(self.builder, ty, c"gtx.slot".as_ptr());
            LLVMSetAlignment(slot, 8);
            self.position_before(restore_before);
            slot
        }
    }

    /// The function's scratch buffer (8 u64 words) for one rewrite of up to `words` words.
    pub fn words(&self, function: LLVMValueRef, words: u32, restore_before: LLVMValueRef) -> LLVMValueRef {
        assert!(words <= SCRATCH_WORDS, "scratch buffer too small");
        if let Some(buf) = self.scratch.borrow().get(&function) {
            self.position_before(restore_before);
            return *buf;
        }
        let ty = unsafe { LLVMArrayType2(self.i64, u64::from(SCRATCH_WORDS)) };
        let buf = self.entry_alloca(function, ty, restore_before);
        self.scratch.borrow_mut().insert(function, buf);
        buf
    }

    /// `base + offset` bytes.
    pub fn at(&self, base: LLVMValueRef, offset: u64) -> LLVMValueRef {
        if offset == 0 {
            return base;
        }
        unsafe {
            let mut index = [LLVMConstInt(self.i64, offset, 0)];
            LLVMBuildGEP2(self.builder, self.i8, base, index.as_mut_ptr(), 1, c"".as_ptr())
        }
    }

    pub fn store(&self, value: LLVMValueRef, ptr: LLVMValueRef) {
        unsafe {
            let store = LLVMBuildStore(self.builder, value, ptr);
            LLVMSetAlignment(store, 8);
        }
    }

    pub fn load(&self, ty: LLVMTypeRef, ptr: LLVMValueRef) -> LLVMValueRef {
        unsafe {
            let load = LLVMBuildLoad2(self.builder, ty, ptr, c"".as_ptr());
            LLVMSetAlignment(load, 8);
            load
        }
    }

    /// `value` as an i64 (truncated or zero-extended).
    pub fn to_i64(&self, value: LLVMValueRef) -> LLVMValueRef {
        let width = int_width(type_of(value)).unwrap_or(64);
        unsafe {
            match width.cmp(&64) {
                std::cmp::Ordering::Greater => LLVMBuildTrunc(self.builder, value, self.i64, c"".as_ptr()),
                std::cmp::Ordering::Less => LLVMBuildZExt(self.builder, value, self.i64, c"".as_ptr()),
                std::cmp::Ordering::Equal => value,
            }
        }
    }

    pub fn helper(&self, name: &str) -> Result<(LLVMValueRef, LLVMTypeRef), String> {
        unsafe {
            let f = LLVMGetNamedFunction(self.module, cstr(name).as_ptr());
            if f.is_null() || is_declaration(f) {
                return Err(format!(
                    "helper {name} is not in the module: link gridtokenx-sbf-rt into the program (`use gridtokenx_sbf_rt as _;`)"
                ));
            }
            Ok((f, LLVMGlobalGetValueType(f)))
        }
    }

    pub fn call(&self, (f, ty): (LLVMValueRef, LLVMTypeRef), args: &mut [LLVMValueRef]) -> LLVMValueRef {
        unsafe { LLVMBuildCall2(self.builder, ty, f, args.as_mut_ptr(), args.len() as u32, c"".as_ptr()) }
    }

    /// Replaces every use of `old` with `new` and deletes `old`.
    pub fn replace(&self, old: LLVMValueRef, new: LLVMValueRef) {
        unsafe {
            LLVMReplaceAllUsesWith(old, new);
            LLVMInstructionEraseFromParent(old);
        }
    }
}

impl Drop for Cx {
    fn drop(&mut self) {
        unsafe { LLVMDisposeBuilder(self.builder) }
    }
}

pub fn message(ptr: *mut std::ffi::c_char) -> String {
    if ptr.is_null() {
        return String::new();
    }
    unsafe {
        let text = CStr::from_ptr(ptr).to_string_lossy().into_owned();
        LLVMDisposeMessage(ptr);
        text
    }
}
