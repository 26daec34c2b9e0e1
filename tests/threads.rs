//! The same bytes whatever the threads: every eval fixture and every shipped policy's example
//! facts, scored on one thread and on several over a fact file cut into pieces of a few bytes
//! (so that a piece ends on every kind of line), give equal results and equal diagnostics.
//! A file with a quote, or a piece with a bad row, is read whole: the diagnostics show it.

use std::path::{Path, PathBuf};

use kaohe::diagnostic::render;
use kaohe::eval::{score, Run};
use kaohe::span::SourceMap;

/// (results as JSON, rendered diagnostics) of `policy` over `facts` with `pieces`.
fn scored(
    policy: &Path,
    facts: &[PathBuf],
    units: Option<&Path>,
    pieces: Option<(usize, u64)>,
) -> String {
    let text = std::fs::read_to_string(policy).expect("a readable policy");
    let mut sources = SourceMap::new();
    let file = sources.add(policy.display().to_string(), text);
    let Some(compiled) = kaohe::compile(&sources, file).policy else {
        return String::new();
    };
    let units = match units {
        Some(u) => Some(kaohe::facts::read_units_file(u).expect("a units file")),
        None => (!compiled.units.is_empty()).then(|| compiled.units.clone()),
    };
    let run = Run {
        files: facts,
        units,
        threads: Some(pieces.map_or(1, |(t, _)| t)),
        piece_bytes: pieces.map(|(_, b)| b),
        ..Run::default()
    };
    let scored = score(&compiled, &run, &mut sources);
    let results = scored
        .results
        .map(|r| serde_json::to_string(&kaohe::report::json(&r)).expect("JSON"))
        .unwrap_or_default();
    format!(
        "{results}\n{}",
        render(&scored.problems.diagnostics, &sources, false)
    )
}

/// Every (policy, single fact file, units file) the fixtures and shipped policies hold.
fn cases() -> Vec<(PathBuf, PathBuf, Option<PathBuf>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let dirs = |p: PathBuf| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(p)
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    for dir in dirs(root.join("tests/fixtures/eval")) {
        let facts: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("a case folder")
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                name.ends_with(".csv") && name != "units.csv" && name != "expected.csv"
            })
            .collect();
        if let [one] = facts.as_slice() {
            let units = Some(dir.join("units.csv")).filter(|u| u.exists());
            out.push((dir.join("case.policy"), one.clone(), units));
        }
    }
    for dir in dirs(root.join("policies")) {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for case in dirs(dir.join("cases")) {
            let facts: Vec<PathBuf> = std::fs::read_dir(&case)
                .expect("a case")
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "csv"))
                .filter(|p| !["units.csv", "previous.csv"].iter().any(|n| p.ends_with(n)))
                .collect();
            if let [one] = facts.as_slice() {
                let units = Some(case.join("units.csv")).filter(|u| u.exists());
                out.push((dir.join(format!("{name}.policy")), one.clone(), units));
            }
        }
    }
    out
}

#[test]
fn threads_and_pieces_never_change_a_result_or_a_message() {
    let cases = cases();
    assert!(
        cases.len() >= 20,
        "only {} cases with one fact file",
        cases.len()
    );
    for (policy, facts, units) in &cases {
        let facts = [facts.clone()];
        let one = scored(policy, &facts, units.as_deref(), None);
        for pieces in [(2, 7), (3, 50), (2, 1000)] {
            let cut = scored(policy, &facts, units.as_deref(), Some(pieces));
            assert_eq!(
                one,
                cut,
                "{} over {}: {pieces:?}",
                policy.display(),
                facts[0].display()
            );
        }
    }
}

#[test]
fn a_cut_file_keeps_its_byte_order_mark_crlf_blank_lines_and_tabs() {
    // The same rows written as Excel and other exporters write them: each way must score the
    // same cut into pieces as read whole, and the same as the plain file.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eval/each_month");
    let policy = root.join("case.policy");
    let plain = std::fs::read_to_string(root.join("facts.csv")).expect("the fixture's facts");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let crlf_bom = format!("\u{feff}{}", plain.replace('\n', "\r\n"));
    let blanks = plain.replace('\n', "\n\n");
    let tabs = plain.replace(',', "\t");
    let whole = scored(&policy, &[root.join("facts.csv")], None, None);
    let results = |s: &str| s.split('\n').next().unwrap_or_default().to_string();
    for (name, text) in [
        ("crlf_bom.csv", crlf_bom),
        ("blanks.csv", blanks),
        ("tabs.tsv", tabs),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("written");
        let facts = [path];
        let one = scored(&policy, &facts, None, None);
        assert_eq!(results(&one), results(&whole), "{name} read whole");
        for pieces in [(2, 5), (3, 40)] {
            let cut = scored(&policy, &facts, None, Some(pieces));
            assert_eq!(one, cut, "{name}: {pieces:?}");
        }
    }
}
