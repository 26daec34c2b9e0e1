//! Replays the fuzz corpus (`fuzz/corpus/TARGET/`: the fixtures it was seeded with and every
//! input fuzzing kept, crashes it found among them) through the same properties the fuzz
//! targets check, so that `cargo test` (and CI) holds what fuzzing established without
//! nightly or libFuzzer.

use std::path::Path;

fn replay(target: &str, property: fn(&[u8]) -> Result<(), String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut n = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the corpus").flatten() {
        let data = std::fs::read(entry.path()).expect("a corpus file");
        n += 1;
        if let Err(e) = property(&data) {
            failures.push(format!("{}: {e}", entry.path().display()));
        }
    }
    assert!(n >= 40, "only {n} inputs in {}", dir.display());
    assert!(
        failures.is_empty(),
        "{} of {n} fail:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn parse_corpus() {
    replay("parse", kaohe::fuzzing::parse);
}

#[test]
fn check_corpus() {
    replay("check", kaohe::fuzzing::check);
}

#[test]
fn fmt_roundtrip_corpus() {
    replay("fmt_roundtrip", kaohe::fuzzing::fmt_roundtrip);
}

#[test]
fn facts_corpus() {
    replay("facts", kaohe::fuzzing::facts);
}
