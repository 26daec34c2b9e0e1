//! Fuzz target `check`: see `kaohe::fuzzing::check` for the property it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = kaohe::fuzzing::check(data) {
        panic!("{e}");
    }
});
