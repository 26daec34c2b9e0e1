//! Part of the review stage: a case's expected results, a table a drafter can write by hand —
//! one line a unit, `|` between cells, a column left out is not checked:
//!
//! ```text
//! | unit   | total | rank | Discipline | Informatization |
//! |--------|-------|------|------------|-----------------|
//! | 办公室 | 9     | 1    | 2          | 5               |
//! ```
//!
//! Headers are English or Chinese (`单位`, `总分`, `名次`, `组别`, `等次`, `奖项`, `否决`);
//! any other header is a section's title. Lines starting with `#` are comments.

use rust_decimal::Decimal;
use unicode_width::UnicodeWidthStr;

use crate::diagnostic::{Code, Diagnostic};
use crate::results::{Results, UnitResult};
use crate::span::{FileId, SourceMap};

/// A column of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// The unit's total.
    Total,
    /// Its rank in its ranking group.
    Rank,
    /// Its ranking group.
    Group,
    /// Its grade.
    Grade,
    /// The prizes it won.
    Prizes,
    /// The vetoes that hold for it.
    Vetoes,
    /// A section's score, by the section's title.
    Section(String),
}

const HEADERS: [(&str, &str, Column); 6] = [
    ("total", "总分", Column::Total),
    ("rank", "名次", Column::Rank),
    ("group", "组别", Column::Group),
    ("grade", "等次", Column::Grade),
    ("prizes", "奖项", Column::Prizes),
    ("vetoes", "否决", Column::Vetoes),
];

impl Column {
    /// Its header, in the policy's language.
    pub fn header(&self, zh: bool) -> String {
        if let Column::Section(name) = self {
            return name.replace('|', "\\|");
        }
        HEADERS
            .iter()
            .find(|(_, _, c)| c == self)
            .map_or(String::new(), |(en, cn, _)| {
                (if zh { *cn } else { *en }).to_string()
            })
    }

    /// The column a header names: a fixed word, else a section's title.
    fn of_header(text: &str, sections: &[&str]) -> Option<Column> {
        let word = text.to_lowercase();
        if let Some((_, _, c)) = HEADERS
            .iter()
            .find(|(en, cn, _)| word == *en || text == *cn)
        {
            return Some(c.clone());
        }
        sections
            .iter()
            .find(|s| **s == text)
            .map(|s| Column::Section(s.to_string()))
    }

    /// Whether the column holds numbers.
    fn numeric(&self) -> bool {
        matches!(self, Column::Total | Column::Section(_))
    }
}

/// Which outcome columns a policy's table has.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shape {
    /// The policy has grades.
    pub grades: bool,
    /// The policy has prizes.
    pub prizes: bool,
    /// The policy has vetoes.
    pub vetoes: bool,
}

impl Shape {
    /// The shape of a compiled policy.
    pub fn of(policy: &crate::ir::Policy) -> Shape {
        Shape {
            grades: !policy.grades.is_empty(),
            prizes: !policy.prizes.is_empty(),
            vetoes: !policy.vetoes.is_empty(),
        }
    }
}

/// The expected results: the columns checked and one row a unit.
#[derive(Debug, Clone)]
pub struct Expected {
    /// The columns after `unit`.
    pub columns: Vec<Column>,
    /// The units' rows, in the order written.
    pub rows: Vec<Row>,
}

/// One unit's expected values.
#[derive(Debug, Clone)]
pub struct Row {
    /// The unit.
    pub unit: String,
    /// One cell a column, as written.
    pub cells: Vec<String>,
    /// Its line (1-based), to point at.
    pub line: u32,
}

/// Every column a full table of these results has.
pub fn columns(results: &Results, shape: Shape) -> Vec<Column> {
    let mut columns = vec![Column::Total, Column::Rank];
    if results.units.iter().any(|u| u.group.is_some()) {
        columns.push(Column::Group);
    }
    for (on, c) in [
        (shape.grades, Column::Grade),
        (shape.prizes, Column::Prizes),
        (shape.vetoes, Column::Vetoes),
    ] {
        if on {
            columns.push(c);
        }
    }
    if let Some(first) = results.units.first() {
        columns.extend(
            first
                .sections
                .iter()
                .map(|s| Column::Section(s.name.clone())),
        );
    }
    columns
}

/// A unit's value in a column, as the table writes it (`-` for none).
pub fn cell(unit: &UnitResult, column: &Column, zh: bool) -> String {
    let list = |items: &[String]| {
        if items.is_empty() {
            "-".to_string()
        } else {
            items.join(if zh { "、" } else { ", " })
        }
    };
    match column {
        Column::Total => unit.total.normalize().to_string(),
        Column::Rank => unit.rank.to_string(),
        Column::Group => unit.group.clone().unwrap_or_else(|| "-".into()),
        Column::Grade => unit.grade.clone().unwrap_or_else(|| "-".into()),
        Column::Prizes => list(&unit.prizes),
        Column::Vetoes => list(&unit.vetoes),
        Column::Section(name) => unit
            .sections
            .iter()
            .find(|s| &s.name == name)
            .map_or("-".into(), |s| s.score.normalize().to_string()),
    }
}

/// Whether an expected cell and an actual one say the same: numbers by value (`9.0` is `9`),
/// lists in any order, `-` (or nothing) for none.
pub fn same(column: &Column, expected: &str, actual: &str) -> bool {
    if column.numeric() || *column == Column::Rank {
        return match (number(expected), number(actual)) {
            (Some(a), Some(b)) => a == b,
            _ => none(expected) && none(actual),
        };
    }
    let items = |s: &str| {
        let mut v: Vec<String> = s
            .split([',', '、', '，'])
            .map(str::trim)
            .filter(|x| !none(x))
            .map(str::to_string)
            .collect();
        v.sort();
        v
    };
    items(expected) == items(actual)
}

fn none(s: &str) -> bool {
    matches!(s.trim(), "" | "-" | "—" | "无")
}

fn number(s: &str) -> Option<Decimal> {
    let s = s.trim().replace('−', "-");
    s.parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(&s).ok())
}

/// The table of these results, as `kaohe test --bless` writes it: columns aligned.
pub fn render(results: &Results, columns: &[Column]) -> String {
    let zh = results.chinese;
    let mut table: Vec<Vec<String>> = Vec::with_capacity(results.units.len() + 1);
    let mut header = vec![(if zh { "单位" } else { "unit" }).to_string()];
    header.extend(columns.iter().map(|c| c.header(zh)));
    table.push(header);
    // Units by name, so that a changed rank reads as a changed cell, not a moved line.
    let mut units: Vec<&UnitResult> = results.units.iter().collect();
    units.sort_by(|a, b| a.unit.cmp(&b.unit));
    for u in units {
        let mut row = vec![u.unit.replace('|', "\\|")];
        row.extend(columns.iter().map(|c| cell(u, c, zh).replace('|', "\\|")));
        table.push(row);
    }
    let columns = table.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            let widest = table
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.width())
                .max();
            widest.unwrap_or(0).max(3)
        })
        .collect();
    let line = |row: &[String]| {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.width())))
            .collect();
        format!("| {} |\n", cells.join(" | "))
    };
    let mut out = String::new();
    out.push_str(if zh {
        "# 本例的预期结果：每个单位一行，删去的列不检查。\n# `kaohe test --bless` 按实际得分重写本文件。\n"
    } else {
        "# The expected results of this case: one line a unit; a column left out is not checked.\n# `kaohe test --bless` rewrites this file from the scores.\n"
    });
    let mut rows = table.iter();
    if let Some(head) = rows.next() {
        out.push_str(&line(head));
    }
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&format!("|-{}-|\n", rule.join("-|-")));
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

/// Splits a table line into its cells (`\|` is a `|` inside a cell), with their byte ranges.
fn cells(line: &str) -> Vec<(String, usize, usize)> {
    let body = line.trim_end();
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 1;
    let mut chars = body.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(|&(_, n)| n == '|') => {
                current.push('|');
                chars.next();
            }
            '|' => {
                let lead = current.len() - current.trim_start().len();
                out.push((current.trim().to_string(), start + lead, i));
                current.clear();
                start = i + 1;
            }
            c => current.push(c),
        }
    }
    // A row not closed by `|`: its last cell runs to the end.
    if !current.trim().is_empty() {
        let lead = current.len() - current.trim_start().len();
        out.push((current.trim().to_string(), start + lead, body.len()));
    }
    out
}

fn is_rule(cells: &[(String, usize, usize)]) -> bool {
    cells
        .iter()
        .all(|(c, _, _)| !c.is_empty() && c.chars().all(|x| matches!(x, '-' | ':' | ' ')))
}

/// Reads expected results from `file`; `sections` are the policy's section titles. Every
/// problem is reported, each at its cell.
pub fn parse(
    sources: &SourceMap,
    file: FileId,
    sections: &[&str],
) -> Result<Expected, Vec<Diagnostic>> {
    let Some(source) = sources.get(file) else {
        return Err(Vec::new());
    };
    let name = source.name.clone();
    let mut diags = Vec::new();
    let mut columns: Option<Vec<Column>> = None;
    let mut rows: Vec<Row> = Vec::new();
    let mut offset = 0;
    for (n, raw) in source.text.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let lead = line.len() - line.trim_start().len();
        let text = line.trim_start();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let at = |from: usize, to: usize| {
            sources.span(file, line_start + lead + from, line_start + lead + to)
        };
        if !text.starts_with('|') {
            diags.push(
                Diagnostic::error(Code::BadExpected, "a line of the table must start with `|`")
                    .with_label(at(0, text.len()), "not a table row")
                    .with_help("write `| unit | total | … |`, or start a comment with `#`")
                    .zh(
                        "表格的每一行须以 `|` 开头",
                        &["不是表格行"],
                        Some("写作 `| 单位 | 总分 | … |`，注释以 `#` 开头"),
                    ),
            );
            continue;
        }
        let row = cells(text);
        if is_rule(&row) {
            continue;
        }
        let Some(cols) = &columns else {
            columns = Some(header(&row, sections, &at, &mut diags));
            continue;
        };
        if row.len() != cols.len() + 1 {
            let (from, to) = (0, text.len());
            diags.push(
                Diagnostic::error(
                    Code::BadExpected,
                    format!(
                        "this row has {} cells, the header {}",
                        row.len(),
                        cols.len() + 1
                    ),
                )
                .with_label(at(from, to), "one cell a column")
                .zh(
                    format!("该行有 {} 格，表头有 {} 格", row.len(), cols.len() + 1),
                    &["每列一格"],
                    None,
                ),
            );
            continue;
        }
        let Some(((unit, unit_from, unit_to), cells)) = row.split_first() else {
            continue;
        };
        let unit = unit.clone();
        if let Some(first) = rows.iter().find(|r| r.unit == unit) {
            diags.push(
                Diagnostic::error(Code::BadExpected, format!("unit `{unit}` has two rows"))
                    .with_label(at(*unit_from, *unit_to), "again here")
                    .with_help(format!(
                        "keep one row for `{unit}` (the first is line {})",
                        first.line
                    ))
                    .zh(format!("单位 `{unit}` 有两行"), &["重复"], None),
            );
            continue;
        }
        for (c, (value, from, to)) in cols.iter().zip(cells) {
            let bad = match c {
                Column::Total | Column::Section(_) => number(value).is_none(),
                Column::Rank => value.trim().parse::<usize>().map_or(true, |r| r == 0),
                _ => false,
            };
            if bad {
                let what = if *c == Column::Rank {
                    "a rank (1, 2, …)"
                } else {
                    "a number"
                };
                diags.push(
                    Diagnostic::error(Code::BadExpected, format!("`{value}` is not {what}"))
                        .with_label(at(*from, *to), format!("in column `{}`", c.header(false)))
                        .zh(
                            format!("`{value}` 不是数值"),
                            &[&format!("`{}` 列", c.header(true))],
                            None,
                        ),
                );
            }
        }
        rows.push(Row {
            unit,
            cells: cells.iter().map(|(c, _, _)| c.clone()).collect(),
            line: n as u32 + 1,
        });
    }
    let Some(columns) = columns else {
        diags.push(
            Diagnostic::error(Code::BadExpected, format!("`{name}` has no table"))
                .with_help("write a header `| unit | total | rank |` and one row a unit, or run `kaohe test --bless`")
                .zh(
                    format!("`{name}` 中没有表格"),
                    &[],
                    Some("写表头 `| 单位 | 总分 | 名次 |`，每个单位一行；或运行 `kaohe test --bless`"),
                ),
        );
        return Err(diags);
    };
    if diags.is_empty() {
        Ok(Expected { columns, rows })
    } else {
        Err(diags)
    }
}

fn header(
    row: &[(String, usize, usize)],
    sections: &[&str],
    at: &dyn Fn(usize, usize) -> crate::span::Span,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Column> {
    let mut columns: Vec<Column> = Vec::new();
    let first = row.first().map(|(c, _, _)| c.to_lowercase());
    if !matches!(first.as_deref(), Some("unit" | "单位")) {
        let (from, to) = row.first().map_or((0, 1), |(_, f, t)| (*f, *t));
        diags.push(
            Diagnostic::error(Code::BadExpected, "the first column must be `unit`")
                .with_label(at(from, to), "the units' names go here")
                .zh("第一列须为 `单位`", &["此列填单位名称"], None),
        );
    }
    for (text, from, to) in row.iter().skip(1) {
        match Column::of_header(text, sections) {
            Some(c) if columns.contains(&c) => diags.push(
                Diagnostic::error(Code::BadExpected, format!("column `{text}` twice"))
                    .with_label(at(*from, *to), "again here")
                    .zh(format!("`{text}` 列重复"), &["重复"], None),
            ),
            Some(c) => columns.push(c),
            None => {
                let mut d = Diagnostic::error(
                    Code::BadExpected,
                    format!("`{text}` is no column: neither a section nor total, rank, group, grade, prizes or vetoes"),
                )
                .with_label(at(*from, *to), "unknown column");
                let fixed = HEADERS.iter().flat_map(|(en, cn, _)| [*en, *cn]);
                if let Some(s) =
                    crate::check::suggest_name(text, sections.iter().copied().chain(fixed))
                {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                diags.push(d.zh(
                    format!(
                        "`{text}` 不是可检查的列：既非板块，也非总分、名次、组别、等次、奖项、否决"
                    ),
                    &["未知的列"],
                    None,
                ));
                // Kept as a column, so the rows' cells still line up.
                columns.push(Column::Section(text.clone()));
            }
        }
    }
    columns
}
