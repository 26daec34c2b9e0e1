//! The cases `tests/sql.rs` compares: what each database is given (a policy, its facts as
//! the facts table holds them, units and last year's scores) and what the interpreter scored.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use kaohe::eval::{self, Run};
use kaohe::ir;
use kaohe::results::Results;
use kaohe::span::SourceMap;
use kaohe::sql;
use rust_decimal::Decimal;

use crate::reference::gen::{self, Rng};

/// Random policies compared in each database.
const SEEDS: u64 = 300;

/// One comparison: what the database is given, and what the interpreter scored.
pub struct Case {
    pub name: String,
    pub policy: ir::Policy,
    pub rows: String,
    /// The units table (`unit` and `group` columns), when the query reads one.
    pub units: Option<String>,
    /// Units are ranked within the units table's `group` column.
    pub groups: bool,
    /// Last year's scores (kaohe's CSV), loaded as `previous_table`.
    pub previous: Option<String>,
    pub expected: Vec<Vec<String>>,
}

/// A number as both sides are compared: exact, without trailing zeros.
pub fn normal(cell: &str) -> String {
    match cell.parse::<Decimal>() {
        Ok(d) => kaohe::report::number(d),
        Err(_) => cell.to_string(),
    }
}

/// The interpreter's results as the query's rows: unit, rank, total, sections (each followed
/// by its items with a worth), grade, prizes.
fn rows_of(policy: &ir::Policy, results: &Results, groups: bool) -> Vec<Vec<String>> {
    results
        .units
        .iter()
        .map(|u| {
            let mut row = vec![u.unit.clone()];
            if groups {
                row.push(u.group.clone().unwrap_or_default());
            }
            row.push(u.rank.to_string());
            row.push(kaohe::report::number(u.total));
            for s in &u.sections {
                row.push(kaohe::report::number(s.score));
                for i in &s.items {
                    if let Some(score) = i.score {
                        row.push(kaohe::report::number(score));
                    }
                }
            }
            if !policy.grades.is_empty() {
                row.push(u.grade.clone().unwrap_or_default());
            }
            if !policy.prizes.is_empty() {
                row.push(u.prizes.join("；"));
            }
            row
        })
        .collect()
}

/// Compiles a policy's text.
pub fn compiled(name: &str, text: &str) -> ir::Policy {
    let mut sources = SourceMap::new();
    let file = sources.add(name, text);
    let checked = kaohe::compile(&sources, file);
    match checked.policy {
        Some(p) if !checked.diagnostics.iter().any(|d| d.is_error()) => p,
        _ => panic!(
            "{name} does not check:\n{}",
            kaohe::diagnostic::render(&checked.diagnostics, &sources, false)
        ),
    }
}

/// The interpreter's scores and the validated rows as the facts table holds them.
fn scored(
    name: &str,
    policy: &ir::Policy,
    files: &[PathBuf],
    units: Vec<String>,
    groups: HashMap<String, String>,
    previous: Option<String>,
) -> Case {
    let mut sources = SourceMap::new();
    let positions = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.clone(), i))
        .collect();
    let input = kaohe::facts::Input {
        policy,
        files,
        // No units named: the units are those of the facts, in the query too.
        units: (!units.is_empty()).then_some(&positions),
        keep_extra: false,
        only_unit: None,
        percents: kaohe::facts::Percents::Written,
        sheet: None,
    };
    let mut problems = kaohe::facts::Problems::default();
    let mut read = Vec::new();
    kaohe::facts::read(&input, &mut sources, &mut problems, |r| read.push(r));
    assert!(!problems.has_errors(), "{name}: the facts do not read");
    let rows = sql::facts_csv(policy, &read).unwrap_or_else(|d| panic!("{name}: {}", d.message));
    let has_groups = !groups.is_empty();
    let units_csv = (!units.is_empty()).then(|| {
        let mut t = String::from("unit,group\n");
        for u in &units {
            let g = groups.get(u).cloned().unwrap_or_default();
            t.push_str(&format!(
                "\"{}\",\"{}\"\n",
                u.replace('"', "\"\""),
                g.replace('"', "\"\"")
            ));
        }
        t
    });
    let last_year = previous.as_ref().map(|csv| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("previous.csv");
        std::fs::write(&path, csv).expect("written");
        kaohe::outcome::read_previous(&path, policy).expect("last year's scores")
    });
    let run = Run {
        files,
        units: (!units.is_empty()).then_some(units),
        groups,
        previous: last_year.as_ref(),
        threads: Some(1),
        ..Run::default()
    };
    let results = eval::score(policy, &run, &mut sources)
        .results
        .unwrap_or_else(|| panic!("{name}: the interpreter did not score"));
    Case {
        name: name.to_string(),
        policy: policy.clone(),
        rows,
        units: units_csv,
        groups: has_groups,
        previous,
        expected: rows_of(policy, &results, has_groups),
    }
}

/// A path's file name.
fn base(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The entries of a folder (which must be there) that `keep` keeps, sorted.
fn listed(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| keep(p))
        .collect();
    found.sort();
    found
}

/// A fixture folder's cases: its folders, but the `err_*` ones.
fn fixtures(root: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(root);
    listed(&root, |p| p.is_dir() && !base(p).starts_with("err_"))
}

/// The units of a units file and their ranking groups; without one, the policy's units.
fn units_of(file: Option<&Path>, policy: &ir::Policy) -> (Vec<String>, HashMap<String, String>) {
    match file {
        Some(f) => {
            let read = kaohe::facts::read_units(f).expect("the units");
            (read.units, read.groups)
        }
        None => (policy.units.clone(), HashMap::new()),
    }
}

/// Every shipped policy over each of its cases' fact files.
fn shipped() -> Vec<Case> {
    let mut cases = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    for dir in listed(&root, Path::is_dir) {
        for path in listed(&dir, |p| p.extension().is_some_and(|e| e == "policy")) {
            let text = std::fs::read_to_string(&path).expect("the policy");
            let policy = compiled(&path.display().to_string(), &text);
            let zh = path.to_string_lossy().ends_with(".zh.policy");
            let cases_dir = dir.join(if zh { "cases.zh" } else { "cases" });
            if !cases_dir.is_dir() {
                continue;
            }
            for case in listed(&cases_dir, |_| true) {
                let files = listed(&case, |p| {
                    let n = base(p);
                    (n.ends_with(".csv") || n.ends_with(".jsonl") || n.ends_with(".xlsx"))
                        && n != "units.csv"
                        && !n.starts_with("previous")
                });
                let units_file = [case.join("units.csv"), dir.join("units.csv")]
                    .into_iter()
                    .find(|p| p.exists());
                let (units, groups) = units_of(units_file.as_deref(), &policy);
                let name = format!("{} {}", base(&path), base(&case));
                // Last year's scores, where the policy gives prizes by improvement.
                let previous = listed(&dir, |p| base(p).starts_with("previous"))
                    .first()
                    .map(|p| std::fs::read_to_string(p).expect("last year's scores"));
                cases.push(scored(&name, &policy, &files, units, groups, previous));
            }
        }
    }
    cases
}

/// Random policies and facts, with last year's scores where they give prizes by improvement.
fn random(dir: &Path) -> Vec<Case> {
    (0..SEEDS)
        .map(|seed| {
            let mut rng = Rng::new(seed);
            let model = gen::model(&mut rng);
            let rows = gen::rows(&mut rng, &model);
            let text = gen::policy_text(&model);
            let policy = compiled("random.policy", &text);
            let file = dir.join(format!("random-{seed}.csv"));
            std::fs::write(&file, gen::csv_text(&model, &rows)).expect("written");
            let units = policy.units.clone();
            let previous = gen::previous_csv(&model);
            scored(
                &format!("seed {seed}"),
                &policy,
                &[file],
                units,
                Default::default(),
                previous,
            )
        })
        .collect()
}

pub fn all_cases(dir: &Path) -> Vec<Case> {
    let mut cases = shipped();
    let other_years: Vec<Case> = cases.iter().filter_map(with_other_years).collect();
    cases.extend(other_years);
    cases.extend(outcome_cases());
    cases.extend(eval_cases());
    cases.push(bench_case(dir));
    cases.extend(random(dir));
    cases
}

/// A shipped case in a table that holds other years too: every dated row again a year before
/// and a year after. They belong to other assessments and change no score.
fn with_other_years(case: &Case) -> Option<Case> {
    let year = case.policy.year?;
    let mut reader = csv::Reader::from_reader(case.rows.as_bytes());
    let date = reader
        .headers()
        .expect("a header")
        .iter()
        .position(|h| h == "date")?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(reader.headers().expect("a header"))
        .expect("written");
    let mut moved = 0;
    for record in reader.records() {
        let record = record.expect("a row");
        writer.write_record(&record).expect("written");
        let Some(day) = record.get(date).filter(|d| d.len() == 10) else {
            continue;
        };
        for other in [year - 1, year + 1] {
            let cells: Vec<String> = record
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == date {
                        format!("{other}{}", &day[4..])
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            writer.write_record(&cells).expect("written");
            moved += 1;
        }
    }
    if moved == 0 {
        return None;
    }
    let rows = String::from_utf8(writer.into_inner().expect("written")).expect("UTF-8");
    Some(Case {
        name: format!("{} with {moved} rows of other years", case.name),
        policy: case.policy.clone(),
        rows,
        units: case.units.clone(),
        groups: case.groups,
        previous: case.previous.clone(),
        expected: case.expected.clone(),
    })
}

/// The eval fixtures (`tests/fixtures/eval/`, not the `err_*` ones): one form of the language
/// each — working-day deadlines, each month, brackets, `per project`, unknown conditions,
/// restated measures, groups — with totals computed by hand.
fn eval_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for dir in fixtures("tests/fixtures/eval") {
        let files = listed(&dir, |p| {
            let n = base(p);
            (n.ends_with(".csv") || n.ends_with(".jsonl"))
                && n != "units.csv"
                && n != "expected.csv"
        });
        for name in ["case.policy", "case.zh.policy"] {
            let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
                continue;
            };
            let policy = compiled(name, &text);
            let units_file = Some(dir.join("units.csv")).filter(|f| f.exists());
            let (units, groups) = units_of(units_file.as_deref(), &policy);
            let label = format!("eval {} {name}", base(&dir));
            cases.push(scored(&label, &policy, &files, units, groups, None));
        }
    }
    cases
}

/// The benchmark's policy over a small year from its generator (`benches/gen.py`): busy
/// units at their caps, a quiet tail, keyed complaints and a re-reported survey.
fn bench_case(dir: &Path) -> Case {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = dir.join("bench");
    let status = Command::new("python3")
        .arg(root.join("benches/gen.py"))
        .args(["--rows", "20000", "--units", "300", "--out"])
        .arg(&out)
        .status()
        .expect("python3 runs benches/gen.py");
    assert!(status.success(), "benches/gen.py failed");
    let path = root.join("benches/policy/bench.policy");
    let text = std::fs::read_to_string(&path).expect("the benchmark policy");
    let policy = compiled("bench.policy", &text);
    let units_file = out.join("units.csv");
    let units = kaohe::facts::read_units_file(&units_file).expect("the units");
    scored(
        "bench.policy 20000 rows",
        &policy,
        &[out.join("facts.csv")],
        units,
        Default::default(),
        None,
    )
}

/// The outcome fixtures (`tests/fixtures/outcome/`): ranking groups, grades with quotas and
/// ties by a section, prizes by rank and by improvement.
fn outcome_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for dir in fixtures("tests/fixtures/outcome") {
        for name in ["case.policy", "case.zh.policy"] {
            let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
                continue;
            };
            let policy = compiled(name, &text);
            let (units, groups) = units_of(Some(&dir.join("units.csv")), &policy);
            // Last year's scores as the query reads them: unit, total and each section.
            let previous = ["previous.csv", "previous.json"]
                .iter()
                .map(|f| dir.join(f))
                .find(|p| p.exists())
                .map(|p| {
                    let prev = kaohe::outcome::read_previous(&p, &policy).expect("last year");
                    let mut t = String::from("unit,total");
                    for s in &policy.sections {
                        t.push_str(&format!(",\"{}\"", s.name));
                    }
                    t.push('\n');
                    let mut names: Vec<&String> = prev.units.keys().collect();
                    names.sort();
                    for u in names {
                        let Some(p) = prev.units.get(u) else { continue };
                        t.push_str(&format!("\"{u}\",{}", kaohe::report::number(p.total)));
                        for s in &policy.sections {
                            let v = p.sections.get(&s.name).map(|d| kaohe::report::number(*d));
                            t.push_str(&format!(",{}", v.unwrap_or_default()));
                        }
                        t.push('\n');
                    }
                    t
                });
            let label = format!("{} {name}", base(&dir));
            cases.push(scored(
                &label,
                &policy,
                &[dir.join("facts.csv")],
                units,
                groups,
                previous,
            ));
        }
    }
    cases
}
