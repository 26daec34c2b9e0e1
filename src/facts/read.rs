//! Part of the facts stage: opening fact files (CSV or JSON Lines; UTF-8 with or without BOM, GBK/GB18030) row by row.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use encoding_rs::GB18030;
use encoding_rs_io::DecodeReaderBytesBuilder;

use super::validate::{Cells, Validator};
use super::{Input, Problems, Row};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::SourceMap;

/// How many bytes are sniffed to tell UTF-8 from GB18030.
const SNIFF: usize = 64 * 1024;

pub(super) fn read_file(
    path: &Path,
    index: usize,
    input: &Input,
    checker: &Validator,
    sources: &mut SourceMap,
    problems: &mut Problems,
    sink: &mut impl FnMut(Row),
) {
    let name = path.display().to_string();
    let reader = match open_text(path) {
        Ok(r) => r,
        Err(d) => return problems.push(d),
    };
    let json = matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("jsonl" | "ndjson" | "json")
    );
    let mut file = FileContext {
        name: &name,
        index,
        input,
        checker,
        sources,
        problems,
        missing_columns: Default::default(),
    };
    if json {
        read_json_lines(reader, &mut file, sink);
    } else {
        read_csv(reader, &mut file, sink);
    }
}

/// What a reader needs to validate the rows of one file.
pub(super) struct FileContext<'a, 'b> {
    pub name: &'a str,
    pub index: usize,
    pub input: &'a Input<'b>,
    pub checker: &'a Validator<'b>,
    pub sources: &'a mut SourceMap,
    pub problems: &'a mut Problems,
    /// Columns already reported missing: once per file is enough.
    pub missing_columns: std::collections::HashSet<String>,
}

/// Opens a file as UTF-8 text: a UTF-8 BOM is dropped; a file whose first
/// bytes are not UTF-8 is read as GB18030 (which covers GBK and GB2312).
fn open_text(path: &Path) -> Result<Box<dyn Read>, Diagnostic> {
    let name = path.display().to_string();
    let cannot = |e: std::io::Error| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string().to_lowercase(),
        };
        Diagnostic::error(Code::Io, format!("cannot read `{name}`: {reason}"))
    };
    let mut file = File::open(path).map_err(cannot)?;
    let mut head = Vec::with_capacity(SNIFF);
    (&mut file)
        .take(SNIFF as u64)
        .read_to_end(&mut head)
        .map_err(cannot)?;
    let rest = std::io::Cursor::new(head.clone()).chain(file);
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) || looks_utf8(&head) {
        // The decoder drops a UTF-8 BOM and checks the rest is UTF-8.
        Ok(Box::new(
            DecodeReaderBytesBuilder::new()
                .strip_bom(true)
                .utf8_passthru(true)
                .build(rest),
        ))
    } else {
        Ok(Box::new(
            DecodeReaderBytesBuilder::new()
                .encoding(Some(GB18030))
                .build(rest),
        ))
    }
}

/// Whether `head` is UTF-8, allowing a character cut off at the end of the sniffed bytes.
fn looks_utf8(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() >= SNIFF,
    }
}

fn read_csv(reader: Box<dyn Read>, file: &mut FileContext, sink: &mut impl FnMut(Row)) {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(reader);
    let header: Vec<String> = match csv.headers() {
        Ok(h) => h
            .iter()
            .map(|c| c.trim().trim_start_matches('\u{feff}').to_string())
            .collect(),
        Err(e) => return file.problems.push(malformed(file.name, &e.to_string())),
    };
    // Chinese headers (`单位,事项,日期,人数`) name the same columns as English ones.
    let written = header.clone();
    let header: Vec<String> = header
        .iter()
        .map(|c| super::canonical_column(c).to_string())
        .collect();
    let columns: HashMap<&str, usize> = header
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    for needed in ["unit", "fact"] {
        if !columns.contains_key(needed) {
            let line = written.join(",");
            let snippet = file.sources.add_snippet(file.name, line.clone(), 1);
            let span = file.sources.span(snippet, 0, line.len());
            file.problems.push(
                Diagnostic::error(Code::MissingColumn, format!("`{}` has no `{needed}` column", file.name))
                    .with_label(span, "the header")
                    .with_help("a fact file's header names at least `unit` and `fact`, e.g. `unit,fact,date,persons,value`"),
            );
            return;
        }
    }
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                file.problems
                    .push(malformed(file.name, &format!("line {line}: {e}")));
                // A CSV error (bad UTF-8 in an otherwise UTF-8 file) ends the file.
                break;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cells = Cells::csv(&header, &record);
        file.checker.row(&cells, line, file, sink);
    }
}

fn read_json_lines(reader: Box<dyn Read>, file: &mut FileContext, sink: &mut impl FnMut(Row)) {
    let reader = BufReader::new(reader);
    for (i, text) in reader.lines().enumerate() {
        let line = i as u64 + 1;
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                file.problems.push(malformed(
                    file.name,
                    &format!("line {line}: {}", e.to_string().to_lowercase()),
                ));
                break;
            }
        };
        let text = text.trim_start_matches('\u{feff}');
        if text.trim().is_empty() {
            continue;
        }
        let object: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(text) {
            Ok(o) => o,
            Err(e) => {
                let snippet = file
                    .sources
                    .add_snippet(file.name, text.to_string(), line as u32);
                let at = column_byte(text, e.column());
                let span = file
                    .sources
                    .span(snippet, at, (at + 1).min(text.len()).max(at));
                file.problems.push(
                    Diagnostic::error(Code::MalformedFile, format!("line {line} of `{}` is not a JSON object", file.name))
                        .with_label(span, e.to_string())
                        .with_help("each line of a JSON Lines file is one object, e.g. {\"unit\": \"办公室\", \"fact\": \"late\"}"),
                );
                continue;
            }
        };
        let cells = Cells::json(text, &object);
        file.checker.row(&cells, line, file, sink);
    }
}

/// Byte offset of a 1-based character column.
fn column_byte(text: &str, column: usize) -> usize {
    text.char_indices()
        .nth(column.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i)
}

fn malformed(name: &str, what: &str) -> Diagnostic {
    Diagnostic::error(
        Code::MalformedFile,
        format!("`{name}` cannot be read as CSV: {}", what.to_lowercase()),
    )
    .with_help("save it as CSV (UTF-8 or GBK) or JSON Lines")
}

/// Reads a units file: one unit a line, or a CSV with a `unit` column.
pub fn read_units_file(path: &Path) -> Result<Vec<String>, Diagnostic> {
    let mut text = String::new();
    open_text(path)?.read_to_string(&mut text).map_err(|e| {
        Diagnostic::error(
            Code::Io,
            format!(
                "cannot read `{}`: {}",
                path.display(),
                e.to_string().to_lowercase()
            ),
        )
    })?;
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let first = lines.next().unwrap_or_default();
    let header: Vec<&str> = first.split(',').map(str::trim).collect();
    let units: Vec<String> = match header
        .iter()
        .position(|c| super::canonical_column(c) == "unit")
    {
        Some(col) => {
            let mut csv = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(text.as_bytes());
            csv.records()
                .filter_map(Result::ok)
                .filter_map(|r| r.get(col).map(|u| u.trim().to_string()))
                .filter(|u| !u.is_empty())
                .collect()
        }
        None => std::iter::once(first)
            .chain(lines)
            .map(str::to_string)
            .collect(),
    };
    Ok(units)
}
