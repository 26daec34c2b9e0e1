//! Check-stage fixtures: every `tests/fixtures/check/*.policy` is compiled.
//! `err_*` fixtures snapshot their rendered errors, `warn_*` fixtures their
//! warnings, and clean fixtures the compiled IR that `kaohe build` writes.

use kaohe::diagnostic::render;
use kaohe::span::SourceMap;

#[test]
fn check_fixtures() {
    insta::glob!("fixtures/check/*.policy", |path| {
        let text = std::fs::read_to_string(path).expect("fixture is readable");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut sources = SourceMap::new();
        let file = sources.add(name.clone(), text.clone());
        let checked = kaohe::compile(&sources, file);
        let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
        let rendered = render(&checked.diagnostics, &sources, false);
        let output = if name.starts_with("err_") {
            assert!(errors > 0, "{name} should have errors");
            assert!(checked.policy.is_none(), "{name} has errors but compiled");
            rendered
        } else if name.starts_with("warn_") {
            assert_eq!(errors, 0, "{name} should have only warnings:\n{rendered}");
            assert!(!checked.diagnostics.is_empty(), "{name} should warn");
            rendered
        } else {
            assert!(
                checked.diagnostics.is_empty(),
                "{name} should check clean:\n{rendered}"
            );
            let mut policy = checked.policy.expect("a clean policy compiles");
            // Stable across releases and edits of the fixture's comments.
            policy.compiler = "VERSION".into();
            policy.source.sha256 = "SHA256".into();
            serde_json::to_string_pretty(&policy).expect("the IR serializes")
        };
        insta::with_settings!({ description => text, omit_expression => true }, {
            insta::assert_snapshot!(output);
        });
    });
}

/// A Chinese line gets a Chinese message: every diagnostic the policy fixtures produce has one.
#[test]
fn every_policy_diagnostic_has_a_chinese_text() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut seen = std::collections::BTreeSet::new();
    let mut missing = Vec::new();
    for dir in ["parse", "check"] {
        for entry in std::fs::read_dir(root.join(dir))
            .expect("fixtures")
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !(name.starts_with("err_") || name.starts_with("warn_")) {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).expect("readable");
            let mut sources = SourceMap::new();
            let file = sources.add(name.clone(), text);
            for d in kaohe::compile(&sources, file).diagnostics {
                if d.zh.is_none() {
                    missing.push(format!("{name}: [{}] {}", d.code, d.message));
                }
                if let Some(zh) = &d.zh {
                    assert_eq!(
                        zh.labels.len(),
                        d.labels.len(),
                        "{name}: [{}] label count",
                        d.code
                    );
                }
                seen.insert(d.code.as_str());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "without a Chinese text:\n{}",
        missing.join("\n")
    );
    assert!(
        seen.len() >= 30,
        "only {} codes were exercised: {seen:?}",
        seen.len()
    );
}
