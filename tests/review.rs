//! The review commands end to end: `kaohe test` (passing, failing with the clauses behind a
//! difference, blessing, a hand-written table with mistakes, a policy without cases) and
//! `kaohe diff` on three realistic amendments of the seed policies.

use std::path::Path;

fn kaohe(args: &[&str]) -> (i32, String, String) {
    let out = assert_cmd::Command::cargo_bin("kaohe")
        .expect("the kaohe binary is built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("COLUMNS")
        .args(args)
        .args(["--color", "never"])
        .output()
        .expect("kaohe runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A copy of the example policy and its cases, to change.
fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/example");
    std::fs::copy(
        from.join("example.policy"),
        dir.path().join("example.policy"),
    )
    .expect("copy");
    for case in ["typical-year", "every-cap", "empty-year"] {
        let to = dir.path().join("cases").join(case);
        std::fs::create_dir_all(&to).expect("mkdir");
        for f in std::fs::read_dir(from.join("cases").join(case))
            .expect("case")
            .flatten()
        {
            std::fs::copy(f.path(), to.join(f.file_name())).expect("copy");
        }
    }
    dir
}

fn path(dir: &tempfile::TempDir, rel: &str) -> String {
    dir.path().join(rel).to_string_lossy().into_owned()
}

#[test]
fn test_passes_every_case_of_a_policy() {
    let (code, out, err) = kaohe(&["test", "policies/example/example.policy"]);
    assert_eq!((code, err.as_str()), (0, ""));
    insta::assert_snapshot!(out);
}

#[test]
fn test_of_a_folder_runs_every_policy_with_cases() {
    let (code, out, _) = kaohe(&["test", "policies"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with("36 cases: 36 passed, 0 failed\n"), "{out}");
}

#[test]
fn test_fails_with_the_units_that_differ_and_their_clauses() {
    let dir = example_copy();
    // An amendment: late arrivals cost 0.2 a person, not 0.1.
    let policy = path(&dir, "example.policy");
    let text = std::fs::read_to_string(&policy).expect("read");
    std::fs::write(
        &policy,
        text.replace(
            "deduct 0.1 per person per occurrence of late",
            "deduct 0.2 per person per occurrence of late",
        ),
    )
    .expect("write");
    let (code, out, _) = kaohe(&["test", &policy]);
    assert_eq!(code, 1);
    let out = out.replace(&dir.path().to_string_lossy().into_owned(), "TMP");
    insta::assert_snapshot!(out);

    // After review, `--bless` takes the new scores; then the cases pass.
    let (code, out, _) = kaohe(&["test", "--bless", &policy]);
    assert_eq!(code, 0, "{out}");
    let expected =
        std::fs::read_to_string(path(&dir, "cases/typical-year/expected.txt")).expect("read");
    assert!(
        expected.contains("| 保卫处     | 5.1   | 3    | 1.1 "),
        "{expected}"
    );
    assert_eq!(kaohe(&["test", &policy]).0, 0);
}

#[test]
fn bless_keeps_the_columns_a_drafter_chose() {
    let dir = example_copy();
    let file = path(&dir, "cases/typical-year/expected.txt");
    std::fs::write(&file, "| 单位 | 总分 |\n| 办公室 | 9 |\n| 保卫处 | 5.5 |\n| 组织人事处 | 5.5 |\n| 计划财务处 | 3.8 |\n| 机关党委 | 0 |\n").expect("write");
    let policy = path(&dir, "example.policy");
    assert_eq!(
        kaohe(&["test", &policy, "--case", "typical-year"]).0,
        0,
        "a hand-written table with Chinese headers passes"
    );
    assert_eq!(
        kaohe(&["test", "--bless", &policy, "--case", "typical-year"]).0,
        0
    );
    let blessed = std::fs::read_to_string(&file).expect("read");
    insta::assert_snapshot!(blessed);
}

#[test]
fn a_hand_written_table_with_mistakes_is_reported_at_each() {
    let dir = example_copy();
    std::fs::copy(
        "tests/fixtures/review/bad-expected.txt",
        path(&dir, "cases/typical-year/expected.txt"),
    )
    .expect("copy");
    let (code, out, _) = kaohe(&[
        "test",
        &path(&dir, "example.policy"),
        "--case",
        "typical-year",
    ]);
    assert_eq!(code, 1);
    let out = out.replace(&dir.path().to_string_lossy().into_owned(), "TMP");
    insta::assert_snapshot!(out);
}

#[test]
fn a_policy_without_cases_is_an_error() {
    let (code, out, err) = kaohe(&["test", "tests/fixtures/cli/good.policy"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(format!("{out}{err}"));
}

fn diff(policy: &str, amended: &str, extra: &[&str]) -> String {
    let dir = format!("policies/{policy}");
    let facts = format!("{dir}/facts");
    let units = format!("{dir}/units.csv");
    let amended = format!("tests/fixtures/diff/{amended}.policy");
    let old = format!("{dir}/{policy}.policy");
    let mut args = vec!["diff", &old, &amended, "--facts", &facts, "--units", &units];
    args.extend_from_slice(extra);
    let (code, out, err) = kaohe(&args);
    assert_eq!(code, 0, "{err}");
    out
}

#[test]
fn diff_of_a_changed_rate() {
    insta::assert_snapshot!(diff("party-targets", "party-targets-late-0.2", &[]));
}

#[test]
fn diff_of_a_changed_cap() {
    insta::assert_snapshot!(diff("sxufe-basics", "sxufe-basics-cap-3", &[]));
    insta::assert_snapshot!(
        "diff_of_a_changed_cap_as_csv",
        diff("sxufe-basics", "sxufe-basics-cap-3", &["--format", "csv"])
    );
}

#[test]
fn diff_of_an_added_item() {
    let previous = ["--previous", "policies/changzhou-affairs/previous-2018.csv"];
    insta::assert_snapshot!(diff(
        "changzhou-affairs",
        "changzhou-affairs-new-item",
        &previous
    ));
    let json = diff(
        "changzhou-affairs",
        "changzhou-affairs-new-item",
        &[previous[0], previous[1], "--format", "json"],
    );
    let _: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    insta::assert_snapshot!("diff_of_an_added_item_as_json", json);
}

#[test]
fn diff_of_a_policy_with_itself_changes_nothing() {
    let out = diff("example", "../../../policies/example/example", &[]);
    assert!(
        out.contains("(none changed)") && out.contains("Units (0 of 5 changed)"),
        "{out}"
    );
}
