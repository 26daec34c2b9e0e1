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

#[path = "sql/cases.rs"]
mod cases;
mod reference;
#[path = "sql/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::process::Command;

use cases::{all_cases, compiled, normal, Case};
use kaohe::sql::{self, Dialect, Options};
use server::Postgres;

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

/// `--rows` to standard output reads the files twice (to check, then to write): a file that
/// changes in between, here a pipe fed a good table and then a bad one, is said, never passed
/// over with rows missing. Nothing here can hang: the pipe is opened without blocking, and
/// kaohe runs under `timeout`.
#[cfg(unix)]
#[test]
fn rows_from_files_that_change_between_the_readings_are_an_error() {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    use std::time::{Duration, Instant};

    let tmp = tempfile::tempdir().expect("a temporary folder");
    let pipe = tmp.path().join("facts.csv");
    let made = Command::new("mkfifo").arg(&pipe).status();
    let timeout = Command::new("timeout").arg("--version").output();
    if !made.is_ok_and(|s| s.success()) || !timeout.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: no mkfifo or timeout here");
        return;
    }
    const O_NONBLOCK: i32 = 0o4000;
    let feeder = {
        let pipe = pipe.clone();
        std::thread::spawn(move || {
            let header = "unit,fact,date,persons\n";
            for body in ["办公室,late,2021-03-04,1\n", "办公室,late,2021-13-04,1\n"] {
                // Opened only once kaohe has the pipe open to read; given up after 20 s.
                let deadline = Instant::now() + Duration::from_secs(20);
                let mut opened = None;
                while opened.is_none() && Instant::now() < deadline {
                    match std::fs::OpenOptions::new()
                        .write(true)
                        .custom_flags(O_NONBLOCK)
                        .open(&pipe)
                    {
                        Ok(f) => opened = Some(f),
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
                let Some(mut f) = opened else { return };
                let _ = f.write_all(format!("{header}{body}").as_bytes());
                drop(f);
                // Each table is a reading of its own: the reader sees this one's end and
                // closes the pipe before the next is written.
                std::thread::sleep(Duration::from_secs(1));
            }
        })
    };
    let out = Command::new("timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_kaohe"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "sql",
            "policies/example/example.policy",
            "--color",
            "never",
            "--rows",
        ])
        .arg(&pipe)
        .output()
        .expect("kaohe runs");
    feeder.join().expect("the feeder");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("2021-13-04") && err.contains("changed while they were read"),
        "{err}"
    );
}
