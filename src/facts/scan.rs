//! Part of the facts stage, its fast lane: the bytes of a plain UTF-8 CSV or tab-separated
//! file → typed rows borrowed from the read buffer, with no allocation a row.
//!
//! It reads only what it can read exactly as [`super::read`] would, and gives up on anything
//! else ([`Bail`]): a quote, a lone carriage return, a row of the wrong width, a cell the
//! general reader would refuse or even warn about. Giving up is never an answer to the user:
//! the caller reads the files again the general way, which says what is wrong, with the same
//! words as always. So a row this lane accepts is a row the general reader accepts, with the
//! same values.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::read::{kind_of, looks_utf8, tab_separated, utf16_without_bom, Encoding, Format, SNIFF};
use super::validate::{parse_bool, parse_date, parse_number, Percents};
use crate::ir::{self, FieldKind, NumberKind, Shape};

/// The fast lane cannot read this exactly: read the files the general way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bail;

/// The most declared fields a fact may have for the fast lane.
pub const MAX_FIELDS: usize = 8;

/// A plain text fact file: UTF-8, with or without a byte-order mark, cells split by `delimiter`.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// `,` or a tab.
    pub delimiter: u8,
    /// CSV or tab-separated.
    pub format: Format,
    /// UTF-8, with or without a byte-order mark.
    pub encoding: Encoding,
}

/// How `path` is laid out, when it is a plain UTF-8 CSV or tab-separated file (as the general
/// reader would tell it); `None` for anything else (standard input, spreadsheets, JSON Lines,
/// UTF-16, GB18030).
pub fn layout(path: &Path) -> Option<Layout> {
    let (sheet, json) = kind_of(path);
    if sheet || json || path == Path::new("-") {
        return None;
    }
    let mut file = File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut head = Vec::with_capacity(SNIFF);
    (&mut file).take(SNIFF as u64).read_to_end(&mut head).ok()?;
    let bom = head.starts_with(&[0xEF, 0xBB, 0xBF]);
    let utf16 = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    if utf16 || utf16_without_bom(&head).is_some() || !(bom || looks_utf8(&head)) {
        return None;
    }
    let body = head.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(&head);
    let (delimiter, format) = if tab_separated(body) {
        (b'\t', Format::Tsv)
    } else {
        (b',', Format::Csv)
    };
    let encoding = if bom {
        Encoding::Utf8Bom
    } else {
        Encoding::Utf8
    };
    Some(Layout {
        delimiter,
        format,
        encoding,
    })
}

/// A typed cell of a declared field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// A number (persons, days, a number field; percents in percent).
    Num(Decimal),
    /// A key or free text.
    Text(&'a str),
    /// One of a closed set: its position in the set, and the value.
    Choice(usize, &'a str),
    /// A date field.
    Date(NaiveDate),
}

/// A row as the general reader would type it, borrowed from the buffer.
#[derive(Debug, Clone, Copy)]
pub struct Typed<'a> {
    /// The unit, trimmed.
    pub unit: &'a str,
    /// Its position among the fixed units, when they are fixed.
    pub unit_id: Option<usize>,
    /// The fact's index in the policy.
    pub fact: usize,
    /// The row's date.
    pub date: Option<NaiveDate>,
    /// Occurrences (events; 1 otherwise).
    pub count: Decimal,
    /// A measure's, flag's (1 or 0) or discretionary points' value.
    pub value: Option<Decimal>,
    /// The declared fields, in declaration order (`None`: an empty cell).
    pub fields: [Option<Cell<'a>>; MAX_FIELDS],
    /// The file's place among the files read.
    pub file: usize,
    /// 1-based line in the file.
    pub line: u64,
}

/// What the lane checks each fact's rows against, resolved from the policy once.
pub struct Lanes<'p> {
    policy: &'p ir::Policy,
    facts: HashMap<&'p str, usize>,
    units: Option<&'p HashMap<String, usize>>,
    needs_date: Vec<bool>,
    percents: Percents,
}

impl<'p> Lanes<'p> {
    /// The lanes of `policy`, or `None` when some fact has more fields than the lane holds.
    pub fn new(
        policy: &'p ir::Policy,
        units: Option<&'p HashMap<String, usize>>,
        percents: Percents,
    ) -> Option<Lanes<'p>> {
        if policy.facts.iter().any(|f| f.fields.len() > MAX_FIELDS) {
            return None;
        }
        Some(Lanes {
            policy,
            facts: policy
                .facts
                .iter()
                .enumerate()
                .map(|(i, f)| (f.name.as_str(), i))
                .collect(),
            units,
            needs_date: super::validate::dates_needed(policy),
            percents,
        })
    }
}

/// A file's columns, resolved from its header once.
struct Columns {
    width: usize,
    unit: usize,
    fact: usize,
    date: Option<usize>,
    count: Option<usize>,
    value: Option<usize>,
    /// For each fact, the column of each declared field (`None`: no such column).
    fields: Vec<Vec<Option<usize>>>,
}

impl Columns {
    /// The columns of a header line, or `Bail` when the general reader would refuse it.
    fn of(header: &str, delimiter: u8, lanes: &Lanes) -> Result<Columns, Bail> {
        let names: Vec<&str> = header
            .split(char::from(delimiter))
            .map(|c| super::canonical_column(c.trim().trim_start_matches('\u{feff}')))
            .collect();
        let find = |name: &str| names.iter().position(|n| *n == name);
        // A column twice (or without a name) is E062 in the general reader.
        for (i, n) in names.iter().enumerate() {
            if names.iter().take(i).any(|m| m == n) {
                return Err(Bail);
            }
        }
        let (Some(unit), Some(fact)) = (find("unit"), find("fact")) else {
            return Err(Bail);
        };
        let fields = lanes
            .policy
            .facts
            .iter()
            .map(|f| f.fields.iter().map(|x| find(&x.name)).collect())
            .collect();
        Ok(Columns {
            width: names.len(),
            unit,
            fact,
            date: find("date"),
            count: find("count"),
            value: find("value"),
            fields,
        })
    }
}

/// Reads the lines of `path` between the byte offsets `start` and `end` (the whole file after
/// the header when `start` is `None`), each typed row to `sink`; `first_line` is the file's
/// number of the first line read. Returns the number of rows typed.
pub fn scan(
    path: &Path,
    file_index: usize,
    layout: Layout,
    range: Option<(u64, u64, u64)>,
    lanes: &Lanes,
    mut sink: impl FnMut(&Typed) -> Result<(), Bail>,
) -> Result<u64, Bail> {
    let mut file = File::open(path).map_err(|_| Bail)?;
    let mut reader = Lines::new(&mut file);
    // The header, always from the top of the file.
    let header = reader.next_line().map_err(|_| Bail)?.ok_or(Bail)?;
    let header = std::str::from_utf8(header).map_err(|_| Bail)?;
    let header = header.strip_suffix('\r').unwrap_or(header);
    if header.contains(['"', '\r']) {
        return Err(Bail);
    }
    let columns = Columns::of(header, layout.delimiter, lanes)?;
    let mut line = 1u64;
    let mut limit = u64::MAX;
    if let Some((start, end, first_line)) = range {
        drop(reader);
        file.seek(SeekFrom::Start(start)).map_err(|_| Bail)?;
        line = first_line - 1;
        limit = end - start;
        reader = Lines::new(&mut file);
    }
    reader.limit = limit;
    let mut rows = 0u64;
    let mut bounds: Vec<(usize, usize)> = Vec::with_capacity(columns.width);
    while let Some(bytes) = reader.next_line().map_err(|_| Bail)? {
        line += 1;
        let text = std::str::from_utf8(bytes).map_err(|_| Bail)?;
        let text = text.strip_suffix('\r').unwrap_or(text);
        // A quote may hold a line end or a delimiter; a lone CR ends a record for the CSV reader.
        if text.as_bytes().iter().any(|&b| b == b'"' || b == b'\r') {
            return Err(Bail);
        }
        if text.is_empty() {
            continue;
        }
        bounds.clear();
        let mut start = 0;
        for end in memchr::memchr_iter(layout.delimiter, text.as_bytes()) {
            bounds.push((start, end));
            start = end + 1;
        }
        bounds.push((start, text.len()));
        let cells = Cells {
            text,
            bounds: &bounds,
        };
        if (0..bounds.len()).all(|i| cells.get(i).is_none()) {
            continue;
        }
        if bounds.len() != columns.width {
            return Err(Bail);
        }
        rows += 1;
        let typed = typed(&cells, &columns, lanes, file_index, line)?;
        sink(&typed)?;
    }
    Ok(rows)
}

/// Lines of a file, read in large blocks; a line is handed out without its `\n`.
struct Lines<'f> {
    file: &'f mut File,
    buf: Vec<u8>,
    /// The unread bytes are `buf[at..len]`.
    at: usize,
    len: usize,
    /// Bytes still to read from the file.
    limit: u64,
    done: bool,
}

const BLOCK: usize = 1 << 20;

impl<'f> Lines<'f> {
    fn new(file: &'f mut File) -> Lines<'f> {
        Lines {
            file,
            buf: vec![0; BLOCK],
            at: 0,
            len: 0,
            limit: u64::MAX,
            done: false,
        }
    }

    fn next_line(&mut self) -> std::io::Result<Option<&[u8]>> {
        loop {
            let unread = self.buf.get(self.at..self.len).unwrap_or_default();
            if let Some(nl) = memchr::memchr(b'\n', unread) {
                let start = self.at;
                self.at += nl + 1;
                return Ok(self.buf.get(start..start + nl));
            }
            if self.done {
                if self.at >= self.len {
                    return Ok(None);
                }
                let start = self.at;
                self.at = self.len;
                return Ok(self.buf.get(start..self.len));
            }
            // Keep the partial line, make room and read on.
            self.buf.copy_within(self.at..self.len, 0);
            self.len -= self.at;
            self.at = 0;
            if self.len == self.buf.len() {
                // One line longer than the block: grow (the general reader caps long lines).
                if self.buf.len() >= 64 * BLOCK {
                    return Err(std::io::Error::other("line too long"));
                }
                self.buf.resize(self.buf.len() * 2, 0);
            }
            let room =
                (self.buf.len() - self.len).min(usize::try_from(self.limit).unwrap_or(usize::MAX));
            if room == 0 {
                self.done = true;
                continue;
            }
            let target = self
                .buf
                .get_mut(self.len..self.len + room)
                .unwrap_or_default();
            let n = self.file.read(target)?;
            if n == 0 {
                self.done = true;
            }
            self.len += n;
            self.limit -= n as u64;
        }
    }
}

/// A line and where each of its cells is.
struct Cells<'a, 'b> {
    text: &'a str,
    bounds: &'b [(usize, usize)],
}

impl<'a> Cells<'a, '_> {
    /// A trimmed cell; empty is `None`.
    fn get(&self, at: usize) -> Option<&'a str> {
        let &(start, end) = self.bounds.get(at)?;
        let c = self.text.get(start..end)?.trim();
        (!c.is_empty()).then_some(c)
    }
}

/// A trimmed cell of a column the file may not have.
fn cell<'a>(cells: &Cells<'a, '_>, at: Option<usize>) -> Option<&'a str> {
    cells.get(at?)
}

fn typed<'a>(
    cells: &Cells<'a, '_>,
    cols: &Columns,
    lanes: &Lanes,
    file: usize,
    line: u64,
) -> Result<Typed<'a>, Bail> {
    let unit = cell(cells, Some(cols.unit)).ok_or(Bail)?;
    let name = cell(cells, Some(cols.fact)).ok_or(Bail)?;
    let &fact = lanes.facts.get(name).ok_or(Bail)?;
    let decl = lanes.policy.facts.get(fact).ok_or(Bail)?;
    let unit_id = match lanes.units {
        Some(allowed) => Some(*allowed.get(unit).ok_or(Bail)?),
        None => None,
    };
    let date = match cell(cells, cols.date) {
        Some(text) => {
            let d = read_date(text).ok_or(Bail)?;
            if lanes.policy.year.is_some_and(|y| d.year() != y) {
                return Err(Bail);
            }
            Some(d)
        }
        None if lanes.needs_date.get(fact) == Some(&true) => return Err(Bail),
        None => None,
    };
    let count = match (&decl.shape, cell(cells, cols.count)) {
        (Shape::Event, Some(text)) => whole(text)?,
        _ => Decimal::ONE,
    };
    let text = cell(cells, cols.value);
    let value = match (&decl.shape, text) {
        (Shape::Event, None) => None,
        (Shape::Event, Some(_)) | (_, None) => return Err(Bail),
        (Shape::Flag, Some(t)) => Some(match parse_bool(t).ok_or(Bail)? {
            true => Decimal::ONE,
            false => Decimal::ZERO,
        }),
        (Shape::Measure(kind), Some(t)) => Some(number(t, *kind, lanes.percents)?),
        (Shape::Points { from, to }, Some(t)) => {
            let n = plain(t)?;
            if n < *from || n > *to {
                return Err(Bail);
            }
            Some(n)
        }
    };
    let mut fields = [None; MAX_FIELDS];
    let columns = cols.fields.get(fact).ok_or(Bail)?;
    for ((f, col), slot) in decl.fields.iter().zip(columns).zip(fields.iter_mut()) {
        // A declared field without its column is E-missing-column in the general reader.
        let col = col.ok_or(Bail)?;
        let text = cell(cells, Some(col));
        *slot = match (&f.kind, text) {
            (FieldKind::Persons | FieldKind::Days | FieldKind::Set(_), None) => return Err(Bail),
            (_, None) => None,
            (FieldKind::Persons, Some(t)) => Some(Cell::Num(whole(t)?)),
            (FieldKind::Days, Some(t)) => Some(Cell::Num(plain(t)?)),
            (FieldKind::Number(kind), Some(t)) => {
                Some(Cell::Num(number(t, *kind, lanes.percents)?))
            }
            (FieldKind::Date, Some(t)) => Some(Cell::Date(read_date(t).ok_or(Bail)?)),
            (FieldKind::Set(values), Some(t)) => {
                let i = values.iter().position(|v| v == t).ok_or(Bail)?;
                Some(Cell::Choice(i, t))
            }
            (FieldKind::Key | FieldKind::Text, Some(t)) => Some(Cell::Text(t)),
        };
    }
    Ok(Typed {
        unit,
        unit_id,
        fact,
        date,
        count,
        value,
        fields,
        file,
        line,
    })
}

/// `2021-03-04` read at once; any other way of writing a date as the general reader reads it.
fn read_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() == 10 && b.get(4) == Some(&b'-') && b.get(7) == Some(&b'-') {
        if let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) {
            return NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d);
        }
    }
    parse_date(text)
}

/// A plain non-negative decimal: digits, at most one point, at most 18 digits, read at once;
/// anything else through the general reader's parser. A negative number bails: whether it
/// is allowed is the general reader's to say.
fn plain(text: &str) -> Result<Decimal, Bail> {
    let b = text.as_bytes();
    if b.len() <= 18 && !b.is_empty() {
        let (mut mantissa, mut scale, mut point) = (0i64, 0u32, false);
        let mut ok = true;
        for &c in b {
            match c {
                b'0'..=b'9' => {
                    mantissa = mantissa * 10 + i64::from(c - b'0');
                    if point {
                        scale += 1;
                    }
                }
                b'.' if !point => point = true,
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        // `5.` and `.5` are left to the general parser, whose reading they are.
        if ok && b.first() != Some(&b'.') && b.last() != Some(&b'.') {
            return Ok(Decimal::new(mantissa, scale));
        }
    }
    match parse_number(text, false) {
        Some(n) if !n.is_sign_negative() || n.is_zero() => Ok(n),
        _ => Err(Bail),
    }
}

/// A whole non-negative number (persons, count).
fn whole(text: &str) -> Result<Decimal, Bail> {
    let n = plain(text)?;
    if n.fract().is_zero() {
        Ok(n)
    } else {
        Err(Bail)
    }
}

/// A number of a declared kind, percents as the general reader reads them; an ambiguous bare
/// percent (`0.85`) bails, for the general reader to report.
fn number(text: &str, kind: NumberKind, percents: Percents) -> Result<Decimal, Bail> {
    let marked = text.ends_with(['%', '％']);
    let n = if kind == NumberKind::Percent && marked {
        let body = text.trim_end_matches(['%', '％']).trim_end();
        // Only one sign: `85%%` is the general parser's to refuse.
        if text.len() - body.len() > '％'.len_utf8() || text.matches(['%', '％']).count() != 1 {
            return Err(Bail);
        }
        plain(body)?
    } else {
        plain(text)?
    };
    if kind == NumberKind::Count && !n.fract().is_zero() {
        return Err(Bail);
    }
    if kind != NumberKind::Percent || marked {
        return Ok(n);
    }
    if percents == Percents::Fraction {
        return n.checked_mul(Decimal::ONE_HUNDRED).ok_or(Bail);
    }
    if n > Decimal::ZERO && n <= Decimal::ONE {
        return Err(Bail);
    }
    Ok(n)
}
