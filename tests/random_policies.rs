//! kaohe against the naive reference scorer (`tests/reference/`) on random well-typed
//! policies and facts: every unit's total, rank, grade, section, item and rule amount must
//! agree. The same cases check invariants: scores within [0, worth], no rule beyond its cap,
//! the total the exact sum of its parts, and the same results whatever the order of the rows
//! or however they are split across files. A policy that passes `check` must score.
//!
//! A fixed range of seeds runs every time; proptest adds random ones. A failure prints the
//! seed, the policy and the facts: `KAOHE_SEED=N cargo test --test random_policies one_seed`
//! replays it.

mod reference;

use std::path::PathBuf;

use kaohe::eval::{self, Run};
use kaohe::results::Results;
use kaohe::span::SourceMap;
use proptest::prelude::*;
use reference::gen::{self, Rng};
use rust_decimal::Decimal;

/// Scores `text` over the CSV `files` with kaohe, with last year's results when there are
/// any; Err with what went wrong.
fn kaohe_scores(
    text: &str,
    files: &[(String, String)],
    previous: Option<&str>,
) -> Result<Results, String> {
    kaohe_run(text, files, previous, Lean::default())
}

/// How a run is made leaner or cut up; none of it may change the results.
#[derive(Default, Clone, Copy)]
struct Lean {
    /// Keep only scores (as a table or CSV report does).
    scores_only: bool,
    /// Threads, and the bytes of each piece the fact file is cut into.
    pieces: Option<(usize, u64)>,
}

/// [`kaohe_scores`], made leaner or cut up as `lean` says.
fn kaohe_run(
    text: &str,
    files: &[(String, String)],
    previous: Option<&str>,
    lean: Lean,
) -> Result<Results, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let paths = write_files(dir.path(), files)?;
    let mut sources = SourceMap::new();
    let file = sources.add("random.policy", text);
    let checked = kaohe::compile(&sources, file);
    let Some(policy) = checked
        .policy
        .filter(|_| !checked.diagnostics.iter().any(|d| d.is_error()))
    else {
        return Err(format!(
            "the policy does not check:\n{}",
            kaohe::diagnostic::render(&checked.diagnostics, &sources, false)
        ));
    };
    // Read as `kaohe run --previous FILE` reads it.
    let previous = match previous {
        Some(csv) => {
            let p = dir.path().join("previous.csv");
            std::fs::write(&p, csv).map_err(|e| e.to_string())?;
            let read = kaohe::outcome::read_previous(&p, &policy)
                .map_err(|d| format!("last year's results were refused: {}", d.message))?;
            Some(read)
        }
        None => None,
    };
    // The policy's `units`, as `kaohe run` passes them.
    let run = Run {
        files: &paths,
        units: Some(policy.units.clone()),
        previous: previous.as_ref(),
        scores_only: lean.scores_only,
        threads: lean.pieces.map(|(t, _)| t).or(Some(1)),
        piece_bytes: lean.pieces.map(|(_, b)| b),
        ..Run::default()
    };
    let scored = eval::score(&policy, &run, &mut sources);
    scored.results.ok_or_else(|| {
        format!(
            "a policy that passes check failed at run time:\n{}",
            kaohe::diagnostic::render(&scored.problems.diagnostics, &sources, false)
        )
    })
}

/// Writes `files` (name, text) into `dir`; their paths.
fn write_files(dir: &std::path::Path, files: &[(String, String)]) -> Result<Vec<PathBuf>, String> {
    files
        .iter()
        .map(|(name, csv)| {
            let p = dir.join(name);
            std::fs::write(&p, csv).map_err(|e| e.to_string())?;
            Ok(p)
        })
        .collect()
}

/// How many cases the dense lane scored (it leaves grades, vetoes and prizes to the general
/// evaluator), so that the comparison below is known not to be empty.
static DENSE_TAKEN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The dense lane's CSV report against the general evaluator's, over the same files cut as
/// `pieces` says; `Ok` when they are the same bytes or the lane leaves the run to the general
/// evaluator.
fn dense_agrees(
    text: &str,
    files: &[(String, String)],
    pieces: (usize, u64),
) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let paths = write_files(dir.path(), files)?;
    let mut sources = SourceMap::new();
    let file = sources.add("random.policy", text);
    let Some(policy) = kaohe::compile(&sources, file).policy else {
        return Err("the policy does not check".into());
    };
    let run = Run {
        files: &paths,
        units: Some(policy.units.clone()),
        scores_only: true,
        threads: Some(pieces.0),
        piece_bytes: Some(pieces.1),
        ..Run::default()
    };
    let Some(lane) = eval::dense::score(&policy, &run) else {
        return Ok(());
    };
    DENSE_TAKEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let general = eval::score(&policy, &run, &mut sources);
    let Some(results) = general.results else {
        return Err("the dense lane scored a run the general evaluator refused".into());
    };
    let want = kaohe::report::csv(&results).map_err(|e| e.to_string())?;
    let got = kaohe::report::csv_dense(&lane).map_err(|e| e.to_string())?;
    let said = |d: &[kaohe::diagnostic::Diagnostic]| kaohe::diagnostic::render(d, &sources, false);
    if want != got || said(&general.problems.diagnostics) != said(&lane.problems.diagnostics) {
        return Err(format!(
            "the dense lane ({pieces:?}) disagrees with the general evaluator:\n{want}\n{got}"
        ));
    }
    Ok(())
}

fn split(csv: &str, parts: usize, rng: &mut Rng) -> Vec<(String, String)> {
    let mut lines = csv.lines();
    let header = lines.next().unwrap_or_default().to_string();
    let mut files: Vec<String> = (0..parts).map(|_| format!("{header}\n")).collect();
    for line in lines {
        let i = rng.below(parts);
        files[i].push_str(line);
        files[i].push('\n');
    }
    files
        .into_iter()
        .enumerate()
        .map(|(i, t)| (format!("part{i}.csv"), t))
        .collect()
}

/// One random case: kaohe and the reference agree, and the invariants hold.
fn check(seed: u64) -> Result<(), String> {
    let mut rng = Rng::new(seed);
    let model = gen::model(&mut rng);
    let mut rows = gen::rows(&mut rng, &model);
    let text = gen::policy_text(&model);
    let csv = gen::csv_text(&model, &rows);
    let previous = gen::previous_csv(&model);
    let context = |what: String| {
        let last = previous.as_deref().unwrap_or("");
        format!("seed {seed}: {what}\n--- policy\n{text}--- facts\n{csv}--- previous\n{last}")
    };
    let prev = previous.as_deref();
    let results =
        kaohe_scores(&text, &[("facts.csv".into(), csv.clone())], prev).map_err(context)?;
    let expected = reference::score(&model, &rows);

    for want in &expected {
        let Some(got) = results.units.iter().find(|u| u.unit == want.unit) else {
            return Err(context(format!("kaohe did not score `{}`", want.unit)));
        };
        let unit = &want.unit;
        let mismatch = |what: &str, w: String, g: String| {
            Err(context(format!("{unit}: {what}: reference {w}, kaohe {g}")))
        };
        if got.total != want.total {
            return mismatch("total", want.total.to_string(), got.total.to_string());
        }
        for ((s, (score, items, amounts)), spec) in
            got.sections.iter().zip(&want.sections).zip(&model.sections)
        {
            if s.score != *score {
                return mismatch(
                    &format!("section {}", s.name),
                    score.to_string(),
                    s.score.to_string(),
                );
            }
            for (i, want_item) in s.items.iter().zip(items) {
                if i.score != *want_item {
                    return mismatch(
                        &format!("item {}", i.name),
                        format!("{want_item:?}"),
                        format!("{:?}", i.score),
                    );
                }
            }
            let rules = s.items.iter().flat_map(|i| &i.rules).chain(&s.rules);
            for (n, (r, want_amount)) in rules.zip(amounts).enumerate() {
                if r.amount != *want_amount {
                    return mismatch(
                        &format!("rule {n} of {} `{}`", s.name, r.clause),
                        want_amount.to_string(),
                        r.amount.to_string(),
                    );
                }
                // No rule beyond its cap.
                if r.cap.is_some_and(|c| r.amount > c) {
                    return Err(context(format!(
                        "{unit}: `{}` gave {} over its cap",
                        r.clause, r.amount
                    )));
                }
            }
            // Every score with a worth within [0, worth]: sections and items alike.
            if let Some(w) = spec.worth {
                if s.score < Decimal::ZERO || s.score > w {
                    return Err(context(format!(
                        "{unit}: section {} scored {} outside [0, {w}]",
                        s.name, s.score
                    )));
                }
            }
            for (i, item) in s.items.iter().zip(&spec.items) {
                let (Some(w), Some(score)) = (item.worth, i.score) else {
                    continue;
                };
                if score < Decimal::ZERO || score > w {
                    return Err(context(format!(
                        "{unit}: item {} scored {score} outside [0, {w}]",
                        i.name
                    )));
                }
            }
        }
        // The total is the exact sum of its parts.
        let main: Decimal = got
            .sections
            .iter()
            .filter(|s| !s.bonus)
            .map(|s| s.score)
            .sum();
        let bonus: Decimal = got
            .sections
            .iter()
            .filter(|s| s.bonus)
            .map(|s| s.score)
            .sum();
        if got.total != main.max(Decimal::ZERO) + bonus {
            return Err(context(format!(
                "{unit}: total {} is not the sum of its sections",
                got.total
            )));
        }
    }
    // Ranks and grades after every total agrees, so that a wrong total is named as such.
    for want in &expected {
        let Some(got) = results.units.iter().find(|u| u.unit == want.unit) else {
            continue;
        };
        if got.rank != want.rank || got.grade != want.grade || got.prizes != want.prizes {
            return Err(context(format!(
                "{}: rank, grade and prizes: reference {} {:?} {:?}, kaohe {} {:?} {:?}",
                want.unit, want.rank, want.grade, want.prizes, got.rank, got.grade, got.prizes
            )));
        }
    }
    if results.units.len() != expected.len() {
        return Err(context(format!(
            "kaohe scored {} units, the reference {}",
            results.units.len(),
            expected.len()
        )));
    }

    // Scores only (a table or CSV report): the same scores and outcomes, no receipts.
    let scores_only = Lean {
        scores_only: true,
        pieces: None,
    };
    let lean = kaohe_run(
        &text,
        &[("facts.csv".into(), csv.clone())],
        prev,
        scores_only,
    )
    .map_err(context)?;
    let outcome = |r: &Results| -> Vec<String> {
        r.units
            .iter()
            .map(|u| {
                let sections: Vec<String> = u
                    .sections
                    .iter()
                    .map(|s| {
                        let items: Vec<String> =
                            s.items.iter().map(|i| format!("{:?}", i.score)).collect();
                        format!("{}={} [{}]", s.name, s.score, items.join(" "))
                    })
                    .collect();
                format!(
                    "{} {} {} {:?} {:?} {:?} {}",
                    u.unit,
                    u.total,
                    u.rank,
                    u.grade,
                    u.prizes,
                    u.vetoes,
                    sections.join("; ")
                )
            })
            .collect()
    };
    if outcome(&lean) != outcome(&results) {
        return Err(context(
            "keeping scores only changed the scores or outcomes".into(),
        ));
    }
    if lean
        .units
        .iter()
        .flat_map(|u| &u.sections)
        .any(|s| !s.rules.is_empty())
    {
        return Err(context("scores only kept rule receipts".into()));
    }

    // The same results whatever the threads and however the file is cut into pieces.
    let (threads, bytes) = (1 + rng.below(3), 1 + rng.below(400) as u64);
    let cut = Lean {
        scores_only: false,
        pieces: Some((threads, bytes)),
    };
    let pieces =
        kaohe_run(&text, &[("facts.csv".into(), csv.clone())], prev, cut).map_err(context)?;
    if pieces != results {
        return Err(context(format!(
            "{threads} threads over pieces of {bytes} bytes changed the results"
        )));
    }

    // The dense lane writes the same report, on one thread or several.
    let (threads, bytes) = (1 + rng.below(3), 1 + rng.below(400) as u64);
    dense_agrees(
        &text,
        &[("facts.csv".into(), csv.clone())],
        (threads, bytes),
    )
    .map_err(context)?;

    // The same results whatever the order of the rows, however they are split into files.
    for i in (1..rows.len()).rev() {
        rows.swap(i, rng.below(i + 1));
    }
    let shuffled = gen::csv_text(&model, &rows);
    let again =
        kaohe_scores(&text, &[("facts.csv".into(), shuffled.clone())], prev).map_err(context)?;
    if again != results {
        return Err(context("shuffling the rows changed the results".into()));
    }
    let parts = 2 + rng.below(3);
    let split_up =
        kaohe_scores(&text, &split(&shuffled, parts, &mut rng), prev).map_err(context)?;
    if split_up != results {
        return Err(context(format!(
            "splitting the rows into {parts} files changed the results"
        )));
    }
    Ok(())
}

/// How many fixed seeds a run checks (`KAOHE_RANDOM_CASES` to change it).
fn fixed_cases() -> u64 {
    std::env::var("KAOHE_RANDOM_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000)
}

#[test]
fn kaohe_agrees_with_the_reference_on_fixed_seeds() {
    let mut failures = Vec::new();
    for seed in 0..fixed_cases() {
        if let Err(e) = check(seed) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} seeds disagree; the first:\n{}",
        failures.len(),
        fixed_cases(),
        failures[0]
    );
    let taken = DENSE_TAKEN.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!("the dense lane took {taken} of {} cases", fixed_cases());
    assert!(
        taken as u64 >= fixed_cases() / 5,
        "the dense lane took only {taken} of {} cases",
        fixed_cases()
    );
}

#[test]
fn one_seed() {
    // `KAOHE_SEED=N` replays one case.
    if let Some(seed) = std::env::var("KAOHE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        if let Err(e) = check(seed) {
            panic!("{e}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn kaohe_agrees_with_the_reference_on_random_seeds(seed in any::<u64>()) {
        check(seed).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn the_generator_uses_every_form() {
    // Each form appears in many of the fixed cases, so the agreement above covers it.
    let forms = [
        "per occurrence of",
        "per person per occurrence of",
        "per person per day of",
        "where kind =",
        "once per case",
        "per case of",
        "per kind of",
        "per missing kind of",
        "by kind of",
        " when ",
        " unless ",
        "otherwise",
        " times ",
        "per project of m0 where value <",
        "by n0:",
        "each month has at least",
        ", cap ",
        "only if",
        "the highest of",
        "together, cap",
        "bonus section",
        ".x\"\n",
        "grade ",
        " top ",
        "veto when",
        "prize ",
        " workdays",
        " days",
        "% rounded up",
        "% rounded half up",
        ", ties by",
        " in section ",
        "most improved against",
        "most improved in each section",
        " and ",
        " or ",
        "not (",
    ];
    let mut seen = vec![0usize; forms.len()];
    let mut count_zero = 0;
    for seed in 0..500 {
        let mut rng = Rng::new(seed);
        let model = gen::model(&mut rng);
        let rows = gen::rows(&mut rng, &model);
        let text = gen::policy_text(&model);
        for (n, f) in forms.iter().enumerate() {
            if text.contains(f) {
                seen[n] += 1;
            }
        }
        count_zero += rows
            .iter()
            .filter(|r| r.count == Some(Decimal::ZERO))
            .count();
    }
    for (f, n) in forms.iter().zip(&seen) {
        assert!(*n >= 10, "`{f}` in only {n} of 500 policies");
    }
    assert!(count_zero > 100, "only {count_zero} rows with count 0");
}
