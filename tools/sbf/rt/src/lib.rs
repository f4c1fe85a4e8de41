//! The helpers `tools/sbf/lower` rewrites SBF-unfriendly LLVM IR into. LLVM 22's upstream BPF
//! backend cannot return more than 64 bits, pass more than five arguments or call libcalls,
//! and SBPF v0 has no signed division; so 128-bit multiply, division, remainder, variable
//! shifts, funnel shifts, overflow-checked multiplies, saturating float→128-bit conversions
//! and signed division become calls to these functions, which use 64-bit unsigned
//! operations only.
//!
//! Convention: 128-bit helpers take one pointer to a buffer of `u64` words holding the
//! operands (low word first) and write the result back to its start. The pass allocates
//! the buffer in the caller's entry block. Every helper is checked against the host's own
//! arithmetic by `tools/sbf/runner`'s differential test.
#![no_std]

#[inline(always)]
fn mul_wide(a: u64, b: u64) -> (u64, u64) {
    let (a0, a1) = (a & 0xffff_ffff, a >> 32);
    let (b0, b1) = (b & 0xffff_ffff, b >> 32);
    // Wrapping operations throughout (none can wrap): a checked multiply would become
    // `llvm.umul.with.overflow`, which the pass rewrites into a call to this very code.
    let (p00, p01, p10, p11) =
        (a0.wrapping_mul(b0), a0.wrapping_mul(b1), a1.wrapping_mul(b0), a1.wrapping_mul(b1));
    let mid = (p00 >> 32).wrapping_add(p01 & 0xffff_ffff).wrapping_add(p10 & 0xffff_ffff);
    let lo = (p00 & 0xffff_ffff) | (mid << 32);
    let hi = p11.wrapping_add(p01 >> 32).wrapping_add(p10 >> 32).wrapping_add(mid >> 32);
    (lo, hi)
}

#[inline(always)]
fn neg128(lo: u64, hi: u64) -> (u64, u64) {
    let lo2 = (!lo).wrapping_add(1);
    (lo2, (!hi).wrapping_add((lo2 == 0) as u64))
}

#[inline(always)]
fn shl128(lo: u64, hi: u64, n: u64) -> (u64, u64) {
    let n = n & 127;
    if n == 0 {
        (lo, hi)
    } else if n >= 64 {
        (0, lo << (n - 64))
    } else {
        (lo << n, (hi << n) | (lo >> (64 - n)))
    }
}

#[inline(always)]
fn lshr128(lo: u64, hi: u64, n: u64) -> (u64, u64) {
    let n = n & 127;
    if n == 0 {
        (lo, hi)
    } else if n >= 64 {
        (hi >> (n - 64), 0)
    } else {
        ((lo >> n) | (hi << (64 - n)), hi >> n)
    }
}

#[inline(always)]
fn ashr128(lo: u64, hi: u64, n: u64) -> (u64, u64) {
    let n = n & 127;
    let fill = ((hi as i64) >> 63) as u64;
    if n == 0 {
        (lo, hi)
    } else if n >= 64 {
        (((hi as i64) >> (n - 64)) as u64, fill)
    } else {
        ((lo >> n) | (hi << (64 - n)), ((hi as i64) >> n) as u64)
    }
}

#[inline(always)]
fn lt128(alo: u64, ahi: u64, blo: u64, bhi: u64) -> bool {
    ahi < bhi || (ahi == bhi && alo < blo)
}

/// Unsigned 128-bit division: (quotient, remainder); division by zero gives (0, 0) (LLVM
/// leaves it undefined).
fn udivrem128(nlo: u64, nhi: u64, dlo: u64, dhi: u64) -> (u64, u64, u64, u64) {
    if dlo == 0 && dhi == 0 {
        return (0, 0, 0, 0);
    }
    if nhi == 0 && dhi == 0 {
        return (nlo / dlo, 0, nlo % dlo, 0);
    }
    if lt128(nlo, nhi, dlo, dhi) {
        return (0, 0, nlo, nhi);
    }
    let lz = |lo: u64, hi: u64| if hi != 0 { hi.leading_zeros() } else { 64 + lo.leading_zeros() };
    let shift = u64::from(lz(dlo, dhi) - lz(nlo, nhi));
    let (mut dlo, mut dhi) = shl128(dlo, dhi, shift);
    let (mut rlo, mut rhi) = (nlo, nhi);
    let (mut qlo, mut qhi) = (0u64, 0u64);
    let mut i = 0;
    while i <= shift {
        (qlo, qhi) = shl128(qlo, qhi, 1);
        if !lt128(rlo, rhi, dlo, dhi) {
            let borrow = (rlo < dlo) as u64;
            rlo = rlo.wrapping_sub(dlo);
            rhi = rhi.wrapping_sub(dhi).wrapping_sub(borrow);
            qlo |= 1;
        }
        (dlo, dhi) = lshr128(dlo, dhi, 1);
        i += 1;
    }
    (qlo, qhi, rlo, rhi)
}

/// Signed division on magnitudes; the remainder takes the dividend's sign.
fn sdivrem128(nlo: u64, nhi: u64, dlo: u64, dhi: u64) -> (u64, u64, u64, u64) {
    let (n_neg, d_neg) = ((nhi as i64) < 0, (dhi as i64) < 0);
    let (nlo, nhi) = if n_neg { neg128(nlo, nhi) } else { (nlo, nhi) };
    let (dlo, dhi) = if d_neg { neg128(dlo, dhi) } else { (dlo, dhi) };
    let (qlo, qhi, rlo, rhi) = udivrem128(nlo, nhi, dlo, dhi);
    let (qlo, qhi) = if n_neg != d_neg { neg128(qlo, qhi) } else { (qlo, qhi) };
    let (rlo, rhi) = if n_neg { neg128(rlo, rhi) } else { (rlo, rhi) };
    (qlo, qhi, rlo, rhi)
}

/// Defines one buffer helper: `extern "C"`, unmangled, never inlined (the pass calls it by
/// name), documented with its buffer layout.
macro_rules! helper {
    ($(#[$doc:meta])* $name:ident($buf:ident) $body:block) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// `buf` points to the words the pass allocated for this call: the operands, which
        /// the result overwrites from the start.
        #[no_mangle]
        #[inline(never)]
        pub unsafe extern "C" fn $name($buf: *mut u64) $body
    };
}

helper!(
    /// buf: [a_lo, a_hi, b_lo, b_hi] → [r_lo, r_hi]
    __gtx_mul128(buf) {
        let (a0, a1, b0, b1) = (*buf, *buf.add(1), *buf.add(2), *buf.add(3));
        let (lo, hi) = mul_wide(a0, b0);
        let hi = hi.wrapping_add(a0.wrapping_mul(b1)).wrapping_add(a1.wrapping_mul(b0));
        *buf = lo;
        *buf.add(1) = hi;
    }
);

helper!(
    /// 256-bit multiply, modulo 2^256 (LLVM writes 128-bit division by a constant as one):
    /// buf: [a0, a1, a2, a3, b0, b1, b2, b3] → [r0, r1, r2, r3]
    __gtx_mul256(buf) {
        let mut r = [0u64; 4];
        let mut i = 0;
        while i < 4 {
            let a = *buf.add(i);
            let mut carry = 0u64;
            let mut j = 0;
            while i + j < 4 {
                let (lo, hi) = mul_wide(a, *buf.add(4 + j));
                let (sum, c1) = r[i + j].overflowing_add(lo);
                let (sum, c2) = sum.overflowing_add(carry);
                r[i + j] = sum;
                carry = hi.wrapping_add(c1 as u64).wrapping_add(c2 as u64);
                j += 1;
            }
            i += 1;
        }
        let mut k = 0;
        while k < 4 {
            *buf.add(k) = r[k];
            k += 1;
        }
    }
);

helper!(
    /// buf: [a_lo, a_hi, b_lo, b_hi] → [r_lo, r_hi, overflow]
    __gtx_umulo128(buf) {
        let (a0, a1, b0, b1) = (*buf, *buf.add(1), *buf.add(2), *buf.add(3));
        let (lo, hi0) = mul_wide(a0, b0);
        let (x_lo, x_hi) = mul_wide(a0, b1);
        let (y_lo, y_hi) = mul_wide(a1, b0);
        let (hi1, c1) = hi0.overflowing_add(x_lo);
        let (hi, c2) = hi1.overflowing_add(y_lo);
        let overflow = (a1 != 0 && b1 != 0) || x_hi != 0 || y_hi != 0 || c1 || c2;
        *buf = lo;
        *buf.add(1) = hi;
        *buf.add(2) = overflow as u64;
    }
);

helper!(
    /// buf: [a, b] → [r, overflow]
    __gtx_umulo64(buf) {
        let (lo, hi) = mul_wide(*buf, *buf.add(1));
        *buf = lo;
        *buf.add(1) = (hi != 0) as u64;
    }
);

helper!(
    /// buf: [a, b] (signed) → [r, overflow]
    __gtx_smulo64(buf) {
        let (a, b) = (*buf as i64, *buf.add(1) as i64);
        let ua = if a < 0 { (a as u64).wrapping_neg() } else { a as u64 };
        let ub = if b < 0 { (b as u64).wrapping_neg() } else { b as u64 };
        let negative = (a < 0) != (b < 0);
        let (lo, hi) = mul_wide(ua, ub);
        let overflow = hi != 0 || if negative { lo > 1 << 63 } else { lo >= 1 << 63 };
        *buf = if negative { lo.wrapping_neg() } else { lo };
        *buf.add(1) = overflow as u64;
    }
);

helper!(
    /// buf: [n_lo, n_hi, d_lo, d_hi] → [q_lo, q_hi]
    __gtx_udiv128(buf) {
        let (q0, q1, _, _) = udivrem128(*buf, *buf.add(1), *buf.add(2), *buf.add(3));
        *buf = q0;
        *buf.add(1) = q1;
    }
);

helper!(
    /// buf: [n_lo, n_hi, d_lo, d_hi] → [r_lo, r_hi]
    __gtx_urem128(buf) {
        let (_, _, r0, r1) = udivrem128(*buf, *buf.add(1), *buf.add(2), *buf.add(3));
        *buf = r0;
        *buf.add(1) = r1;
    }
);

helper!(
    /// buf: [n_lo, n_hi, d_lo, d_hi] → [q_lo, q_hi]
    __gtx_sdiv128(buf) {
        let (q0, q1, _, _) = sdivrem128(*buf, *buf.add(1), *buf.add(2), *buf.add(3));
        *buf = q0;
        *buf.add(1) = q1;
    }
);

helper!(
    /// buf: [n_lo, n_hi, d_lo, d_hi] → [r_lo, r_hi]
    __gtx_srem128(buf) {
        let (_, _, r0, r1) = sdivrem128(*buf, *buf.add(1), *buf.add(2), *buf.add(3));
        *buf = r0;
        *buf.add(1) = r1;
    }
);

helper!(
    /// buf: [lo, hi, n] → [r_lo, r_hi]
    __gtx_shl128(buf) {
        let (lo, hi) = shl128(*buf, *buf.add(1), *buf.add(2));
        *buf = lo;
        *buf.add(1) = hi;
    }
);

helper!(
    /// buf: [lo, hi, n] → [r_lo, r_hi]
    __gtx_lshr128(buf) {
        let (lo, hi) = lshr128(*buf, *buf.add(1), *buf.add(2));
        *buf = lo;
        *buf.add(1) = hi;
    }
);

helper!(
    /// buf: [lo, hi, n] → [r_lo, r_hi]
    __gtx_ashr128(buf) {
        let (lo, hi) = ashr128(*buf, *buf.add(1), *buf.add(2));
        *buf = lo;
        *buf.add(1) = hi;
    }
);

helper!(
    /// llvm.fshl.i128: buf: [a_lo, a_hi, b_lo, b_hi, n] → [r_lo, r_hi]
    __gtx_fshl128(buf) {
        let n = *buf.add(4) & 127;
        let (a0, a1) = shl128(*buf, *buf.add(1), n);
        let (b0, b1) = if n == 0 { (0, 0) } else { lshr128(*buf.add(2), *buf.add(3), 128 - n) };
        *buf = a0 | b0;
        *buf.add(1) = a1 | b1;
    }
);

helper!(
    /// llvm.fshr.i128: buf: [a_lo, a_hi, b_lo, b_hi, n] → [r_lo, r_hi]
    __gtx_fshr128(buf) {
        let n = *buf.add(4) & 127;
        let (b0, b1) = lshr128(*buf.add(2), *buf.add(3), n);
        let (a0, a1) = if n == 0 { (0, 0) } else { shl128(*buf, *buf.add(1), 128 - n) };
        *buf = a0 | b0;
        *buf.add(1) = a1 | b1;
    }
);

/// |x| of an f64 (by its bits) as a saturated unsigned 128-bit integer: (lo, hi, negative,
/// too_big). NaN gives zero.
fn f64_magnitude(bits: u64) -> (u64, u64, bool, bool) {
    let negative = bits >> 63 == 1;
    let exponent = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1 << 52) - 1);
    if exponent == 0x7ff {
        return (0, 0, negative, fraction == 0);
    }
    let e = exponent - 1023;
    if e < 0 {
        return (0, 0, negative, false);
    }
    if e >= 128 {
        return (0, 0, negative, true);
    }
    let mantissa = fraction | 1 << 52;
    let (lo, hi) = if e >= 52 { shl128(mantissa, 0, (e - 52) as u64) } else { (mantissa >> (52 - e), 0) };
    (lo, hi, negative, false)
}

helper!(
    /// llvm.fptoui.sat.i128.f64: buf: [f64 bits] → [r_lo, r_hi]
    __gtx_f64_to_u128_sat(buf) {
        let (lo, hi, negative, too_big) = f64_magnitude(*buf);
        let (lo, hi) = if negative { (0, 0) } else if too_big { (u64::MAX, u64::MAX) } else { (lo, hi) };
        *buf = lo;
        *buf.add(1) = hi;
    }
);

helper!(
    /// llvm.fptosi.sat.i128.f64: buf: [f64 bits] → [r_lo, r_hi]
    __gtx_f64_to_i128_sat(buf) {
        let (lo, hi, negative, too_big) = f64_magnitude(*buf);
        let nan = (*buf >> 52) & 0x7ff == 0x7ff && *buf & ((1 << 52) - 1) != 0;
        let (lo, hi) = if nan {
            (0, 0)
        } else if too_big || hi >> 63 == 1 {
            if negative { (0, 1 << 63) } else { (u64::MAX, u64::MAX >> 1) }
        } else if negative {
            neg128(lo, hi)
        } else {
            (lo, hi)
        };
        *buf = lo;
        *buf.add(1) = hi;
    }
);

/// Signed 64-bit division without a signed-division instruction. Division by zero (undefined
/// in LLVM) gives 0.
#[no_mangle]
#[inline(never)]
pub extern "C" fn __gtx_sdiv64(a: i64, b: i64) -> i64 {
    let ua = if a < 0 { (a as u64).wrapping_neg() } else { a as u64 };
    let ub = if b < 0 { (b as u64).wrapping_neg() } else { b as u64 };
    if ub == 0 {
        return 0;
    }
    let q = ua / ub;
    if (a < 0) != (b < 0) {
        q.wrapping_neg() as i64
    } else {
        q as i64
    }
}

/// Signed 64-bit remainder (sign of the dividend).
#[no_mangle]
#[inline(never)]
pub extern "C" fn __gtx_srem64(a: i64, b: i64) -> i64 {
    let ua = if a < 0 { (a as u64).wrapping_neg() } else { a as u64 };
    let ub = if b < 0 { (b as u64).wrapping_neg() } else { b as u64 };
    if ub == 0 {
        return 0;
    }
    let r = ua % ub;
    if a < 0 {
        r.wrapping_neg() as i64
    } else {
        r as i64
    }
}

/// Every helper's symbol: the linker keeps them alive until the pass has introduced calls.
pub const SYMBOLS: [&str; 18] = [
    "__gtx_mul128",
    "__gtx_mul256",
    "__gtx_umulo128",
    "__gtx_umulo64",
    "__gtx_smulo64",
    "__gtx_udiv128",
    "__gtx_urem128",
    "__gtx_sdiv128",
    "__gtx_srem128",
    "__gtx_shl128",
    "__gtx_lshr128",
    "__gtx_ashr128",
    "__gtx_fshl128",
    "__gtx_fshr128",
    "__gtx_f64_to_u128_sat",
    "__gtx_f64_to_i128_sat",
    "__gtx_sdiv64",
    "__gtx_srem64",
];
