//! Part of the report stage: an Excel workbook for leadership — the ranking, one sheet per
//! section, and every deduction and award with its clause and the fact rows behind it.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::{number, Shown, Words};
use crate::results::{Results, RuleResult};

/// The workbook's bytes. Numbers are Excel numbers (shown as kaohe prints them: `97.5`);
/// text cells are text, so a name starting with `=` is never a formula.
pub fn xlsx(results: &Results) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let words = Words::of(results);
    let zh = results.chinese;
    let shown = Shown::of(results);
    let sections = results.units.first().map_or(&[][..], |u| &u.sections[..]);

    let ranking = book.add_worksheet();
    ranking.set_name(if zh { "排名" } else { "Ranking" })?;
    let mut header = shown.head(&words);
    header.extend(sections.iter().map(|s| s.name.clone()));
    if shown.prizes {
        header.push(words.prizes.to_string());
    }
    row_of_text(ranking, 0, &header, &bold)?;
    for (r, u) in results.units.iter().enumerate() {
        let r = r as u32 + 1;
        let mut c = 0;
        ranking.write_number(r, c, u.rank as f64)?;
        c += 1;
        ranking.write_string(r, c, &u.unit)?;
        c += 1;
        if shown.group {
            ranking.write_string(r, c, u.group.as_deref().unwrap_or(""))?;
            c += 1;
        }
        write_decimal(ranking, r, c, u.total)?;
        c += 1;
        if shown.grade {
            ranking.write_string(r, c, u.grade.as_deref().unwrap_or(""))?;
            c += 1;
        }
        if shown.veto {
            ranking.write_string(r, c, u.veto_grades.join(", "))?;
            c += 1;
        }
        for s in &u.sections {
            write_decimal(ranking, r, c, s.score)?;
            c += 1;
        }
        if shown.prizes {
            ranking.write_string(r, c, u.prizes.join("；"))?;
        }
    }
    ranking.autofit();

    let mut used: Vec<String> = Vec::new();
    for (i, section) in sections.iter().enumerate() {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(&section.name, &mut used))?;
        let items: Vec<&str> = section.items.iter().map(|i| i.name.as_str()).collect();
        let mut header = vec![words.unit.to_string(), section.name.clone()];
        header.extend(items.iter().map(|s| s.to_string()));
        row_of_text(sheet, 0, &header, &bold)?;
        for (r, u) in results.units.iter().enumerate() {
            let r = r as u32 + 1;
            sheet.write_string(r, 0, &u.unit)?;
            if let Some(s) = u.sections.get(i) {
                write_decimal(sheet, r, 1, s.score)?;
                for (k, item) in s.items.iter().enumerate() {
                    if let Some(score) = item.score {
                        write_decimal(sheet, r, k as u16 + 2, score)?;
                    }
                }
            }
        }
        sheet.autofit();
    }

    let details = book.add_worksheet();
    details.set_name(if zh {
        "扣分加分明细"
    } else {
        "Deductions and awards"
    })?;
    let head: Vec<String> = if zh {
        ["单位", "板块", "项目", "规则", "行", "分", "计算", "事实行"]
    } else {
        [
            "unit",
            "section",
            "item",
            "clause",
            "line",
            "points",
            "arithmetic",
            "fact rows",
        ]
    }
    .iter()
    .map(|s| s.to_string())
    .collect();
    row_of_text(details, 0, &head, &bold)?;
    let mut r = 1;
    for u in &results.units {
        for s in &u.sections {
            let rules = s
                .items
                .iter()
                .flat_map(|i| i.rules.iter().map(move |r| (Some(i.name.as_str()), r)))
                .chain(s.rules.iter().map(|r| (None, r)));
            for (item, rule) in rules.filter(|(_, r)| !r.amount.is_zero() || !r.raw.is_zero()) {
                detail_row(details, r, &u.unit, &s.name, item, rule, &results.source)?;
                r += 1;
            }
        }
    }
    details.autofit();
    book.save_to_buffer()
}

fn detail_row(
    sheet: &mut Worksheet,
    r: u32,
    unit: &str,
    section: &str,
    item: Option<&str>,
    rule: &RuleResult,
    source: &str,
) -> Result<(), XlsxError> {
    sheet.write_string(r, 0, unit)?;
    sheet.write_string(r, 1, section)?;
    sheet.write_string(r, 2, item.unwrap_or(""))?;
    sheet.write_string(r, 3, &rule.clause)?;
    sheet.write_string(r, 4, format!("{source}:{}", rule.span.start_line))?;
    write_decimal(sheet, r, 5, rule.signed())?;
    let mut arithmetic = rule.arithmetic.clone();
    if let Some(g) = &rule.group {
        arithmetic.push_str("; ");
        arithmetic.push_str(g);
    }
    sheet.write_string(r, 6, arithmetic)?;
    let rows: Vec<String> = rule
        .rows
        .iter()
        .map(|row| format!("{}:{} {}", row.file, row.line, row.detail))
        .collect();
    sheet.write_string(r, 7, rows.join("\n"))?;
    Ok(())
}

fn row_of_text(
    sheet: &mut Worksheet,
    r: u32,
    cells: &[String],
    bold: &Format,
) -> Result<(), XlsxError> {
    for (c, text) in cells.iter().enumerate() {
        sheet.write_string_with_format(r, c as u16, text, bold)?;
    }
    Ok(())
}

/// A decimal as an Excel number; one too large for a double stays exact as text.
fn write_decimal(sheet: &mut Worksheet, r: u32, c: u16, d: Decimal) -> Result<(), XlsxError> {
    match number(d)
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .or_else(|| d.to_f64())
    {
        Some(f) => sheet.write_number(r, c, f).map(|_| ()),
        None => sheet.write_string(r, c, number(d)).map(|_| ()),
    }
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique in the book.
fn sheet_name(name: &str, used: &mut Vec<String>) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(28)
        .collect();
    let mut candidate = clean.clone();
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&candidate)) {
        candidate = format!("{clean}_{n}");
        n += 1;
    }
    used.push(candidate.clone());
    candidate
}
