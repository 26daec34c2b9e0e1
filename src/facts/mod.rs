//! Stage 4 of the pipeline, input side: fact files → validated [`Row`]s, streamed one at a time.
//!
//! A file is never held in memory: rows are read, validated against the
//! compiled policy and handed to a sink (the evaluator) one by one. A bad row
//! becomes a diagnostic naming file, line and column; every bad row is
//! reported (the listing is capped, the rest counted), and the caller scores
//! nothing when any row was bad.

pub(crate) mod ahead;
mod database;
mod folder;
mod problem;
mod read;
pub(crate) mod scan;
mod sheet;
pub mod split;
mod units;
mod units_file;
mod validate;

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::diagnostic::{Code, Diagnostic};
use crate::ir;
use crate::span::SourceMap;

pub use folder::{expand_folders, is_fact_file};
pub use read::{Encoding, FileRead, Format};
pub(crate) use units::prefix;
pub use units::UnitIndex;
pub use units_file::{read_units, read_units_file, UnitsFile};
pub use validate::Percents;

/// The column a header names: Chinese headers are the built-in columns' Chinese names
/// (`单位` unit, `事项` fact, `日期` date, `人数` persons, `天数` days, `次数` count,
/// `数值` value, `备注` note); any other header is a declared field's own name.
pub fn canonical_column(header: &str) -> &str {
    match header {
        "单位" | "被考核单位" => "unit",
        "事项" | "事实" => "fact",
        "日期" => "date",
        "人数" => "persons",
        "天数" => "days",
        "次数" => "count",
        "数值" => "value",
        "备注" => "note",
        other => other,
    }
}

/// A validated row of a fact file.
#[derive(Debug, Clone)]
pub struct Row {
    /// The unit the row is about.
    pub unit: String,
    /// The unit's position among the assessed units, when they are fixed (`Input::units`).
    pub unit_id: Option<usize>,
    /// Index of the fact in the policy's `facts`.
    pub fact: usize,
    /// Index of the file in the list read.
    pub file: usize,
    /// 1-based line of the row in its file.
    pub line: u64,
    /// The row's date, if given.
    pub date: Option<NaiveDate>,
    /// How many occurrences the row stands for (events; 1 unless given).
    pub count: Decimal,
    /// The measured value (measures, flags, discretionary points).
    pub value: Option<Value>,
    /// The `note` column.
    pub note: Option<String>,
    /// Values of the fact's declared fields, in declaration order.
    pub fields: Vec<Option<Value>>,
    /// Columns the policy does not know, kept for explanations (only when asked for).
    pub extra: Vec<(String, String)>,
}

/// A typed cell value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A number (percents in percent).
    Number(Decimal),
    /// A name or text.
    Text(String),
    /// A date.
    Date(NaiveDate),
    /// Yes or no.
    Bool(bool),
}

/// How many diagnostics about fact files are listed; the rest are counted.
pub const MAX_LISTED: usize = 100;

/// Collects the diagnostics of fact files, capped.
#[derive(Debug, Default)]
pub struct Problems {
    /// The listed diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// Errors found beyond the listing.
    pub unlisted_errors: usize,
    /// Warnings found beyond the listing.
    pub unlisted_warnings: usize,
    /// Bad rows whose problem was already reported (not counted again).
    silent_errors: usize,
}

impl Problems {
    /// Records a diagnostic, or counts it once the listing is full.
    pub fn push(&mut self, d: Diagnostic) {
        if self.diagnostics.len() < MAX_LISTED {
            self.diagnostics.push(d);
        } else if d.is_error() {
            self.unlisted_errors += 1;
        } else {
            self.unlisted_warnings += 1;
        }
    }

    /// Counts an error already reported in another form (a missing column's later rows).
    pub fn count_silent_error(&mut self) {
        self.silent_errors += 1;
    }

    /// Whether the listing is full, so a caller can skip building a diagnostic.
    pub fn full(&self) -> bool {
        self.diagnostics.len() >= MAX_LISTED
    }

    /// Whether any error was found, listed or not.
    pub fn has_errors(&self) -> bool {
        self.unlisted_errors > 0
            || self.silent_errors > 0
            || self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// What to read and how strictly.
pub struct Input<'a> {
    /// The compiled policy the rows are validated against.
    pub policy: &'a ir::Policy,
    /// The fact files, in order.
    pub files: &'a [PathBuf],
    /// The assessed units and their positions, when known (declared or `--units`): other
    /// units are errors, and each row carries its unit's position (`Row::unit_id`).
    pub units: Option<&'a HashMap<String, usize>>,
    /// Keep unknown columns on each row (for explanations).
    pub keep_extra: bool,
    /// Only rows of this unit reach the sink (explanations); all rows are still validated.
    pub only_unit: Option<&'a str>,
    /// How bare percents are read (`--percent`).
    pub percents: Percents,
    /// The sheet of a spreadsheet to read (`--sheet`); the first when none.
    pub sheet: Option<&'a str>,
}

/// Reads and validates every row of every file, handing good rows to `sink`; says how each
/// file was read.
pub fn read(
    input: &Input,
    sources: &mut SourceMap,
    problems: &mut Problems,
    mut sink: impl FnMut(Row),
) -> Vec<FileRead> {
    let mut read = Vec::new();
    let checker = validate::Validator::new(input.policy, input.units, input.percents);
    let mut seen: Vec<(crate::output::Identity, &std::path::Path)> = Vec::new();
    for (index, path) in input.files.iter().enumerate() {
        // The same file twice (by any name, or through a link) would count every row twice.
        if let Some(me) = crate::output::identity(path) {
            if let Some((_, first)) = seen.iter().find(|(id, _)| *id == me) {
                problems.push(
                    Diagnostic::error(
                        Code::SameFileTwice,
                        format!(
                            "`{}` is the same file as `{}`: its rows would count twice",
                            path.display(),
                            first.display()
                        ),
                    )
                    .with_help("give each fact file once")
                    .zh(
                        format!(
                            "`{}` 与 `{}` 是同一个文件，其中各行会被计两次",
                            path.display(),
                            first.display()
                        ),
                        &[],
                        Some("每个事实文件只需给出一次"),
                    ),
                );
                continue;
            }
            seen.push((me, path));
        }
        read.extend(read::read_file(
            path, index, input, &checker, sources, problems, &mut sink,
        ));
    }
    read
}
