//! Instruction rewrites: every operation LLVM 22's BPF backend would turn into an
//! unsupported libcall (128-bit multiply, division, remainder, variable and funnel shifts,
//! overflow-checked multiplies, saturating float→i128 conversions) or reject outright
//! (signed division) becomes a call to a `gridtokenx-sbf-rt` helper.
use std::collections::BTreeMap;

use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::LLVMOpcode::*;

use crate::ir::*;

/// Rewrites made, by kind (for the build log).
pub type Counts = BTreeMap<&'static str, usize>;

pub fn lower(cx: &Cx) -> Result<Counts, String> {
    let mut counts = Counts::new();
    for function in functions(cx.module) {
        // The helpers are 64-bit-only by construction; rewriting them would recurse.
        if is_declaration(function) || name(function).starts_with("__gtx_") {
            continue;
        }
        for inst in instructions(function) {
            let width = int_width(type_of(inst));
            let kind = match (opcode(inst), width) {
                (LLVMMul, Some(128)) => Some(binary128(cx, function, inst, "__gtx_mul128")?),
                (LLVMMul, Some(256)) => Some(mul256(cx, function, inst)?),
                (LLVMUDiv, Some(128)) => Some(binary128(cx, function, inst, "__gtx_udiv128")?),
                (LLVMURem, Some(128)) => Some(binary128(cx, function, inst, "__gtx_urem128")?),
                (LLVMSDiv, Some(128)) => Some(binary128(cx, function, inst, "__gtx_sdiv128")?),
                (LLVMSRem, Some(128)) => Some(binary128(cx, function, inst, "__gtx_srem128")?),
                (LLVMSDiv, Some(w)) if w <= 64 => Some(signed64(cx, inst, "__gtx_sdiv64")?),
                (LLVMSRem, Some(w)) if w <= 64 => Some(signed64(cx, inst, "__gtx_srem64")?),
                (LLVMShl, Some(128)) if !is_constant_int(operand(inst, 1)) => {
                    Some(shift128(cx, function, inst, "__gtx_shl128")?)
                }
                (LLVMLShr, Some(128)) if !is_constant_int(operand(inst, 1)) => {
                    Some(shift128(cx, function, inst, "__gtx_lshr128")?)
                }
                (LLVMAShr, Some(128)) if !is_constant_int(operand(inst, 1)) => {
                    Some(shift128(cx, function, inst, "__gtx_ashr128")?)
                }
                (LLVMCall, _) => intrinsic(cx, function, inst)?,
                _ => None,
            };
            if let Some(kind) = kind {
                *counts.entry(kind).or_default() += 1;
            }
        }
    }
    Ok(counts)
}

/// The common shape of every buffer rewrite: store `inputs` into the function's scratch
/// buffer, `stride` bytes apart, and call `helper(buf)`; the caller loads the results.
fn call_with_buffer(
    cx: &Cx,
    function: LLVMValueRef,
    inst: LLVMValueRef,
    helper: &'static str,
    inputs: &[LLVMValueRef],
    stride: u64,
) -> Result<LLVMValueRef, String> {
    let helper_fn = cx.helper(helper)?;
    let words = (inputs.len() as u64 * stride).div_ceil(8) as u32;
    let buf = cx.words(function, words, inst);
    for (i, input) in inputs.iter().enumerate() {
        cx.store(*input, cx.at(buf, i as u64 * stride));
    }
    cx.call(helper_fn, &mut [buf]);
    Ok(buf)
}

/// `inst` becomes `helper(buf = inputs)`, its value read back from the buffer's start.
fn via_buffer(
    cx: &Cx,
    function: LLVMValueRef,
    inst: LLVMValueRef,
    helper: &'static str,
    inputs: &[LLVMValueRef],
    stride: u64,
) -> Result<&'static str, String> {
    let buf = call_with_buffer(cx, function, inst, helper, inputs, stride)?;
    let result = cx.load(type_of(inst), buf);
    cx.replace(inst, result);
    Ok(helper)
}

/// `op i128 a, b` → buf = [a, b]; helper(buf); result = buf[0..16].
fn binary128(cx: &Cx, function: LLVMValueRef, inst: LLVMValueRef, helper: &'static str) -> Result<&'static str, String> {
    via_buffer(cx, function, inst, helper, &[operand(inst, 0), operand(inst, 1)], 16)
}

/// `mul i256 a, b` → buf = [a, b]; helper(buf); result = buf[0..32].
fn mul256(cx: &Cx, function: LLVMValueRef, inst: LLVMValueRef) -> Result<&'static str, String> {
    via_buffer(cx, function, inst, "__gtx_mul256", &[operand(inst, 0), operand(inst, 1)], 32)
}

/// Variable 128-bit shift → buf = [value, amount as u64]; helper(buf).
fn shift128(cx: &Cx, function: LLVMValueRef, inst: LLVMValueRef, helper: &'static str) -> Result<&'static str, String> {
    let amount = {
        cx.position_before(inst);
        cx.to_i64(operand(inst, 1))
    };
    via_buffer(cx, function, inst, helper, &[operand(inst, 0), amount], 16)
}

/// `sdiv`/`srem` on ≤ 64 bits → sign-extend, helper(a, b) → i64, truncate back.
fn signed64(cx: &Cx, inst: LLVMValueRef, helper: &'static str) -> Result<&'static str, String> {
    let helper_fn = cx.helper(helper)?;
    cx.position_before(inst);
    let ty = type_of(inst);
    let widen = |v: LLVMValueRef| unsafe {
        if int_width(ty) == Some(64) {
            v
        } else {
            LLVMBuildSExt(cx.builder, v, cx.i64, c"".as_ptr())
        }
    };
    let (a, b) = (widen(operand(inst, 0)), widen(operand(inst, 1)));
    let mut result = cx.call(helper_fn, &mut [a, b]);
    if int_width(ty) != Some(64) {
        result = unsafe { LLVMBuildTrunc(cx.builder, result, ty, c"".as_ptr()) };
    }
    cx.replace(inst, result);
    Ok(helper)
}

fn intrinsic(cx: &Cx, function: LLVMValueRef, inst: LLVMValueRef) -> Result<Option<&'static str>, String> {
    let Some(callee) = direct_callee(inst) else { return Ok(None) };
    let callee = name(callee);
    if !callee.starts_with("llvm.") {
        return Ok(None);
    }
    let args = call_args(inst);
    let kind = match callee.as_str() {
        "llvm.umul.with.overflow.i64" => overflow(cx, function, inst, &args, "__gtx_umulo64", cx.i64, 8)?,
        "llvm.smul.with.overflow.i64" => overflow(cx, function, inst, &args, "__gtx_smulo64", cx.i64, 8)?,
        "llvm.umul.with.overflow.i128" => overflow(cx, function, inst, &args, "__gtx_umulo128", cx.i128, 16)?,
        "llvm.fshl.i128" if !is_constant_int(args[2]) => funnel(cx, function, inst, &args, "__gtx_fshl128")?,
        "llvm.fshr.i128" if !is_constant_int(args[2]) => funnel(cx, function, inst, &args, "__gtx_fshr128")?,
        "llvm.fptoui.sat.i128.f64" => float_to_128(cx, function, inst, args[0], "__gtx_f64_to_u128_sat")?,
        "llvm.fptosi.sat.i128.f64" => float_to_128(cx, function, inst, args[0], "__gtx_f64_to_i128_sat")?,
        "llvm.smul.with.overflow.i128" | "llvm.fptoui.sat.i128.f32" | "llvm.fptosi.sat.i128.f32" => {
            return Err(format!("{callee} is not lowered yet: add a helper to gridtokenx-sbf-rt"))
        }
        _ => return Ok(None),
    };
    Ok(Some(kind))
}

/// `{T, i1} @llvm.*mul.with.overflow(a, b)` → buf = [a, b]; helper(buf); {buf[0], buf[size] != 0}.
fn overflow(
    cx: &Cx,
    function: LLVMValueRef,
    inst: LLVMValueRef,
    args: &[LLVMValueRef],
    helper: &'static str,
    ty: LLVMTypeRef,
    size: u64,
) -> Result<&'static str, String> {
    let buf = call_with_buffer(cx, function, inst, helper, &args[..2], size)?;
    let value = cx.load(ty, buf);
    let flag_word = cx.load(cx.i64, cx.at(buf, size));
    unsafe {
        let zero = LLVMConstInt(cx.i64, 0, 0);
        let flag = LLVMBuildICmp(cx.builder, llvm_sys::LLVMIntPredicate::LLVMIntNE, flag_word, zero, c"".as_ptr());
        let pair = LLVMGetPoison(type_of(inst));
        let pair = LLVMBuildInsertValue(cx.builder, pair, value, 0, c"".as_ptr());
        let pair = LLVMBuildInsertValue(cx.builder, pair, flag, 1, c"".as_ptr());
        cx.replace(inst, pair);
    }
    Ok(helper)
}

/// `llvm.fsh{l,r}.i128(a, b, n)` → buf = [a, b, n]; helper(buf).
fn funnel(
    cx: &Cx,
    function: LLVMValueRef,
    inst: LLVMValueRef,
    args: &[LLVMValueRef],
    helper: &'static str,
) -> Result<&'static str, String> {
    cx.position_before(inst);
    let amount = cx.to_i64(args[2]);
    via_buffer(cx, function, inst, helper, &[args[0], args[1], amount], 16)
}

/// Saturating f64 → 128-bit: buf = [bits of x]; helper(buf).
fn float_to_128(
    cx: &Cx,
    function: LLVMValueRef,
    inst: LLVMValueRef,
    x: LLVMValueRef,
    helper: &'static str,
) -> Result<&'static str, String> {
    cx.position_before(inst);
    let bits = unsafe { LLVMBuildBitCast(cx.builder, x, cx.i64, c"".as_ptr()) };
    via_buffer(cx, function, inst, helper, &[bits], 8)
}
