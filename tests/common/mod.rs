//! Helpers shared by integration tests.

use kaohe::parse::{parse, Parsed};
use kaohe::span::SourceMap;

/// Parses `text` as a policy named `name`.
pub fn parsed(name: &str, text: &str) -> (Parsed, SourceMap) {
    let mut sources = SourceMap::new();
    let file = sources.add(name, text);
    (parse(&sources, file), sources)
}

/// The tree as text, without the positions (`@3:5-3:9`) that differ between two layouts
/// nor the wording of a comparison (`at least 2 article` or `article >= 2`).
pub fn without_spans(p: &Parsed) -> String {
    let tree = format!("{:#?}", p.policy);
    let mut out = String::with_capacity(tree.len());
    let mut rest = tree.as_str();
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        let len = tail
            .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '-'))
            .unwrap_or(tail.len());
        rest = &tail[len..];
    }
    out.push_str(rest);
    // `at least 2 article` and `article >= 2` are one tree written two ways.
    out.replace("worded: true", "worded: false")
}

/// The tree as text without positions or measure words (`每篇` is `per occurrence`
/// written the Chinese way): what an English twin of a Chinese policy must equal.
pub fn without_surface(p: &Parsed) -> String {
    let tree = without_measure_words(&without_spans(p));
    let lines: Vec<&str> = tree.lines().collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let word = lines.get(i + 1).map(|l| l.trim());
        if lines[i].trim() == "Some("
            && out.last().is_some_and(|l| l.trim() == ",")
            && word.is_some_and(|w| w.starts_with('"') && w.ends_with("\","))
            && lines.get(i + 2).map(|l| l.trim()) == Some("),")
        {
            let indent = &lines[i][..lines[i].len() - lines[i].trim_start().len()];
            out.push(format!("{indent}None,"));
            i += 3;
            continue;
        }
        out.push(lines[i].to_string());
        i += 1;
    }
    out.join("\n")
}

/// A number's measure word (`2篇 `, as a number's Debug shows it) taken out.
fn without_measure_words(tree: &str) -> String {
    const MEASURES: &str = "人个篇项次件天家份名";
    let mut out = String::with_capacity(tree.len());
    let mut after_number = false;
    for c in tree.chars() {
        if after_number && MEASURES.contains(c) {
            continue;
        }
        after_number = c.is_ascii_digit() || c == '%';
        out.push(c);
    }
    out
}
