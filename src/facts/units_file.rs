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
    // Lines found with memchr, a few bytes each (a line's `\r` goes with the trimming).
    let mut start = 0;
    let kept: Vec<&str> = memchr::memchr_iter(b'\n', text.as_bytes())
        .chain([text.len()])
        .map(|end| {
            let line = text.get(start..end).unwrap_or_default();
            start = end + 1;
            line.trim()
        })
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let first = kept.first().copied().unwrap_or_default();
    // The unit column as a plain split of the first line finds it; without one, every line
    // is a unit.
    let unit_column = first
        .split(',')
        .map(str::trim)
        .position(|c| super::canonical_column(c) == "unit");
    // Without a quote or a carriage return, the CSV reader's records are the lines split at
    // commas: without groups to read either, the units are taken so, a fifth of the time (a
    // province's 200,000 lines).
    let grouped = first
        .split(',')
        .map(|c| c.trim().trim_start_matches('\u{feff}'))
        .any(is_group_column);
    if let (Some(c), false, false) = (unit_column, grouped, text.contains(['"', '\r'])) {
        let units = kept
            .iter()
            .skip(1)
            .filter_map(|l| l.split(',').nth(c))
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .collect();
        return Ok(UnitsFile {
            units,
            groups: HashMap::new(),
        });
    }
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

/// Whether a column of a units file's header holds ranking groups.
fn is_group_column(name: &str) -> bool {
    matches!(name, "group" | "类别" | "分组" | "组别")
}

/// The units of a units file ([`read_units`]).
pub fn read_units_file(path: &Path) -> Result<Vec<String>, Diagnostic> {
    read_units(path).map(|f| f.units)
}
