//! Compile time: parse + check + the compiled IR as JSON (what `kaohe build` does) of the
//! largest shipped policy and of a generated 1,000-rule policy. `cargo bench --bench compile`.

use kaohe::span::SourceMap;

fn main() {
    divan::main();
}

/// Parses, checks and serializes `text`, as `kaohe build` does; panics if it does not check.
fn build(name: &str, text: &str) -> String {
    let mut sources = SourceMap::new();
    let file = sources.add(name, text);
    let checked = kaohe::compile(&sources, file);
    let policy = checked.policy.expect("the benchmark policy checks");
    serde_json::to_string(&policy).expect("the IR serializes")
}

/// The largest policy in `policies/`.
fn largest_shipped() -> (String, String) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut best = (String::new(), String::new());
    for dir in std::fs::read_dir(root).expect("policies/").flatten() {
        for file in std::fs::read_dir(dir.path())
            .expect("a policy folder")
            .flatten()
        {
            let path = file.path();
            if path.extension().is_some_and(|e| e == "policy") {
                let text = std::fs::read_to_string(&path).expect("a readable policy");
                if text.len() > best.1.len() {
                    best = (path.display().to_string(), text);
                }
            }
        }
    }
    best
}

/// A policy of `n` rules in sections of ten, of the forms the seed policies use most.
fn generated(n: usize) -> String {
    let mut t = String::from("policy \"generated\"\n  year 2021\n  total ");
    let sections = n.div_ceil(10);
    t.push_str(&format!("{}\n\n", sections * 10));
    t.push_str("fact late: event with persons, days, kind in {a, b, c}\n");
    t.push_str("fact rate: measure percent\nfact leak: flag\n");
    for s in 0..sections {
        t.push_str(&format!("\nsection \"S{s}\" worth 10\n"));
        for r in 0..10.min(n - s * 10) {
            let line = match r % 5 {
                0 => format!(
                    "deduct 0.1 per person per occurrence of late where persons > {r}, cap 2"
                ),
                1 => "deduct 0.5 per person per day of late where kind = b, cap 3".into(),
                2 => "deduct by kind of late: a 0.1, b 0.2, c 0.5, cap 2".into(),
                3 => "deduct 2 unless rate >= 80%".into(),
                _ => "deduct 1 when leak and late >= 3".into(),
            };
            t.push_str(&format!("  {line}\n"));
        }
    }
    t
}

#[divan::bench]
fn largest_shipped_policy(bencher: divan::Bencher) {
    let (name, text) = largest_shipped();
    bencher.bench(|| build(&name, &text));
}

#[divan::bench]
fn generated_1000_rules(bencher: divan::Bencher) {
    let text = generated(1000);
    bencher.bench(|| build("generated.policy", &text));
}
