//! Part of the facts stage: spreadsheet fact files (.xlsx, .xls, .ods) read with calamine, row by row.
//!
//! A spreadsheet is read as its cells store values: a date cell is a date, a number is a
//! number (a cell formatted as a percent stores the fraction, 0.85 for 85%), text is text.
//! Rows are numbered as the spreadsheet numbers them, so a diagnostic names the row a
//! clerk sees in Excel.

use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};

use super::read::{duplicate_column, has_required_columns, FileContext};
use super::validate::Cells;
use super::Row;
use crate::diagnostic::{Code, Diagnostic};

/// Reads the `--sheet` (or first) sheet of a spreadsheet into rows.
pub(super) fn read_sheet(path: &Path, file: &mut FileContext, sink: &mut impl FnMut(Row)) {
    let mut book = match open_workbook_auto(path) {
        Ok(b) => b,
        Err(e) => {
            return file.problems.push(
                Diagnostic::error(
                    Code::MalformedFile,
                    format!(
                        "`{}` cannot be read as a spreadsheet: {}",
                        file.name,
                        e.to_string().to_lowercase()
                    ),
                )
                .with_help("save it from Excel or WPS as .xlsx, or export the sheet as CSV")
                .zh(
                    format!("`{}` 无法作为电子表格读取", file.name),
                    &[],
                    Some("请在 Excel 或 WPS 中另存为 .xlsx，或把工作表导出为 CSV"),
                ),
            )
        }
    };
    let names = book.sheet_names();
    let wanted = file.input.sheet;
    let Some(sheet) = (match wanted {
        Some(w) => names.iter().find(|n| n.as_str() == w).cloned(),
        None => names.first().cloned(),
    }) else {
        let list = names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let suggestion =
            wanted.and_then(|w| crate::check::suggest_name(w, names.iter().map(String::as_str)));
        let (help, zh_help) = match suggestion {
            Some(s) => (
                format!("did you mean `--sheet {s}`?"),
                format!("是否想写 `--sheet {s}`？"),
            ),
            None => (
                format!("its sheets are {list}"),
                format!("其工作表为 {list}"),
            ),
        };
        return file.problems.push(
            Diagnostic::error(
                Code::MalformedFile,
                format!("`{}` has no sheet `{}`", file.name, wanted.unwrap_or("")),
            )
            .with_help(help)
            .zh(
                format!("`{}` 中没有工作表 `{}`", file.name, wanted.unwrap_or("")),
                &[],
                Some(&zh_help),
            ),
        );
    };
    let range = match book.worksheet_range(&sheet) {
        Ok(r) => r,
        Err(e) => {
            return file.problems.push(Diagnostic::error(
                Code::MalformedFile,
                format!(
                    "sheet `{sheet}` of `{}` cannot be read: {}",
                    file.name,
                    e.to_string().to_lowercase()
                ),
            ))
        }
    };
    file.sheet = Some(sheet.clone());
    let first_row = range.start().map_or(0, |(r, _)| r) as u64;
    let mut rows = range.rows().enumerate();
    // The header is the first row with a cell in it.
    let (header_at, written) = loop {
        match rows.next() {
            Some((i, cells)) if cells.iter().any(|c| !matches!(c, Data::Empty)) => {
                break (
                    i,
                    cells
                        .iter()
                        .map(|c| text(c).0.trim().to_string())
                        .collect::<Vec<_>>(),
                )
            }
            Some(_) => continue,
            None => return,
        }
    };
    let header: Vec<String> = written
        .iter()
        .map(|c| super::canonical_column(c).to_string())
        .collect();
    if let Some(d) = duplicate_column(&written, &header, file) {
        return file.problems.push(d);
    }
    if !has_required_columns(&written, &header, file) {
        return;
    }
    let _ = header_at;
    for (i, cells) in rows {
        if cells
            .iter()
            .all(|c| matches!(c, Data::Empty) || text(c).0.trim().is_empty())
        {
            continue;
        }
        let line = first_row + i as u64 + 1;
        let converted: Vec<(String, bool)> = cells.iter().map(text).collect();
        let values: Vec<String> = converted.iter().map(|(t, _)| t.clone()).collect();
        let numbers: Vec<&str> = header
            .iter()
            .zip(&converted)
            .filter(|(_, (_, number))| *number)
            .map(|(h, _)| h.as_str())
            .collect();
        let row = Cells::sheet(&header, &values, numbers);
        file.checker.row(&row, line, file, sink);
    }
}

/// A cell as text, and whether it holds a number. A number is written in the shortest form
/// that reads back as the same binary value (`0.85`, not `0.84999…`); a date as `YYYY-MM-DD`.
fn text(cell: &Data) -> (String, bool) {
    match cell {
        Data::Empty => (String::new(), false),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => (s.clone(), false),
        Data::Int(i) => (i.to_string(), true),
        Data::Float(f) => (f.to_string(), true),
        Data::Bool(b) => (if *b { "true" } else { "false" }.to_string(), false),
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) if d.is_datetime() => (dt.date().to_string(), false),
            _ => (d.as_f64().to_string(), true),
        },
        Data::Error(e) => (format!("#{e:?}"), false),
    }
}
