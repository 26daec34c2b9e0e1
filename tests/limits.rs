//! Limits a run refuses with an error instead of running out of memory: units × (facts +
//! rules) beyond `kaohe::eval::MAX_CELLS` (E079). The limit is lowered here so the test is
//! small; `docs/reliability.md` has the measured figures at the real one.

use kaohe::diagnostic::{render, render_in, Language};
use kaohe::eval::{score, Run};
use kaohe::span::SourceMap;

const POLICY: &str = "policy \"p\"\n  year 2021\n  total 2\n\nfact late: event with persons\n\nsection \"A\" worth 2\n  deduct 0.1 per person per occurrence of late, cap 2\n";

/// Scores `csv` with at most `max_cells` cells and `units` fixed, if any: (scored, en, zh).
fn run(csv: &str, units: Option<Vec<String>>, max_cells: usize) -> (bool, String, String) {
    cut_run(csv, units, max_cells, None)
}

/// [`run`], the file cut into pieces of `pieces.1` bytes read on `pieces.0` threads.
fn cut_run(
    csv: &str,
    units: Option<Vec<String>>,
    max_cells: usize,
    pieces: Option<(usize, u64)>,
) -> (bool, String, String) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let facts = dir.path().join("facts.csv");
    std::fs::write(&facts, csv).expect("facts written");
    let mut sources = SourceMap::new();
    let file = sources.add("p.policy", POLICY);
    let policy = kaohe::compile(&sources, file)
        .policy
        .expect("the policy checks");
    let files = [facts];
    let run = Run {
        files: &files,
        units,
        max_cells: Some(max_cells),
        threads: Some(pieces.map_or(1, |(t, _)| t)),
        piece_bytes: pieces.map(|(_, b)| b),
        ..Run::default()
    };
    let scored = score(&policy, &run, &mut sources);
    let d = &scored.problems.diagnostics;
    let en = render(d, &sources, false).replace(&dir.path().display().to_string(), "DIR");
    let zh = render_in(d, &sources, false, Language::Zh)
        .replace(&dir.path().display().to_string(), "DIR");
    (scored.results.is_some(), en, zh)
}

fn rows(units: usize) -> String {
    let mut csv = String::from("unit,fact,date,persons\n");
    for u in 0..units {
        csv.push_str(&format!("U{u},late,2021-03-04,1\n"));
    }
    csv
}

#[test]
fn units_beyond_the_limit_found_in_the_facts_are_refused() {
    // 1 fact + 1 rule: 10 cells allow 5 units.
    let (scored, _, _) = run(&rows(5), None, 10);
    assert!(scored, "5 units fit in 10 cells");
    let (scored, en, zh) = run(&rows(6), None, 10);
    assert!(!scored, "6 units were scored in 10 cells");
    insta::assert_snapshot!("discovered_en", en);
    insta::assert_snapshot!("discovered_zh", zh);
}

#[test]
fn fixed_units_beyond_the_limit_are_refused_before_reading() {
    let units: Vec<String> = (0..6).map(|u| format!("U{u}")).collect();
    let (scored, en, _) = run(&rows(1), Some(units), 10);
    assert!(!scored, "6 fixed units were scored in 10 cells");
    assert!(en.contains("E079"), "{en}");
}

#[test]
fn threads_share_the_limit_and_never_decide_it() {
    // Each of two threads may hold half the cells; a piece whose units pass its half sends the
    // file back to one thread, which scores 5 units in 10 cells and refuses 6, as always.
    let (scored, en, _) = cut_run(&rows(5), None, 10, Some((2, 30)));
    assert!(scored, "5 units in 10 cells, on two threads: {en}");
    let (scored, en, _) = cut_run(&rows(6), None, 10, Some((2, 30)));
    assert!(!scored && en.contains("E079"), "{en}");
}
