//! Stage 6 of the pipeline: [`Results`] → what people and programs read: a table, CSV, JSON, or an explanation.

mod explain;

use comfy_table::{presets, CellAlignment, ContentArrangement, Table};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::results::{Results, RuleResult, SectionResult, UnitResult};

pub use explain::{explain_json, explain_text};

/// A decimal as people write it: no trailing zeros (`97.5`, `100`).
pub fn number(d: Decimal) -> String {
    d.normalize().to_string()
}

/// An aligned terminal table: rank, unit, total and one column per section.
pub fn table(results: &Results) -> String {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    let mut header = vec!["rank".to_string(), "unit".to_string(), "total".to_string()];
    let sections = results.units.first().map_or(&[][..], |u| &u.sections[..]);
    header.extend(sections.iter().map(section_heading));
    t.set_header(header);
    for u in &results.units {
        let mut row = vec![u.rank.to_string(), u.unit.clone(), number(u.total)];
        row.extend(u.sections.iter().map(|s| number(s.score)));
        t.add_row(row);
    }
    for (i, column) in t.column_iter_mut().enumerate() {
        if i != 1 {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    // Unit and section names come from the user's files: no escape sequence reaches the terminal.
    crate::diagnostic::escape_controls(&format!("{t}\n")).into_owned()
}

fn section_heading(s: &SectionResult) -> String {
    match (s.bonus, s.worth) {
        (true, Some(w)) => format!("{} (+{})", s.name, number(w)),
        (_, Some(w)) => format!("{} ({})", s.name, number(w)),
        (_, None) => s.name.clone(),
    }
}

/// CSV: `rank,unit,total,<section names…>`.
pub fn csv(results: &Results) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let sections = results.units.first().map_or(&[][..], |u| &u.sections[..]);
    let mut header = vec!["rank".to_string(), "unit".to_string(), "total".to_string()];
    header.extend(sections.iter().map(|s| s.name.clone()));
    w.write_record(header.iter().map(|h| cell(h)))?;
    for u in &results.units {
        let mut row = vec![u.rank.to_string(), cell(&u.unit), number(u.total)];
        row.extend(u.sections.iter().map(|s| number(s.score)));
        w.write_record(&row)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A text cell of a CSV report: a spreadsheet runs a cell starting with `=`, `+`, `-` or `@`
/// (or a tab or carriage return) as a formula, so such a cell gets a leading `'`; control
/// characters are escaped.
fn cell(text: &str) -> String {
    let text = crate::diagnostic::escape_controls(text);
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.into_owned()
    }
}

/// JSON: `{"policy", "units": [{"unit", "total", "rank", "sections": [{"name", "worth", "score", "rules": […]}]}]}`,
/// every number a decimal string.
pub fn json(results: &Results) -> Value {
    json!({
        "policy": results.policy,
        "source": results.source,
        "units": results.units.iter().map(unit_json).collect::<Vec<_>>(),
    })
}

fn unit_json(u: &UnitResult) -> Value {
    json!({
        "unit": u.unit,
        "total": number(u.total),
        "rank": u.rank,
        "sections": u.sections.iter().map(|s| json!({
            "name": s.name,
            "bonus": s.bonus,
            "worth": s.worth.map(number),
            "score": number(s.score),
            "items": s.items.iter().map(|i| json!({
                "name": i.name,
                "worth": i.worth.map(number),
                "score": i.score.map(number),
            })).collect::<Vec<_>>(),
            "rules": s.items.iter()
                .flat_map(|i| i.rules.iter().map(move |r| rule_json(r, Some(&i.name))))
                .chain(s.rules.iter().map(|r| rule_json(r, None)))
                .collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

pub(crate) fn rule_json(r: &RuleResult, item: Option<&str>) -> Value {
    json!({
        "clause": r.clause,
        "span": format!("{}:{}-{}:{}", r.span.start_line, r.span.start_col, r.span.end_line, r.span.end_col),
        "item": item,
        "verb": r.verb,
        "amount": number(r.signed()),
        "raw": number(r.raw),
        "cap": r.cap.map(number),
        "capped": r.capped,
        "unknown": r.unknown,
        "group": r.group,
    })
}
