//! The `kaohe` binary end to end: exit codes, output formats, color.

use assert_cmd::Command;

fn kaohe() -> Command {
    let mut cmd = Command::cargo_bin("kaohe").expect("the kaohe binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS");
    cmd
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = kaohe().args(args).output().expect("kaohe runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_clean_policy_exits_0_with_summary() {
    let (code, stdout, stderr) = run(&["check", "tests/fixtures/cli/good.policy"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "");
    insta::assert_snapshot!(stdout, @"ok `tests/fixtures/cli/good.policy`: 4 sections, 2 items, 9 rules, 9 facts");
}

#[test]
fn check_bad_policy_exits_1_with_every_error() {
    let (code, stdout, stderr) =
        run(&["check", "--color", "never", "tests/fixtures/cli/bad.policy"]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    insta::assert_snapshot!(stderr);
}

#[test]
fn check_several_files_reports_each() {
    let (code, stdout, stderr) = run(&[
        "check",
        "--color=never",
        "tests/fixtures/cli/good.policy",
        "tests/fixtures/cli/bad.policy",
    ]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("ok `tests/fixtures/cli/good.policy`"),
        "{stdout}"
    );
    assert!(
        stderr.contains("error: `tests/fixtures/cli/bad.policy` has 5 errors"),
        "{stderr}"
    );
}

#[test]
fn check_json_format_gives_positions() {
    let (code, stdout, _) = run(&["check", "--format", "json", "tests/fixtures/cli/bad.policy"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let first = &json[0];
    assert_eq!(first["code"], "E001");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["file"], "tests/fixtures/cli/bad.policy");
    assert_eq!(first["line"], 3);
    assert_eq!(first["column"], 8);
    assert!(first["start"].as_u64().is_some() && first["end"].as_u64().is_some());
    assert_eq!(json.as_array().map(Vec::len), Some(5));
}

#[test]
fn color_always_colors_and_never_does_not() {
    let (_, _, colored) = run(&[
        "check",
        "--color",
        "always",
        "tests/fixtures/cli/bad.policy",
    ]);
    assert!(colored.contains("\u{1b}["), "expected ANSI escapes");
    let (_, _, plain) = run(&["check", "--color", "never", "tests/fixtures/cli/bad.policy"]);
    assert!(!plain.contains("\u{1b}["));
}

#[test]
fn color_auto_respects_no_color_and_pipes() {
    let out = kaohe()
        .args(["check", "tests/fixtures/cli/bad.policy"])
        .env("NO_COLOR", "1")
        .output()
        .expect("kaohe runs");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("\u{1b}["));
    // Not a terminal: auto means no color even without NO_COLOR.
    let (_, _, piped) = run(&["check", "tests/fixtures/cli/bad.policy"]);
    assert!(!piped.contains("\u{1b}["));
}

#[test]
fn wrong_usage_exits_2() {
    assert_eq!(run(&["check"]).0, 2);
    assert_eq!(run(&["frobnicate"]).0, 2);
    assert_eq!(run(&["check", "--format", "yaml", "x.policy"]).0, 2);
    assert_eq!(run(&[]).0, 2);
}

#[test]
fn missing_file_is_an_error_not_a_panic() {
    let (code, _, stderr) = run(&["check", "--color", "never", "no/such.policy"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stderr, @"[E009] Error: cannot read `no/such.policy`: no such file");
}

#[test]
fn parse_emits_the_ast() {
    let (code, stdout, stderr) = run(&["parse", "tests/fixtures/cli/good.policy", "--emit", "ast"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("Policy {\n    decls: ["), "{stdout}");
    assert!(stdout.contains("name: late @8:6-8:10"), "{stdout}");
}

#[test]
fn parse_of_a_bad_file_exits_1() {
    let (code, stdout, stderr) =
        run(&["parse", "--color", "never", "tests/fixtures/cli/bad.policy"]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert!(stderr.contains("[E001]"));
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let (code, stdout, _) = run(&["check", "tests/fixtures/cli/warns.policy"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("1 warning"), "{stdout}");
    let (code, _, stderr) = run(&[
        "check",
        "--deny-warnings",
        "--color=never",
        "tests/fixtures/cli/warns.policy",
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("[E051] Warning"), "{stderr}");
}

#[test]
fn build_writes_the_compiled_policy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("good.json");
    let out_arg = out.to_string_lossy().into_owned();
    let (code, stdout, stderr) = run(&["build", "tests/fixtures/cli/good.policy", "-o", &out_arg]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("built "), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("valid JSON");
    assert_eq!(json["compiler"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["source"]["name"], "tests/fixtures/cli/good.policy");
    let sha = json["source"]["sha256"].as_str().expect("a hash");
    assert_eq!(sha.len(), 64);
    assert_eq!(json["sections"].as_array().map(Vec::len), Some(4));
    // The compiled policy reads back into the IR type.
    let ir: kaohe::ir::Policy = serde_json::from_value(json).expect("the IR deserializes");
    assert_eq!(ir.facts.len(), 9);
}

#[test]
fn build_of_a_bad_policy_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("bad.json");
    let out_arg = out.to_string_lossy().into_owned();
    let (code, _, stderr) = run(&[
        "build",
        "--color=never",
        "tests/fixtures/cli/bad.policy",
        "-o",
        &out_arg,
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("[E001]"));
    assert!(!out.exists(), "a failed build left a file");
    assert_eq!(
        std::fs::read_dir(dir.path())
            .map(Iterator::count)
            .unwrap_or(1),
        0,
        "a temp file was left"
    );
}

#[test]
fn build_into_a_missing_folder_is_an_error() {
    let (code, _, stderr) = run(&[
        "build",
        "--color=never",
        "tests/fixtures/cli/good.policy",
        "-o",
        "no/such/dir/x.json",
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("[E009] Error: cannot write `no/such/dir/x.json`"),
        "{stderr}"
    );
}

#[test]
fn diagnostics_follow_the_language_of_the_line_unless_told() {
    let file = "tests/fixtures/cli/bad_zh.policy";
    let (code, _, auto) = run(&["check", "--color", "never", file]);
    assert_eq!(code, 1);
    assert!(
        auto.starts_with("[E010] 错误: 未声明的事实 `迟到早推`"),
        "{auto}"
    );
    assert!(
        auto.contains("│ 提示: 请先声明，如 `事实 迟到早推：事件`"),
        "{auto}"
    );
    let (_, _, en) = run(&["check", "--color", "never", "--lang", "en", file]);
    assert!(
        en.starts_with("[E010] Error: undeclared fact `迟到早推`"),
        "{en}"
    );
    // An English line stays English under auto, and turns Chinese when asked.
    let (_, _, english_line) = run(&["check", "--color", "never", "tests/fixtures/cli/bad.policy"]);
    assert!(
        english_line.contains("expected a year such as `2021` after `year`"),
        "{english_line}"
    );
    let (_, _, zh) = run(&[
        "check",
        "--color",
        "never",
        "--lang",
        "zh",
        "tests/fixtures/cli/bad.policy",
    ]);
    assert!(zh.contains("之后应为"), "{zh}");
    let (_, stdout, _) = run(&["check", "--format", "json", file]);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    assert_eq!(json[0]["zh"]["message"], "未声明的事实 `迟到早推`");
}

#[test]
fn fmt_writes_the_other_surface_form() {
    let (code, zh, _) = run(&["fmt", "--to", "zh", "tests/fixtures/cli/good.policy"]);
    assert_eq!(code, 0);
    assert!(zh.contains("  late 每人每次扣0.1分\n"), "{zh}");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("p.policy");
    std::fs::write(&path, &zh).expect("write");
    let p = path.to_string_lossy().into_owned();
    assert_eq!(
        run(&["fmt", "--check", &p]).0,
        0,
        "canonical Chinese stays Chinese"
    );
    assert_eq!(
        run(&["fmt", "--check", "tests/fixtures/cli/good.policy"]).0,
        1
    );
    assert_eq!(run(&["fmt", "--write", "--to", "en", &p]).0, 0);
    let en = std::fs::read_to_string(&path).expect("read");
    assert!(
        en.contains("  deduct 0.1 per person per occurrence of late\n"),
        "{en}"
    );
    assert_eq!(
        run(&["fmt", "tests/fixtures/cli/bad.policy"]).0,
        1,
        "a file that does not parse is not formatted"
    );
}
