//! Operations that exercise every construct the SBF route has to get right — 128-bit
//! multiply, division, remainder and shifts, checked and signed 64-bit arithmetic, calls
//! with more than five arguments, aggregate returns, soft-float f64 and `core::fmt`.
//!
//! The same code runs on the host (the reference) and as an SBF program; the runner
//! compares the two byte for byte. Input: `[op][little-endian arguments]`; output: the
//! little-endian results. `#[inline(never)]` and `black_box` keep the interesting calls and
//! operations from being folded away, so the SBF code really contains them.
#![no_std]

use core::fmt::Write;
use core::hint::black_box;

pub const U128_MUL: u8 = 0;
pub const U128_DIVREM: u8 = 1;
pub const I128_DIVREM: u8 = 2;
pub const SHIFTS: u8 = 3;
pub const CHECKED_U64: u8 = 4;
pub const CHECKED_U128: u8 = 5;
pub const SIGNED_I64: u8 = 6;
pub const MANY_ARGS: u8 = 7;
pub const STRUCT_RETURN: u8 = 8;
pub const F64_ARITH: u8 = 9;
pub const F64_TO_U128: u8 = 10;
pub const FORMAT: u8 = 11;
/// Every operation, for the runner's coverage check.
pub const ALL: [u8; 12] = [
    U128_MUL,
    U128_DIVREM,
    I128_DIVREM,
    SHIFTS,
    CHECKED_U64,
    CHECKED_U128,
    SIGNED_I64,
    MANY_ARGS,
    STRUCT_RETURN,
    F64_ARITH,
    F64_TO_U128,
    FORMAT,
];

pub const MAX_OUTPUT: usize = 256;

#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    UnknownOp,
    ShortInput,
}

/// A fixed buffer the results are appended to (no allocator on either side).
pub struct Out {
    pub bytes: [u8; MAX_OUTPUT],
    pub len: usize,
}

impl Default for Out {
    fn default() -> Self {
        Out { bytes: [0; MAX_OUTPUT], len: 0 }
    }
}

impl Out {
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn put(&mut self, data: &[u8]) {
        let end = (self.len + data.len()).min(MAX_OUTPUT);
        let n = end - self.len;
        self.bytes[self.len..end].copy_from_slice(&data[..n]);
        self.len = end;
    }

    fn u128(&mut self, v: u128) {
        self.put(&v.to_le_bytes());
    }

    fn u64(&mut self, v: u64) {
        self.put(&v.to_le_bytes());
    }

    /// NaN payloads differ between hardware and soft-float and carry no meaning: one NaN.
    fn f64(&mut self, v: f64) {
        self.u64(if v.is_nan() { f64::NAN.to_bits() } else { v.to_bits() });
    }

    fn opt_u128(&mut self, v: Option<u128>) {
        self.put(&[v.is_some() as u8]);
        self.u128(v.unwrap_or(0));
    }

    fn opt_u64(&mut self, v: Option<u64>) {
        self.put(&[v.is_some() as u8]);
        self.u64(v.unwrap_or(0));
    }
}

impl Write for Out {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.put(s.as_bytes());
        Ok(())
    }
}

struct Args<'a>(&'a [u8]);

impl Args<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        if self.0.len() < N {
            return Err(Error::ShortInput);
        }
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        Ok(head.try_into().expect("split at N"))
    }
    fn u128(&mut self) -> Result<u128, Error> {
        Ok(u128::from_le_bytes(self.take()?))
    }
    fn u64(&mut self) -> Result<u64, Error> {
        Ok(u64::from_le_bytes(self.take()?))
    }
    fn f64(&mut self) -> Result<f64, Error> {
        Ok(f64::from_bits(self.u64()?))
    }
}

/// Seven arguments: SBF passes five in registers, the rest must go through memory.
#[inline(never)]
pub fn many_args(a: u64, b: u64, c: u64, d: u64, e: u64, f: u64, g: u64) -> u64 {
    a.wrapping_mul(3) ^ b.rotate_left(7) ^ c.wrapping_add(d) ^ e.wrapping_sub(f).wrapping_mul(g | 1)
}

/// Larger than two registers: returned through memory.
#[derive(Clone, Copy)]
pub struct Big {
    pub x: u64,
    pub y: u128,
    pub z: [u8; 24],
}

#[inline(never)]
pub fn make_big(a: u64, b: u128) -> Big {
    let mut z = [0u8; 24];
    for (i, byte) in z.iter_mut().enumerate() {
        *byte = (a >> (i % 8 * 8)) as u8 ^ (b >> (i * 5)) as u8;
    }
    Big { x: a ^ (b as u64), y: b.wrapping_add(u128::from(a)), z }
}

pub fn run(input: &[u8], out: &mut Out) -> Result<(), Error> {
    let (&op, rest) = input.split_first().ok_or(Error::ShortInput)?;
    let mut args = Args(rest);
    match op {
        U128_MUL => {
            let (a, b) = (args.u128()?, args.u128()?);
            out.u128(black_box(a).wrapping_mul(black_box(b)));
        }
        U128_DIVREM => {
            let (a, b) = (black_box(args.u128()?), black_box(args.u128()?));
            out.opt_u128(a.checked_div(b));
            out.opt_u128(a.checked_rem(b));
        }
        I128_DIVREM => {
            let (a, b) = (black_box(args.u128()? as i128), black_box(args.u128()? as i128));
            out.opt_u128(a.checked_div(b).map(|v| v as u128));
            out.opt_u128(a.checked_rem(b).map(|v| v as u128));
            out.u128(a.wrapping_mul(b) as u128);
        }
        SHIFTS => {
            let (a, s) = (black_box(args.u128()?), black_box(args.u64()? as u32));
            out.u128(a.wrapping_shl(s));
            out.u128(a.wrapping_shr(s));
            out.u128((a as i128).wrapping_shr(s) as u128);
            out.u128(a.rotate_left(s));
            out.u64((a as u64).wrapping_shl(s) ^ (a as i64).wrapping_shr(s) as u64);
        }
        CHECKED_U64 => {
            let (a, b) = (black_box(args.u64()?), black_box(args.u64()?));
            out.opt_u64(a.checked_mul(b));
            out.opt_u64(a.checked_add(b));
            out.opt_u64(a.checked_sub(b));
            out.u64(a.saturating_mul(b));
            let (v, o) = a.overflowing_mul(b);
            out.u64(v);
            out.put(&[o as u8]);
            out.u128(u128::from(a) * u128::from(b));
        }
        CHECKED_U128 => {
            let (a, b) = (black_box(args.u128()?), black_box(args.u128()?));
            out.opt_u128(a.checked_mul(b));
            out.opt_u128(a.checked_add(b));
            out.opt_u128(a.checked_sub(b));
            out.u128(a.saturating_mul(b));
        }
        SIGNED_I64 => {
            let (a, b) = (black_box(args.u64()? as i64), black_box(args.u64()? as i64));
            out.opt_u64(a.checked_div(b).map(|v| v as u64));
            out.opt_u64(a.checked_rem(b).map(|v| v as u64));
            out.opt_u64(a.checked_mul(b).map(|v| v as u64));
            out.u64(a.wrapping_div(b | 1) as u64);
            out.u64(a.rem_euclid(b.checked_abs().unwrap_or(1).max(1)) as u64);
            out.u64(a.signum() as u64);
        }
        MANY_ARGS => {
            let v: [u64; 7] = core::array::from_fn(|_| args.u64().unwrap_or(0));
            out.u64(many_args(v[0], v[1], v[2], v[3], v[4], v[5], v[6]));
        }
        STRUCT_RETURN => {
            let (a, b) = (args.u64()?, args.u128()?);
            let big = make_big(black_box(a), black_box(b));
            out.u64(big.x);
            out.u128(big.y);
            out.put(&big.z);
        }
        F64_ARITH => {
            let (a, b) = (black_box(args.f64()?), black_box(args.f64()?));
            for v in [a + b, a - b, a * b, a / b] {
                out.f64(v);
            }
            out.put(&[(a < b) as u8, (a == b) as u8, (a >= b) as u8]);
            out.u64(a as i64 as u64);
            out.u64(a as u64);
            out.f64(a as u64 as f64);
            out.f64((a as i64) as f64);
            let narrow = a as f32;
            out.u64(if narrow.is_nan() { f32::NAN.to_bits() } else { narrow.to_bits() } as u64);
        }
        F64_TO_U128 => {
            let a = black_box(args.f64()?);
            out.u128(a as u128);
            out.u128(a as i128 as u128);
        }
        FORMAT => {
            let (a, b, c) = (args.u128()?, args.u64()? as i64, args.f64()?);
            let _ = write!(out, "{} {} {:.3} {:x} {:?}", black_box(a), black_box(b), black_box(c), a, b);
        }
        _ => return Err(Error::UnknownOp),
    }
    Ok(())
}
