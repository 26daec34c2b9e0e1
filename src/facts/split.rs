//! Part of the facts stage: one large CSV file cut into pieces at line ends, so that several
//! threads can read it at once (`eval::score`). Only a UTF-8 file with no quote anywhere is
//! cut: a quoted cell may hold a line end, and a cut inside it would change the rows. Any
//! other file is read whole, as before. A piece is read as the header line followed by its
//! lines, and names the file's own line numbers.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::read::{read_delimited, Encoding, FileContext, FileRead, Format};
use super::validate::Validator;
use super::{Input, Problems, Row};
use crate::span::SourceMap;

/// How a file is cut.
#[derive(Debug, Clone)]
pub struct Plan {
    path: PathBuf,
    /// The header line, with its line end (and a UTF-8 byte-order mark, if the file has one).
    header: Vec<u8>,
    delimiter: u8,
    format: Format,
    encoding: Encoding,
    /// The pieces, in file order.
    pub pieces: Vec<Piece>,
}

/// A byte range of whole lines, and the file's line number of its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    start: u64,
    end: u64,
    first_line: u64,
}

/// Cuts `path` into pieces of about `bytes` bytes at line ends; `None` when the file must be
/// read whole (not a plain UTF-8 CSV or TSV file, a quote in it, or one piece would do).
pub fn plan(path: &Path, bytes: u64) -> Option<Plan> {
    let layout = super::scan::layout(path)?;
    let (delimiter, format, encoding) = (layout.delimiter, layout.format, layout.encoding);
    let mut file = File::open(path).ok()?;
    let size = file.metadata().ok().filter(|m| m.is_file())?.len();
    if size <= bytes.max(1) {
        return None;
    }
    // One pass over the file: no quote anywhere, and the line ends the pieces start after.
    file.seek(SeekFrom::Start(0)).ok()?;
    let mut buf = vec![0u8; 1 << 20];
    let mut header_end: Option<u64> = None;
    let mut cuts: Vec<(u64, u64)> = Vec::new(); // (byte after a line end, lines up to it)
    let (mut at, mut lines) = (0u64, 0u64);
    let mut next_cut = bytes;
    loop {
        let n = file.read(&mut buf).ok()?;
        let Some(chunk) = buf.get(..n).filter(|c| !c.is_empty()) else {
            break;
        };
        if memchr::memchr(b'"', chunk).is_some() {
            return None;
        }
        for nl in memchr::memchr_iter(b'\n', chunk) {
            let after = at + nl as u64 + 1;
            lines += 1;
            match header_end {
                None => {
                    header_end = Some(after);
                    next_cut = after + bytes;
                }
                Some(_) if after >= next_cut && after < size => {
                    cuts.push((after, lines));
                    next_cut = after + bytes;
                }
                Some(_) => {}
            }
        }
        at += n as u64;
    }
    let header_end = header_end?;
    if cuts.is_empty() {
        return None;
    }
    let mut header = vec![0u8; usize::try_from(header_end).ok()?];
    let mut file = File::open(path).ok()?;
    file.read_exact(&mut header).ok()?;
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let (mut start, mut first_line) = (header_end, 2u64);
    for (end, lines_before) in cuts.into_iter().chain([(size, 0)]) {
        pieces.push(Piece {
            start,
            end,
            first_line,
        });
        start = end;
        first_line = lines_before + 1;
    }
    Some(Plan {
        path: path.to_path_buf(),
        header,
        delimiter,
        format,
        encoding,
        pieces,
    })
}

/// Reads one piece of a planned file as the whole file's reading would read those lines;
/// returns how many rows it validated.
pub fn read_piece(
    input: &Input,
    index: usize,
    plan: &Plan,
    piece: Piece,
    sources: &mut SourceMap,
    problems: &mut Problems,
    mut sink: impl FnMut(Row),
) -> u64 {
    let name = plan.path.display().to_string();
    let opened = File::open(&plan.path).and_then(|mut f| {
        f.seek(SeekFrom::Start(piece.start))?;
        Ok(f)
    });
    let Ok(file) = opened else {
        // The file changed or went away since it was planned: the whole reading reports it.
        problems.count_silent_error();
        return 0;
    };
    let lines = std::io::Cursor::new(plan.header.clone()).chain(file.take(piece.end - piece.start));
    let checker = Validator::new(input.policy, input.units, input.percents);
    let mut context = FileContext {
        name: &name,
        index,
        input,
        checker: &checker,
        sources,
        problems,
        missing_columns: Default::default(),
        rows: 0,
        sheet: None,
        // The reader numbers the header 1 and the piece's first line 2.
        line_offset: piece.first_line - 2,
        keys: Vec::new(),
        places: Default::default(),
    };
    read_delimited(
        BufReader::with_capacity(1 << 20, lines),
        plan.delimiter,
        &mut context,
        &mut sink,
    );
    context.rows
}

/// How the file of `plan` was read, with `rows` rows in all.
pub fn file_read(plan: &Plan, rows: u64) -> FileRead {
    FileRead {
        path: plan.path.clone(),
        format: plan.format,
        encoding: Some(plan.encoding),
        sheet: None,
        rows,
        places: Default::default(),
    }
}
