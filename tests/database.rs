//! `--facts postgres://…/TABLE`: facts read straight from a PostgreSQL table go through the
//! validation of a file and score as the same rows in a CSV file do; a bad row is named by
//! its primary key. The client is the `postgres` cargo feature: `.ci/run` runs this test
//! with it (`cargo test --features postgres --test database`), against a server that
//! `tests/sql/postgres.sh` starts on a socket. Without the feature, such a source is E081.

use std::process::Command;

fn kaohe(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .args(["--color", "never"])
        .output()
        .expect("kaohe runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const POLICY: &str = "policies/example/example.policy";

#[test]
fn a_password_in_the_url_is_refused() {
    let (ok, _, err) = kaohe(&[
        "run",
        POLICY,
        "--facts",
        "postgres://clerk:secret@db.example/assess/facts",
    ]);
    assert!(!ok);
    assert!(err.contains("E081") && err.contains("PGPASSWORD"), "{err}");
    assert!(!err.contains("secret"), "the password is shown: {err}");
}

#[test]
fn a_duckdb_table_is_not_read_yet() {
    let (ok, _, err) = kaohe(&["run", POLICY, "--facts", "duckdb:year.db/facts"]);
    assert!(!ok);
    assert!(
        err.contains("E081") && err.contains("COPY facts TO"),
        "{err}"
    );
}

#[cfg(not(feature = "postgres"))]
#[test]
fn without_the_feature_a_table_is_an_error_saying_how_to_read_it() {
    let (ok, out, err) = kaohe(&["run", POLICY, "--facts", "postgres://clerk@db/assess/facts"]);
    assert!(!ok && out.is_empty(), "{out}");
    assert!(
        err.contains("E081") && err.contains("--features postgres"),
        "{err}"
    );
}

#[cfg(feature = "postgres")]
#[path = "sql/server.rs"]
mod server;

#[cfg(feature = "postgres")]
mod with_the_client {
    use super::{kaohe, server::Postgres, POLICY};

    const UNITS: &str = "policies/example/units.csv";

    /// The server, or `None` with a message; with `CI` set, a missing server fails.
    fn server() -> Option<Postgres> {
        let started = Postgres::start();
        if started.is_none() {
            assert!(
                std::env::var_os("CI").is_none(),
                "no PostgreSQL server could be started (apt-get install postgresql)"
            );
            eprintln!("skipped: no PostgreSQL server could be started");
        }
        started
    }

    fn url(pg: &Postgres, table: &str) -> String {
        let socket = pg
            .dir
            .join("sock")
            .display()
            .to_string()
            .replace('/', "%2F");
        format!("postgresql://postgres@{socket}/postgres/{table}")
    }

    /// `kaohe run` of the example policy over one table of the server.
    fn run_table(pg: &Postgres, table: &str) -> (bool, String, String) {
        kaohe(&["run", POLICY, "--units", UNITS, "--facts", &url(pg, table)])
    }

    fn psql(pg: &Postgres, script: &str) {
        let file = pg.dir.join("script.sql");
        std::fs::write(&file, script).expect("written");
        pg.psql(&file).unwrap_or_else(|e| panic!("psql: {e}"));
    }

    #[test]
    fn a_table_scores_as_the_same_rows_in_a_file() {
        let Some(pg) = server() else { return };
        let facts = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("policies/example/facts/2021.csv");
        psql(
            &pg,
            &format!(
                "CREATE TABLE facts (id bigserial PRIMARY KEY, unit text NOT NULL, fact text, \
                 date date, persons integer, days numeric, value text, \"case\" text, \
                 project text, kind text, note text);\n\
                 \\copy facts (unit, fact, date, persons, days, value, \"case\", project, kind, note) FROM '{}' WITH (FORMAT csv, HEADER)\n\
                 CREATE TABLE by_unit (unit text, seq integer, fact text, date date, persons integer, \
                 days numeric, value text, \"case\" text, project text, kind text, note text, \
                 PRIMARY KEY (unit, seq));\n\
                 INSERT INTO by_unit SELECT unit, id, fact, date, persons, days, value, \"case\", project, kind, note FROM facts;\n",
                facts.display()
            ),
        );
        let file = facts.display().to_string();
        let (ok, want, err) = kaohe(&[
            "run", POLICY, "--units", UNITS, "--facts", &file, "--format", "csv",
        ]);
        assert!(ok, "{err}");
        for table in ["facts", "by_unit"] {
            let source = url(&pg, table);
            let (ok, got, err) = kaohe(&[
                "run", POLICY, "--units", UNITS, "--facts", &source, "--format", "csv",
            ]);
            assert!(ok, "{table}: {err}");
            assert_eq!(got, want, "{table}");
        }
        // The receipts too: every row the file has is there.
        let (ok, want, _) = kaohe(&[
            "explain",
            POLICY,
            "--units",
            UNITS,
            "--facts",
            &file,
            "--unit",
            "机关党委",
        ]);
        assert!(ok);
        let (ok, got, err) = kaohe(&[
            "explain",
            POLICY,
            "--units",
            UNITS,
            "--facts",
            &url(&pg, "facts"),
            "--unit",
            "机关党委",
        ]);
        assert!(ok, "{err}");
        assert_eq!(
            got.lines()
                .filter(|l| l.contains("deduct") || l.contains("award"))
                .count(),
            want.lines()
                .filter(|l| l.contains("deduct") || l.contains("award"))
                .count(),
            "{got}"
        );

        // A bad row is named by its primary key, single or composite.
        psql(
            &pg,
            "UPDATE facts SET value = '85..5%' WHERE id = 7;\n\
             UPDATE by_unit SET date = '2019-06-01' WHERE seq = 2;\n",
        );
        let (ok, out, err) = run_table(&pg, "facts");
        assert!(!ok && out.is_empty(), "{out}");
        assert!(
            err.contains("E042") && err.contains("/postgres/facts (id = 7)"),
            "{err}"
        );
        let (ok, _, err) = run_table(&pg, "by_unit");
        assert!(!ok);
        assert!(
            err.contains("E054") && err.contains("/postgres/by_unit (unit = 组织人事处, seq = 2)"),
            "{err}"
        );

        // Two rows of one state that clash are named by their keys too, whatever their order.
        psql(
            &pg,
            "CREATE TABLE clash (id integer PRIMARY KEY, unit text, fact text, date date, value text);\n\
             INSERT INTO clash VALUES (30, '办公室', 'platform_points', '2021-12-20', '5'), \
             (10, '办公室', 'platform_points', '2021-06-30', '3'), \
             (20, '办公室', 'platform_points', '2021-06-30', '4');\n",
        );
        let (ok, _, err) = run_table(&pg, "clash");
        assert!(!ok);
        assert!(
            err.contains("E048")
                && err.contains("/postgres/clash (id = 10) and ")
                && err.contains("/postgres/clash (id = 20)"),
            "{err}"
        );

        // A table that is not there is said, with the server's words.
        let (ok, _, err) = kaohe(&["run", POLICY, "--facts", &url(&pg, "nope")]);
        assert!(!ok);
        assert!(
            err.contains("E081") && err.contains("\"nope\" does not exist"),
            "{err}"
        );
    }
}
