//! Part of the facts stage: opening fact files (CSV or JSON Lines; UTF-8 with or without BOM, GBK/GB18030) row by row.

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
pub(super) const SNIFF: usize = 64 * 1024;

pub(super) fn read_file(
    path: &Path,
    index: usize,
    input: &Input,
    checker: &Validator,
    sources: &mut SourceMap,
    problems: &mut Problems,
    sink: &mut impl FnMut(Row),
) -> Option<FileRead> {
    let name = path.display().to_string();
    let database = super::database::is_database(path);
    let (sheet, json) = if database {
        (false, false)
    } else {
        kind_of(path)
    };
    let mut keys = Vec::new();
    let (reader, encoding): (Box<dyn Read>, Option<Encoding>) = if sheet {
        (Box::new(std::io::empty()), None)
    } else if database {
        match super::database::open(&name) {
            Ok(opened) => {
                keys = opened.keys;
                (opened.reader, Some(Encoding::Utf8))
            }
            Err(d) => {
                problems.push(d);
                return None;
            }
        }
    } else {
        match open_text(path) {
            Ok((r, e)) => (r, Some(e)),
            Err(d) => {
                problems.push(d);
                return None;
            }
        }
    };
    let mut file = FileContext {
        name: &name,
        index,
        input,
        checker,
        sources,
        problems,
        missing_columns: Default::default(),
        rows: 0,
        sheet: None,
        line_offset: 0,
        keys,
        places: Default::default(),
    };
    let format = if sheet {
        super::sheet::read_sheet(path, &mut file, sink);
        Format::Sheet
    } else if json {
        read_json_lines(reader, &mut file, sink);
        Format::JsonLines
    } else if database {
        let reader = BufReader::with_capacity(SNIFF, reader);
        read_delimited(reader, b',', &mut file, sink);
        Format::Database
    } else {
        read_csv(reader, &mut file, sink)
    };
    Some(FileRead {
        path: path.to_path_buf(),
        format,
        encoding,
        sheet: file.sheet,
        rows: file.rows,
        places: file.places,
    })
}

/// Whether a fact file is a spreadsheet, or JSON Lines, by its extension (else it is text
/// with delimiters).
pub(super) fn kind_of(path: &Path) -> (bool, bool) {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let sheet = matches!(
        extension.as_deref(),
        Some("xlsx" | "xlsm" | "xlsb" | "xls" | "ods")
    );
    let json = matches!(extension.as_deref(), Some("jsonl" | "ndjson" | "json"));
    (sheet, json)
}

/// How one fact file was read, for `--verbose`.
#[derive(Debug, Clone)]
pub struct FileRead {
    /// The file.
    pub path: std::path::PathBuf,
    /// What kind of file it was read as.
    pub format: Format,
    /// The text encoding detected (none for a spreadsheet).
    pub encoding: Option<Encoding>,
    /// The sheet read, for a spreadsheet.
    pub sheet: Option<String>,
    /// The rows read (blank rows not counted; bad rows counted).
    pub rows: u64,
    /// For a database table, the primary key of each row of a state or of discretionary
    /// points, by line: messages about two such rows name them by it.
    pub places: std::collections::HashMap<u64, String>,
}

/// What a fact file was read as, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values (any extension but those below).
    Csv,
    /// Tab-separated values (a header line with more tabs than commas, whatever the extension).
    Tsv,
    /// JSON Lines (`.jsonl`, `.ndjson`, `.json`).
    JsonLines,
    /// A spreadsheet (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`).
    Sheet,
    /// A PostgreSQL table (`postgres://…/TABLE`).
    Database,
}

/// The text encoding a fact file was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, without a byte-order mark.
    Utf8,
    /// UTF-8 with a byte-order mark (as Excel's "CSV UTF-8" writes).
    Utf8Bom,
    /// UTF-16 little-endian with a byte-order mark (Excel's "Unicode text").
    Utf16Le,
    /// UTF-16 big-endian with a byte-order mark.
    Utf16Be,
    /// GB18030, which covers GBK and GB2312 (Excel's "CSV" on Chinese Windows).
    Gb18030,
}

impl Encoding {
    /// The encoding's usual name, in Chinese or English.
    pub fn name(self, chinese: bool) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom if chinese => "UTF-8（带 BOM）",
            Encoding::Utf8Bom => "UTF-8 with BOM",
            Encoding::Utf16Le => "UTF-16 LE",
            Encoding::Utf16Be => "UTF-16 BE",
            Encoding::Gb18030 => "GB18030",
        }
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
    /// Rows validated so far.
    pub rows: u64,
    /// The sheet read, for a spreadsheet.
    pub sheet: Option<String>,
    /// Lines before the text read, when it is a piece of the file (`split`): added to every
    /// line number, so rows and messages name the file's own lines.
    pub line_offset: u64,
    /// A database table's primary-key columns: a message names a row by them, not its line.
    pub keys: Vec<String>,
    /// The keys of its rows of states and discretionary points, by line (`FileRead::places`).
    pub places: std::collections::HashMap<u64, String>,
}

/// Opens a file as UTF-8 text, whatever its encoding: UTF-8 (its BOM dropped), UTF-16 LE or BE
/// with a BOM (Excel's "Unicode text"), or else GB18030 (which covers GBK and GB2312). A
/// byte sequence the encoding cannot decode is an error, never a replacement character.
/// `-` is standard input, read once and kept, so a second pass (`explain`) reads it again.
pub(super) fn open_text(path: &Path) -> Result<(Box<dyn Read>, Encoding), Diagnostic> {
    let name = path.display().to_string();
    let cannot = |e: std::io::Error| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string().to_lowercase(),
        };
        Diagnostic::error(Code::Io, format!("cannot read `{name}`: {reason}"))
    };
    let mut file: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::Cursor::new(stdin_bytes().map_err(cannot)?))
    } else {
        Box::new(File::open(path).map_err(cannot)?)
    };
    let mut head = Vec::with_capacity(SNIFF);
    (&mut file)
        .take(SNIFF as u64)
        .read_to_end(&mut head)
        .map_err(cannot)?;
    let rest = std::io::Cursor::new(head.clone()).chain(file);
    let utf16 = if head.starts_with(&[0xFF, 0xFE]) {
        Some((encoding_rs::UTF_16LE, Encoding::Utf16Le))
    } else if head.starts_with(&[0xFE, 0xFF]) {
        Some((encoding_rs::UTF_16BE, Encoding::Utf16Be))
    } else {
        utf16_without_bom(&head)
    };
    if let Some((encoding, found)) = utf16 {
        let reader = DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .build(rest);
        return Ok((Box::new(Strict(reader)), found));
    }
    let bom = head.starts_with(&[0xEF, 0xBB, 0xBF]);
    if bom || looks_utf8(&head) {
        // The decoder drops a UTF-8 BOM and passes the rest through; bad UTF-8 is caught by the CSV reader.
        let reader = DecodeReaderBytesBuilder::new()
            .strip_bom(true)
            .utf8_passthru(true)
            .build(rest);
        let found = if bom {
            Encoding::Utf8Bom
        } else {
            Encoding::Utf8
        };
        Ok((Box::new(reader), found))
    } else {
        let reader = DecodeReaderBytesBuilder::new()
            .encoding(Some(GB18030))
            .build(rest);
        Ok((Box::new(Strict(reader)), Encoding::Gb18030))
    }
}

/// UTF-16 saved without a byte-order mark, known by its header: ASCII column names put a
/// zero byte beside every character (after it in little-endian, before it in big-endian),
/// which no UTF-8 or GB18030 text has.
pub(super) fn utf16_without_bom(head: &[u8]) -> Option<(&'static encoding_rs::Encoding, Encoding)> {
    let pairs = head.len() / 2;
    if pairs < 4 {
        return None;
    }
    let zeros = |odd: usize| {
        head.iter()
            .skip(odd)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros(0), zeros(1));
    if odd * 3 > pairs && even * 10 < pairs {
        Some((encoding_rs::UTF_16LE, Encoding::Utf16Le))
    } else if even * 3 > pairs && odd * 10 < pairs {
        Some((encoding_rs::UTF_16BE, Encoding::Utf16Be))
    } else {
        None
    }
}

/// Standard input, read once.
fn stdin_bytes() -> std::io::Result<Vec<u8>> {
    static STDIN: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    if let Some(bytes) = STDIN.get() {
        return Ok(bytes.clone());
    }
    let mut bytes = Vec::new();
    std::io::stdin().read_to_end(&mut bytes)?;
    Ok(STDIN.get_or_init(|| bytes).clone())
}

/// A decoding reader that fails, rather than pass on U+FFFD, where the bytes were not of its encoding.
struct Strict<R>(R);

impl<R: Read> Read for Strict<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        if buf
            .get(..n)
            .unwrap_or_default()
            .windows(3)
            .any(|w| w == "\u{FFFD}".as_bytes())
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "bytes that are not text in the file's encoding (GB18030 or UTF-16)",
            ));
        }
        Ok(n)
    }
}

/// Whether `head` is UTF-8, allowing a character cut off at the end of the sniffed bytes.
pub(super) fn looks_utf8(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() >= SNIFF,
    }
}

/// Finds the required `unit` and `fact` columns in a header (English or Chinese names), or reports the first missing.
pub(super) fn has_required_columns(
    written: &[String],
    header: &[String],
    file: &mut FileContext,
) -> bool {
    for needed in ["unit", "fact"] {
        if !header.iter().any(|h| h == needed) {
            let line = written.join(",");
            let snippet = file.sources.add_snippet(file.name, line.clone(), 1);
            let span = file.sources.span(snippet, 0, line.len());
            file.problems.push(
                Diagnostic::error(Code::MissingColumn, format!("`{}` has no `{needed}` column", file.name))
                    .with_label(span, "the header")
                    .with_help("a fact file's header names at least `unit` and `fact` (`单位` and `事项`), e.g. `unit,fact,date,persons,value`")
                    .zh(format!("`{}` 没有 `{needed}` 列", file.name), &["表头"], Some("事实文件的表头至少要有 `单位` 和 `事项`（或 `unit` 和 `fact`）")),
            );
            return false;
        }
    }
    true
}

/// Reads a delimited text file; says which delimiter its header line showed.
fn read_csv(
    mut reader: Box<dyn Read>,
    file: &mut FileContext,
    sink: &mut impl FnMut(Row),
) -> Format {
    // Excel's "Unicode text" and many web exports separate cells with tabs: the header tells.
    // The decoder may hand out a few bytes at a time, so read on to the header's line end.
    let mut head = Vec::new();
    let mut some = [0u8; 4096];
    while !head.contains(&b'\n') && head.len() < SNIFF {
        match reader.read(&mut some) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(some.get(..n).unwrap_or_default()),
            Err(e) => {
                file.problems.push(malformed(file.name, &e.to_string()));
                return Format::Csv;
            }
        }
    }
    let tabs = tab_separated(&head);
    let reader = BufReader::with_capacity(SNIFF, std::io::Cursor::new(head).chain(reader));
    let (delimiter, format) = if tabs {
        (b'\t', Format::Tsv)
    } else {
        (b',', Format::Csv)
    };
    read_delimited(reader, delimiter, file, sink);
    format
}

/// Whether the first line of `head` has tabs and no commas outside quotes, or more tabs than commas.
pub(super) fn tab_separated(head: &[u8]) -> bool {
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let (mut tabs, mut commas, mut quoted) = (0usize, 0usize, false);
    for b in line {
        match b {
            b'"' => quoted = !quoted,
            b'\t' if !quoted => tabs += 1,
            b',' if !quoted => commas += 1,
            _ => {}
        }
    }
    tabs > commas
}

pub(super) fn read_delimited(
    reader: impl Read,
    delimiter: u8,
    file: &mut FileContext,
    sink: &mut impl FnMut(Row),
) {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .delimiter(delimiter)
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
    if let Some(d) = duplicate_column(&written, &header, file) {
        file.problems.push(d);
        return;
    }
    if !has_required_columns(&written, &header, file) {
        return;
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
        let line = record.position().map_or(0, |p| p.line()) + file.line_offset;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if let Some(d) = unclosed_quote(&record, line, header.len(), file) {
            // Every row after the quote is inside it: nothing more of the file can be trusted.
            file.problems.push(d);
            break;
        }
        if record.len() != header.len() {
            let d = ragged(&record, line, header.len(), file);
            file.problems.push(d);
            continue;
        }
        let cells = Cells::csv(&header, &record);
        file.checker.row(&cells, line, file, sink);
    }
}

/// Two columns of one name: which one a row means cannot be told.
pub(super) fn duplicate_column(
    written: &[String],
    header: &[String],
    file: &mut FileContext,
) -> Option<Diagnostic> {
    let (first, second) = header
        .iter()
        .enumerate()
        .find_map(|(i, h)| header.iter().take(i).position(|x| x == h).map(|j| (j, i)))?;
    let line = written.join(",");
    let offset = |k: usize| written.iter().take(k).map(|c| c.len() + 1).sum::<usize>();
    let snippet = file.sources.add_snippet(file.name, line, 1);
    let span = |k: usize| {
        file.sources.span(
            snippet,
            offset(k),
            offset(k) + written.get(k).map_or(0, |c| c.len()),
        )
    };
    let (a, b) = (span(first), span(second));
    let name = header.get(second).map_or("", |h| h.as_str());
    if name.trim().is_empty() {
        // Columns without a name: a first line of data where the header should be, or empty
        // columns an export left.
        return Some(
            Diagnostic::error(
                Code::DuplicateColumn,
                format!("the first line of `{}` has columns without a name", file.name),
            )
            .with_label(b, "no name")
            .with_help("the first line is the header, naming every column: `unit,fact,date,…`; add it, or remove the empty columns")
            .zh(
                format!("`{}` 的第一行有未命名的列", file.name),
                &["未命名"],
                Some("第一行是表头，须为每一列命名：`单位,事项,日期,…`；请加上表头，或删去空列"),
            ),
        );
    }
    Some(
        Diagnostic::error(
            Code::DuplicateColumn,
            format!("`{}` names the column `{}` twice", file.name, name),
        )
        .with_label(b, "the second")
        .with_label(a, "the first")
        .with_help("rename or remove one of them: a row must say one value for each column")
        .zh(
            format!("`{}` 的表头中 `{}` 列出现了两次", file.name, name),
            &["第二次", "第一次"],
            Some("请重命名或删去其中一列：每行每列只能有一个值"),
        ),
    )
}

/// A row's cells joined back into its line, for a snippet.
fn row_text(record: &csv::StringRecord) -> String {
    record
        .iter()
        .map(|c| super::problem::shown(c).into_owned())
        .collect::<Vec<_>>()
        .join(",")
}

/// A row with more or fewer cells than the header: its columns cannot be trusted
/// (an unquoted `1,234` moves every cell after it one column to the right).
fn ragged(
    record: &csv::StringRecord,
    line: u64,
    columns: usize,
    file: &mut FileContext,
) -> Diagnostic {
    let text = row_text(record);
    let len = text.len();
    let snippet = file.sources.add_snippet(file.name, text, line as u32);
    let span = file.sources.span(snippet, 0, len);
    let (n, m) = (record.len(), columns);
    Diagnostic::error(
        Code::RaggedRow,
        format!("line {line} of `{}` has {n} cells, but the header has {m}", file.name),
    )
    .with_label(span, format!("{n} cells"))
    .with_help("a comma inside a cell (a number `1,234`, a note) must be quoted: `\"1,234\"`; otherwise remove the stray comma")
    .zh(
        format!("`{}` 第 {line} 行有 {n} 个单元格，表头却有 {m} 列", file.name),
        &[&format!("{n} 个单元格")],
        Some("单元格中的逗号（如数字 `1,234`、备注）须加引号：`\"1,234\"`；否则请删去多余的逗号"),
    )
}

/// A quote that never closes swallows the rows after it into one cell: the year would be
/// scored from a fraction of its rows. A cell spanning lines is an error when it holds what
/// reads as rows, or runs to the end of the file.
fn unclosed_quote(
    record: &csv::StringRecord,
    line: u64,
    columns: usize,
    file: &mut FileContext,
) -> Option<Diagnostic> {
    // Most rows have no line end in any cell: one scan of the row's bytes says so.
    memchr::memchr2(b'\n', b'\r', record.as_slice().as_bytes())?;
    let (at, cell) = record
        .iter()
        .enumerate()
        .find(|(_, c)| c.contains(['\n', '\r']))?;
    let swallowed = cell
        .lines()
        .skip(1)
        .filter(|l| l.matches(',').count() + 1 >= columns.max(2))
        .count();
    if swallowed == 0 && !cell.ends_with(['\n', '\r']) {
        // A note written on two lines, properly quoted.
        return None;
    }
    let before: String = record
        .iter()
        .take(at)
        .map(|c| format!("{},", super::problem::shown(c)))
        .collect();
    let first = cell.lines().next().unwrap_or("");
    let text = format!("{before}\"{}", super::problem::shown(first));
    let start = before.len();
    let len = text.len();
    let snippet = file.sources.add_snippet(file.name, text, line as u32);
    let span = file.sources.span(snippet, start, len);
    let lines = cell.lines().count();
    Some(
        Diagnostic::error(
            Code::UnclosedQuote,
            format!("a quote opened on line {line} of `{}` never closes", file.name),
        )
        .with_label(span, format!("this cell runs over the next {} lines", lines.saturating_sub(1)))
        .with_help("end the cell with `\"`, or, for a quote inside a cell, write it twice (`\"\"`) or remove it; nothing is scored from this file")
        .zh(
            format!("`{}` 第 {line} 行的引号没有闭合", file.name),
            &[&format!("此单元格吞掉了其后的 {} 行", lines.saturating_sub(1))],
            Some("请在单元格末尾补上 `\"`；单元格内的引号请写两次（`\"\"`）或删去；此文件不计分"),
        ),
    )
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
        let object: Vec<(String, serde_json::Value)> = match unique_keys(text) {
            Ok(o) => o,
            Err(e) => {
                let snippet = file
                    .sources
                    .add_snippet(file.name, text.to_string(), line as u32);
                let at = column_byte(text, e.column());
                let span = file
                    .sources
                    .span(snippet, at, (at + 1).min(text.len()).max(at));
                let d = if e.to_string().contains("is given twice") {
                    Diagnostic::error(
                        Code::DuplicateColumn,
                        format!("line {line} of `{}` gives a key twice", file.name),
                    )
                    .with_label(span, e.to_string())
                    .with_help("a row must say one value for each key: remove one of them")
                    .zh(
                        format!("`{}` 第 {line} 行有重复的键", file.name),
                        &[&e.to_string()],
                        Some("每行每个键只能有一个值：请删去其中一个"),
                    )
                } else {
                    Diagnostic::error(Code::MalformedFile, format!("line {line} of `{}` is not a JSON object", file.name))
                        .with_label(span, e.to_string())
                        .with_help("each line of a JSON Lines file is one object, e.g. {\"unit\": \"办公室\", \"fact\": \"late\"}")
                };
                file.problems.push(d);
                continue;
            }
        };
        let cells = Cells::json(text, &object);
        file.checker.row(&cells, line, file, sink);
    }
}

/// A JSON object whose keys are unique, in order: a key given twice (`"persons": 1, …,
/// "persons": 3`) is an error, not silently the last one.
fn unique_keys(text: &str) -> Result<Vec<(String, serde_json::Value)>, serde_json::Error> {
    use serde::de::{Deserializer, Error, MapAccess, Visitor};

    struct Object;
    impl<'de> Visitor<'de> for Object {
        type Value = Vec<(String, serde_json::Value)>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut entries: Vec<(String, serde_json::Value)> = Vec::new();
            while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
                if entries.iter().any(|(k, _)| *k == key) {
                    return Err(A::Error::custom(format!("the key `{key}` is given twice")));
                }
                entries.push((key, value));
            }
            Ok(entries)
        }
    }

    let mut de = serde_json::Deserializer::from_str(text);
    let object = (&mut de).deserialize_map(Object)?;
    de.end()?;
    Ok(object)
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
