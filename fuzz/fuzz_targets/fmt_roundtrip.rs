//! Fuzz target `fmt_roundtrip`: see `kaohe::fuzzing::fmt_roundtrip` for the property it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = kaohe::fuzzing::fmt_roundtrip(data) {
        panic!("{e}");
    }
});
