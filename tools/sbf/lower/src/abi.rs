//! Signature rewrites. LLVM 22's BPF backend passes at most five arguments, in registers,
//! and returns at most one register. A function type outside that is rewritten uniformly —
//! definitions, direct and indirect call sites alike, so function pointers stay consistent:
//!
//! - a return wider than a register (`i128`, structs, arrays) becomes a leading pointer to a
//!   caller-allocated slot, and the function returns `void`;
//! - when the arguments (plus that pointer) need more than five registers, they are all
//!   stored in a caller-allocated struct whose address is the one remaining argument.
//!
//! Slots live in the caller's entry block, so loops do not grow the stack.
use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::{LLVMOpcode, LLVMTypeKind};

use crate::arith::Counts;
use crate::ir::*;

const REGISTERS: usize = 5;

/// How a function type is rewritten, if it must be.
struct Plan {
    new: LLVMTypeRef,
    ret: Option<LLVMTypeRef>,
    /// The struct all arguments are packed into, when they do not fit in registers.
    pack: Option<LLVMTypeRef>,
    params: Vec<LLVMTypeRef>,
}

fn registers(ty: LLVMTypeRef) -> usize {
    unsafe {
        match LLVMGetTypeKind(ty) {
            LLVMTypeKind::LLVMIntegerTypeKind => (LLVMGetIntTypeWidth(ty) as usize).div_ceil(64),
            LLVMTypeKind::LLVMPointerTypeKind
            | LLVMTypeKind::LLVMDoubleTypeKind
            | LLVMTypeKind::LLVMFloatTypeKind => 1,
            // Aggregates and vectors by value: never in registers.
            _ => REGISTERS + 1,
        }
    }
}

fn wide_return(ty: LLVMTypeRef) -> bool {
    unsafe {
        match LLVMGetTypeKind(ty) {
            LLVMTypeKind::LLVMVoidTypeKind => false,
            LLVMTypeKind::LLVMIntegerTypeKind => LLVMGetIntTypeWidth(ty) > 64,
            LLVMTypeKind::LLVMPointerTypeKind
            | LLVMTypeKind::LLVMDoubleTypeKind
            | LLVMTypeKind::LLVMFloatTypeKind => false,
            _ => true,
        }
    }
}

fn plan(cx: &Cx, function_type: LLVMTypeRef) -> Option<Plan> {
    unsafe {
        if LLVMIsFunctionVarArg(function_type) != 0 {
            return None;
        }
        let ret = LLVMGetReturnType(function_type);
        let params = param_types(function_type);
        let wide = wide_return(ret);
        let needed: usize = params.iter().map(|t| registers(*t)).sum::<usize>() + usize::from(wide);
        let pack = needed > REGISTERS;
        if !wide && !pack {
            return None;
        }
        let mut new_params = Vec::new();
        if wide {
            new_params.push(cx.ptr);
        }
        let pack_type = pack.then(|| {
            let mut fields = params.clone();
            LLVMStructTypeInContext(cx.context, fields.as_mut_ptr(), fields.len() as u32, 0)
        });
        if pack {
            new_params.push(cx.ptr);
        } else {
            new_params.extend(&params);
        }
        let new_ret = if wide { cx.void } else { ret };
        let new = LLVMFunctionType(new_ret, new_params.as_mut_ptr(), new_params.len() as u32, 0);
        Some(Plan { new, ret: wide.then_some(ret), pack: pack_type, params })
    }
}

fn is_intrinsic(callee: LLVMValueRef) -> bool {
    name(callee).starts_with("llvm.")
}

/// Soft-float routines the backend calls as libcalls. A narrower-than-64-bit result comes
/// back in r0, and the libcall's caller assumes its upper bits are zero; a body compiled by
/// the same backend does not guarantee that. These are rewritten to return the value
/// zero-extended to i64 (and any direct IR calls to match).
const NARROW_LIBCALLS: [&str; 16] = [
    "__truncdfsf2",
    "__addsf3",
    "__subsf3",
    "__mulsf3",
    "__divsf3",
    "__negsf2",
    "__floatdisf",
    "__floatundisf",
    "__floatsisf",
    "__floatunsisf",
    "__fixdfsi",
    "__fixunsdfsi",
    "__fixsfsi",
    "__fixunssfsi",
    "__floatsidf",
    "__floatunsidf",
];

pub fn lower(cx: &Cx) -> Result<Counts, String> {
    let mut counts = Counts::new();
    strip_sret(cx, &mut counts);
    widen_narrow_libcalls(cx, &mut counts);
    // Call sites first, while every callee still has its old type.
    for function in functions(cx.module) {
        if is_declaration(function) {
            continue;
        }
        for inst in instructions(function) {
            match opcode(inst) {
                LLVMOpcode::LLVMCall => {}
                LLVMOpcode::LLVMInvoke | LLVMOpcode::LLVMCallBr => {
                    return Err(format!(
                        "{}: invoke/callbr is not supported (build with panic=abort)",
                        name(function)
                    ))
                }
                _ => continue,
            }
            if direct_callee(inst).is_some_and(is_intrinsic) {
                continue;
            }
            let Some(plan) = plan(cx, unsafe { LLVMGetCalledFunctionType(inst) }) else { continue };
            if let Some(callee) = direct_callee(inst).filter(|c| is_declaration(*c)) {
                return Err(format!(
                    "{} calls {}, defined outside the module, with a signature SBF cannot pass",
                    name(function),
                    name(callee)
                ));
            }
            rewrite_call(cx, function, inst, &plan);
            *counts.entry("call sites").or_default() += 1;
        }
    }
    for function in functions(cx.module) {
        if is_declaration(function) || is_intrinsic(function) {
            continue;
        }
        let Some(plan) = plan(cx, unsafe { LLVMGlobalGetValueType(function) }) else { continue };
        rewrite_definition(cx, function, &plan);
        *counts.entry("definitions").or_default() += 1;
    }
    Ok(counts)
}

fn rewrite_call(cx: &Cx, caller: LLVMValueRef, call: LLVMValueRef, plan: &Plan) {
    unsafe {
        let args = call_args(call);
        let mut new_args = Vec::new();
        let ret_slot = plan.ret.map(|ty| cx.entry_alloca(caller, ty, call));
        new_args.extend(ret_slot);
        match plan.pack {
            Some(pack) => {
                let slot = cx.entry_alloca(caller, pack, call);
                for (i, arg) in args.iter().enumerate() {
                    let field = LLVMBuildStructGEP2(cx.builder, pack, slot, i as u32, c"".as_ptr());
                    cx.store(*arg, field);
                }
                new_args.push(slot);
            }
            None => new_args.extend(&args),
        }
        cx.position_before(call);
        let callee = LLVMGetCalledValue(call);
        let new_call = LLVMBuildCall2(
            cx.builder,
            plan.new,
            callee,
            new_args.as_mut_ptr(),
            new_args.len() as u32,
            c"".as_ptr(),
        );
        LLVMSetInstructionCallConv(new_call, LLVMGetInstructionCallConv(call));
        match (plan.ret, ret_slot) {
            (Some(ty), Some(slot)) => {
                let value = cx.load(ty, slot);
                cx.replace(call, value);
            }
            _ => cx.replace(call, new_call),
        }
    }
}

fn rewrite_definition(cx: &Cx, old: LLVMValueRef, plan: &Plan) -> LLVMValueRef {
    unsafe {
        let taken = name(old);
        let new = LLVMAddFunction(cx.module, cstr(&format!("{taken}.gtx")).as_ptr(), plan.new);
        LLVMSetLinkage(new, LLVMGetLinkage(old));
        LLVMSetVisibility(new, LLVMGetVisibility(old));
        LLVMSetFunctionCallConv(new, LLVMGetFunctionCallConv(old));
        let index = llvm_sys::LLVMAttributeFunctionIndex;
        let n = LLVMGetAttributeCountAtIndex(old, index) as usize;
        let mut attrs = vec![std::ptr::null_mut(); n];
        LLVMGetAttributesAtIndex(old, index, attrs.as_mut_ptr());
        for attr in attrs {
            LLVMAddAttributeAtIndex(new, index, attr);
        }
        // The old function may have touched no memory (`memory(none)`); the new one reads its
        // arguments from, and writes its result to, the caller's slots. Keeping the old memory
        // effects would let the optimizer delete the caller's stores.
        for kind in ["memory", "speculatable"] {
            let id = LLVMGetEnumAttributeKindForName(kind.as_ptr() as *const _, kind.len());
            LLVMRemoveEnumAttributeAtIndex(new, index, id);
        }
        for block in blocks(old) {
            LLVMRemoveBasicBlockFromParent(block);
            LLVMAppendExistingBasicBlock(new, block);
        }
        let entry = LLVMGetEntryBasicBlock(new);
        cx.position_before(LLVMGetFirstInstruction(entry));
        let new_params = params(new);
        let (ret_ptr, rest) = match plan.ret {
            Some(_) => (Some(new_params[0]), &new_params[1..]),
            None => (None, &new_params[..]),
        };
        for (i, param) in params(old).into_iter().enumerate() {
            let value = match plan.pack {
                Some(pack) => {
                    let field = LLVMBuildStructGEP2(cx.builder, pack, rest[0], i as u32, c"".as_ptr());
                    cx.load(plan.params[i], field)
                }
                None => rest[i],
            };
            LLVMReplaceAllUsesWith(param, value);
        }
        if let Some(ret_ptr) = ret_ptr {
            for inst in instructions(new) {
                if opcode(inst) == LLVMOpcode::LLVMRet && LLVMGetNumOperands(inst) == 1 {
                    cx.position_before(inst);
                    cx.store(operand(inst, 0), ret_ptr);
                    LLVMBuildRetVoid(cx.builder);
                    LLVMInstructionEraseFromParent(inst);
                }
            }
        }
        LLVMSetValueName2(old, c"".as_ptr(), 0);
        LLVMSetValueName2(new, cstr(&taken).as_ptr(), taken.len());
        LLVMReplaceAllUsesWith(old, new);
        LLVMDeleteFunction(old);
        new
    }
}

fn widen_narrow_libcalls(cx: &Cx, counts: &mut Counts) {
    for function in functions(cx.module) {
        if is_declaration(function) || !NARROW_LIBCALLS.contains(&name(function).as_str()) {
            continue;
        }
        unsafe {
            let old_type = LLVMGlobalGetValueType(function);
            let ret = LLVMGetReturnType(old_type);
            let bits = match LLVMGetTypeKind(ret) {
                LLVMTypeKind::LLVMFloatTypeKind => 32,
                LLVMTypeKind::LLVMIntegerTypeKind if LLVMGetIntTypeWidth(ret) < 64 => {
                    LLVMGetIntTypeWidth(ret)
                }
                _ => continue,
            };
            let narrow_int = LLVMIntTypeInContext(cx.context, bits);
            let mut params = param_types(old_type);
            let new_type = LLVMFunctionType(cx.i64, params.as_mut_ptr(), params.len() as u32, 0);
            // Direct IR calls: call the widened function, then narrow the result back.
            for caller in functions(cx.module) {
                if is_declaration(caller) {
                    continue;
                }
                for inst in instructions(caller) {
                    if opcode(inst) != LLVMOpcode::LLVMCall || direct_callee(inst) != Some(function) {
                        continue;
                    }
                    cx.position_before(inst);
                    let mut args = call_args(inst);
                    let wide = LLVMBuildCall2(
                        cx.builder,
                        new_type,
                        function,
                        args.as_mut_ptr(),
                        args.len() as u32,
                        c"".as_ptr(),
                    );
                    let narrow = LLVMBuildTrunc(cx.builder, wide, narrow_int, c"".as_ptr());
                    let value = LLVMBuildBitCast(cx.builder, narrow, ret, c"".as_ptr());
                    cx.replace(inst, value);
                }
            }
            let plan = Plan { new: new_type, ret: None, pack: None, params: param_types(old_type) };
            let new = rewrite_definition(cx, function, &plan);
            for inst in instructions(new) {
                if opcode(inst) == LLVMOpcode::LLVMRet && LLVMGetNumOperands(inst) == 1 {
                    cx.position_before(inst);
                    let value = operand(inst, 0);
                    let as_int = LLVMBuildBitCast(cx.builder, value, narrow_int, c"".as_ptr());
                    let wide = LLVMBuildZExt(cx.builder, as_int, cx.i64, c"".as_ptr());
                    LLVMBuildRet(cx.builder, wide);
                    LLVMInstructionEraseFromParent(inst);
                }
            }
            *counts.entry("widened libcall returns").or_default() += 1;
        }
    }
}

/// LLVM 22's BPF backend refuses any function with an `sret` parameter ("aggregate returns
/// are not supported"), though the pointer is an ordinary argument: the attribute only
/// marks it. Dropping it from definitions and call sites changes no code.
fn strip_sret(cx: &Cx, counts: &mut Counts) {
    unsafe {
        let sret = LLVMGetEnumAttributeKindForName(c"sret".as_ptr(), 4);
        for function in functions(cx.module) {
            for i in 0..LLVMCountParams(function) {
                let index = i + 1;
                if !LLVMGetEnumAttributeAtIndex(function, index, sret).is_null() {
                    LLVMRemoveEnumAttributeAtIndex(function, index, sret);
                    *counts.entry("sret removed").or_default() += 1;
                }
            }
            if is_declaration(function) {
                continue;
            }
            for inst in instructions(function) {
                if opcode(inst) != LLVMOpcode::LLVMCall {
                    continue;
                }
                for i in 0..LLVMGetNumArgOperands(inst) {
                    if !LLVMGetCallSiteEnumAttribute(inst, i + 1, sret).is_null() {
                        LLVMRemoveCallSiteEnumAttribute(inst, i + 1, sret);
                    }
                }
            }
        }
    }
}
