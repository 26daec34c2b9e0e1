//! Part of the facts stage: a units file (`--units`) → the assessed units, in order, and each
//! one's ranking group, read in one pass (a province's file lists 200,000 units).

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use crate::diagnostic::{Code, Diagnostic};

/// What a units file says.
#[derive(Debug, Default, Clone)]
pub struct UnitsFile {
    /// The units, in the file's order, trimmed, blanks left out (repeats are kept: the caller
    /// refuses them).
    pub units: Vec<String>,
    /// The ranking group of each unit, when the file has a `group` (or `类别`, `分组`, `组别`)
    /// column beside its `unit` column; empty without one.
    pub groups: HashMap<String, String>,
}

/// Reads a units file: one unit a line, or a CSV with a `unit` column (and maybe a `group`
/// column). Comments (`#`) and blank lines are dropped before the header is looked for.
pub fn read_units(path: &Path) -> Result<UnitsFile, Diagnostic> {
    let mut text = String::new();
    super::read::open_text(path)?
        .0
        .read_to_string(&mut text)
        .map_err(|e| {
            Diagnostic::error(
                Code::Io,
                format!(
                    "cannot read `{}`: {}",
                    path.display(),
                    e.to_string().to_lowercase()
                ),
            )
        })?;
    let first = kept_lines(&text).next();
    let header = first.map_or("", |(_, l)| l);
    // The unit column as a plain split of the first line finds it; without one, every line
    // is a unit.
    let unit_column = header
        .split(',')
        .map(str::trim)
        .position(|c| super::canonical_column(c) == "unit");
    // Without a quote or a carriage return, the CSV reader's records are the lines split at
    // commas: without groups to read either, the units are taken so, a fifth of the time (a
    // province's 200,000 lines), the two halves of a large file on two threads.
    let grouped = header
        .split(',')
        .map(|c| c.trim().trim_start_matches('\u{feff}'))
        .any(is_group_column);
    if let (Some(c), false, false) = (unit_column, grouped, text.contains(['"', '\r'])) {
        let rest = first
            .and_then(|(end, _)| text.get(end + 1..))
            .unwrap_or_default();
        return Ok(UnitsFile {
            units: plain_units(rest, c),
            groups: HashMap::new(),
        });
    }
    let kept: Vec<&str> = kept_lines(&text).map(|(_, l)| l).collect();
    let joined = kept.join("\n");
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(joined.as_bytes());
    // The groups' columns as the CSV reader reads the header.
    let group_columns = csv.headers().ok().and_then(|h| {
        let names: Vec<&str> = h
            .iter()
            .map(|c| c.trim().trim_start_matches('\u{feff}'))
            .collect();
        let unit = names
            .iter()
            .position(|n| super::canonical_column(n) == "unit");
        let group = names.iter().position(|n| is_group_column(n));
        unit.zip(group)
    });
    let mut file = UnitsFile::default();
    if unit_column.is_none() {
        file.units = kept.iter().map(|l| l.to_string()).collect();
        if group_columns.is_none() {
            return Ok(file);
        }
    }
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            // A record the reader cannot take is left out, as before; the text is in memory,
            // so the next read goes on past it.
            Err(_) => continue,
        }
        if let Some(u) = unit_column.and_then(|c| record.get(c)).map(str::trim) {
            if !u.is_empty() {
                file.units.push(u.to_string());
            }
        }
        if let Some((u, g)) = group_columns {
            if let (Some(u), Some(g)) = (record.get(u), record.get(g)) {
                let (u, g) = (u.trim(), g.trim());
                if !u.is_empty() && !g.is_empty() {
                    file.groups.insert(u.to_string(), g.to_string());
                }
            }
        }
    }
    Ok(file)
}

/// The lines of `text` a units file is read from: trimmed (a line's `\r` goes with the
/// trimming), neither blank nor a comment; each with where its line ends. Lines found with
/// memchr, a few bytes each.
fn kept_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    memchr::memchr_iter(b'\n', text.as_bytes())
        .chain([text.len()])
        .map(move |end| {
            let line = text.get(start..end).unwrap_or_default();
            start = end + 1;
            (end, line.trim())
        })
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// From how many bytes a plain units file's lines are read on two threads.
const TWO_THREADS_FROM: usize = 1 << 20;

/// The units of the lines of a plain units file after its header: column `c` of each line
/// split at commas, trimmed, blanks left out; a large file's two halves (cut at a line end) on
/// two threads, their units in the file's order.
fn plain_units(text: &str, c: usize) -> Vec<String> {
    let units = |text: &str| -> Vec<String> {
        kept_lines(text)
            .filter_map(|(_, l)| l.split(',').nth(c))
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .collect()
    };
    let cut = memchr::memchr(
        b'\n',
        text.as_bytes().get(text.len() / 2..).unwrap_or_default(),
    )
    .map(|i| text.len() / 2 + i + 1);
    let halves = cut.and_then(|at| Some((text.get(..at)?, text.get(at..)?)));
    let (Some((head, tail)), true) = (halves, text.len() >= TWO_THREADS_FROM) else {
        return units(text);
    };
    let read = std::thread::scope(|s| {
        let other = std::thread::Builder::new()
            .spawn_scoped(s, || units(tail))
            .ok()?;
        let mut all = units(head);
        all.extend(other.join().ok()?);
        Some(all)
    });
    read.unwrap_or_else(|| units(text))
}

/// Whether a column of a units file's header holds ranking groups.
fn is_group_column(name: &str) -> bool {
    matches!(name, "group" | "类别" | "分组" | "组别")
}

/// The units of a units file ([`read_units`]).
pub fn read_units_file(path: &Path) -> Result<Vec<String>, Diagnostic> {
    read_units(path).map(|f| f.units)
}
