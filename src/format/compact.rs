//! Part of the format stage: Chinese rules as drafters write them, without spaces between
//! names and words (`旷工每人每天扣0.5分`, not `旷工 每人每天扣0.5分`).
//!
//! The spaced form is written first; each rule line is then compacted, and a compacted line
//! is kept only if the file still parses to the same tree — so a name that would run into
//! the word beside it keeps its spaces.

use crate::parse::parse;
use crate::span::SourceMap;

/// `text` with the spaces between Chinese words, names and numbers taken out of the lines
/// `rules` (0-based), where the tree stays the same.
pub(super) fn compact_rules(text: &str, rules: &[usize]) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let compacted: Vec<(usize, String)> = rules
        .iter()
        .filter_map(|&i| {
            let line = lines.get(i)?;
            let c = compact(line);
            (c != *line).then_some((i, c))
        })
        .collect();
    if compacted.is_empty() {
        return text.to_string();
    }
    let Some(tree) = tree_of(text) else {
        return text.to_string();
    };
    let with = |chosen: &[&(usize, String)]| -> String {
        let mut out: Vec<&str> = lines.clone();
        for (i, c) in chosen {
            if let Some(slot) = out.get_mut(*i) {
                *slot = c.as_str();
            }
        }
        out.concat()
    };
    // Usually every line compacts; else each is tried on its own.
    let all: Vec<&(usize, String)> = compacted.iter().collect();
    let whole = with(&all);
    if tree_of(&whole).as_deref() == Some(tree.as_str()) {
        return whole;
    }
    let mut kept: Vec<&(usize, String)> = Vec::new();
    for c in &compacted {
        kept.push(c);
        if tree_of(&with(&kept)).as_deref() != Some(tree.as_str()) {
            kept.pop();
        }
    }
    with(&kept)
}

/// The parse tree of `text` without positions, or `None` when it does not parse cleanly.
fn tree_of(text: &str) -> Option<String> {
    let mut sources = SourceMap::new();
    let file = sources.add("policy", text);
    let parsed = parse(&sources, file);
    if !parsed.diagnostics.is_empty() {
        return None;
    }
    Some(without_positions(&format!("{:?}", parsed.policy)))
}

/// A tree's Debug text without its positions (`@3:5-3:9`).
fn without_positions(tree: &str) -> String {
    let mut out = String::with_capacity(tree.len());
    let mut rest = tree;
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

/// One line with the spaces between two words taken out where either side is Chinese and
/// neither is a Latin letter (`info_report`) or a brace; the indentation, quoted text and a
/// trailing comment are kept as they are.
fn compact(line: &str) -> String {
    let body_start = line.len() - line.trim_start().len();
    let (indent, body) = line.split_at(body_start);
    let chars: Vec<char> = body.chars().collect();
    let mut out = String::with_capacity(line.len());
    out.push_str(indent);
    let mut quote: Option<char> = None;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"') => quote = Some('"'),
            (None, '“') => quote = Some('”'),
            (None, '#') => {
                // A trailing comment keeps its two spaces and its text.
                let rest: String = chars.iter().skip(i).collect();
                let kept = out.trim_end().len();
                out.truncate(kept);
                out.push_str("  ");
                out.push_str(&rest);
                return out;
            }
            (None, ' ') => {
                let end = chars
                    .iter()
                    .skip(i)
                    .position(|c| *c != ' ')
                    .map_or(chars.len(), |n| i + n);
                let before = out.chars().last();
                let after = chars.get(end).copied();
                if let (Some(l), Some(r)) = (before, after) {
                    if joins(l, r) {
                        i = end;
                        continue;
                    }
                }
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Whether the space between `l` and `r` can go.
fn joins(l: char, r: char) -> bool {
    let latin = |c: char| c.is_ascii_alphabetic() || c == '_';
    let kept = |c: char| {
        matches!(
            c,
            '{' | '}' | '(' | ')' | '（' | '）' | '+' | '-' | '\n' | '\r'
        )
    };
    (!l.is_ascii() || !r.is_ascii()) && !latin(l) && !latin(r) && !kept(l) && !kept(r)
}
