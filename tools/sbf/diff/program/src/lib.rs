//! A minimal SBF program around `sbf_diff_ops::run`: no accounts, the instruction data is
//! the operation, the result comes back as return data. No std, no allocator, no SDK: the
//! entrypoint reads the loader's serialized input directly, so nothing but the code under
//! test runs through the home-made toolchain.
#![cfg_attr(target_arch = "bpf", no_std)]

#[cfg(target_arch = "bpf")]
mod sbf {
    use sbf_diff_ops::{run, Out};
    use gridtokenx_sbf_rt as _;
    use solana_compiler_builtins as _;

    extern "C" {
        fn sol_set_return_data(data: *const u8, len: u64);
        fn sol_panic_(file: *const u8, len: u64, line: u64, column: u64) -> !;
    }

    /// Custom program error returned for input the operations refuse.
    const BAD_INPUT: u64 = 1 << 32 | 1;

    /// # Safety
    /// Called by the SBF loader with its serialized input (aligned format).
    #[no_mangle]
    pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 {
        // The runner sends no accounts: [u64 accounts = 0][u64 data len][data][program id].
        let accounts = core::ptr::read_unaligned(input as *const u64);
        if accounts != 0 {
            return BAD_INPUT;
        }
        let len = core::ptr::read_unaligned(input.add(8) as *const u64) as usize;
        let data = core::slice::from_raw_parts(input.add(16), len);
        let mut out = Out::default();
        match run(data, &mut out) {
            Ok(()) => {
                sol_set_return_data(out.bytes.as_ptr(), out.len as u64);
                0
            }
            Err(_) => BAD_INPUT,
        }
    }

    #[panic_handler]
    fn panic(info: &core::panic::PanicInfo) -> ! {
        let (file, line, column) = info.location().map_or(("?", 0, 0), |l| (l.file(), l.line(), l.column()));
        // Aborts the program; the runner sees the failure, never a wrong result.
        unsafe { sol_panic_(file.as_ptr(), file.len() as u64, u64::from(line), u64::from(column)) }
    }
}
