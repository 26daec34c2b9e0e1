//! Helpers shared by integration tests.

use kaohe::parse::{parse, Parsed};
use kaohe::span::SourceMap;

/// Parses `text` as a policy named `name`.
pub fn parsed(name: &str, text: &str) -> (Parsed, SourceMap) {
    let mut sources = SourceMap::new();
    let file = sources.add(name, text);
    (parse(&sources, file), sources)
}

/// The tree as text, without the positions (`@3:5-3:9`) that differ between two layouts.
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
    out
}
