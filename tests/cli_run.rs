//! `kaohe run` and `kaohe explain` end to end, on the shipped example.

use assert_cmd::Command;

const POLICY: &str = "policies/example/example.policy";
const FACTS: &str = "policies/example/facts/2021.csv";

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("kaohe")
        .expect("the kaohe binary is built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("COLUMNS")
        .args(args)
        .output()
        .expect("kaohe runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn run_prints_a_ranked_table() {
    let (code, stdout, stderr) = run(&["run", POLICY, "--facts", FACTS]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "");
    insta::assert_snapshot!(stdout);
}

#[test]
fn run_csv_has_rank_unit_total_and_sections() {
    let (code, stdout, _) = run(&["run", POLICY, "--facts", FACTS, "--format", "csv"]);
    assert_eq!(code, 0);
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some("rank,unit,total,Discipline,Budget performance,Party discipline,Informatization")
    );
    assert_eq!(lines.next(), Some("1,办公室,9,2,2,0,5"));
    assert_eq!(lines.count(), 4);
}

#[test]
fn run_json_numbers_are_decimal_strings() {
    let (code, stdout, _) = run(&["run", POLICY, "--facts", FACTS, "--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let units = json["units"].as_array().expect("units");
    assert_eq!(units.len(), 5);
    let last = &units[4];
    assert_eq!(last["unit"], "机关党委");
    assert_eq!(last["total"], "0");
    assert_eq!(last["rank"], 5);
    let party = &last["sections"][2];
    assert_eq!(party["name"], "Party discipline");
    assert_eq!(party["score"], "-7");
    assert_eq!(party["rules"][0]["amount"], "-4");
    assert_eq!(party["rules"][0]["capped"], false);
    assert_eq!(
        json["units"][3]["sections"][1]["rules"][0]["clause"],
        "deduct 0.5 per project of execution_rate where value < 80%, cap 2"
    );
}

#[test]
fn a_compiled_policy_gives_identical_results() {
    let dir = tempfile::tempdir().expect("temp dir");
    let compiled = dir
        .path()
        .join("example.json")
        .to_string_lossy()
        .into_owned();
    assert_eq!(run(&["build", POLICY, "-o", &compiled]).0, 0);
    for format in ["table", "json", "csv"] {
        let from_source = run(&["run", POLICY, "--facts", FACTS, "--format", format]);
        let from_compiled = run(&["run", &compiled, "--facts", FACTS, "--format", format]);
        assert_eq!(from_source.0, 0);
        // The JSON names its source: compare everything else.
        let strip = |s: &str| s.replace(&compiled, POLICY);
        assert_eq!(
            strip(&from_compiled.1).replace("\"source\": \"policies/example/example.policy\"", ""),
            from_source
                .1
                .replace("\"source\": \"policies/example/example.policy\"", ""),
            "{format}"
        );
    }
}

#[test]
fn facts_may_be_given_in_one_or_several_flags() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(FACTS))
            .expect("facts");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let rows: Vec<&str> = lines.collect();
    let (a, b) = rows.split_at(rows.len() / 2);
    let a_path = dir.path().join("a.csv");
    let b_path = dir.path().join("b.csv");
    std::fs::write(&a_path, format!("{header}\n{}\n", a.join("\n"))).expect("write");
    std::fs::write(&b_path, format!("{header}\n{}\n", b.join("\n"))).expect("write");
    let (a_arg, b_arg) = (
        a_path.to_string_lossy().into_owned(),
        b_path.to_string_lossy().into_owned(),
    );
    let whole = run(&["run", POLICY, "--facts", FACTS, "--format", "csv"]).1;
    let one_flag = run(&["run", POLICY, "--facts", &a_arg, &b_arg, "--format", "csv"]).1;
    let two_flags = run(&[
        "run", POLICY, "--facts", &a_arg, "--facts", &b_arg, "--format", "csv",
    ])
    .1;
    assert_eq!(one_flag, whole);
    assert_eq!(two_flags, whole);
}

#[test]
fn output_file_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("scores.csv");
    let out_arg = out.to_string_lossy().into_owned();
    let (code, stdout, _) = run(&[
        "run", POLICY, "--facts", FACTS, "--format", "csv", "-o", &out_arg,
    ]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "");
    // A CSV file starts with a BOM, for Excel on Chinese Windows.
    assert!(std::fs::read_to_string(&out)
        .expect("written")
        .starts_with("\u{feff}rank,unit,total"));
}

#[test]
fn bad_fact_rows_exit_1_and_score_nothing() {
    let (code, stdout, stderr) = run(&[
        "run",
        "--color=never",
        "tests/fixtures/eval/err_bad_rows/case.policy",
        "--facts",
        "tests/fixtures/eval/err_bad_rows/facts.csv",
    ]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("[E041] Error: `财务处` is not an assessed unit"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("error: nothing was scored: the fact files have errors\n"),
        "{stderr}"
    );
}

#[test]
fn a_missing_fact_file_exits_1() {
    let (code, _, stderr) = run(&["run", "--color=never", POLICY, "--facts", "no/such.csv"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("[E009] Error: cannot read `no/such.csv`: no such file"),
        "{stderr}"
    );
}

#[test]
fn run_usage_errors_exit_2() {
    assert_eq!(run(&["run", POLICY]).0, 2);
    assert_eq!(
        run(&["run", POLICY, "--facts", FACTS, "--format", "xml"]).0,
        2
    );
    assert_eq!(run(&["explain", POLICY, "--facts", FACTS]).0, 2);
}

#[test]
fn explain_gives_the_receipt_of_one_unit() {
    let (code, stdout, stderr) =
        run(&["explain", POLICY, "--facts", FACTS, "--unit", "计划财务处"]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(stdout);
}

#[test]
fn explain_json_carries_rows_and_arithmetic() {
    let (code, stdout, _) = run(&[
        "explain",
        POLICY,
        "--facts",
        FACTS,
        "--unit",
        "机关党委",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    assert_eq!(json["unit"], "机关党委");
    assert_eq!(json["rank"], 5);
    assert_eq!(json["of"], 5);
    let rule = &json["sections"][2]["rules"][0];
    assert_eq!(rule["line"], 28);
    assert_eq!(
        rule["arithmetic"],
        "each `case` once, at its highest amount: 4"
    );
    assert_eq!(rule["rows"].as_array().map(Vec::len), Some(2));
    assert_eq!(rule["rows"][1]["line"], 5);
    assert_eq!(rule["rows"][1]["file"], FACTS);
}

#[test]
fn explain_of_an_unknown_unit_suggests_one() {
    let (code, _, stderr) = run(&[
        "explain",
        "--color=never",
        POLICY,
        "--facts",
        FACTS,
        "--unit",
        "财务处",
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("`财务处` is not an assessed unit"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `计划财务处`?"), "{stderr}");
}

#[test]
fn previous_results_and_ranking_groups_reach_the_outcome() {
    let dir = "tests/fixtures/outcome/improvement";
    let (code, stdout, stderr) = run(&[
        "run",
        &format!("{dir}/case.policy"),
        "--facts",
        &format!("{dir}/facts.csv"),
        "--units",
        &format!("{dir}/units.csv"),
        "--previous",
        &format!("{dir}/previous.json"),
        "--format",
        "csv",
        "--color",
        "never",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("2,B,85,40,45,进步奖；单项进步奖（S2）"),
        "{stdout}"
    );
    assert!(stderr.contains("[E073] Warning"), "{stderr}");
    // Last year's CSV output works as well as its JSON.
    let tmp = tempfile::tempdir().expect("dir");
    let last = tmp.path().join("last.csv");
    std::fs::write(&last, "rank,unit,total,S1,S2\n1,A,80,40,40\n2,B,70,40,30\n").expect("write");
    let (code, stdout, _) = run(&[
        "run",
        &format!("{dir}/case.policy"),
        "--facts",
        &format!("{dir}/facts.csv"),
        "--units",
        &format!("{dir}/units.csv"),
        "--previous",
        &last.to_string_lossy(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(v["units"][1]["prizes"][0], "进步奖");
    let groups = "tests/fixtures/outcome/groups_ties_by";
    let (code, stdout, _) = run(&[
        "explain",
        &format!("{groups}/case.policy"),
        "--facts",
        &format!("{groups}/facts.csv"),
        "--units",
        &format!("{groups}/units.csv"),
        "--unit",
        "P2",
    ]);
    assert_eq!(code, 0);
    assert!(stdout.contains("rank 1 of 3 in group 区"), "{stdout}");
    assert!(
        stdout.contains(
            "not `优秀`: its quota (1 unit) is full; units tied on 90 were ordered by `S1` (45)"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("grade `合格`: total 90 ≥ 60"), "{stdout}");
}

#[test]
fn the_units_given_reach_the_general_reader_when_the_fast_lane_gives_up() {
    // The dense lane takes the units file's names into its own table; when a row makes it
    // give up (a unit not listed), the general reader must still know the units: it reports
    // the row, and a run without that row lists a unit with no rows at all.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("written");
        path.display().to_string()
    };
    let policy = write(
        "p.policy",
        "policy \"p\"\n  total 10\nfact late: event\nsection \"A\" worth 10\n  deduct 1 per occurrence of late\n",
    );
    let units = write("units.csv", "unit\nA\nB\nQuiet\n");
    let bad = write("bad.csv", "unit,fact,count\nA,late,1\nC,late,2\n");
    let good = write("good.csv", "unit,fact,count\nA,late,1\nB,late,2\n");
    for format in ["table", "csv"] {
        let (code, _, stderr) = run(&[
            "run",
            "--color=never",
            &policy,
            "--facts",
            &bad,
            "--units",
            &units,
            "--format",
            format,
        ]);
        assert_eq!(code, 1, "{stderr}");
        assert!(
            stderr.contains("[E041] Error: `C` is not an assessed unit"),
            "{stderr}"
        );
        let (code, stdout, stderr) = run(&[
            "run",
            "--color=never",
            &policy,
            "--facts",
            &good,
            "--units",
            &units,
            "--format",
            format,
        ]);
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("Quiet"), "{stdout}");
    }
}
