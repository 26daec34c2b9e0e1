//! The two surface forms are one language: each real policy's Chinese version (`<name>.zh.policy`)
//! compiles to the same IR as its English one (positions and quoted clause text aside) and scores
//! its example facts to byte-identical output.

mod common;

use std::path::{Path, PathBuf};

use kaohe::eval::{score, Run};
use kaohe::span::SourceMap;

fn compile(path: &Path) -> kaohe::ir::Policy {
    let mut sources = SourceMap::new();
    let file = sources.add("policy", std::fs::read_to_string(path).expect("readable"));
    let checked = kaohe::compile(&sources, file);
    checked.policy.unwrap_or_else(|| {
        panic!(
            "{}: {}",
            path.display(),
            kaohe::diagnostic::render(&checked.diagnostics, &sources, false)
        )
    })
}

/// The IR as JSON without what depends on the text rather than the meaning.
fn meaning(policy: &kaohe::ir::Policy) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                for key in ["span", "clause", "source"] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(policy).expect("serializes");
    strip(&mut v);
    v
}

fn scores(policy: &kaohe::ir::Policy, dir: &Path) -> (String, String) {
    let mut facts: Vec<PathBuf> = std::fs::read_dir(dir.join("facts"))
        .expect("facts")
        .flatten()
        .map(|e| e.path())
        .collect();
    facts.sort();
    let units = Some(kaohe::facts::read_units_file(&dir.join("units.csv")).expect("units"));
    let mut sources = SourceMap::new();
    let results = score(
        policy,
        &Run {
            files: &facts,
            units,
            strict: true,
            explain: None,
        },
        &mut sources,
    )
    .results
    .expect("scores");
    (
        kaohe::report::table(&results),
        kaohe::report::csv(&results).expect("csv"),
    )
}

#[test]
fn chinese_and_english_policies_are_the_same_policy() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut pairs = 0;
    for entry in std::fs::read_dir(&root).expect("policies").flatten() {
        let dir = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let (en, zh) = (
            dir.join(format!("{name}.policy")),
            dir.join(format!("{name}.zh.policy")),
        );
        assert!(
            zh.exists(),
            "{name} has no Chinese version {}",
            zh.display()
        );
        let (en, zh) = (compile(&en), compile(&zh));
        assert_eq!(
            meaning(&en),
            meaning(&zh),
            "{name}: the two forms compile differently"
        );
        assert_eq!(
            scores(&en, &dir),
            scores(&zh, &dir),
            "{name}: the two forms score differently"
        );
        pairs += 1;
    }
    assert!(pairs >= 6, "only {pairs} policies");
}

/// Hand-written pairs (not formatter output): `<name>.zh.policy`, in the phrasing of the seed
/// documents, parses to the same tree as `<name>.en.policy`.
#[test]
fn hand_written_chinese_forms_parse_to_the_english_tree() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/surface");
    let mut pairs = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures").flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = file.strip_suffix(".zh.policy") else {
            continue;
        };
        let zh_text = std::fs::read_to_string(entry.path()).expect("readable");
        let en_text = std::fs::read_to_string(dir.join(format!("{stem}.en.policy")))
            .expect("its English twin");
        let (zh, zh_sources) = common::parsed(&file, &zh_text);
        let (en, _) = common::parsed("en", &en_text);
        assert!(
            zh.diagnostics.is_empty(),
            "{file}:\n{}",
            kaohe::diagnostic::render(&zh.diagnostics, &zh_sources, false)
        );
        assert_eq!(
            common::without_surface(&zh),
            common::without_surface(&en),
            "{file}"
        );
        pairs += 1;
    }
    assert!(pairs >= 2, "only {pairs} pairs");
}
