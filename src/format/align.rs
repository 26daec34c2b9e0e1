//! Part of the format stage: tables of lines aligned as drafters align them — the
//! descriptions of a block of `fact` lines (comments between them allowed) in one column, and
//! the comments at the end of consecutive lines in one column.

use unicode_width::UnicodeWidthStr;

/// `text` with its fact descriptions, then its trailing comments, aligned run by run; the
/// `hanging` lines (comments going on with the comment above) are put under it.
pub(super) fn align(text: &str, hanging: &[usize]) -> String {
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let lines = align_runs(lines, description_at, |l| is_comment(l) || is_fact(l));
    let mut lines = align_runs(lines, comment_at, |_| false);
    for &i in hanging {
        let column = match i.checked_sub(1).and_then(|above| lines.get(above)) {
            Some(above) => match comment_at(above) {
                Some(at) => above[..at].width(),
                // Under a hanging comment: its column.
                None => above.len() - above.trim_start().len(),
            },
            None => continue,
        };
        if let Some(line) = lines.get_mut(i) {
            *line = format!("{}{}", " ".repeat(column), line.trim_start());
        }
    }
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Aligns the column `at` finds in each run of consecutive lines that have one: the text
/// before it padded to the widest of the run, plus two spaces.
fn align_runs(
    mut lines: Vec<String>,
    at: fn(&str) -> Option<usize>,
    through: fn(&str) -> bool,
) -> Vec<String> {
    let mut i = 0;
    while i < lines.len() {
        // A run: lines that have the column, and between them lines `through` lets pass.
        let mut run = Vec::new();
        let mut j = i;
        while let Some(line) = lines.get(j) {
            if at(line).is_some() {
                run.push(j);
            } else if run.is_empty() || !through(line) {
                break;
            }
            j += 1;
        }
        if run.len() >= 2 {
            let split: Vec<(usize, String, String)> = run
                .iter()
                .filter_map(|&k| {
                    let l = lines.get(k)?;
                    let c = at(l)?;
                    Some((k, l[..c].trim_end().to_string(), l[c..].to_string()))
                })
                .collect();
            let width = split
                .iter()
                .map(|(_, code, _)| code.width())
                .max()
                .unwrap_or(0);
            for (k, code, tail) in split {
                let pad = width - code.width() + 2;
                if let Some(line) = lines.get_mut(k) {
                    *line = format!("{code}{}{tail}", " ".repeat(pad));
                }
            }
        }
        i = j.max(i + 1);
    }
    lines
}

/// Whether a line is only a comment.
fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// Whether a line declares a fact.
fn is_fact(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.starts_with("fact ") || trimmed.starts_with("事实 ")
}

/// Where a `fact` line's description (its last quoted text) starts, if it has one.
fn description_at(line: &str) -> Option<usize> {
    if !is_fact(line) {
        return None;
    }
    let code = &line[..comment_at(line).unwrap_or(line.len())];
    let code = code.trim_end();
    if !code.ends_with('"') {
        return None;
    }
    let mut last = None;
    let mut open: Option<usize> = None;
    for (i, c) in code.char_indices() {
        if c == '"' {
            match open {
                None => open = Some(i),
                Some(o) => {
                    last = Some(o);
                    open = None;
                }
            }
        }
    }
    // The description is the line's last word, after the declaration.
    last.filter(|&o| o > 0 && code[..o].ends_with(' '))
}

/// Where a comment after code starts (`#` outside quotes), if the line has code before it.
fn comment_at(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"') => quote = Some('"'),
            (None, '“') => quote = Some('”'),
            (None, '#') => return (!line[..i].trim().is_empty()).then_some(i),
            _ => {}
        }
    }
    None
}
