//! The dense lane (`kaohe::eval::dense`) against the general evaluator: for every eval
//! fixture, every shipped policy's example cases and a variety of written-out fact files, a
//! CSV report from the dense lane is the same bytes as one from the general evaluator, with
//! the same warnings — on one thread and over a file cut into pieces of a few bytes. Where the
//! lane gives up, the general evaluator scores; the test also holds that the lane does take
//! the plain cases, so that the comparison is not empty.

use std::path::{Path, PathBuf};

use kaohe::diagnostic::render;
use kaohe::eval::{dense, score, Run};
use kaohe::span::SourceMap;

/// A CSV report and the warnings rendered.
type Report = (String, String);

/// (CSV, warnings) from the general evaluator, and from the dense lane if it takes the run.
fn both(
    policy: &Path,
    facts: &[PathBuf],
    units: Option<&Path>,
    pieces: Option<(usize, u64)>,
) -> Option<(Report, Option<Report>)> {
    let (general, lane) = both_with_lane(policy, facts, units, pieces)?;
    Some((general, lane.map(|(report, _)| report)))
}

/// The general evaluator's report, which the dense lane must take and give the same bytes
/// of: the report, and the lane's scores.
fn agree(
    policy: &Path,
    facts: &[PathBuf],
    units: Option<&Path>,
    pieces: Option<(usize, u64)>,
) -> (Report, dense::Dense) {
    let Some((general, lane)) = both_with_lane(policy, facts, units, pieces) else {
        panic!("the policy does not check");
    };
    let Some((report, scores)) = lane else {
        panic!("the dense lane did not take the run ({pieces:?})");
    };
    assert_eq!(general, report, "{pieces:?}");
    (general, scores)
}

/// [`both`], with the dense lane's scores.
fn both_with_lane(
    policy: &Path,
    facts: &[PathBuf],
    units: Option<&Path>,
    pieces: Option<(usize, u64)>,
) -> Option<(Report, Option<(Report, dense::Dense)>)> {
    let text = std::fs::read_to_string(policy).ok()?;
    let mut sources = SourceMap::new();
    let file = sources.add(policy.display().to_string(), text);
    let compiled = kaohe::compile(&sources, file).policy?;
    let units = match units {
        Some(u) => Some(kaohe::facts::read_units_file(u).ok()?),
        None => (!compiled.units.is_empty()).then(|| compiled.units.clone()),
    };
    let run = Run {
        files: facts,
        units,
        threads: Some(pieces.map_or(1, |(t, _)| t)),
        piece_bytes: pieces.map(|(_, b)| b),
        scores_only: true,
        ..Run::default()
    };
    let general = score(&compiled, &run, &mut sources);
    let csv = general
        .results
        .map(|r| kaohe::report::csv(&r).expect("CSV"))
        .unwrap_or_default();
    let said = render(&general.problems.diagnostics, &sources, false);
    let lane = dense::score(&compiled, &run).map(|d| {
        let said = render(&d.problems.diagnostics, &sources, false);
        ((kaohe::report::csv_dense(&d).expect("CSV"), said), d)
    });
    Some(((csv, said), lane))
}

/// Every (policy, fact files, units file) the fixtures and shipped policies hold.
fn cases() -> Vec<(PathBuf, Vec<PathBuf>, Option<PathBuf>)> {
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
    let facts_in = |dir: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "csv" || e == "tsv"))
                    .filter(|p| {
                        !["units.csv", "expected.csv", "previous.csv"]
                            .iter()
                            .any(|n| p.ends_with(n))
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    for dir in dirs(root.join("tests/fixtures/eval")) {
        let units = Some(dir.join("units.csv")).filter(|u| u.exists());
        out.push((dir.join("case.policy"), facts_in(&dir), units));
    }
    for dir in dirs(root.join("policies")) {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for (policy, cases) in [
            (format!("{name}.policy"), "cases"),
            (format!("{name}.zh.policy"), "cases.zh"),
        ] {
            for case in dirs(dir.join(cases)) {
                let units = Some(case.join("units.csv")).filter(|u| u.exists());
                out.push((dir.join(&policy), facts_in(&case), units));
            }
        }
    }
    out.retain(|(p, f, _)| p.exists() && !f.is_empty());
    out
}

#[test]
fn the_dense_lane_writes_the_general_evaluators_report() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let mut taken = 0;
    for (policy, facts, units) in &cases {
        for pieces in [None, Some((2, 7)), Some((3, 60))] {
            let Some((general, lane)) = both(policy, facts, units.as_deref(), pieces) else {
                continue;
            };
            if let Some(lane) = lane {
                taken += 1;
                assert_eq!(
                    general,
                    lane,
                    "{} over {:?} ({pieces:?})",
                    policy.display(),
                    facts
                );
            }
        }
    }
    // The plain cases (no grades, vetoes or prizes, plain files) are a good part of them.
    assert!(taken >= 30, "the dense lane took only {taken} runs");
}

#[test]
fn the_dense_lane_gives_up_on_what_the_general_reader_reports() {
    // Each file holds one row the general reader refuses or warns about: the lane must leave
    // it to the general evaluator, which says so.
    let policy = "policy \"p\"\n  year 2021\n  total 10\n\nfact late: event with persons\nfact rate: measure percent\n\nsection \"A\" worth 10\n  deduct 1 per person per occurrence of late\n  deduct 1 when rate < 80%\n";
    let dir = tempfile::tempdir().expect("a temporary folder");
    let policy_path = write(dir.path(), "p.policy", policy);
    let bad = [
        "unit,fact,date,persons,value\nA,late,2020-03-01,1,\n",
        "unit,fact,date,persons,value\nA,late,2021-03-01,-1,\n",
        "unit,fact,date,persons,value\nA,late,2021-03-01,1.5,\n",
        "unit,fact,date,persons,value\nA,lat,2021-03-01,1,\n",
        "unit,fact,date,persons,value\nA,late,2021-03-01,1,3\n",
        "unit,fact,date,persons,value\nA,rate,2021-03-01,,0.85\n",
        "unit,fact,date,persons,value\nA,rate,2021-03-01,,80%\nA,rate,2021-03-01,,90%\n",
        "unit,fact,date,persons,value\nA,late,2021-03-01,1\n",
        "unit,fact,date,persons,value\n\"A\",late,2021-03-01,1,\n",
        "unit,fact,date,value\nA,late,2021-03-01,\n",
        "unit,fact,unit,persons,value\nA,late,2021-03-01,1,\n",
        "unit,fact,date,persons,value\nA,late,2021-02-30,1,\n",
        "unit,fact,date,persons,value\nA,late,2021-03-0:,1,\n",
        "unit,fact,date,persons,value\nA,late,2021-0\u{0}-01,1,\n",
        "unit,fact,date,persons,value\nA,late,2021+03-01,1,\n",
        "unit,fact,date,persons,value\nA,late,2021-13-01,1,\n",
        "unit,fact,date,persons,value\r\nA,late,2021-03-01,1,\rB,late,2021-03-01,1,\r\n",
        // A date read before is known by all its bytes, not by its month and day alone.
        "unit,fact,date,persons,value\nA,late,2021-03-01,1,\nA,late,2020-03-01,1,\n",
        "unit,fact,date,persons,value\nA,late,2021-03-01,1,\nA,late,2O21-03-01,1,\n",
        "unit,fact,date,persons,value\nA,late,2021-03-01,1,\nA,late,2021-03-D1,1,\n",
    ];
    for (i, text) in bad.iter().enumerate() {
        let facts = write(dir.path(), format!("bad{i}.csv"), text);
        let Some((_, lane)) = both(&policy_path, &[facts], None, None) else {
            panic!("the policy of case {i} does not check");
        };
        assert!(lane.is_none(), "the dense lane took bad file {i}: {text:?}");
    }
    // And takes the same rows written well, Excel's way too (BOM, CRLF, blank lines, tabs).
    let good = [
        "unit,fact,date,persons,value\nA,late,2021-03-01,1,\nA,rate,2021-12-01,,85%\n",
        "\u{feff}unit,fact,date,persons,value\r\nA,late,2021-03-01,1,\r\n\r\nA,rate,2021-12-01,,85\r\n",
        "unit\tfact\tdate\tpersons\tvalue\nA\tlate\t2021-03-01\t2\t\nB\tlate\t2021/3/1\t1\t\n",
        "单位,事项,日期,人数,数值\nA,late,2021-03-01,1,\n,,,,\n",
        "unit,fact,date,persons,value\nA,late,2021/03/01,1,\nB,late,2021/03/01,2,\nB,late,2021-03-01,1,\n",
    ];
    for (i, text) in good.iter().enumerate() {
        let facts = write(dir.path(), format!("good{i}.csv"), text);
        let Some((general, lane)) = both(&policy_path, &[facts], None, None) else {
            panic!("the policy of good case {i} does not check");
        };
        assert_eq!(Some(general), lane, "good file {i}: {text:?}");
    }
}

/// `text` written into `dir` as `name`: its path.
fn write(dir: &Path, name: impl AsRef<Path>, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("written");
    path
}

/// A policy of one rule over one event, written into `dir`: its path.
fn late_policy(dir: &Path) -> PathBuf {
    write(
        dir,
        "p.policy",
        "policy \"p\"\n  total 2\nfact late: event\nsection \"A\" worth 2\n  deduct 0.1 per occurrence of late\n",
    )
}

#[test]
fn names_a_spreadsheet_would_misread_are_written_as_the_general_writer_writes_them() {
    // The dense lane writes its CSV rows itself: a unit of the units file with a comma, a
    // quote, a formula's first character or a control character in its name (and no row, so
    // that the plain fact file keeps the lane) must come out as the csv crate's writer, which
    // the general report uses, writes it.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let policy = late_policy(dir.path());
    let facts = write(
        dir.path(),
        "facts.csv",
        "unit,fact,count\nA,late,1\nB,late,3\n",
    );
    let units = write(
        dir.path(),
        "units.csv",
        "unit,group\nA,x\nB,x\n\"Office, east\",x\n\"He said \"\"hi\"\"\",x\n=SUM(1),x\n-3,x\n\"tab\there\",x\n",
    );
    let Some((general, lane)) = both(&policy, &[facts], Some(&units), None) else {
        panic!("the policy does not check");
    };
    assert!(general.0.contains("\"Office, east\""), "{}", general.0);
    assert!(
        general.0.contains("\"He said \"\"hi\"\"\""),
        "{}",
        general.0
    );
    assert_eq!(Some(general), lane);
}

#[test]
fn a_province_of_tied_units_is_ranked_as_the_general_evaluator_ranks_it() {
    // Enough units for the dense lane to sort in two halves on two threads and merge them
    // (from 65,536), most of them tied, with names that share their first 8 bytes, names
    // shorter than 8 bytes and Chinese names, listed in no order: the ranks and the order of
    // the rows must be the general evaluator's (ties by name).
    let dir = tempfile::tempdir().expect("a temporary folder");
    let policy = late_policy(dir.path());
    let name = |i: u64| match i % 3 {
        0 => format!("U{i}"),
        1 => format!("Department-{}-{i}", i % 97),
        _ => format!("单位{i}"),
    };
    let n = 80_000u64;
    let mut units = String::from("unit\n");
    let mut facts = String::from("unit,fact,count\n");
    for k in 0..n {
        // A permutation of 0..n, so that the file lists the units in no order.
        let i = (k * 48_271) % n;
        units.push_str(&name(i));
        units.push('\n');
        if !i.is_multiple_of(4) {
            facts.push_str(&format!("{},late,{}\n", name(i), i % 7));
        }
    }
    let units_path = write(dir.path(), "units.csv", &units);
    let facts_path = write(dir.path(), "facts.csv", &facts);
    for pieces in [None, Some((2, 1 << 20))] {
        let files = std::slice::from_ref(&facts_path);
        agree(&policy, files, Some(&units_path), pieces);
    }
}

#[test]
fn lines_of_every_length_are_split_as_the_general_reader_splits_them() {
    // The lane finds a line's cells and its end 32 bytes at a time: lines and cells of every
    // length across those chunks, with spaces to trim, Windows line ends, blank lines and a
    // last line without its line end, must give the general reader's cells. The scores depend
    // on every cell: persons weigh each row, and each distinct case costs a point.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let policy = write(
        dir.path(),
        "p.policy",
        "policy \"p\"\n  year 2021\n  total 100000\nfact late: event with persons, case\nsection \"A\" worth 100000\n  deduct 0.01 per person per occurrence of late\n  deduct 1 per case of late\n",
    );
    // Units given, so that the file is also read in pieces.
    let units = write(
        dir.path(),
        "units.csv",
        "unit\nU0\nU1\nU2\nU3\nU4\nU5\nU6\n",
    );
    for (variant, end) in ["\n", "\r\n"].into_iter().enumerate() {
        let mut text = format!("unit,fact,date,persons,case{end}");
        for i in 0..700usize {
            let unit = format!("{}U{}", " ".repeat(i % 3), i % 7);
            let case = "c".repeat(i % 97) + &(i % 13).to_string();
            // Numbers and dates with spaces to trim too, an ideographic one among them.
            let persons = match i % 11 {
                0 => format!("\u{3000}{}", (i * 37) % 1000),
                k => format!("{}{}", (i * 37) % 1000, " ".repeat(k % 3)),
            };
            text.push_str(&format!(
                "{unit},late, 2021-03-{:02},{persons},{case} ",
                i % 28 + 1
            ));
            text.push_str(end);
            if i % 50 == 0 {
                text.push_str(&format!(",,,,{end}{end}"));
            }
        }
        // The last line without its line end.
        text.push_str("U1,late,2021-12-31,5,last");
        let facts = write(dir.path(), format!("facts{variant}.csv"), &text);
        for pieces in [None, Some((2, 7)), Some((3, 300))] {
            let files = std::slice::from_ref(&facts);
            let Some((general, lane)) = both(&policy, files, Some(&units), pieces) else {
                panic!("the policy does not check");
            };
            assert!(
                general.0.lines().count() == 8,
                "seven units and a header: {}",
                general.0
            );
            assert_eq!(Some(general), lane, "{variant}, {pieces:?}");
        }
    }
}

#[test]
fn keys_seen_in_one_piece_keep_their_amounts_when_the_pieces_are_merged() {
    // `once per case` keeps each case's highest amount, as a place in a table of amounts
    // that each piece of a cut file builds in the order it meets them. A unit whose cases
    // only a later piece saw takes that piece's list whole, its places moved to the first
    // piece's table: pieces that meet the amounts in different orders must still give the
    // general evaluator's scores.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let policy = write(
        dir.path(),
        "p.policy",
        "policy \"p\"\n  year 2021\n  total 1000\nfact complaint: event with case, kind in {minor, serious, grave}\nsection \"A\" worth 1000\n  deduct by kind of complaint: minor 1, serious 3, grave 7, once per case\n  deduct 1 per case of complaint\n",
    );
    let units = write(
        dir.path(),
        "units.csv",
        "unit\nU0\nU1\nU2\nU3\nU4\nU5\nU6\nU7\nU8\nU9\n",
    );
    let mut text = String::from("unit,fact,date,case,kind\n");
    let kinds = ["grave", "minor", "serious"];
    // Halves long enough that each thread is still reading its piece when the other starts.
    let rows = 100_000usize;
    for i in 0..rows {
        // The first half meets the kinds in one order, the second in the other; units U5 to
        // U9 have rows only in the second half.
        let first = i < rows / 2;
        let unit = if first { i % 5 } else { i % 10 };
        let kind = kinds[if first { i % 3 } else { 2 - i % 3 }];
        let case = (i * 7) % 23;
        text.push_str(&format!(
            "U{unit},complaint,2021-04-{:02},c{case},{kind}\n",
            i % 28 + 1
        ));
    }
    let facts = write(dir.path(), "facts.csv", &text);
    // Which thread reads which half is the threads' race: the halves are read a few times.
    let half = Some((2, text.len() as u64 / 2));
    for pieces in [
        None,
        half,
        half,
        half,
        Some((2, 100_000)),
        Some((3, 90_000)),
    ] {
        agree(&policy, std::slice::from_ref(&facts), Some(&units), pieces);
    }
}

#[test]
fn conditions_resolved_once_hold_as_the_general_evaluator_holds_them() {
    // The lane resolves a condition's comparisons of a fact with a number once, the number
    // on either side: with values missing (unknown), negated, joined with `or` and `and`,
    // beside forms it leaves to the general reading (a flag, `happened`), the scores must be
    // the general evaluator's.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let policy = write(
        dir.path(),
        "p.policy",
        "policy \"p\"\n  year 2021\n  total 100\nfact late: event\nfact rate: measure percent\nfact audit: flag\nsection \"A\" worth 100\n  deduct 2 when 80% > rate\n  deduct 3 when rate < 80% and not (late >= 3)\n  award 1 when not (rate >= 90% or 2 <= late), otherwise 5\n  deduct 4 when 3 = late or audit\n  deduct 1 per occurrence of late, only if 85% <= rate\n",
    );
    let units = write(dir.path(), "units.csv", "unit\nA\nB\nC\nD\nE\nF\n");
    let facts = write(
        dir.path(),
        "facts.csv",
        "unit,fact,date,value\nA,rate,2021-12-01,79%\nA,late,2021-03-01,\nB,rate,2021-12-01,85%\nB,late,2021-03-01,\nB,late,2021-03-02,\nB,late,2021-03-03,\nC,late,2021-03-01,\nC,audit,2021-03-01,yes\nD,rate,2021-12-01,90%\nE,rate,2021-12-01,80%\nE,audit,2021-05-01,no\n",
    );
    agree(&policy, &[facts], Some(&units), None);
}

#[test]
fn a_warning_about_many_units_names_the_first_twenty_by_name() {
    // Units without a measure's row: the warning names the first 20 in order and counts the
    // rest, in the lane and in the general evaluator alike, whatever order the units are
    // listed in.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let policy = write(
        dir.path(),
        "p.policy",
        "policy \"p\"\n  total 10\nfact rate: measure percent\nsection \"A\" worth 10\n  deduct 2 when rate < 80%\n",
    );
    let mut units = String::from("unit\n");
    let mut facts = String::from("unit,fact,value\n");
    for i in (0..60).rev() {
        units.push_str(&format!("U{:02}\n", (i * 37) % 60));
        if i % 4 == 0 {
            facts.push_str(&format!("U{:02},rate,85%\n", (i * 37) % 60));
        }
    }
    let units_path = write(dir.path(), "units.csv", &units);
    let facts_path = write(dir.path(), "facts.csv", &facts);
    let Some((general, lane)) = both(&policy, &[facts_path], Some(&units_path), None) else {
        panic!("the policy does not check");
    };
    let first: Vec<String> = (0..60)
        .filter(|i| (0..60).all(|k| k % 4 != 0 || (k * 37) % 60 != *i))
        .take(20)
        .map(|i| format!("`U{i:02}`"))
        .collect();
    let expected = format!("for {} and 25 more:", first.join(", "));
    assert!(general.1.contains(&expected), "{}\n{expected}", general.1);
    assert_eq!(Some(general), lane);
}

#[test]
fn numbers_beyond_whole_hundred_millionths_are_scored_as_the_general_evaluator_scores_them() {
    // The lane scores a unit in whole numbers of 10^-8 when that is exact, and again in
    // decimals when not: a measure of 11 decimals and a threshold of as many, a sum of persons
    // beyond what 64 bits hold at 8 decimals, two amounts whose sum is, a product of two
    // exact numbers that is not, next to units that need none of it; then the same with a
    // rate of 9 decimals, which sends every unit to decimals.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let rules = "section \"A\" worth 60\n  deduct 2 when rate > 0.12345678912\n  deduct 0.5 per person per occurrence of late, cap 7.25\nsection \"B\" worth 40\n  deduct 1.5 when rate <= 0.12345678912\n  deduct 0.25 per occurrence of late\n  deduct 0.0003 per day of late\n  deduct 0.6 per person per occurrence of late\n  deduct 0.7 per person per occurrence of late\n";
    let units = write(dir.path(), "units.csv", "unit\nA\nB\nC\nD\nE\nF\nG\n");
    let facts = write(
        dir.path(),
        "facts.csv",
        "unit,fact,date,persons,days,value\nA,late,2021-03-01,300000000000,1,\nB,late,2021-03-01,5,1,\nB,rate,2021-12-01,,,0.12345678913\nC,rate,2021-12-01,,,0.12345678912\nD,rate,2021-12-01,,,0.5\nD,late,2021-03-01,3,1,\nE,late,2021-03-01,1,1,\nE,late,2021-03-02,90000000000,1,\nG,late,2021-03-01,1,0.00007,\n",
    );
    for (tiny, row) in [
        ("", "3,G,97.949999979,59.5,38.449999979"),
        (
            "  deduct 0.000000001 per person per occurrence of late, cap 50\n",
            "3,G,97.949999978,59.5,38.449999978",
        ),
    ] {
        let policy = write(
            dir.path(),
            "p.policy",
            &format!("policy \"p\"\n  total 100\nfact late: event with persons, days\nfact rate: measure number\n{rules}{tiny}"),
        );
        let (general, scores) = agree(&policy, std::slice::from_ref(&facts), Some(&units), None);
        // The decimals moved the scores.
        assert!(general.0.contains(row), "{}", general.0);
        // Scores in whole numbers come back as decimals without trailing zeros.
        for d in scores.totals.iter().chain(&scores.scores) {
            assert_eq!(d.to_string(), d.normalize().to_string());
        }
    }
}
