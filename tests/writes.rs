//! Files kaohe writes, and files it reads that it must not trust blindly: no command writes
//! over its own inputs; written files keep the permissions, owner, links and kind of file
//! they replace; a compiled policy is validated on load; user text never reaches the
//! terminal as escape sequences, nor a spreadsheet as a formula.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use assert_cmd::Command;

const POLICY: &str = "policies/example/example.policy";
const FACTS: &str = "policies/example/facts/2021.csv";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn kaohe(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("kaohe")
        .expect("the kaohe binary is built")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("kaohe runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A temporary folder holding a copy of the example policy and its facts.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(root().join(POLICY), dir.path().join("p.policy")).expect("copy policy");
    std::fs::copy(root().join(FACTS), dir.path().join("year.csv")).expect("copy facts");
    dir
}

fn no_temporary_files(dir: &Path) {
    let stray: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(stray.is_empty(), "temporary files left: {stray:?}");
}

#[test]
fn output_over_an_input_is_refused_and_the_input_kept() {
    let dir = workspace();
    let facts = std::fs::read(dir.path().join("year.csv")).expect("facts");
    std::os::unix::fs::symlink("year.csv", dir.path().join("alias.csv")).expect("symlink");
    std::fs::hard_link(dir.path().join("year.csv"), dir.path().join("hard.csv")).expect("link");
    for out in [
        "year.csv",
        "./year.csv",
        "alias.csv",
        "hard.csv",
        "p.policy",
    ] {
        let (code, stdout, stderr) = kaohe(
            dir.path(),
            &[
                "run", "p.policy", "--facts", "year.csv", "-o", out, "--color", "never",
            ],
        );
        assert_eq!(code, 1, "{out}: {stderr}");
        assert_eq!(stdout, "");
        assert!(stderr.contains("[E064]"), "{out}: {stderr}");
    }
    assert_eq!(
        std::fs::read(dir.path().join("year.csv")).expect("facts"),
        facts
    );
    let (code, _, stderr) = kaohe(dir.path(), &["build", "p.policy", "-o", "p.policy"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("[E064]"), "{stderr}");
    no_temporary_files(dir.path());
}

#[test]
fn a_new_output_gets_the_umask_mode_and_a_replaced_one_keeps_its_mode() {
    let dir = workspace();
    let (code, _, stderr) = kaohe(
        dir.path(),
        &[
            "run", "p.policy", "--facts", "year.csv", "--format", "csv", "-o", "new.csv",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    // The test runs under the umask it inherits; a new file gets 0666 minus it, as `touch` would.
    let probe = dir.path().join("probe");
    std::fs::write(&probe, "").expect("probe");
    let expected = std::fs::metadata(&probe)
        .expect("probe")
        .permissions()
        .mode()
        & 0o777;
    let mode = |p: &str| {
        std::fs::metadata(dir.path().join(p))
            .expect(p)
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("new.csv"), expected);

    std::fs::write(dir.path().join("old.csv"), "old").expect("old");
    std::fs::set_permissions(
        dir.path().join("old.csv"),
        std::fs::Permissions::from_mode(0o640),
    )
    .expect("chmod");
    let (code, _, _) = kaohe(
        dir.path(),
        &[
            "run", "p.policy", "--facts", "year.csv", "--format", "csv", "-o", "old.csv",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(mode("old.csv"), 0o640);
    assert!(
        std::fs::read_to_string(dir.path().join("old.csv"))
            .expect("old")
            .starts_with("\u{feff}rank,"),
        "a CSV file starts with a BOM, for Excel"
    );

    std::fs::set_permissions(
        dir.path().join("p.policy"),
        std::fs::Permissions::from_mode(0o644),
    )
    .expect("chmod");
    let (code, _, stderr) = kaohe(dir.path(), &["fmt", "--write", "p.policy"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(mode("p.policy"), 0o644);
    no_temporary_files(dir.path());
}

#[test]
fn fmt_writes_through_a_symlink_and_keeps_hard_links() {
    let dir = workspace();
    let p = dir.path();
    std::fs::write(p.join("messy.policy"), "policy \"x\"\n  total 1\nfact late: event\nsection \"S\" worth 1\n  deduct   1 per occurrence of late\n").expect("write");
    std::os::unix::fs::symlink("messy.policy", p.join("link.policy")).expect("symlink");
    let (code, _, stderr) = kaohe(p, &["fmt", "--write", "link.policy"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::symlink_metadata(p.join("link.policy"))
        .expect("link")
        .file_type()
        .is_symlink());
    let formatted = std::fs::read_to_string(p.join("messy.policy")).expect("target");
    assert!(
        formatted.contains("  deduct 1 per occurrence of late"),
        "{formatted}"
    );

    std::fs::write(p.join("a.policy"), "policy \"x\"\n  total 1\nfact late: event\nsection \"S\" worth 1\n  deduct   1 per occurrence of late\n").expect("write");
    std::fs::hard_link(p.join("a.policy"), p.join("b.policy")).expect("hard link");
    let (code, _, _) = kaohe(p, &["fmt", "--write", "a.policy"]);
    assert_eq!(code, 0);
    let (a, b) = (
        std::fs::metadata(p.join("a.policy")).expect("a"),
        std::fs::metadata(p.join("b.policy")).expect("b"),
    );
    assert_eq!(a.ino(), b.ino(), "the hard link was broken");
    assert!(std::fs::read_to_string(p.join("b.policy"))
        .expect("b")
        .contains("  deduct 1 per"));
    no_temporary_files(p);
}

#[test]
fn output_to_dev_stdout_is_streamed() {
    let dir = workspace();
    let (code, stdout, stderr) = kaohe(
        dir.path(),
        &[
            "run",
            "p.policy",
            "--facts",
            "year.csv",
            "--format",
            "csv",
            "-o",
            "/dev/stdout",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("rank,unit,total"), "{stdout}");
    assert!(std::fs::metadata("/dev/stdout").is_ok());
}

#[test]
fn a_compiled_policy_is_validated_on_load() {
    let dir = workspace();
    let p = dir.path();
    let (code, _, stderr) = kaohe(p, &["build", "p.policy", "-o", "p.json"]);
    assert_eq!(code, 0, "{stderr}");
    let good: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.join("p.json")).expect("json"))
            .expect("json");
    let (code, _, stderr) = kaohe(p, &["run", "p.json", "--facts", "year.csv"]);
    assert_eq!(code, 0, "{stderr}");

    type Change = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "a negative worth",
            Box::new(|v| v["sections"][0]["worth"] = "-5".into()),
        ),
        (
            "another version",
            Box::new(|v| v["compiler"] = "0.0.1".into()),
        ),
        (
            "a hash that is none",
            Box::new(|v| v["source"]["sha256"] = "abc".into()),
        ),
        (
            "a changed source",
            Box::new(|v| v["source"]["sha256"] = "0".repeat(64).into()),
        ),
        (
            "an undeclared fact",
            Box::new(|v| v["sections"][0]["rules"][0]["kind"]["count"]["fact"] = "nope".into()),
        ),
    ];
    for (what, change) in cases {
        let mut bad = good.clone();
        change(&mut bad);
        std::fs::write(p.join("bad.json"), bad.to_string()).expect("write");
        let (code, stdout, stderr) = kaohe(
            p,
            &["run", "bad.json", "--facts", "year.csv", "--color", "never"],
        );
        assert_eq!(code, 1, "{what}: {stderr}");
        assert_eq!(stdout, "", "{what}: scored");
        assert!(stderr.contains("[E065]"), "{what}: {stderr}");
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    }
}

#[test]
fn user_text_never_reaches_the_terminal_as_escape_sequences() {
    let dir = workspace();
    let p = dir.path();
    // No declared units: the units are those of the facts, whatever their names.
    std::fs::write(
        p.join("p.policy"),
        "policy \"x\"\n  total 1\nfact late: event with persons\nsection \"S\" worth 1\n  deduct 0.1 per person per occurrence of late\n",
    )
    .expect("write");
    std::fs::write(
        p.join("evil.csv"),
        "unit,fact,date,persons,note\n\u{1b}]0;pwned\u{7},late,2021-03-04,1,\u{1b}[2J\n=HYPERLINK(\"x\"),late,2021-03-04,1,\n",
    )
    .expect("write");
    for format in ["table", "csv"] {
        let (code, stdout, stderr) = kaohe(
            p,
            &["run", "p.policy", "--facts", "evil.csv", "--format", format],
        );
        assert_eq!(code, 0, "{stderr}");
        assert!(
            !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
            "{format}: {stdout:?}"
        );
        assert!(
            stdout.contains("\\u{1b}]0;pwned\\u{7}"),
            "{format}: {stdout}"
        );
    }
    let (_, csv, _) = kaohe(
        p,
        &["run", "p.policy", "--facts", "evil.csv", "--format", "csv"],
    );
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    let (code, stdout, _) = kaohe(
        p,
        &[
            "explain",
            "p.policy",
            "--facts",
            "evil.csv",
            "--unit",
            "\u{1b}]0;pwned\u{7}",
        ],
    );
    assert_eq!(code, 0);
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    // A bad row quoting the escapes in an error message, with color off.
    std::fs::write(
        p.join("bad.csv"),
        "unit,fact,date,persons\n\u{1b}[2J办公室,late,2021-03-04,x\u{1b}[31m\n",
    )
    .expect("write");
    let (code, _, stderr) = kaohe(
        p,
        &["run", "p.policy", "--facts", "bad.csv", "--color", "never"],
    );
    assert_eq!(code, 1);
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

#[test]
fn a_10_mb_cell_is_quoted_briefly() {
    let dir = workspace();
    let p = dir.path();
    let big = "9".repeat(10 * 1024 * 1024) + "x";
    std::fs::write(
        p.join("big.csv"),
        format!("unit,fact,date,persons\n办公室,late,2021-03-04,{big}\n"),
    )
    .expect("write");
    let (code, _, stderr) = kaohe(
        p,
        &["run", "p.policy", "--facts", "big.csv", "--color", "never"],
    );
    assert_eq!(code, 1);
    assert!(stderr.len() < 10_000, "{} bytes of errors", stderr.len());
    assert!(stderr.contains("[E042]"), "{stderr}");
}

#[test]
fn a_gbk_policy_is_read_and_a_binary_one_refused_with_a_position() {
    let dir = tempfile::tempdir().expect("dir");
    let p = dir.path();
    let text =
        "考核方案 \"编码\"\n  总分 2\n事实 迟到：事件\n板块 \"考勤\" 2分\n  迟到每次扣0.1分\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    std::fs::write(p.join("gbk.policy"), &gbk).expect("write");
    let (code, stdout, stderr) = kaohe(p, &["check", "gbk.policy"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("1 section"), "{stdout}");
    std::fs::write(
        p.join("bin.policy"),
        b"policy \"x\"\n  total 1\n\xff\xfe\x00\x81\x00",
    )
    .expect("write");
    let (code, _, stderr) = kaohe(p, &["check", "bin.policy", "--color", "never"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("line 3, column 1"), "{stderr}");
}

#[test]
fn a_policy_line_of_a_megabyte_is_refused_without_quoting_it() {
    let dir = tempfile::tempdir().expect("dir");
    let p = dir.path();
    let long = format!(
        "policy \"x\"\n  total 1\nfact {}: event\n",
        "a".repeat(1 << 20)
    );
    std::fs::write(p.join("long.policy"), long).expect("write");
    let (code, _, stderr) = kaohe(p, &["check", "long.policy", "--color", "never"]);
    assert_eq!(code, 1);
    assert!(stderr.len() < 2_000, "{} bytes", stderr.len());
    assert!(stderr.contains("line 3"), "{stderr}");
}

#[test]
fn a_run_killed_mid_write_leaves_the_previous_output_whole() {
    let dir = workspace();
    // A year big enough that the run takes a while: the example's rows, many times over.
    let facts = std::fs::read_to_string(dir.path().join("year.csv")).expect("facts");
    let mut lines = facts.lines();
    let header = lines.next().expect("a header");
    let rows: Vec<&str> = lines.filter(|l| l.contains(",late,")).collect();
    let mut big = format!("{header}\n");
    for _ in 0..20_000 {
        for r in &rows {
            big.push_str(r);
            big.push('\n');
        }
    }
    std::fs::write(dir.path().join("big.csv"), big).expect("write");
    let args = ["run", "p.policy", "--facts", "big.csv", "-o", "out.csv"];
    let (code, _, err) = kaohe(dir.path(), &args);
    assert_eq!(code, 0, "{err}");
    let whole = std::fs::read(dir.path().join("out.csv")).expect("the output");
    let old = b"the previous results\n".to_vec();
    for delay_ms in [5u64, 50, 150, 300, 600] {
        std::fs::write(dir.path().join("out.csv"), &old).expect("write");
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kaohe"))
            .current_dir(dir.path())
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("kaohe starts");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let now = std::fs::read(dir.path().join("out.csv")).expect("the output is still there");
        assert!(
            now == old || now == whole,
            "killed after {delay_ms} ms: the output is neither the previous one nor the new one"
        );
    }
    // The next run writes the new results and leaves no temporary file of the killed ones.
    let (code, _, err) = kaohe(dir.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read(dir.path().join("out.csv")).expect("read"),
        whole
    );
    no_temporary_files(dir.path());
}
