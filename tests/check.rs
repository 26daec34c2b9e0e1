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
