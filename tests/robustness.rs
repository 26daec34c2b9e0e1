//! No input may panic the front end: every prefix of every fixture, and every
//! fixture with one character deleted, is parsed and its diagnostics rendered.

use kaohe::diagnostic::render;
use kaohe::parse::parse;
use kaohe::span::SourceMap;

fn parse_and_render(text: &str) -> usize {
    let mut sources = SourceMap::new();
    let file = sources.add("mutant.policy", text);
    let parsed = parse(&sources, file);
    render(&parsed.diagnostics, &sources, false).len()
}

#[test]
fn truncated_and_mutilated_fixtures_never_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parse");
    let mut cases = 0;
    for entry in std::fs::read_dir(dir).expect("fixtures").flatten() {
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
    let deep = format!(
        "section \"s\"\n  deduct 1 when {}a{}",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    parse_and_render(&deep);
}
