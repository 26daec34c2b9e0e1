//! `kaohe fmt`: for every clean fixture and real policy, the canonical text in English and in
//! Chinese parses back to the same tree (spans aside), keeps every comment, and formatting it
//! again changes nothing.

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
            assert_eq!(
                again.comments.len(),
                original.comments.len(),
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
