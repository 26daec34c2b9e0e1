//! Outcome-stage fixtures: each `tests/fixtures/outcome/<case>/` holds `case.policy`, its facts,
//! `units.csv` (with a `group` column to rank in groups), optionally last year's results
//! (`previous.json` or `previous.csv`), and `expected.csv` with every unit's total, rank, grade
//! and prizes decided by hand. The table, CSV and the receipts of the units an `explain` file
//! lists are snapshotted. A `case.zh.policy` twin must decide the same; `err_*` cases snapshot
//! their diagnostics.

use std::path::{Path, PathBuf};

use kaohe::diagnostic::render;
use kaohe::eval::{score, Run};
use kaohe::span::SourceMap;

fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Scores a case with one of its policies: the results (or none) and the rendered diagnostics.
fn decide(
    dir: &Path,
    policy_file: &str,
    unit: Option<&str>,
) -> (Option<kaohe::results::Results>, String) {
    let path = dir.join(policy_file);
    let text = std::fs::read_to_string(&path).expect("policy");
    let mut sources = SourceMap::new();
    let file = sources.add(relative(&path).display().to_string(), text);
    let checked = kaohe::compile(&sources, file);
    let policy = checked
        .policy
        .unwrap_or_else(|| panic!("{}", render(&checked.diagnostics, &sources, false)));
    let units_file = dir.join("units.csv");
    let read = kaohe::facts::read_units(&units_file).expect("units");
    let (units, groups) = (Some(read.units), read.groups);
    let previous_file = ["previous.json", "previous.csv"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.exists());
    let previous =
        match previous_file.map(|p| kaohe::outcome::read_previous(&relative(&p), &policy)) {
            Some(Ok(p)) => Some(p),
            Some(Err(d)) => return (None, render(&[d], &sources, false)),
            None => None,
        };
    let facts = vec![relative(&dir.join("facts.csv"))];
    let run = Run {
        files: &facts,
        units,
        explain: unit,
        groups,
        previous: previous.as_ref(),
        ..Default::default()
    };
    let scored = score(&policy, &run, &mut sources);
    let diagnostics = render(&scored.problems.diagnostics, &sources, false);
    (scored.results, diagnostics)
}

#[test]
fn outcome_fixtures() {
    insta::glob!("fixtures/outcome/*/case.policy", |path| {
        let dir = path.parent().expect("a case folder");
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (results, diagnostics) = decide(dir, "case.policy", None);
        let output = if name.starts_with("err_") {
            assert!(results.is_none(), "{name}: decided despite errors");
            diagnostics
        } else {
            let results = results.unwrap_or_else(|| panic!("{name}: {diagnostics}"));
            let expected = std::fs::read_to_string(dir.join("expected.csv")).expect("expected.csv");
            let lines: Vec<&str> = expected
                .lines()
                .skip(1)
                .filter(|l| !l.trim().is_empty())
                .collect();
            assert_eq!(results.units.len(), lines.len(), "{name}: units");
            for line in lines {
                let cells: Vec<&str> = line.split(',').collect();
                let u = results
                    .units
                    .iter()
                    .find(|u| u.unit == cells[0])
                    .unwrap_or_else(|| panic!("{name}: no unit {}", cells[0]));
                assert_eq!(
                    kaohe::report::number(u.total),
                    cells[1],
                    "{name}: total of {}",
                    u.unit
                );
                assert_eq!(u.rank.to_string(), cells[2], "{name}: rank of {}", u.unit);
                assert_eq!(
                    u.grade.as_deref().unwrap_or(""),
                    cells[3],
                    "{name}: grade of {}",
                    u.unit
                );
                assert_eq!(u.prizes.join(";"), cells[4], "{name}: prizes of {}", u.unit);
            }
            if dir.join("case.zh.policy").exists() {
                let (zh, _) = decide(dir, "case.zh.policy", None);
                let zh = zh.unwrap_or_else(|| panic!("{name}: the Chinese twin fails"));
                let decided = |r: &kaohe::results::Results| {
                    r.units
                        .iter()
                        .map(|u| {
                            (
                                u.unit.clone(),
                                u.rank,
                                u.grade.clone(),
                                u.prizes.clone(),
                                u.total,
                            )
                        })
                        .collect::<Vec<_>>()
                };
                assert_eq!(
                    decided(&results),
                    decided(&zh),
                    "{name}: the Chinese twin decides differently"
                );
            }
            let mut out = format!(
                "{}\n{}\n{diagnostics}",
                kaohe::report::table(&results),
                kaohe::report::csv(&results).expect("csv")
            );
            let explain = std::fs::read_to_string(dir.join("explain")).unwrap_or_default();
            // The receipts of the Chinese twin too: a Chinese policy's receipt is in Chinese.
            let twin = dir.join("case.zh.policy").exists();
            let policies = if twin {
                &["case.policy", "case.zh.policy"][..]
            } else {
                &["case.policy"][..]
            };
            let units: Vec<&str> = explain
                .lines()
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .collect();
            for (policy, unit) in policies
                .iter()
                .flat_map(|p| units.iter().map(move |u| (*p, *u)))
            {
                let (results, _) = decide(dir, policy, None);
                let results = results.expect("decided");
                let (traced, _) = decide(dir, policy, Some(unit));
                let traced = traced.expect("explained");
                let mut one = traced
                    .units
                    .into_iter()
                    .find(|u| u.unit == unit)
                    .unwrap_or_else(|| panic!("{name}: no unit {unit}"));
                let whole = results.units.iter().find(|u| u.unit == unit).expect("unit");
                // As `kaohe explain` does: rank and outcome are decided among all units.
                one.rank = whole.rank;
                one.grade = whole.grade.clone();
                one.prizes = whole.prizes.clone();
                one.outcome = whole.outcome.clone();
                out.push('\n');
                out.push_str(&kaohe::report::explain_text(
                    &results,
                    &one,
                    results.units.len(),
                ));
            }
            out
        };
        let text = std::fs::read_to_string(path).expect("policy");
        insta::with_settings!({ description => text, omit_expression => true }, {
            insta::assert_snapshot!(output);
        });
    });
}
