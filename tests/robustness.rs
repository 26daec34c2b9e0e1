//! No input may panic the front end: every prefix of every fixture, and every
//! fixture with one character deleted, is parsed, checked and its diagnostics rendered.

use kaohe::diagnostic::render;
use kaohe::span::SourceMap;

fn parse_and_render(text: &str) -> usize {
    let mut sources = SourceMap::new();
    let file = sources.add("mutant.policy", text);
    let checked = kaohe::compile(&sources, file);
    render(&checked.diagnostics, &sources, false).len()
}

#[test]
fn truncated_and_mutilated_fixtures_never_panic() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cases = 0;
    let dirs = ["tests/fixtures/parse", "tests/fixtures/check"];
    let entries = dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).expect("fixtures").flatten());
    for entry in entries {
        let text = std::fs::read_to_string(entry.path()).expect("fixture is UTF-8");
        for (i, c) in text.char_indices() {
            parse_and_render(&text[..i]);
            let deleted = format!("{}{}", &text[..i], &text[i + c.len_utf8()..]);
            parse_and_render(&deleted);
            cases += 2;
        }
    }
    assert!(cases > 1000, "only {cases} mutants were tried");
}

#[test]
fn odd_inputs_never_panic() {
    for text in [
        "",
        "\n\n\n",
        "\u{feff}",
        "#",
        "\"",
        "“",
        "{{{{{{{{",
        ")))))",
        "deduct",
        "\tdeduct 1 per occurrence of x",
        "section \"a\"\n\t\t\t\t\t\t\t\t  deduct 1 per occurrence of x",
        "　　section “全角空格”",
        "deduct 99999999999999999999999999999999999 per occurrence of x",
        "fact x: event where (((((((((((((((((((((((((((((((((((((((((",
        "section \"s\"\n  deduct 1 per occurrence of x where not not not not not not a",
        "\r\n\r\nsection \"crlf\" worth 1\r\n  deduct 1 when x\r\n",
    ] {
        parse_and_render(text);
    }
    // Deep nesting and long operator chains are refused, not a stack overflow.
    for depth in [60, 70, 5000] {
        let deep = format!(
            "section \"s\"\n  deduct 1 when {}a{}",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        parse_and_render(&deep);
    }
    for n in [60, 70, 5000] {
        parse_and_render(&format!(
            "section \"s\"\n  deduct 1 when {}a",
            "not ".repeat(n)
        ));
        let chain = vec!["a"; n].join(" and ");
        parse_and_render(&format!(
            "fact a: flag\nsection \"s\"\n  deduct 1 when {chain}"
        ));
    }
}
