//! Project hygiene: documented error codes, no orphaned snapshots, CI running the README's command.

use std::path::Path;

use kaohe::diagnostic::Code;

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("cannot read {}: {e}", full.display()))
}

#[test]
fn every_error_code_is_documented() {
    let doc = read("docs/errors.md");
    for code in Code::ALL {
        let heading = format!("## {}: {}", code.as_str(), code.title());
        assert!(doc.contains(&heading), "docs/errors.md lacks `{heading}`");
    }
}

#[test]
fn error_codes_are_unique_and_ordered() {
    let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(codes, sorted);
}

/// A glob snapshot `<test>__<fn>@<fixture>.snap` must still have its fixture
/// (a `__` in the fixture part stands for a folder separator).
#[test]
fn no_snapshot_outlives_its_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let globbed = [
        ("parse__parse_fixtures@", "tests/fixtures/parse"),
        ("check__check_fixtures@", "tests/fixtures/check"),
        ("eval__eval_fixtures@", "tests/fixtures/eval"),
        ("parse__chinese_surface_fixtures@", "tests/fixtures/surface"),
    ];
    let snapshots = std::fs::read_dir(root.join("tests/snapshots")).expect("snapshot folder");
    let mut seen = 0;
    for entry in snapshots.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        for (prefix, dir) in globbed {
            if let Some(rest) = name.strip_prefix(prefix) {
                let fixture = rest.trim_end_matches(".snap").replace("__", "/");
                assert!(
                    root.join(dir).join(&fixture).exists(),
                    "{name} has no fixture {dir}/{fixture}: delete the snapshot"
                );
                seen += 1;
            }
        }
    }
    assert!(seen > 100, "only {seen} glob snapshots were found");

    // Each policy keeps its expected results in its own `snapshots/`.
    for policy in std::fs::read_dir(root.join("policies"))
        .expect("policies")
        .flatten()
    {
        let Ok(snaps) = std::fs::read_dir(policy.path().join("snapshots")) else {
            continue;
        };
        for snap in snaps.flatten() {
            let name = snap.file_name().to_string_lossy().into_owned();
            let fixture = name
                .strip_prefix("policies_compile_and_score@")
                .map(|rest| rest.trim_end_matches(".snap").replace("__", "/"))
                .unwrap_or_default();
            assert!(
                root.join("policies").join(&fixture).exists(),
                "{name} has no policy: delete the snapshot"
            );
        }
    }
}

#[test]
fn ci_runs_the_readme_test_command() {
    let readme = read("README.md");
    let command = readme
        .lines()
        .find(|l| l.starts_with("cargo test"))
        .expect("the README gives a test command");
    let ci = read(".ci/run");
    assert!(
        ci.lines().any(|l| l.trim() == command.trim()),
        ".ci/run does not run the README's test command `{command}`"
    );
}
