//! Parse-stage fixtures: every `tests/fixtures/parse/*.policy` is parsed; clean
//! fixtures snapshot their AST, `err_*` fixtures snapshot their rendered diagnostics.

use std::path::Path;

use kaohe::diagnostic::render;
use kaohe::parse::parse;
use kaohe::span::SourceMap;

fn fixture_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn parse_fixtures() {
    insta::glob!("fixtures/parse/*.policy", |path| {
        let text = std::fs::read_to_string(path).expect("fixture is readable");
        let name = fixture_name(path);
        let mut sources = SourceMap::new();
        let file = sources.add(name.clone(), text.clone());
        let parsed = parse(&sources, file);
        let output = if name.starts_with("err_") {
            assert!(
                parsed.diagnostics.iter().any(|d| d.is_error()),
                "{name} should fail to parse"
            );
            render(&parsed.diagnostics, &sources, false)
        } else {
            assert!(
                parsed.diagnostics.is_empty(),
                "{name} should parse cleanly:\n{}",
                render(&parsed.diagnostics, &sources, false)
            );
            format!("{:#?}", parsed.policy)
        };
        insta::with_settings!({ description => text, omit_expression => true }, {
            insta::assert_snapshot!(output);
        });
    });
}

/// The Chinese surface forms, as written in `tests/fixtures/surface/*.zh.policy`: their trees.
#[test]
fn chinese_surface_fixtures() {
    insta::glob!("fixtures/surface/*.zh.policy", |path| {
        let text = std::fs::read_to_string(path).expect("fixture is readable");
        let name = fixture_name(path);
        let mut sources = SourceMap::new();
        let file = sources.add(name.clone(), text.clone());
        let parsed = parse(&sources, file);
        assert!(
            parsed.diagnostics.is_empty(),
            "{name}: {}",
            render(&parsed.diagnostics, &sources, false)
        );
        insta::with_settings!({ description => text, omit_expression => true }, {
            insta::assert_snapshot!(format!("{:#?}", parsed.policy));
        });
    });
}
