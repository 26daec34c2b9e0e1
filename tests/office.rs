//! The office's files, as Excel, WPS and web systems export them (`tests/fixtures/office/`):
//! the same year of facts as an .xlsx (dates and percents as its cells store them), a
//! GB18030 CSV with CRLF, a UTF-16 CSV with a BOM (Excel's "Unicode text"), a CSV with
//! Chinese headers and full-width digits, and a file of percents written as fractions —
//! each scores to `expected.csv`, computed by hand.

use assert_cmd::Command;

const DIR: &str = "tests/fixtures/office";

fn kaohe(args: &[&str], stdin: Option<&[u8]>) -> (i32, String, String) {
    let mut cmd = Command::cargo_bin("kaohe").expect("the kaohe binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input.to_vec());
    }
    let out = cmd.output().expect("kaohe runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `unit,total,rank` of a run's CSV output.
fn totals(csv: &str) -> Vec<String> {
    let mut rows: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            format!("{},{},{}", c[1], c[2], c[0])
        })
        .collect();
    rows.sort();
    rows
}

fn expected() -> Vec<String> {
    let text =
        std::fs::read_to_string(format!("{}/{DIR}/expected.csv", env!("CARGO_MANIFEST_DIR")))
            .expect("expected.csv");
    let mut rows: Vec<String> = text.lines().skip(1).map(str::to_string).collect();
    rows.sort();
    rows
}

fn score(facts: &str, extra: &[&str]) -> (i32, String, String) {
    let policy = format!("{DIR}/office.policy");
    let facts = format!("{DIR}/{facts}");
    let mut args = vec![
        "run",
        policy.as_str(),
        "--facts",
        facts.as_str(),
        "--format",
        "csv",
        "--color",
        "never",
    ];
    args.extend_from_slice(extra);
    kaohe(&args, None)
}

#[test]
fn every_export_scores_the_same_year() {
    for file in [
        "facts.xlsx",
        "facts-gb18030.csv",
        "facts-utf16.csv",
        "facts-chinese-headers.csv",
    ] {
        let (code, stdout, stderr) = score(file, &[]);
        assert_eq!(code, 0, "{file}: {stderr}");
        assert_eq!(totals(&stdout), expected(), "{file}");
    }
}

#[test]
fn percents_written_as_fractions_are_an_error_unless_the_run_says_so() {
    let (code, stdout, stderr) = score("facts-fractions.csv", &[]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert_eq!(stderr.matches("[E074]").count(), 4, "{stderr}");
    // The policy is Chinese: so are the diagnostics about its fact files.
    assert!(
        stderr.contains("`0.765` 是没有 `%` 的百分比：76.5% 还是 0.765%？"),
        "{stderr}"
    );
    let (_, _, english) = score("facts-fractions.csv", &["--lang", "en"]);
    assert!(
        english.contains("`0.765` is a percent without `%`: 76.5% or 0.765%?"),
        "{english}"
    );
    let (code, stdout, stderr) = score("facts-fractions.csv", &["--percent", "fraction"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(totals(&stdout), expected());
}

#[test]
fn facts_may_come_from_standard_input() {
    let bytes = std::fs::read(format!(
        "{}/{DIR}/facts-gb18030.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    let policy = format!("{DIR}/office.policy");
    let (code, stdout, stderr) = kaohe(
        &["run", &policy, "--facts", "-", "--format", "csv"],
        Some(&bytes),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(totals(&stdout), expected());
    // `explain` reads the facts twice: standard input is kept for the second pass.
    let (code, stdout, stderr) = kaohe(
        &["explain", &policy, "--facts", "-", "--unit", "计划财务处"],
        Some(&bytes),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("计划财务处: 8 points"), "{stdout}");
}

#[test]
fn a_sheet_is_chosen_by_name_and_a_wrong_name_suggests_one() {
    let (code, stdout, stderr) = score("facts.xlsx", &["--sheet", "2021年"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(totals(&stdout), expected());
    let (code, _, stderr) = score("facts.xlsx", &["--sheet", "2021"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("中没有工作表 `2021`"), "{stderr}");
    assert!(stderr.contains("是否想写 `--sheet 2021年`？"), "{stderr}");
}

#[test]
fn undecodable_bytes_are_an_error_not_replacement_characters() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("bad.csv");
    // A GB18030 file with a byte sequence that is not GB18030.
    let (head, _, _) =
        encoding_rs::GB18030.encode("单位,事项,日期,人数\n办公室,迟到早退,2021-03-04,1\n");
    let mut bytes = head.into_owned();
    bytes.extend_from_slice(&[0x81, 0x20, b',', b'x', b'\n']);
    std::fs::write(&path, bytes).expect("write");
    let policy = format!("{}/{DIR}/office.policy", env!("CARGO_MANIFEST_DIR"));
    let (code, stdout, stderr) = kaohe(&["run", &policy, "--facts", &path.to_string_lossy()], None);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains("not text in the file's encoding"),
        "{stderr}"
    );
}
