//! The office's files, as Excel, WPS and web systems export them (`tests/fixtures/office/`):
//! the same year of facts as an .xlsx (dates and percents as its cells store them), a
//! GB18030 CSV with CRLF, a UTF-16 CSV with a BOM (Excel's "Unicode text"), a CSV with
//! Chinese headers and full-width digits, and a file of percents written as fractions —
//! each scores to `expected.csv`, computed by hand.

use assert_cmd::Command;

const DIR: &str = "tests/fixtures/office";

fn kaohe(args: &[&str], stdin: Option<&[u8]>) -> (i32, String, String) {
    let mut cmd = Command::cargo_bin("kaohe").expect("the kaohe binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("COLUMNS")
        .args(args);
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
fn every_export_scores_the_same_year_and_verbose_says_how_it_was_read() {
    for (file, how) in [
        ("facts.xlsx", "电子表格，工作表 `2021年`，6 行"),
        ("facts-gb18030.csv", "CSV，编码 GB18030，6 行"),
        ("facts-utf16.csv", "CSV，编码 UTF-16 LE，6 行"),
        // Excel's "Unicode text": UTF-16, tab-separated, CRLF.
        ("facts-unicode-text.txt", "制表符分隔，编码 UTF-16 LE，6 行"),
        (
            "facts-chinese-headers.csv",
            "CSV，编码 UTF-8（带 BOM），6 行",
        ),
    ] {
        let (code, stdout, stderr) = score(file, &[]);
        assert_eq!(code, 0, "{file}: {stderr}");
        assert_eq!(stderr, "", "{file}");
        assert_eq!(totals(&stdout), expected(), "{file}");
        let (code, verbose, stderr) = score(file, &["--verbose"]);
        assert_eq!(code, 0, "{file}: {stderr}");
        assert_eq!(verbose, stdout, "{file}");
        assert_eq!(stderr, format!("读取 `{DIR}/{file}`：{how}\n"), "{file}");
    }
    let (_, _, english) = score("facts-gb18030.csv", &["-v", "--lang", "en"]);
    assert_eq!(
        english,
        format!("read `{DIR}/facts-gb18030.csv`: CSV, GB18030, 6 rows\n")
    );
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
    assert!(stdout.contains("计划财务处：8 分，第 3 名"), "{stdout}");
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

#[test]
fn a_wide_policy_fits_the_terminal_unless_asked_for_every_section() {
    let table = |columns: Option<&str>, extra: &[&str]| {
        let mut cmd = Command::cargo_bin("kaohe").expect("the kaohe binary is built");
        cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args([
            "run",
            "policies/hnu-service/hnu-service.zh.policy",
            "--facts",
            "policies/hnu-service/facts.zh/2017.csv",
            "--units",
            "policies/hnu-service/units.csv",
        ]);
        cmd.args(extra);
        match columns {
            Some(c) => cmd.env("COLUMNS", c),
            None => cmd.env_remove("COLUMNS"),
        };
        let out = cmd.output().expect("kaohe runs");
        assert!(out.status.success());
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let width = |text: &str| {
        text.lines()
            .map(unicode_width::UnicodeWidthStr::width)
            .max()
            .unwrap_or(0)
    };
    // A pipe (no terminal, no COLUMNS) gets every section.
    let whole = table(None, &[]);
    assert!(whole.contains("十项措施 (60)"), "{whole}");
    assert!(width(&whole) > 80);
    // An 80-column terminal: rank, unit and total, and a word on what is hidden.
    let narrow = table(Some("80"), &[]);
    assert!(width(&narrow) <= 80, "{narrow}");
    assert!(!narrow.contains("十项措施"), "{narrow}");
    assert!(
        narrow.contains("│    1 ┆ 教务处           ┆  105 │"),
        "{narrow}"
    );
    assert!(
        narrow.ends_with("另有 5 个板块未显示：加 `--wide` 显示全部\n"),
        "{narrow}"
    );
    assert_eq!(table(Some("80"), &["--wide"]), whole);
    // A terminal wide enough gets the whole table.
    assert_eq!(table(Some("400"), &[]), whole);
}

#[test]
fn a_folder_of_facts_is_its_fact_files_and_the_rest_is_said() {
    let dir = tempfile::tempdir().expect("dir");
    let here = |name: &str| dir.path().join(name);
    std::fs::copy(
        format!("{}/{DIR}/facts.xlsx", env!("CARGO_MANIFEST_DIR")),
        here("2021.XLSX"),
    )
    .expect("copy");
    std::fs::write(here("说明.docx"), "not facts").expect("write");
    std::fs::write(here("~$2021.XLSX"), "Excel's lock file").expect("write");
    std::fs::write(here(".DS_Store"), "").expect("write");
    std::fs::create_dir(here("old")).expect("dir");
    let folder = dir.path().display().to_string();
    let policy = format!("{DIR}/office.policy");
    let (code, stdout, stderr) = kaohe(
        &[
            "run", &policy, "--facts", &folder, "--format", "csv", "--color", "never",
        ],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(totals(&stdout), expected());
    assert_eq!(stderr.matches("[E075]").count(), 2, "{stderr}");
    assert!(
        stderr.contains(&format!("未读取 `{folder}/说明.docx`：它不是事实文件")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "如其中文件也要计分，请另写 `--facts {folder}/old`"
        )),
        "{stderr}"
    );
    // An empty folder is an error, not a year without facts.
    let empty = tempfile::tempdir().expect("dir");
    let empty = empty.path().display().to_string();
    let (code, stdout, stderr) = kaohe(
        &[
            "run", &policy, "--facts", &empty, "--lang", "en", "--color", "never",
        ],
        None,
    );
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert!(
        stderr.contains(&format!("`{empty}` has no fact files")),
        "{stderr}"
    );
}
