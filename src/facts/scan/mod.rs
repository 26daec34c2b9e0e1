//! Part of the facts stage, its fast lane: the bytes of a plain UTF-8 CSV or tab-separated
//! file → typed rows borrowed from the read buffer, with no allocation a row.
//!
//! It reads only what it can read exactly as [`super::read`] would, and gives up on anything
//! else ([`Bail`]): a quote, a lone carriage return, a row of the wrong width, a cell the
//! general reader would refuse or even warn about. Giving up is never an answer to the user:
//! the caller reads the files again the general way, which says what is wrong, with the same
//! words as always. So a row this lane accepts is a row the general reader accepts, with the
//! same values.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use wide::u8x16;

mod columns;
mod values;

use columns::{Columns, Names, Reading};
use values::{number, plain, read_date, whole, Dates};

use super::read::{kind_of, looks_utf8, tab_separated, utf16_without_bom, Encoding, Format, SNIFF};
use super::units::UnitIndex;
use super::validate::{parse_bool, Percents};
use crate::ir::{self, FieldKind, Shape};

/// The fast lane cannot read this exactly: read the files the general way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bail;

/// The most declared fields a fact may have for the fast lane.
pub const MAX_FIELDS: usize = 6;

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
    Choice(u32, &'a str),
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
    /// Each fact's name, by position: a row's fact is found by comparing (a policy has few).
    facts: Names<'p>,
    /// For each fact, the values of each closed-set field.
    sets: Vec<Vec<Option<Names<'p>>>>,
    units: Option<&'p UnitIndex>,
    needs_date: Vec<bool>,
    percents: Percents,
}

impl<'p> Lanes<'p> {
    /// The lanes of `policy`, or `None` when some fact has more fields than the lane holds.
    pub fn new(
        policy: &'p ir::Policy,
        units: Option<&'p UnitIndex>,
        percents: Percents,
    ) -> Option<Lanes<'p>> {
        if policy.facts.iter().any(|f| f.fields.len() > MAX_FIELDS) {
            return None;
        }
        Some(Lanes {
            policy,
            facts: Names::new(policy.facts.iter().map(|f| f.name.as_str())),
            sets: policy
                .facts
                .iter()
                .map(|f| {
                    f.fields
                        .iter()
                        .map(|x| match &x.kind {
                            FieldKind::Set(values) => {
                                Some(Names::new(values.iter().map(String::as_str)))
                            }
                            _ => None,
                        })
                        .collect()
                })
                .collect(),
            units,
            needs_date: super::validate::dates_needed(policy),
            percents,
        })
    }
}

/// Where typed rows go, a batch at a time, in file order. A closure over a batch is a sink
/// that reads nothing ahead.
pub trait Sink {
    /// Rows (their units known) whose batch is folded next, after another batch is typed: a
    /// hint to ask for what folding them will read.
    fn ahead(&mut self, _rows: &[Typed]) {}

    /// Folds a batch of rows.
    fn fold(&mut self, rows: &[Typed]) -> Result<(), Bail>;
}

impl<F: FnMut(&[Typed]) -> Result<(), Bail>> Sink for F {
    fn fold(&mut self, rows: &[Typed]) -> Result<(), Bail> {
        self(rows)
    }
}

/// Reads the lines of `path` between the byte offsets of `range` (start, end, the file's
/// number of the first line), or the whole file after its header, each batch of typed rows to `sink`.
/// Returns the number of rows typed.
pub fn scan(
    path: &Path,
    file_index: usize,
    layout: Layout,
    range: Option<(u64, u64, u64)>,
    lanes: &Lanes,
    mut sink: impl Sink,
) -> Result<u64, Bail> {
    let mut file = File::open(path).map_err(|_| Bail)?;
    // The header, always from the top of the file.
    let (header, header_len) = read_header(&mut file)?;
    let header = header.strip_suffix('\r').unwrap_or(&header);
    if header.contains(['"', '\r']) {
        return Err(Bail);
    }
    let columns = Columns::of(header, layout.delimiter, lanes)?;
    let (start, end, first_line) = range.unwrap_or((header_len, u64::MAX, 2));
    file.seek(SeekFrom::Start(start)).map_err(|_| Bail)?;
    let mut remaining = end.saturating_sub(start);
    let mut block = Block {
        line: first_line - 1,
        rows: 0,
        bounds: vec![(0, 0); (columns.width + 1).max(WIDE)],
        file: file_index,
        dates: Dates::new(),
    };
    let mut buf = vec![0u8; BLOCK];
    let mut len = 0usize;
    loop {
        let room = (buf.len() - len).min(usize::try_from(remaining).unwrap_or(usize::MAX));
        let target = buf.get_mut(len..len + room).ok_or(Bail)?;
        let n = if room == 0 {
            0
        } else {
            file.read(target).map_err(|_| Bail)?
        };
        len += n;
        remaining -= n as u64;
        let eof = n == 0;
        let filled = buf.get(..len).ok_or(Bail)?;
        let cut = match memchr::memrchr(b'\n', filled) {
            _ if eof => len,
            Some(nl) => nl + 1,
            None if len < buf.len() => continue,
            None => {
                // One line longer than the block: room for it (the general reader caps long lines).
                if buf.len() >= 64 * BLOCK {
                    return Err(Bail);
                }
                buf.resize(buf.len() * 2, 0);
                continue;
            }
        };
        let lines = buf.get(..cut).ok_or(Bail)?;
        block.read(lines, eof, &layout, &columns, lanes, &mut sink)?;
        buf.copy_within(cut..len, 0);
        len -= cut;
        if eof {
            return Ok(block.rows);
        }
    }
}

/// The first line of a file, without its line end, and the bytes it takes with it.
fn read_header(file: &mut File) -> Result<(String, u64), Bail> {
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = file.read(&mut chunk).map_err(|_| Bail)?;
        let got = chunk.get(..n).ok_or(Bail)?;
        if let Some(nl) = memchr::memchr(b'\n', got) {
            head.extend_from_slice(got.get(..nl).ok_or(Bail)?);
            let len = head.len() as u64 + 1;
            return Ok((String::from_utf8(head).map_err(|_| Bail)?, len));
        }
        head.extend_from_slice(got);
        if n == 0 || head.len() > SNIFF {
            // A file of a header alone, or no line end in sight: the general reader's.
            return Err(Bail);
        }
    }
}

/// The reading of the lines of one file, block after block.
struct Block {
    /// The file's number of the last line read.
    line: u64,
    rows: u64,
    /// Where each cell of the line being read is: room for the header's width and more.
    bounds: Vec<(usize, usize)>,
    file: usize,
    dates: Dates,
}

const BLOCK: usize = 1 << 20;

/// Room for at least this many cells a line.
const WIDE: usize = 64;

impl Block {
    /// Reads whole lines (the last may lack its line end at the end of the file).
    fn read(
        &mut self,
        bytes: &[u8],
        eof: bool,
        layout: &Layout,
        columns: &Columns,
        lanes: &Lanes,
        sink: &mut impl Sink,
    ) -> Result<(), Bail> {
        // A quote may hold a line end or a delimiter: the general reader's.
        if memchr::memchr(b'"', bytes).is_some() {
            return Err(Bail);
        }
        // A CR ends a record for the CSV reader; only one before a line end is read here.
        for cr in memchr::memchr_iter(b'\r', bytes) {
            if bytes.get(cr + 1) != Some(&b'\n') {
                return Err(Bail);
            }
        }
        let text = std::str::from_utf8(bytes).map_err(|_| Bail)?;
        let delimiter = layout.delimiter;
        let mut batches = Batches::new();
        // Taken out of `self` while the lines are read: each row's cells borrow it while
        // `self.row` takes `self` mutably.
        let mut bounds = std::mem::take(&mut self.bounds);
        let mut line_start = 0;
        while line_start < bytes.len() {
            let (width, line_end, end) = split(bytes, line_start, delimiter, &mut bounds);
            let next = match line_end < bytes.len() {
                true => line_end + 1,
                // A last line without its line end, only at the end of the file.
                false if eof => bytes.len(),
                false => return Err(Bail),
            };
            self.line += 1;
            let out = batches.next_row();
            // More cells than there is room for (far more than the header's): the general
            // reader's to read.
            let cells = Cells {
                text,
                bounds: bounds.get(..width).ok_or(Bail)?,
            };
            if self.row(cells, line_start, end, columns, lanes, out)? {
                batches.typed(lanes, sink)?;
            }
            line_start = next;
        }
        self.bounds = bounds;
        batches.drain(lanes, sink)
    }

    /// Types one line into `out`; `false` for a line that holds no row.
    #[inline(always)]
    fn row<'a>(
        &mut self,
        cells: Cells<'a, '_>,
        start: usize,
        end: usize,
        columns: &Columns,
        lanes: &Lanes,
        out: Option<&mut Typed<'a>>,
    ) -> Result<bool, Bail> {
        if start == end {
            return Ok(false);
        }
        let width = cells.bounds.len();
        if cells.blank() {
            return Ok(false);
        }
        if width != columns.width {
            return Err(Bail);
        }
        self.rows += 1;
        let out = out.ok_or(Bail)?;
        typed(&cells, columns, lanes, &mut self.dates, out)?;
        out.file = self.file;
        out.line = self.line;
        Ok(true)
    }
}

/// The line that starts at `start`: its cells, split at `delimiter`, into `out`, the last
/// ending before a carriage return and the line end. Returns the number of cells, which may
/// be more than `out` holds (those past its end are not written), where the line ends (at its
/// `\n`, or at the end of `bytes`), and where its last cell ends.
///
/// Delimiters and the line end are found in one pass, 32 bytes at a time with vector
/// compares (a bit a byte for each), then one cell a bit. The count is returned rather than
/// kept in a `Vec`: a length stored and read straight back stalls the load that reads it
/// with the pointer.
#[inline(always)]
fn split(
    bytes: &[u8],
    start: usize,
    delimiter: u8,
    out: &mut [(usize, usize)],
) -> (usize, usize, usize) {
    let delimiters = u8x16::splat(delimiter);
    let line_ends = u8x16::splat(b'\n');
    let mut cell = start;
    let mut n = 0;
    // The cells that end in one chunk (`marks`: a bit at each delimiter in it, from `base`).
    let mut found = |base: usize, mut marks: u32| {
        while marks != 0 {
            let at = base + marks.trailing_zeros() as usize;
            if let Some(slot) = out.get_mut(n) {
                *slot = (cell, at);
            }
            n += 1;
            cell = at + 1;
            marks &= marks - 1;
        }
    };
    let mut base = start;
    let line_end = loop {
        let rest = bytes.get(base..).unwrap_or_default();
        // Past the line's end too (its line end stops the search); only a block's last few
        // bytes are copied out, zeros after them (neither a delimiter nor a line end is NUL).
        let chunk = match rest.first_chunk::<32>() {
            Some(c) => *c,
            None if !rest.is_empty() => last_chunk(rest),
            None => break bytes.len(),
        };
        let (marks, ends) = marks(&chunk, delimiters, line_ends);
        if ends != 0 {
            // Only the delimiters before the line end.
            found(base, marks & ((ends & ends.wrapping_neg()) - 1));
            break base + ends.trailing_zeros() as usize;
        }
        found(base, marks);
        base += 32;
    };
    let end = match line_end.checked_sub(1) {
        Some(cr) if cr >= start && bytes.get(cr) == Some(&b'\r') => cr,
        _ => line_end,
    };
    if let Some(slot) = out.get_mut(n) {
        *slot = (cell, end);
    }
    (n + 1, line_end, end)
}

/// A bit for each byte of `chunk` equal to `delimiters` and for each equal to `line_ends`
/// (each one byte splat across a vector).
#[inline(always)]
fn marks(chunk: &[u8; 32], delimiters: u8x16, line_ends: u8x16) -> (u32, u32) {
    let (low, high) = chunk.split_at(16);
    let low = u8x16::new(low.try_into().unwrap_or_default());
    let high = u8x16::new(high.try_into().unwrap_or_default());
    let bits = |v: u8x16, of: u8x16| (v.cmp_eq(of).move_mask() as u32) & 0xffff;
    (
        bits(low, delimiters) | bits(high, delimiters) << 16,
        bits(low, line_ends) | bits(high, line_ends) << 16,
    )
}

/// The last few bytes of a block as a chunk, zeros after them: out of [`split`]'s loop,
/// which it would otherwise slow.
#[cold]
#[inline(never)]
fn last_chunk(rest: &[u8]) -> [u8; 32] {
    let mut chunk = [0; 32];
    for (c, b) in chunk.iter_mut().zip(rest) {
        *c = *b;
    }
    chunk
}

/// How many rows go to the sink at a time.
const BATCH: usize = 64;

/// Rows typed a batch at a time, each batch three steps from its typing to its folding, so
/// that what a step will read is asked for a whole batch earlier (a hint: no waiting) and has
/// arrived when it is read — at 200,000 units, the units' slots and aggregates are far beyond
/// a core's cache, and reading them one row after another was most of the time:
///
/// 1. a batch just typed: its units' hashes, and their slots in the unit table asked for;
/// 2. the batch before it: its units looked up, and their aggregates asked for (the sink);
/// 3. the batch before that: folded (the sink), in file order.
///
/// Rows are folded in the order they are typed, whatever the steps.
struct Batches<'a> {
    /// The batch being typed, and how many of its rows are.
    typing: Vec<Typed<'a>>,
    count: usize,
    /// The batch at step 1: its rows, how many, their units' hashes.
    hashed: (Vec<Typed<'a>>, usize, [u64; BATCH]),
    /// The batch at step 2, its units known.
    known: (Vec<Typed<'a>>, usize),
}

impl<'a> Batches<'a> {
    fn new() -> Batches<'a> {
        Batches {
            typing: vec![EMPTY; BATCH],
            count: 0,
            hashed: (vec![EMPTY; BATCH], 0, [0; BATCH]),
            known: (vec![EMPTY; BATCH], 0),
        }
    }

    /// The slot of the next row to type.
    #[inline(always)]
    fn next_row(&mut self) -> Option<&mut Typed<'a>> {
        self.typing.get_mut(self.count)
    }

    /// One more row typed into [`Batches::next_row`]: a full batch moves every batch a step.
    #[inline(always)]
    fn typed(&mut self, lanes: &Lanes, sink: &mut impl Sink) -> Result<(), Bail> {
        self.count += 1;
        if self.count == BATCH {
            self.step(lanes, sink)?;
        }
        Ok(())
    }

    /// Every batch to the end (the rows borrow the block being read).
    fn drain(&mut self, lanes: &Lanes, sink: &mut impl Sink) -> Result<(), Bail> {
        for _ in 0..3 {
            self.step(lanes, sink)?;
        }
        Ok(())
    }

    /// Each batch a step on: the one at step 2 folded, the one at step 1 to step 2 (its units
    /// looked up, their aggregates asked for), the one typed to step 1 (its units' slots asked
    /// for); the folded batch's rows are typed over next.
    fn step(&mut self, lanes: &Lanes, sink: &mut impl Sink) -> Result<(), Bail> {
        let (rows, n) = &self.known;
        if *n > 0 {
            sink.fold(rows.get(..*n).ok_or(Bail)?)?;
        }
        let (rows, n, hashes) = &mut self.hashed;
        if let Some(allowed) = lanes.units {
            for (h, row) in hashes.iter().zip(rows.iter_mut().take(*n)) {
                row.unit_id = Some(allowed.get_hashed(row.unit, *h).ok_or(Bail)?);
            }
        }
        sink.ahead(rows.get(..*n).ok_or(Bail)?);
        // The folded batch's rows are typed next; the hashed batch is known; the typed, hashed.
        std::mem::swap(&mut self.known.0, rows);
        self.known.1 = *n;
        std::mem::swap(rows, &mut self.typing);
        *n = self.count;
        self.count = 0;
        if let Some(allowed) = lanes.units {
            for (h, row) in hashes.iter_mut().zip(rows.iter().take(*n)) {
                *h = super::units::hash(row.unit);
                allowed.ahead(*h);
            }
        }
        Ok(())
    }
}

/// A row slot before it is typed.
const EMPTY: Typed<'static> = Typed {
    unit: "",
    unit_id: None,
    fact: 0,
    date: None,
    count: Decimal::ONE,
    value: None,
    fields: [None; MAX_FIELDS],
    file: 0,
    line: 0,
};

/// A line and where each of its cells is.
struct Cells<'a, 'b> {
    text: &'a str,
    bounds: &'b [(usize, usize)],
}

impl<'a> Cells<'a, '_> {
    /// Whether every cell is empty once trimmed (a line that holds no row); most lines'
    /// first byte says they are not, without trimming a cell.
    fn blank(&self) -> bool {
        let first = self
            .bounds
            .first()
            .and_then(|&(start, end)| match start < end {
                true => self.text.as_bytes().get(start),
                false => None,
            });
        !first.is_some_and(u8::is_ascii_graphic)
            && (0..self.bounds.len()).all(|i| self.get(i).is_none())
    }

    /// A trimmed cell; empty is `None`.
    fn get(&self, at: usize) -> Option<&'a str> {
        let &(start, end) = self.bounds.get(at)?;
        // Most of a row's cells are empty: no trimming called for them.
        if start >= end {
            return None;
        }
        let c = self.text.get(start..end)?;
        let c = if nothing_to_trim(c.as_bytes()) {
            c
        } else {
            c.trim()
        };
        (!c.is_empty()).then_some(c)
    }
}

/// Printable ASCII at both ends: nothing to trim (the general reader trims Unicode spaces).
#[inline(always)]
fn nothing_to_trim(cell: &[u8]) -> bool {
    let plain = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b < 0x7f);
    plain(cell.first()) && plain(cell.last())
}

/// A trimmed cell's bytes, of a column the file may not have: for a cell read as a number, a
/// date or a name to look up, which need no text (taking a `str` checks that both its ends
/// fall between characters).
fn bytes<'a>(cells: &Cells<'a, '_>, at: Option<usize>) -> Option<&'a [u8]> {
    let &(start, end) = cells.bounds.get(at?)?;
    let b = cells.text.as_bytes().get(start..end)?;
    match (b.is_empty(), nothing_to_trim(b)) {
        (true, _) => None,
        (false, true) => Some(b),
        (false, false) => cells.get(at?).map(str::as_bytes),
    }
}

/// A trimmed cell of a column the file may not have.
fn cell<'a>(cells: &Cells<'a, '_>, at: Option<usize>) -> Option<&'a str> {
    cells.get(at?)
}

/// Types a row into `out` (in place: a row is a few hundred bytes, copied 2 million times).
fn typed<'a>(
    cells: &Cells<'a, '_>,
    cols: &Columns,
    lanes: &Lanes,
    dates: &mut Dates,
    out: &mut Typed<'a>,
) -> Result<(), Bail> {
    let unit = cell(cells, Some(cols.unit)).ok_or(Bail)?;
    let name = bytes(cells, Some(cols.fact)).ok_or(Bail)?;
    let fact = lanes.facts.find(name).ok_or(Bail)?;
    let decl = lanes.policy.facts.get(fact).ok_or(Bail)?;
    let date = match bytes(cells, cols.date) {
        Some(text) => {
            let d = read_date(text, dates).ok_or(Bail)?;
            if lanes.policy.year.is_some_and(|y| d.year() != y) {
                return Err(Bail);
            }
            Some(d)
        }
        None if lanes.needs_date.get(fact) == Some(&true) => return Err(Bail),
        None => None,
    };
    let count = match (&decl.shape, bytes(cells, cols.count)) {
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
            let n = plain(t.as_bytes())?;
            if n < *from || n > *to {
                return Err(Bail);
            }
            Some(n)
        }
    };
    let fields = &mut out.fields;
    *fields = [None; MAX_FIELDS];
    // A declared field without its column is E-missing-column in the general reader.
    let steps = cols.fields.get(fact).and_then(Option::as_ref).ok_or(Bail)?;
    for (&(col, read), slot) in steps.iter().zip(fields.iter_mut()) {
        let col = Some(col);
        // A number or a date is read from the cell's bytes, text is taken as text.
        *slot = match read {
            Reading::Persons => Some(Cell::Num(whole(bytes(cells, col).ok_or(Bail)?)?)),
            Reading::Days => Some(Cell::Num(plain(bytes(cells, col).ok_or(Bail)?)?)),
            Reading::Date => match bytes(cells, col) {
                Some(t) => Some(Cell::Date(read_date(t, dates).ok_or(Bail)?)),
                None => None,
            },
            Reading::Number(kind) => match cell(cells, col) {
                Some(t) => Some(Cell::Num(number(t, kind, lanes.percents)?)),
                None => None,
            },
            Reading::Set(k) => {
                let t = cell(cells, col).ok_or(Bail)?;
                let set = lanes
                    .sets
                    .get(fact)
                    .and_then(|f| f.get(k))
                    .and_then(Option::as_ref);
                let i = set.and_then(|s| s.find(t.as_bytes())).ok_or(Bail)?;
                Some(Cell::Choice(u32::try_from(i).map_err(|_| Bail)?, t))
            }
            Reading::Text => cell(cells, col).map(Cell::Text),
        };
    }
    out.unit = unit;
    out.unit_id = None;
    out.fact = fact;
    out.date = date;
    out.count = count;
    out.value = value;
    Ok(())
}
