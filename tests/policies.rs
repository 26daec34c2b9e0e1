//! Every real policy under `policies/<name>/` is compiled (without a single warning) and scored
//! over its example facts; the table and JSON outputs are snapshotted, and the totals must equal
//! the hand-computed `expected.csv` beside it.

use std::path::{Path, PathBuf};

use kaohe::diagnostic::render;
use kaohe::eval::{score, Run};
use kaohe::ir;
use kaohe::results::{Results, UnitResult};
use kaohe::span::SourceMap;
use rust_decimal::Decimal;

fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// The example facts exercise the whole policy: every rule takes or gives points for some unit,
/// and every cap that can bind (its rule can reach more than the cap) binds for some unit.
fn every_rule_fires_and_every_cap_binds(policy: &ir::Policy, results: &Results, path: &Path) {
    let rules: Vec<&ir::Rule> = policy
        .sections
        .iter()
        .flat_map(|s| s.items.iter().flat_map(|i| &i.rules).chain(&s.rules))
        .collect();
    let outcomes = |u: &UnitResult| -> Vec<(Decimal, bool)> {
        u.sections
            .iter()
            .flat_map(|s| s.items.iter().flat_map(|i| &i.rules).chain(&s.rules))
            .map(|r| (r.raw, r.capped))
            .collect()
    };
    let per_unit: Vec<Vec<(Decimal, bool)>> = results.units.iter().map(outcomes).collect();
    for (i, rule) in rules.iter().enumerate() {
        let fires = per_unit.iter().any(|o| !o[i].0.is_zero());
        assert!(
            fires,
            "{}: `{}` never takes or gives points in the example facts",
            path.display(),
            rule.clause
        );
        let Some(cap) = rule.cap else { continue };
        if largest_amount(policy, rule).is_some_and(|most| most <= cap) {
            continue;
        }
        let binds = per_unit.iter().any(|o| o[i].1);
        assert!(
            binds,
            "{}: the cap of `{}` never binds in the example facts",
            path.display(),
            rule.clause
        );
    }
}

/// The most a rule can count, when that is bounded by the policy alone.
fn largest_amount(policy: &ir::Policy, rule: &ir::Rule) -> Option<Decimal> {
    let set_size = |fact: &str, field: &str| {
        let f = policy.facts.iter().find(|f| f.name == fact)?;
        match &f.fields.iter().find(|x| x.name == field)?.kind {
            ir::FieldKind::Set(values) => Some(Decimal::from(values.len())),
            _ => None,
        }
    };
    match &rule.kind {
        ir::RuleKind::Missing { rate, required, .. } => Some(*rate * Decimal::from(required.len())),
        ir::RuleKind::Count {
            rate, fact, per, ..
        } => match per.as_slice() {
            [ir::Per::Distinct(k)] => set_size(fact, k).map(|n| *rate * n),
            _ => None,
        },
        _ => None,
    }
}

/// Evaluates hand arithmetic: decimals, `+`, `−` (or `-`), `×` (or `*`) and parentheses.
fn evaluate(text: &str) -> Option<Decimal> {
    let mut spaced = String::new();
    for c in text.chars() {
        if matches!(c, '(' | ')' | '+' | '−' | '-' | '×' | '*') {
            spaced.extend([' ', c, ' ']);
        } else {
            spaced.push(c);
        }
    }
    let tokens: Vec<String> = spaced.split_whitespace().map(str::to_string).collect();
    let mut at = 0;
    let value = sum(&tokens, &mut at)?;
    (at == tokens.len()).then_some(value)
}

fn sum(t: &[String], at: &mut usize) -> Option<Decimal> {
    let mut value = product(t, at)?;
    while let Some(op) = t
        .get(*at)
        .map(String::as_str)
        .filter(|op| matches!(*op, "+" | "−" | "-"))
    {
        *at += 1;
        let rhs = product(t, at)?;
        value = if op == "+" { value + rhs } else { value - rhs };
    }
    Some(value)
}

fn product(t: &[String], at: &mut usize) -> Option<Decimal> {
    let mut value = atom(t, at)?;
    while matches!(t.get(*at).map(String::as_str), Some("×" | "*")) {
        *at += 1;
        value *= atom(t, at)?;
    }
    Some(value)
}

fn atom(t: &[String], at: &mut usize) -> Option<Decimal> {
    let token = t.get(*at)?;
    *at += 1;
    if token == "(" {
        let value = sum(t, at)?;
        (t.get(*at)? == ")").then(|| *at += 1)?;
        return Some(value);
    }
    token.parse().ok()
}

#[test]
fn hand_arithmetic_is_read_right() {
    assert_eq!(
        evaluate("2 − 4 × 0.1 + (3 - 1) * 2"),
        Some(Decimal::new(56, 1))
    );
    assert_eq!(evaluate("2 +"), None);
}

#[test]
fn policies_compile_and_score() {
    insta::glob!("../policies", "*/*.policy", |path| {
        let dir = path.parent().expect("a policy folder");
        let text = std::fs::read_to_string(path).expect("policy is readable");
        let mut sources = SourceMap::new();
        let file = sources.add(relative(path).display().to_string(), text);
        let checked = kaohe::compile(&sources, file);
        assert!(
            checked.diagnostics.is_empty(),
            "{} must check without errors or warnings:\n{}",
            path.display(),
            render(&checked.diagnostics, &sources, false)
        );
        let policy = checked.policy.expect("a clean policy compiles");
        // A Chinese twin names its facts in Chinese: its fact files are in `facts.zh/`.
        let chinese = path.to_string_lossy().ends_with(".zh.policy");
        let facts_dir = dir.join(if chinese { "facts.zh" } else { "facts" });
        let mut facts: Vec<PathBuf> = std::fs::read_dir(&facts_dir)
            .expect("a facts folder")
            .flatten()
            .map(|e| relative(&e.path()))
            .collect();
        facts.sort();
        let read = kaohe::facts::read_units(&dir.join("units.csv")).expect("units.csv");
        let (units, groups) = (Some(read.units), read.groups);
        // Last year's results, where the policy gives prizes by improvement.
        let previous = std::fs::read_dir(dir)
            .expect("policy folder")
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("previous"))
            })
            .map(|p| kaohe::outcome::read_previous(&p, &policy).expect("previous results"));
        let run = Run {
            files: &facts,
            units,
            strict: true,
            explain: None,
            groups,
            previous: previous.as_ref(),
            ..Default::default()
        };
        let scored = score(&policy, &run, &mut sources);
        let diagnostics = render(&scored.problems.diagnostics, &sources, false);
        assert!(
            scored.problems.diagnostics.is_empty(),
            "{}: {diagnostics}",
            path.display()
        );
        let results = scored.results.expect("scored");
        let expected = std::fs::read_to_string(dir.join("expected.csv"))
            .expect("expected.csv: totals computed by hand");
        let mut checked_units = 0;
        for line in expected.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let cells: Vec<&str> = line.splitn(4, ',').collect();
            let (unit, total, rank, arithmetic) = (
                cells[0],
                cells[1],
                cells[2],
                cells.get(3).copied().unwrap_or(""),
            );
            // The hand arithmetic must itself come to the stated total …
            let by_hand = evaluate(arithmetic)
                .unwrap_or_else(|| panic!("{unit}: cannot read `{arithmetic}`"));
            assert_eq!(
                kaohe::report::number(by_hand),
                total,
                "{unit}: `{arithmetic}` does not come to {total}"
            );
            // … and kaohe must agree.
            let got = results
                .units
                .iter()
                .find(|u| u.unit == unit)
                .unwrap_or_else(|| panic!("no unit {unit}"));
            assert_eq!(kaohe::report::number(got.total), total, "total of {unit}");
            // A rank left empty depends on the random units and is not checked by hand.
            if !rank.is_empty() {
                assert_eq!(got.rank.to_string(), rank, "rank of {unit}");
            }
            checked_units += 1;
        }
        assert!(checked_units >= 3, "verify at least three units by hand");
        every_rule_fires_and_every_cap_binds(&policy, &results, path);
        let json = serde_json::to_string_pretty(&kaohe::report::json(&results)).expect("json");
        // The expected results live with the policy they belong to.
        insta::with_settings!({ snapshot_path => dir.join("snapshots"), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("{}\n{json}", kaohe::report::table(&results)));
        });
    });
}

/// Every line number a `COVERAGE.md` gives (`| seed clause | 64–67 (…) |`) points at a line of
/// code of the English policy, not a blank or a comment: the table stays true as the policy moves.
#[test]
fn coverage_tables_point_at_policy_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut checked = 0;
    for entry in std::fs::read_dir(&root).expect("policies").flatten() {
        let dir = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(coverage) = std::fs::read_to_string(dir.join("COVERAGE.md")) else {
            continue;
        };
        let policy = std::fs::read_to_string(dir.join(format!("{name}.policy"))).expect("policy");
        let lines: Vec<&str> = policy.lines().collect();
        for row in coverage
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| seed"))
        {
            let Some(cell) = row.split('|').nth(2) else {
                continue;
            };
            // Only the leading `N` or `N–M` of the cell are line numbers (`64–67 (…)`).
            let cell = cell.trim_start();
            let first: String = cell.chars().take_while(char::is_ascii_digit).collect();
            let rest = &cell[first.len()..];
            let second: String = rest
                .strip_prefix('–')
                .map(|r| r.chars().take_while(char::is_ascii_digit).collect())
                .unwrap_or_default();
            for number in [first, second].iter().filter(|n| !n.is_empty()) {
                let n: usize = number.parse().expect("a line number");
                let line = lines.get(n.wrapping_sub(1)).map_or("", |l| l.trim());
                assert!(
                    !line.is_empty() && !line.starts_with('#'),
                    "{name}/COVERAGE.md: `{}` points at line {n}: `{line}`",
                    row.trim()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} line numbers checked");
}
