//! Eval-stage fixtures: each `tests/fixtures/eval/<case>/` holds `case.policy`, its fact files,
//! optionally `units.csv`, and `expected.csv` with every unit's total and rank computed by hand
//! (the arithmetic is written in the policy's comments). The scores must equal those, and the
//! table and JSON outputs are snapshotted, with the receipts of the units an `explain` file
//! lists. `err_*` cases snapshot their fact-file diagnostics.

use std::path::{Path, PathBuf};

use kaohe::diagnostic::render;
use kaohe::eval::{score, Run};
use kaohe::span::SourceMap;

/// Paths relative to the crate root, so snapshots do not depend on where the checkout is.
fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[test]
fn eval_fixtures() {
    insta::glob!("fixtures/eval/*/case*.policy", |path| {
        let dir = path.parent().expect("a case folder");
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(path).expect("policy is readable");
        let mut sources = SourceMap::new();
        let file = sources.add(relative(path).display().to_string(), text.clone());
        let checked = kaohe::compile(&sources, file);
        let policy = checked
            .policy
            .unwrap_or_else(|| panic!("{name}: {}", render(&checked.diagnostics, &sources, false)));

        let mut facts: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("case folder")
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let file = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (file.ends_with(".csv") || file.ends_with(".jsonl"))
                    && file != "units.csv"
                    && file != "expected.csv"
            })
            .map(|p| relative(&p))
            .collect();
        facts.sort();
        let units_file = dir.join("units.csv");
        let units = if units_file.exists() {
            Some(kaohe::facts::read_units_file(&units_file).expect("units file"))
        } else {
            (!policy.units.is_empty()).then(|| policy.units.clone())
        };
        let run = Run {
            files: &facts,
            units: units.clone(),
            strict: name.contains("strict"),
            explain: None,
            ..Default::default()
        };
        let scored = score(&policy, &run, &mut sources);
        let diagnostics = render(&scored.problems.diagnostics, &sources, false);

        let output = if name.starts_with("err_") {
            assert!(scored.results.is_none(), "{name}: bad facts were scored");
            diagnostics
        } else {
            let results = scored
                .results
                .unwrap_or_else(|| panic!("{name}: {diagnostics}"));
            let expected = std::fs::read_to_string(dir.join("expected.csv")).expect("expected.csv");
            for line in expected.lines().skip(1).filter(|l| !l.trim().is_empty()) {
                let cells: Vec<&str> = line.split(',').collect();
                let (unit, total, rank) = (cells[0], cells[1], cells[2]);
                let got = results
                    .units
                    .iter()
                    .find(|u| u.unit == unit)
                    .unwrap_or_else(|| panic!("{name}: no unit {unit}"));
                assert_eq!(
                    kaohe::report::number(got.total),
                    total,
                    "{name}: total of {unit}"
                );
                assert_eq!(got.rank.to_string(), rank, "{name}: rank of {unit}");
            }
            assert_eq!(
                results.units.len(),
                expected
                    .lines()
                    .skip(1)
                    .filter(|l| !l.trim().is_empty())
                    .count(),
                "{name}: units"
            );
            let json = serde_json::to_string_pretty(&kaohe::report::json(&results)).expect("json");
            let mut out = format!("{}\n{json}\n{diagnostics}", kaohe::report::table(&results));
            // `explain` lists units whose receipts the snapshot shows as well.
            let explain = std::fs::read_to_string(dir.join("explain")).unwrap_or_default();
            for unit in explain.lines().map(str::trim).filter(|u| !u.is_empty()) {
                let one_unit = Run {
                    files: &facts,
                    units: units.clone(),
                    strict: run.strict,
                    explain: Some(unit),
                    ..Default::default()
                };
                let scored = score(&policy, &one_unit, &mut sources);
                let results = scored.results.expect("explained run scores");
                let mut one = results
                    .units
                    .into_iter()
                    .find(|u| u.unit == unit)
                    .unwrap_or_else(|| panic!("{name}: no unit {unit} to explain"));
                // As `kaohe explain` does: the rank is the unit's among all units.
                let all = scored_all(&policy, &run, &mut sources);
                one.rank = all
                    .units
                    .iter()
                    .find(|u| u.unit == unit)
                    .map_or(0, |u| u.rank);
                out.push('\n');
                out.push_str(&kaohe::report::explain_text(&all, &one, all.units.len()));
            }
            out
        };
        insta::with_settings!({ description => text, omit_expression => true }, {
            insta::assert_snapshot!(output);
        });
    });
}

fn scored_all(
    policy: &kaohe::ir::Policy,
    run: &Run,
    sources: &mut SourceMap,
) -> kaohe::results::Results {
    score(policy, run, sources)
        .results
        .expect("the case scores")
}

/// A case may have a Chinese twin, `case.zh.policy`, over the same fact files: it must score
/// every unit exactly as `case.policy` does (or, for an `err_*` case, fail as it does).
#[test]
fn chinese_twins_of_eval_cases_score_the_same() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eval");
    let mut twins = 0;
    for entry in std::fs::read_dir(&root).expect("eval cases").flatten() {
        let dir = entry.path();
        if !dir.join("case.zh.policy").exists() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let en = run_case(&dir, "case.policy");
        let zh = run_case(&dir, "case.zh.policy");
        assert_eq!(en, zh, "{name}: the Chinese twin scores differently");
        twins += 1;
    }
    assert!(twins >= 6, "only {twins} Chinese twins");
}

/// The ranked CSV of a case (or `None` when its facts have errors), and the codes of its diagnostics.
fn run_case(dir: &Path, policy_file: &str) -> (Option<String>, Vec<String>) {
    let path = dir.join(policy_file);
    let text = std::fs::read_to_string(&path).expect("policy is readable");
    let mut sources = SourceMap::new();
    let file = sources.add(relative(&path).display().to_string(), text);
    let checked = kaohe::compile(&sources, file);
    let policy = checked.policy.unwrap_or_else(|| {
        panic!(
            "{}: {}",
            path.display(),
            render(&checked.diagnostics, &sources, false)
        )
    });
    let mut facts: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("case folder")
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
    facts.sort();
    let units_file = dir.join("units.csv");
    let units = if units_file.exists() {
        Some(kaohe::facts::read_units_file(&units_file).expect("units file"))
    } else {
        (!policy.units.is_empty()).then(|| policy.units.clone())
    };
    let run = Run {
        files: &facts,
        units,
        strict: false,
        explain: None,
        ..Default::default()
    };
    let scored = score(&policy, &run, &mut sources);
    let codes = scored
        .problems
        .diagnostics
        .iter()
        .map(|d| d.code.as_str().to_string())
        .collect();
    // The rows, not the header: a Chinese policy's report has Chinese headings.
    let csv = scored.results.map(|r| {
        let csv = kaohe::report::csv(&r).expect("csv");
        csv.lines().skip(1).collect::<Vec<_>>().join("\n")
    });
    (csv, codes)
}
