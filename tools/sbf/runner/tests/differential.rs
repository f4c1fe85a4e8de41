//! The SBF build against the host, byte for byte: every operation of `sbf_diff_ops` over
//! proptest-generated inputs (edge values mixed in), run natively and as the SBF program in
//! LiteSVM. A home-made lowering pass can miscompile silently; this is what would notice.
//!
//! Runs against the program `tools/sbf/build.sh` just built, named by $SBF_DIFF_SO, which
//! tools/sbf/test.sh sets. The workspace's own `cargo test` (before any SBF build, or with
//! one left from an earlier run) has no fresh build to compare with: each test then says
//! it was skipped and passes, and tools/sbf/test.sh is where it runs.
use std::cell::RefCell;
use std::path::PathBuf;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sbf_diff_ops::*;
use sbf_runner::Program;

/// The program under test, or `None` (with a note) outside tools/sbf/test.sh.
fn load() -> Option<Program> {
    let Some(path) = std::env::var_os("SBF_DIFF_SO").map(PathBuf::from) else {
        eprintln!("skipped: SBF_DIFF_SO is not set (tools/sbf/test.sh runs this test on a fresh SBF build)");
        return None;
    };
    let so = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (build it with tools/sbf/build.sh)", path.display()));
    Some(Program::load(&so).unwrap())
}

fn u128s() -> impl Strategy<Value = u128> {
    prop_oneof![
        4 => any::<u128>(),
        2 => any::<u64>().prop_map(u128::from),
        1 => 0u128..1_000,
        1 => prop::sample::select(vec![0, 1, u128::MAX, u128::MAX - 1, 1 << 127, (1 << 127) - 1, 1 << 64, (1 << 64) - 1, u128::from(u64::MAX) + 1]),
        1 => any::<i64>().prop_map(|v| v as i128 as u128),
    ]
}

fn u64s() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => any::<u64>(),
        2 => 0u64..1_000,
        1 => any::<u32>().prop_map(u64::from),
        1 => prop::sample::select(vec![0, 1, 2, u64::MAX, u64::MAX - 1, i64::MIN as u64, i64::MAX as u64, (-1i64) as u64, 1 << 32]),
        1 => any::<i16>().prop_map(|v| v as i64 as u64),
    ]
}

fn f64s() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<f64>(),
        2 => -1e6f64..1e6,
        1 => -1e40f64..1e40,
        1 => prop::sample::select(vec![0.0, -0.0, 1.0, -1.0, 0.5, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, f64::MAX, f64::MIN, f64::MIN_POSITIVE, 1.7e38, -1.7e38, 3.4e38, 18446744073709551615.0, 9.2e18]),
    ]
}

fn bytes<const N: usize>(parts: &[&[u8]]) -> Vec<u8> {
    let v = parts.concat();
    assert_eq!(v.len(), N);
    v
}

/// Runs `op` over `args`, host against SBF; returns the compute units seen.
fn differential(op: u8, args: impl Strategy<Value = Vec<u8>>) -> Vec<u64> {
    let Some(program) = load() else { return Vec::new() };
    let program = RefCell::new(program);
    let units = RefCell::new(Vec::new());
    let mut runner = TestRunner::new(Config { cases: 400, failure_persistence: None, ..Config::default() });
    let result = runner.run(&args, |args| {
        let input = [&[op][..], &args].concat();
        let mut out = Out::default();
        let host = run(&input, &mut out).map(|()| out.as_slice().to_vec());
        let sbf = program.borrow_mut().call(&input);
        units.borrow_mut().push(sbf.compute_units);
        match host {
            Ok(expected) => prop_assert_eq!(sbf.result, Ok(expected), "input {:?}", input),
            Err(_) => prop_assert!(sbf.result.is_err(), "input {:?}", input),
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("op {op}: SBF differs from the host: {e}");
    }
    let mut units = units.into_inner();
    units.sort_unstable();
    eprintln!("op {op}: compute units p50 {} max {}", units[units.len() / 2], units[units.len() - 1]);
    units
}

fn pair128() -> impl Strategy<Value = Vec<u8>> {
    (u128s(), u128s()).prop_map(|(a, b)| bytes::<32>(&[&a.to_le_bytes(), &b.to_le_bytes()]))
}

fn pair64() -> impl Strategy<Value = Vec<u8>> {
    (u64s(), u64s()).prop_map(|(a, b)| bytes::<16>(&[&a.to_le_bytes(), &b.to_le_bytes()]))
}

#[test]
fn u128_multiply() {
    differential(U128_MUL, pair128());
}

#[test]
fn u128_division_and_remainder() {
    differential(U128_DIVREM, pair128());
}

#[test]
fn i128_division_remainder_and_multiply() {
    differential(I128_DIVREM, pair128());
}

#[test]
fn shifts_and_rotations() {
    let amount = prop_oneof![0u64..130, any::<u64>()];
    differential(
        SHIFTS,
        (u128s(), amount).prop_map(|(a, s)| bytes::<24>(&[&a.to_le_bytes(), &s.to_le_bytes()])),
    );
}

#[test]
fn checked_u64() {
    differential(CHECKED_U64, pair64());
}

#[test]
fn checked_u128() {
    differential(CHECKED_U128, pair128());
}

#[test]
fn signed_i64() {
    differential(SIGNED_I64, pair64());
}

#[test]
fn seven_arguments() {
    differential(
        MANY_ARGS,
        prop::collection::vec(u64s(), 7).prop_map(|v| v.iter().flat_map(|x| x.to_le_bytes()).collect()),
    );
}

#[test]
fn struct_return() {
    differential(
        STRUCT_RETURN,
        (u64s(), u128s()).prop_map(|(a, b)| bytes::<24>(&[&a.to_le_bytes(), &b.to_le_bytes()])),
    );
}

#[test]
fn f64_arithmetic_and_conversions() {
    differential(
        F64_ARITH,
        (f64s(), f64s())
            .prop_map(|(a, b)| bytes::<16>(&[&a.to_bits().to_le_bytes(), &b.to_bits().to_le_bytes()])),
    );
}

#[test]
fn f64_to_128_bits() {
    differential(F64_TO_U128, f64s().prop_map(|a| a.to_bits().to_le_bytes().to_vec()));
}

#[test]
fn formatting() {
    differential(
        FORMAT,
        (u128s(), u64s(), f64s()).prop_map(|(a, b, c)| {
            bytes::<32>(&[&a.to_le_bytes(), &b.to_le_bytes(), &c.to_bits().to_le_bytes()])
        }),
    );
}

#[test]
fn garbage_is_refused_alike() {
    let garbage = (0u8..16, prop::collection::vec(any::<u8>(), 0..40))
        .prop_map(|(op, rest)| [&[op][..], &rest].concat());
    let Some(program) = load() else { return };
    let program = RefCell::new(program);
    TestRunner::new(Config { cases: 300, failure_persistence: None, ..Config::default() })
        .run(&garbage, |input| {
            let mut out = Out::default();
            let host = run(&input, &mut out).map(|()| out.as_slice().to_vec());
            let sbf = program.borrow_mut().call(&input);
            match host {
                Ok(expected) => prop_assert_eq!(sbf.result, Ok(expected)),
                Err(_) => prop_assert!(sbf.result.is_err()),
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn every_operation_is_covered() {
    // The tests above, one per operation: adding an op to `ALL` without a test fails here.
    assert_eq!(ALL.len(), 12);
}
