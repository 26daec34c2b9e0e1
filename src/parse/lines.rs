//! Part of the parse stage: splits a policy into logical lines and measures their indentation.
//!
//! A logical line is one physical line, or several when a line ends with a
//! comma or colon or inside `{…}` / `(…)`: a long `units` list or table may
//! run over several lines. Comments and blank lines are skipped here; strings
//! must close on their line.

use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, SourceMap};
use unicode_width::UnicodeWidthStr;

/// One statement's worth of source.
#[derive(Debug, Clone, Copy)]
pub(super) struct LogicalLine {
    /// Byte offset of the first non-blank character.
    pub start: usize,
    /// Byte offset of the end of its last physical line (before the line break).
    pub end: usize,
    /// Indentation width of its first physical line, in columns.
    pub indent: usize,
    /// The indentation was reported as mixed: its nesting cannot be trusted.
    pub bad_indent: bool,
    /// The line was already reported (an unclosed string) and is not parsed,
    /// but still holds its place so that lines under it are not misplaced.
    pub broken: bool,
}

fn starts_statement(body: &str) -> bool {
    let word_end = body
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    super::STATEMENT_KEYWORDS.contains(&&body[..word_end])
}

const TAB_WIDTH: usize = 4;

/// Deeper bracket nesting is no policy a person writes, and would exhaust
/// the stack of the recursive stages after the parser.
pub(super) const MAX_NESTING: i32 = 64;

/// What a file's indentation has been written with so far.
#[derive(Clone, Copy, PartialEq)]
enum IndentStyle {
    Spaces,
    Tabs,
}

/// Splits `file` into logical lines, reporting unclosed strings and mixed indentation.
pub(super) fn split(
    sources: &SourceMap,
    file: FileId,
    comments: &mut Vec<Comment>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<LogicalLine> {
    let Some(text) = sources.get(file).map(|f| f.text.as_str()) else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    let mut open: Option<LogicalLine> = None;
    let mut depth: i32 = 0;
    let mut style: Option<(IndentStyle, usize)> = None;

    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let content = raw.trim_end_matches(['\n', '\r']);
        let line_end = line_start + content.len();

        let body_offset = content
            .char_indices()
            .find(|&(_, c)| !matches!(c, ' ' | '\t' | '\u{3000}'))
            .map_or(content.len(), |(i, _)| i);
        let body = &content[body_offset..];

        if open.is_some() && starts_statement(body) {
            // A continuation never runs into the next statement: an unclosed
            // `{` is then reported on its own line, not at the end of the file.
            lines.extend(open.take());
            depth = 0;
        }
        if open.is_none() {
            if body.starts_with('#') {
                let line = line_number(sources, file, line_start);
                let column = content[..body_offset].width();
                // A comment under the comment that ends the line above, in its column, goes
                // on with it.
                let hang = comments.last().is_some_and(|c| {
                    c.line + 1 == line && c.column == column && (c.hang || !c.own_line)
                });
                comments.push(Comment {
                    text: body.trim_end().to_string(),
                    line,
                    own_line: true,
                    column,
                    hang,
                });
            }
            // A blank line is kept as an empty comment, so `kaohe fmt` keeps the drafter's
            // paragraphs; a run of them is one.
            let after_blank = comments.last().is_some_and(|c: &Comment| {
                c.text.is_empty() && c.line + 1 == line_number(sources, file, line_start)
            });
            if body.is_empty() && !after_blank {
                comments.push(Comment {
                    text: String::new(),
                    line: line_number(sources, file, line_start),
                    own_line: true,
                    column: 0,
                    hang: false,
                });
            }
            if body.is_empty() || body.starts_with('#') {
                continue;
            }
            let indent_text = &content[..body_offset];
            let reported = diags.len();
            let indent = measure_indent(indent_text, line_start, sources, file, &mut style, diags);
            let bad_indent = diags.len() > reported;
            open = Some(LogicalLine {
                start: line_start + body_offset,
                end: line_end,
                indent,
                bad_indent,
                broken: false,
            });
        }

        let scan = scan(body);
        if let Some(at) = scan.comment {
            let line = line_number(sources, file, line_start);
            comments.push(Comment {
                text: body[at..].trim_end().to_string(),
                line,
                own_line: false,
                column: content[..body_offset + at].width(),
                hang: false,
            });
        }
        if let Some(quote) = scan.unclosed_string {
            let at = line_start + body_offset + quote;
            diags.push(
                Diagnostic::error(Code::UnclosedString, "unclosed string")
                    .with_label(
                        sources.span(file, at, line_end),
                        "this string is not closed on its line",
                    )
                    .with_help("end the string with a closing quote on the same line")
                    .zh(
                        "字符串未闭合",
                        &["此字符串在本行没有结束引号"],
                        Some("请在同一行用引号结束字符串"),
                    ),
            );
            if let Some(mut line) = open.take() {
                line.broken = true;
                lines.push(line);
            }
            depth = 0;
            continue;
        }
        if depth + scan.max_depth > MAX_NESTING {
            let at = line_start + body_offset;
            diags.push(
                Diagnostic::error(
                    Code::Syntax,
                    format!("brackets nested more than {MAX_NESTING} deep"),
                )
                .with_label(sources.span(file, at, line_end), "too deeply nested")
                .with_help("split the condition into several rules"),
            );
            if let Some(mut line) = open.take() {
                line.broken = true;
                lines.push(line);
            }
            depth = 0;
            continue;
        }
        depth += scan.depth_change;
        let continues = depth > 0 || scan.ends_with_continuation;
        if let Some(line) = open.as_mut() {
            line.end = line_end;
            if !continues {
                lines.push(*line);
                open = None;
                depth = 0;
            }
        }
    }
    if let Some(line) = open {
        lines.push(line);
    }
    lines
}

/// Returns the indentation width; reports tabs mixed with spaces.
fn measure_indent(
    indent: &str,
    line_start: usize,
    sources: &SourceMap,
    file: FileId,
    style: &mut Option<(IndentStyle, usize)>,
    diags: &mut Vec<Diagnostic>,
) -> usize {
    let has_tab = indent.contains('\t');
    let has_space = indent.contains([' ', '\u{3000}']);
    let width = indent
        .chars()
        .map(|c| match c {
            '\t' => TAB_WIDTH,
            '\u{3000}' => 2,
            _ => 1,
        })
        .sum();
    if indent.is_empty() {
        return width;
    }
    let span = sources.span(file, line_start, line_start + indent.len());
    if has_tab && has_space {
        diags.push(
            Diagnostic::error(Code::MixedIndent, "indentation mixes tabs and spaces")
                .with_label(span, "tabs and spaces on one line")
                .with_help("indent with spaces only")
                .zh(
                    "缩进混用了制表符和空格",
                    &["同一行中既有制表符又有空格"],
                    Some("请只用空格缩进"),
                ),
        );
        return width;
    }
    let this = if has_tab {
        IndentStyle::Tabs
    } else {
        IndentStyle::Spaces
    };
    match *style {
        None => *style = Some((this, span.start_line as usize)),
        Some((first, first_line)) if first != this => {
            let (used, first_used) = match this {
                IndentStyle::Tabs => ("tabs", "spaces"),
                IndentStyle::Spaces => ("spaces", "tabs"),
            };
            diags.push(
                Diagnostic::error(Code::MixedIndent, "indentation mixes tabs and spaces")
                    .with_label(span, format!("this line is indented with {used}"))
                    .with_note(format!("line {first_line} is indented with {first_used}"))
                    .with_help("indent every line of the file the same way, preferably with spaces")
                    .zh(
                        "缩进混用了制表符和空格",
                        &[if used == "tabs" {
                            "此行用制表符缩进"
                        } else {
                            "此行用空格缩进"
                        }],
                        Some("全文请用同一种缩进，最好用空格"),
                    ),
            );
        }
        Some(_) => {}
    }
    width
}

/// What one physical line holds, outside strings and comments.
struct Scan {
    /// Byte offset (in the line body) of a quote that is not closed.
    unclosed_string: Option<usize>,
    /// Opening minus closing brackets.
    depth_change: i32,
    /// The deepest nesting reached on the line, relative to its start.
    max_depth: i32,
    /// The last code character asks for the next line (`,` `:` and their full-width twins).
    ends_with_continuation: bool,
    /// Byte offset (in the line body) of a comment after code.
    comment: Option<usize>,
}

/// A comment of the source, kept for `kaohe fmt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The comment, `#` included; empty for a blank line (kept so `kaohe fmt` keeps the
    /// drafter's paragraphs).
    pub text: String,
    /// Its 1-based line.
    pub line: u32,
    /// The display column its `#` starts at (0-based, a Chinese character counting two).
    pub column: usize,
    /// Whether it goes on with the comment at the end of the line above, in the same column
    /// (`kaohe fmt` keeps it under that comment wherever that one moves).
    pub hang: bool,
    /// Alone on its line (else after code).
    pub own_line: bool,
}

fn line_number(sources: &SourceMap, file: FileId, offset: usize) -> u32 {
    sources.get(file).map_or(0, |f| f.line_col(offset).0)
}

fn scan(body: &str) -> Scan {
    let mut closing: Option<(char, usize)> = None;
    let mut depth_change = 0;
    let mut max_depth = 0;
    let mut last = None;
    let mut comment = None;
    for (i, c) in body.char_indices() {
        if let Some((close, _)) = closing {
            if c == close {
                closing = None;
                last = Some(c);
            }
            continue;
        }
        match c {
            '#' => {
                comment = (i > 0).then_some(i);
                break;
            }
            '"' => closing = Some(('"', i)),
            '“' => closing = Some(('”', i)),
            '「' => closing = Some(('」', i)),
            '{' | '｛' | '(' | '（' => {
                depth_change += 1;
                max_depth = max_depth.max(depth_change);
            }
            '}' | '｝' | ')' | '）' => depth_change -= 1,
            _ => {}
        }
        if !c.is_whitespace() {
            last = Some(c);
        }
    }
    Scan {
        unclosed_string: closing.map(|(_, at)| at),
        depth_change,
        max_depth,
        comment,
        ends_with_continuation: matches!(last, Some(',' | '，' | '、' | ':' | '：')),
    }
}
