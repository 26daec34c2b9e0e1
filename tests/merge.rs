//! Aggregates merge: rows split between two evaluators, merged, score exactly as one evaluator.
//! This is what lets files and chunks be scored on several cores.

use std::path::PathBuf;

use kaohe::eval::Evaluator;
use kaohe::facts::{self, Input, Problems, Row};
use kaohe::span::SourceMap;

#[test]
fn split_and_merged_rows_score_as_one_pass() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eval");
    let mut cases = 0;
    for entry in std::fs::read_dir(&root).expect("eval fixtures").flatten() {
        let dir = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("err_") {
            continue;
        }
        let mut sources = SourceMap::new();
        let text = std::fs::read_to_string(dir.join("case.policy")).expect("policy");
        let file = sources.add("case.policy", text);
        let policy = kaohe::compile(&sources, file).policy.expect("compiles");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("case")
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let f = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (f.ends_with(".csv") || f.ends_with(".jsonl"))
                    && f != "units.csv"
                    && f != "expected.csv"
            })
            .collect();
        files.sort();
        let units = if dir.join("units.csv").exists() {
            Some(facts::read_units_file(&dir.join("units.csv")).expect("units"))
        } else {
            (!policy.units.is_empty()).then(|| policy.units.clone())
        };
        let mut rows: Vec<Row> = Vec::new();
        let input = Input {
            policy: &policy,
            files: &files,
            units: None,
            keep_extra: false,
            only_unit: None,
            percents: Default::default(),
            sheet: None,
        };
        let mut problems = Problems::default();
        facts::read(&input, &mut sources, &mut problems, |row| rows.push(row));
        assert!(!problems.has_errors(), "{name}");

        let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
        let mut whole = Evaluator::new(&policy, units.clone(), names.clone(), false);
        rows.iter().for_each(|r| whole.feed(r));
        // Odd rows to one evaluator, even rows to another: every aggregate is split.
        let mut odd = Evaluator::new(&policy, units.clone(), names.clone(), false);
        let mut even = Evaluator::new(&policy, units.clone(), names, false);
        for (i, r) in rows.iter().enumerate() {
            if i % 2 == 1 {
                odd.feed(r)
            } else {
                even.feed(r)
            }
        }
        even.merge(odd);
        let one = whole
            .finish(false, &mut Problems::default())
            .expect("scores");
        let merged = even
            .finish(false, &mut Problems::default())
            .expect("scores");
        assert_eq!(one, merged, "{name}: merged aggregates differ");
        cases += 1;
    }
    assert!(cases >= 15, "only {cases} cases");
}
