//! `kaohe sql` against the interpreter: every shipped policy over each of its cases, the
//! outcome and eval fixtures, the benchmark's policy over a year from its generator, and
//! random policies from the reference generator (`tests/reference/gen.rs`), scored by the
//! generated query in DuckDB (its Python package) and in PostgreSQL (Debian's server, started
//! on a socket in a temporary folder by `tests/sql/postgres.sh` and stopped after) must give
//! every unit the interpreter's rank, total, section and item scores, grade and prizes, in
//! the same order.
//!
//! `.ci/run` installs both. Elsewhere a missing one is said and its half skipped; with `CI`
//! set, a missing one fails the test.

mod reference;
#[path = "sql/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::process::Command;

use kaohe::eval::{self, Run};
use kaohe::ir;
use kaohe::results::Results;
use kaohe::span::SourceMap;
use kaohe::sql::{self, Dialect, Options};
use reference::gen::{self, Rng};
use rust_decimal::Decimal;
use server::Postgres;

/// Random policies compared in each database.
const SEEDS: u64 = 300;

/// One comparison: what the database is given, and what the interpreter scored.
struct Case {
    name: String,
    policy: ir::Policy,
    rows: String,
    /// The units table (`unit` and `group` columns), when the query reads one.
    units: Option<String>,
    /// Units are ranked within the units table's `group` column.
    groups: bool,
    /// Last year's scores (kaohe's CSV), loaded as `previous_table`.
    previous: Option<String>,
    expected: Vec<Vec<String>>,
}

/// A number as both sides are compared: exact, without trailing zeros.
fn normal(cell: &str) -> String {
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
fn compiled(name: &str, text: &str) -> ir::Policy {
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
    groups: std::collections::HashMap<String, String>,
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

/// Every shipped policy over each of its cases' fact files.
fn shipped() -> Vec<Case> {
    let mut cases = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("policies/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut policies: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("a policy folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "policy"))
            .collect();
        policies.sort();
        for path in policies {
            let text = std::fs::read_to_string(&path).expect("the policy");
            let policy = compiled(&path.display().to_string(), &text);
            let zh = path.to_string_lossy().ends_with(".zh.policy");
            let cases_dir = dir.join(if zh { "cases.zh" } else { "cases" });
            let Ok(entries) = std::fs::read_dir(&cases_dir) else {
                continue;
            };
            let mut case_dirs: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            case_dirs.sort();
            for case in case_dirs {
                let mut files: Vec<PathBuf> = std::fs::read_dir(&case)
                    .expect("a case")
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        let n = p
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        (n.ends_with(".csv") || n.ends_with(".jsonl") || n.ends_with(".xlsx"))
                            && n != "units.csv"
                            && !n.starts_with("previous")
                    })
                    .collect();
                files.sort();
                let units_file = [case.join("units.csv"), dir.join("units.csv")]
                    .into_iter()
                    .find(|p| p.exists());
                let units = match &units_file {
                    Some(f) => kaohe::facts::read_units_file(f).expect("the units"),
                    None => policy.units.clone(),
                };
                let groups = match &units_file {
                    Some(f) => kaohe::facts::read_unit_groups(f).expect("the groups"),
                    None => Default::default(),
                };
                let name = format!(
                    "{} {}",
                    path.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    case.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                );
                // Last year's scores, where the policy gives prizes by improvement.
                let previous = std::fs::read_dir(&dir)
                    .expect("the policy folder")
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .find(|p| {
                        p.file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with("previous"))
                    })
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

/// Whether a tool is here; with `CI` set, its absence fails the test.
fn present(what: &str, here: bool) -> bool {
    if !here {
        assert!(
            std::env::var_os("CI").is_none(),
            "{what} is needed on CI (.ci/run installs it)"
        );
        eprintln!("skipped: {what} is not installed here");
    }
    here
}

/// Writes each case's files for `dialect` into `root/NAME`; the folders, in order.
fn write_cases(root: &Path, cases: &[Case], dialect: Dialect) -> Vec<PathBuf> {
    cases
        .iter()
        .enumerate()
        .map(|(k, case)| {
            let dir = root.join(format!("c{k:04}"));
            std::fs::create_dir_all(&dir).expect("a case folder");
            let options = Options {
                dialect,
                units_table: case.units.as_ref().map(|_| "units_table".into()),
                group_column: case.groups.then(|| "group".into()),
                previous_table: case.previous.is_some().then(|| "previous_table".into()),
                ..Options::default()
            };
            let query = sql::query(&case.policy, &options).unwrap_or_else(|d| {
                panic!(
                    "{}: {}",
                    case.name,
                    d.first().map_or("", |d| d.message.as_str())
                )
            });
            let schema = sql::schema(&case.policy, dialect, "facts").expect("a schema");
            std::fs::write(dir.join("query.sql"), query).expect("written");
            std::fs::write(dir.join("schema.sql"), schema).expect("written");
            std::fs::write(dir.join("rows.csv"), &case.rows).expect("written");
            if let Some(u) = &case.units {
                std::fs::write(dir.join("units.csv"), u).expect("written");
            }
            if let Some(p) = &case.previous {
                std::fs::write(dir.join("previous.csv"), p).expect("written");
            }
            dir
        })
        .collect()
}

/// The query's rows of a case, read back from `out.csv`.
fn result_of(dir: &Path) -> Result<Vec<Vec<String>>, String> {
    if let Ok(e) = std::fs::read_to_string(dir.join("error.txt")) {
        return Err(e);
    }
    let mut r = csv::ReaderBuilder::new()
        .from_path(dir.join("out.csv"))
        .map_err(|e| e.to_string())?;
    r.records()
        .map(|rec| {
            rec.map(|rec| rec.iter().map(normal).collect())
                .map_err(|e| e.to_string())
        })
        .collect()
}

fn compare(db: &str, cases: &[Case], dirs: &[PathBuf]) {
    let mut failures = Vec::new();
    for (case, dir) in cases.iter().zip(dirs) {
        match result_of(dir) {
            Ok(got) if got == case.expected => {}
            Ok(got) => {
                let first = case
                    .expected
                    .iter()
                    .zip(&got)
                    .find(|(a, b)| a != b)
                    .map(|(a, b)| format!("interpreter {a:?}\n  {db} {b:?}"))
                    .unwrap_or_else(|| {
                        format!("{} rows against {}", case.expected.len(), got.len())
                    });
                failures.push(format!("{} ({}): {first}", case.name, dir.display()));
            }
            Err(e) => failures.push(format!("{} ({}): {e}", case.name, dir.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree in {db}:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn all_cases(dir: &Path) -> Vec<Case> {
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
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eval");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("the eval fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("err_"))
        })
        .collect();
    dirs.sort();
    let mut cases = Vec::new();
    for dir in dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("a fixture")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let n = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (n.ends_with(".csv") || n.ends_with(".jsonl"))
                    && n != "units.csv"
                    && n != "expected.csv"
            })
            .collect();
        files.sort();
        for name in ["case.policy", "case.zh.policy"] {
            let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
                continue;
            };
            let policy = compiled(name, &text);
            let units_file = dir.join("units.csv");
            let units = if units_file.exists() {
                kaohe::facts::read_units_file(&units_file).expect("units")
            } else {
                policy.units.clone()
            };
            let groups = if units_file.exists() {
                kaohe::facts::read_unit_groups(&units_file).expect("groups")
            } else {
                Default::default()
            };
            let label = format!(
                "eval {} {name}",
                dir.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            );
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
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/outcome");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("the outcome fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("err_"))
        })
        .collect();
    dirs.sort();
    let mut cases = Vec::new();
    for dir in dirs {
        for name in ["case.policy", "case.zh.policy"] {
            let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
                continue;
            };
            let policy = compiled(name, &text);
            let units_file = dir.join("units.csv");
            let units = kaohe::facts::read_units_file(&units_file).expect("units");
            let groups = kaohe::facts::read_unit_groups(&units_file).expect("groups");
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
            let label = format!(
                "{} {name}",
                dir.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            );
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

#[test]
fn duckdb_scores_as_the_interpreter() {
    let here = Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !present("python3 with the duckdb package", here) {
        return;
    }
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let cases = all_cases(tmp.path());
    let dirs = write_cases(&tmp.path().join("duckdb"), &cases, Dialect::DuckDb);
    let refused: Vec<PathBuf> = REFUSED
        .iter()
        .map(|(name, _)| refused_case(&tmp.path().join("duckdb"), name, Dialect::DuckDb))
        .collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sql/duckdb_run.py");
    let status = Command::new("python3")
        .arg(script)
        .arg(tmp.path().join("duckdb"))
        .status()
        .expect("python3 runs");
    assert!(status.success(), "the DuckDB runner failed");
    compare("DuckDB", &cases, &dirs);
    for (dir, (name, message)) in refused.iter().zip(REFUSED) {
        let said = std::fs::read_to_string(dir.join("error.txt")).unwrap_or_default();
        assert!(said.contains(message), "DuckDB scored `{name}`: {said}");
    }
}

/// A case the query must refuse (`tests/fixtures/sql/NAME/`: a policy, its facts and, for a
/// units table, `units.csv` with a `group` column, for last year's scores `previous.csv`),
/// written as a case folder `zNAME` of `root`: `clash` (two values of a measure on one date,
/// E048), `two_groups` (a unit in two ranking groups of the units table, E023) and
/// `previous_twice` (a unit twice in last year's scores, E073).
fn refused_case(root: &Path, name: &str, dialect: Dialect) -> PathBuf {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sql")
        .join(name);
    let text = std::fs::read_to_string(base.join("policy.policy")).expect("the fixture");
    let policy = compiled(name, &text);
    let dir = root.join(format!("z{name}"));
    std::fs::create_dir_all(&dir).expect("a case folder");
    let units = base.join("units.csv");
    let previous = base.join("previous.csv");
    let query = sql::query(
        &policy,
        &Options {
            dialect,
            units_table: units.exists().then(|| "units_table".into()),
            group_column: units.exists().then(|| "group".into()),
            previous_table: previous.exists().then(|| "previous_table".into()),
            ..Options::default()
        },
    )
    .expect("a query");
    std::fs::write(dir.join("query.sql"), query).expect("written");
    let schema = sql::schema(&policy, dialect, "facts").expect("a schema");
    std::fs::write(dir.join("schema.sql"), schema).expect("written");
    if units.exists() {
        std::fs::copy(&units, dir.join("units.csv")).expect("copied");
    }
    if previous.exists() {
        std::fs::copy(&previous, dir.join("previous.csv")).expect("copied");
    }
    // The rows as `--rows` writes them: the reader lets them through, what is wrong is for
    // the evaluator to find (and the query).
    let out = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .arg("sql")
        .arg(base.join("policy.policy"))
        .arg("--rows")
        .arg(base.join("facts.csv"))
        .output()
        .expect("kaohe runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(dir.join("rows.csv"), out.stdout).expect("written");
    dir
}

/// Each refused case and the message its query must stop with.
const REFUSED: [(&str, &str); 3] = [
    ("clash", "kaohe E048: rows of `rate`"),
    (
        "two_groups",
        "kaohe E023: a unit is listed in two ranking groups",
    ),
    (
        "previous_twice",
        "kaohe E073: a unit is listed twice in last year's scores",
    ),
];

/// A psql script loading each case into a schema of its own and writing its result.
fn psql_script(dirs: &[PathBuf]) -> String {
    let mut s = String::new();
    for dir in dirs {
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect("a case file");
        // A schema a case, named after its folder.
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        s.push_str(&format!(
            "CREATE SCHEMA {name}; SET search_path TO {name};\n"
        ));
        s.push_str(&read("schema.sql"));
        s.push_str(&format!(
            "\\copy facts FROM '{}' WITH (FORMAT csv, HEADER true)\n",
            dir.join("rows.csv").display()
        ));
        if dir.join("units.csv").exists() {
            s.push_str("CREATE TABLE units_table (\"unit\" TEXT, \"group\" TEXT);\n");
            s.push_str(&format!(
                "\\copy units_table FROM '{}' WITH (FORMAT csv, HEADER true)\n",
                dir.join("units.csv").display()
            ));
        }
        if let Ok(previous) = std::fs::read_to_string(dir.join("previous.csv")) {
            let header = previous
                .trim_start_matches('\u{feff}')
                .lines()
                .next()
                .unwrap_or_default();
            let columns: Vec<String> = header
                .split(',')
                .map(|c| format!("\"{}\" TEXT", c.trim_matches('"').replace('"', "\"\"")))
                .collect();
            s.push_str(&format!(
                "CREATE TABLE previous_table ({});\n",
                columns.join(", ")
            ));
            s.push_str(&format!(
                "\\copy previous_table FROM '{}' WITH (FORMAT csv, HEADER true)\n",
                dir.join("previous.csv").display()
            ));
        }
        s.push_str(&format!("\\o {}\n", dir.join("out.csv").display()));
        s.push_str(&read("query.sql"));
        s.push_str("\\o\n");
    }
    s
}

#[test]
fn postgres_scores_as_the_interpreter() {
    let here = Command::new("psql")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !present("PostgreSQL (psql and the server)", here) {
        return;
    }
    let Some(pg) = Postgres::start() else {
        present("a PostgreSQL server that starts", false);
        return;
    };
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let cases = all_cases(tmp.path());
    let dirs = write_cases(&tmp.path().join("postgres"), &cases, Dialect::Postgres);
    let script = tmp.path().join("all.sql");
    std::fs::write(&script, psql_script(&dirs)).expect("written");
    pg.psql(&script)
        .unwrap_or_else(|e| panic!("psql failed: {e}"));
    compare("PostgreSQL", &cases, &dirs);
    for (name, message) in REFUSED {
        let dir = refused_case(&tmp.path().join("postgres"), name, Dialect::Postgres);
        let script = tmp.path().join(format!("{name}.sql"));
        std::fs::write(&script, psql_script(&[dir])).expect("written");
        match pg.psql(&script) {
            Ok(()) => panic!("PostgreSQL scored `{name}`"),
            Err(e) => assert!(e.contains(message), "{name}: {e}"),
        }
    }
}

fn kaohe_sql(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("sql")
        .args(args)
        .output()
        .expect("kaohe runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The query a reviewer reads: the example policy, in both dialects, and its facts table.
#[test]
fn the_example_query() {
    for dialect in ["duckdb", "postgres"] {
        let (ok, query, err) =
            kaohe_sql(&["policies/example/example.policy", "--dialect", dialect]);
        assert!(ok, "{err}");
        insta::assert_snapshot!(format!("example_{dialect}"), query);
        let (ok, schema, err) = kaohe_sql(&[
            "policies/example/example.policy",
            "--dialect",
            dialect,
            "--schema",
        ]);
        assert!(ok, "{err}");
        insta::assert_snapshot!(format!("example_{dialect}_schema"), schema);
    }
}

/// A prize by improvement without last year's scores is an error naming the clause (E080),
/// never a query that leaves the prize out.
#[test]
fn a_prize_by_improvement_needs_last_years_scores() {
    let policy = "policies/changzhou-affairs/changzhou-affairs.policy";
    let (ok, out, err) = kaohe_sql(&[policy, "--color", "never"]);
    assert!(!ok && out.is_empty());
    insta::assert_snapshot!(err);
    // The Chinese policy is told in Chinese, at its own line.
    let zh = "policies/changzhou-affairs/changzhou-affairs.zh.policy";
    let (ok, _, said) = kaohe_sql(&[zh, "--color", "never"]);
    assert!(!ok);
    assert!(
        said.contains("无法写成 SQL 查询：按进步评奖需要上年得分")
            && said.contains("changzhou-affairs.zh.policy:167:1"),
        "{said}"
    );
    let (ok, query, err) = kaohe_sql(&[policy, "--previous-table", "scores_2018"]);
    assert!(ok, "{err}");
    assert!(
        query.contains("FROM scores_2018 AS t\n") && query.contains(") AS prev ON prev.unit"),
        "{query}"
    );
}

/// `--rows` validates as `kaohe run` does: a bad row is reported and nothing is written.
#[test]
fn rows_are_validated() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let facts = tmp.path().join("facts.csv");
    std::fs::write(&facts, "unit,fact,date,persons\n办公室,late,2021-13-01,1\n").expect("written");
    let facts = facts.display().to_string();
    let (ok, out, err) = kaohe_sql(&[
        "policies/example/example.policy",
        "--color",
        "never",
        "--rows",
        &facts,
    ]);
    assert!(!ok && out.is_empty(), "{out}");
    assert!(err.contains("2021-13-01"), "{err}");
    assert!(err.contains("no rows were written"), "{err}");
}

/// `--rows -o FILE` streams the rows to the file and replaces it only when every row is good;
/// to standard output they come after a first reading has checked them all.
#[test]
fn rows_replace_a_file_only_when_all_are_good() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let out = tmp.path().join("rows.csv");
    std::fs::write(&out, "last year's rows\n").expect("written");
    let out_arg = out.display().to_string();
    let long = tmp.path().join("long.csv");
    std::fs::write(
        &long,
        "unit,fact,date,value\n机关党委,platform_points,2021-12-01,70.000000000001\n",
    )
    .expect("written");
    let long_arg = long.display().to_string();
    let policy = "policies/example/example.policy";
    for args in [
        vec![policy, "--rows", long_arg.as_str(), "-o", out_arg.as_str()],
        vec![policy, "--rows", long_arg.as_str()],
    ] {
        let (ok, stdout, err) = kaohe_sql(&args);
        assert!(!ok && stdout.is_empty(), "{args:?}: {stdout}");
        assert!(
            err.contains("has more than 10 digits after the point") && err.contains("long.csv:2"),
            "{args:?}: {err}"
        );
        assert_eq!(
            std::fs::read_to_string(&out).expect("still there"),
            "last year's rows\n"
        );
    }
    let good = "policies/example/facts/2021.csv";
    let units = "policies/example/units.csv";
    let (ok, stdout, err) = kaohe_sql(&[policy, "--rows", good, "--units", units]);
    assert!(ok, "{err}");
    let (ok, _, err) = kaohe_sql(&[policy, "--rows", good, "--units", units, "-o", &out_arg]);
    assert!(ok, "{err}");
    let written = std::fs::read_to_string(&out).expect("written");
    assert_eq!(written, stdout);
    assert_eq!(written.lines().count(), 30, "{written}");
    assert!(
        written.starts_with("unit,fact,date,count,value,note,"),
        "{written}"
    );
}
