//! `kaohe fmt`: for every clean fixture and real policy, the canonical text in English and in
//! Chinese parses back to the same tree (spans aside), keeps every comment, and formatting it
//! again changes nothing; the command prints, checks (with a diff) and writes files back in
//! their own encoding and line endings.

use std::path::PathBuf;

mod common;

use common::{parsed, without_spans, without_surface};
use kaohe::format::{format, Lang};

fn sources() -> Vec<PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "tests/fixtures/parse",
        "tests/fixtures/check",
        "tests/fixtures/surface",
        "tests/fixtures/fmt",
    ] {
        for e in std::fs::read_dir(root.join(dir))
            .expect("fixtures")
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".policy") && !name.starts_with("err_") {
                files.push(e.path());
            }
        }
    }
    for e in std::fs::read_dir(root.join("policies"))
        .expect("policies")
        .flatten()
    {
        for p in std::fs::read_dir(e.path()).into_iter().flatten().flatten() {
            if p.path().extension().is_some_and(|x| x == "policy") {
                files.push(p.path());
            }
        }
    }
    files.sort();
    files
}

#[test]
fn fmt_round_trips_in_both_languages() {
    let files = sources();
    assert!(files.len() > 40, "only {} policies", files.len());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        let (original, _) = parsed("original", &text);
        assert!(original.diagnostics.is_empty(), "{}", path.display());
        for lang in [Lang::En, Lang::Zh] {
            let once = format(&original.policy, &original.comments, lang);
            let (again, src) = parsed("formatted", &once);
            assert!(
                again.diagnostics.is_empty(),
                "{} in {lang:?} does not parse:\n{once}\n{}",
                path.display(),
                kaohe::diagnostic::render(&again.diagnostics, &src, false)
            );
            // Chinese keeps even the measure words (`每篇`); English has none to keep.
            let (again_tree, original_tree) = match lang {
                Lang::Zh => (without_spans(&again), without_spans(&original)),
                Lang::En => (without_surface(&again), without_surface(&original)),
            };
            assert_eq!(
                again_tree,
                original_tree,
                "{} in {lang:?}:\n{once}",
                path.display()
            );
            let texts = |p: &kaohe::parse::Parsed| {
                p.comments
                    .iter()
                    .filter(|c| !c.text.is_empty())
                    .map(|c| c.text.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                texts(&again),
                texts(&original),
                "{}: comments lost",
                path.display()
            );
            let twice = format(&again.policy, &again.comments, lang);
            assert_eq!(
                twice,
                once,
                "{} in {lang:?}: formatting twice changes it",
                path.display()
            );
        }
    }
}

fn kaohe(args: &[&str]) -> (i32, String, String) {
    let out = assert_cmd::Command::cargo_bin("kaohe")
        .expect("the kaohe binary is built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("kaohe runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const MESSY: &str = "tests/fixtures/fmt/messy.policy";

#[test]
fn fmt_prints_the_canonical_form() {
    let (code, out, err) = kaohe(&["fmt", MESSY]);
    assert_eq!((code, err.as_str()), (0, ""));
    insta::assert_snapshot!(out);
    let (code, zh, _) = kaohe(&["fmt", "--to", "zh", MESSY]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("fmt_prints_the_canonical_form_in_chinese", zh);
}

#[test]
fn fmt_check_prints_a_diff_and_exits_1() {
    let (code, out, err) = kaohe(&["fmt", "--check", MESSY]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(format!("{out}\n--- stderr ---\n{err}"));
    // The hint repeats the form asked for.
    let (code, _, err) = kaohe(&["fmt", "--check", "--to", "zh", MESSY]);
    assert_eq!(code, 1);
    assert!(
        err.ends_with("run `kaohe fmt --write --to zh tests/fixtures/fmt/messy.policy`\n"),
        "{err}"
    );
}

#[test]
fn every_shipped_policy_is_formatted() {
    let (code, out, err) = kaohe(&["fmt", "--check", "policies"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
}

#[test]
fn fmt_write_keeps_the_encoding_and_line_endings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(MESSY).expect("fixture");
    let crlf = dir.path().join("crlf.policy");
    std::fs::write(&crlf, text.replace('\n', "\r\n")).expect("write");
    let gbk = dir.path().join("gbk.policy");
    std::fs::write(&gbk, encoding_rs::GB18030.encode(&text).0).expect("write");
    let bom = dir.path().join("bom.policy");
    std::fs::write(&bom, format!("\u{feff}{text}")).expect("write");
    let folder = dir.path().to_string_lossy().into_owned();
    assert_eq!(kaohe(&["fmt", "--check", &folder]).0, 1);
    let (code, out, err) = kaohe(&["fmt", "--write", &folder]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    assert_eq!(kaohe(&["fmt", "--check", &folder]).0, 0, "written in form");

    let (code, canonical, _) = kaohe(&["fmt", MESSY]);
    assert_eq!(code, 0);
    let written = std::fs::read(&crlf).expect("read");
    assert_eq!(
        String::from_utf8(written).expect("UTF-8"),
        canonical.replace('\n', "\r\n"),
        "CRLF kept"
    );
    let written = std::fs::read(&gbk).expect("read");
    assert!(std::str::from_utf8(&written).is_err(), "still GB18030");
    let (decoded, _, bad) = encoding_rs::GB18030.decode(&written);
    assert!(!bad);
    assert_eq!(decoded, canonical, "GB18030 kept");
    let written = std::fs::read_to_string(&bom).expect("read");
    assert_eq!(
        written,
        format!("\u{feff}{canonical}"),
        "byte-order mark kept"
    );
}
