//! Fuzz target `parse`: see `kaohe::fuzzing::parse` for the property it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = kaohe::fuzzing::parse(data) {
        panic!("{e}");
    }
});
