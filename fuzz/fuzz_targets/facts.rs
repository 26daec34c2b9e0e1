//! Fuzz target `facts`: see `kaohe::fuzzing::facts` for the property it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = kaohe::fuzzing::facts(data) {
        panic!("{e}");
    }
});
