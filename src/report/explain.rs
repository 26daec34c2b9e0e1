//! Part of the report stage: the receipt of one unit — every point lost or gained, the clause and the rows behind it.

use std::fmt::Write;

use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::{number, rule_json};
use crate::ir::Verb;
use crate::results::{Results, RuleResult, UnitResult};

/// The receipt as text: each rule that fired, its clause with file:line, the arithmetic, the rows, caps and clamps.
pub fn explain_text(results: &Results, unit: &UnitResult, of: usize) -> String {
    let mut s = String::new();
    let title = results
        .policy
        .as_deref()
        .map(|p| format!("“{p}” "))
        .unwrap_or_default();
    // With ranking groups, a rank is within the unit's group.
    let (of, within) = match &unit.group {
        Some(g) => (
            results
                .units
                .iter()
                .filter(|u| u.group.as_ref() == Some(g))
                .count(),
            format!(" in group {g}"),
        ),
        None => (of, String::new()),
    };
    let _ = writeln!(
        s,
        "{}: {} points, rank {} of {of}{within}",
        unit.unit,
        number(unit.total),
        unit.rank
    );
    let _ = writeln!(s, "policy {title}({})", results.source);
    for section in &unit.sections {
        let _ = writeln!(s);
        let worth = match (section.bonus, section.worth) {
            (true, Some(w)) => format!("{} of bonus {}", number(section.score), number(w)),
            (false, Some(w)) => format!("{} of {}", number(section.score), number(w)),
            (_, None) => format!("{} to the total", signed(section.score)),
        };
        let responsible = if section.responsible.is_empty() {
            String::new()
        } else {
            format!("  (responsible: {})", section.responsible.join(", "))
        };
        let _ = writeln!(s, "{}: {worth}{responsible}", section.name);
        for item in &section.items {
            let fired: Vec<&RuleResult> = item.rules.iter().filter(|r| shown(r)).collect();
            let score = item.score.map(|sc| {
                format!(
                    ": {} of {}",
                    number(sc),
                    item.worth.map(number).unwrap_or_default()
                )
            });
            let _ = writeln!(s, "  item {}{}", item.name, score.unwrap_or_default());
            for r in &fired {
                rule_text(&mut s, r, &results.source, "    ");
            }
            if let (Some(worth), Some(score)) = (item.worth, item.score) {
                clamp_line(
                    &mut s,
                    "    item",
                    item.start,
                    &fired,
                    score,
                    item.clamped_from,
                    worth,
                );
            }
        }
        let fired: Vec<&RuleResult> = section.rules.iter().filter(|r| shown(r)).collect();
        for r in &fired {
            rule_text(&mut s, r, &results.source, "  ");
        }
        if let Some(worth) = section.worth {
            // Points passed up by the items without a worth, then the section's own rules.
            let passed: Vec<&RuleResult> = section
                .items
                .iter()
                .filter(|i| i.worth.is_none())
                .flat_map(|i| i.rules.iter().filter(|r| shown(r)))
                .chain(fired.iter().copied())
                .collect();
            clamp_line(
                &mut s,
                "  section",
                section.start,
                &passed,
                section.score,
                section.clamped_from,
                worth,
            );
        }
    }
    let _ = writeln!(s);
    let mut parts = String::new();
    for (i, x) in unit.sections.iter().enumerate() {
        match (i, x.score < Decimal::ZERO) {
            (0, _) => parts.push_str(&signed(x.score).replace('+', "")),
            (_, true) => {
                let _ = write!(parts, " − {}", number(-x.score));
            }
            (_, false) => {
                let _ = write!(parts, " + {}", number(x.score));
            }
        }
    }
    let _ = write!(s, "total: {parts} = {}", number(unit.total));
    if let Some(from) = unit.total_clamped_from {
        let _ = write!(
            s,
            " (the sections before bonus came to {}, clamped at 0)",
            number(from)
        );
    }
    let _ = writeln!(s);
    for (clause, grade) in unit.vetoes.iter().zip(&unit.veto_grades) {
        let _ = writeln!(s, "veto: `{clause}` holds: graded `{grade}` at best");
    }
    for note in &unit.outcome {
        let _ = writeln!(s, "{note}");
    }
    // Names, notes and values come from the user's files: no escape sequence reaches the terminal.
    crate::diagnostic::escape_controls(&s).into_owned()
}

fn rule_text(s: &mut String, r: &RuleResult, source: &str, indent: &str) {
    let _ = writeln!(
        s,
        "{indent}{}  {}  ({source}:{})",
        signed(r.signed()),
        r.clause,
        r.span.start_line
    );
    let mut arithmetic = r.arithmetic.clone();
    if r.capped {
        if let Some(c) = r.cap {
            let _ = write!(arithmetic, "; {} capped at {}", number(r.raw), number(c));
        }
    }
    let _ = writeln!(s, "{indent}    {arithmetic}");
    if let Some(group) = &r.group {
        let _ = writeln!(s, "{indent}    {group}");
    }
    for row in &r.rows {
        let superseded = if row.superseded {
            "  (superseded: not in force)"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "{indent}    {}:{}  {}{superseded}",
            row.file, row.line, row.detail
        );
    }
}

/// Every rule is shown in a receipt: one that gave nothing says why (a condition not met,
/// the months that fell short, no rows), as a clerk asks "which months were missing?".
fn shown(_: &RuleResult) -> bool {
    true
}

fn clamp_line(
    s: &mut String,
    what: &str,
    start: Decimal,
    fired: &[&RuleResult],
    score: Decimal,
    clamped: Option<Decimal>,
    worth: Decimal,
) {
    let fired: Vec<&&RuleResult> = fired.iter().filter(|r| !r.amount.is_zero()).collect();
    if fired.is_empty() && clamped.is_none() {
        return;
    }
    let mut sum = number(start);
    for r in fired {
        let _ = write!(
            sum,
            " {} {}",
            if r.verb == Verb::Deduct { "−" } else { "+" },
            number(r.amount)
        );
    }
    match clamped {
        Some(from) => {
            let _ = writeln!(
                s,
                "{what}: {sum} = {}, clamped to {} (between 0 and {})",
                number(from),
                number(score),
                number(worth)
            );
        }
        None => {
            let _ = writeln!(s, "{what}: {sum} = {}", number(score));
        }
    }
}

fn signed(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+{}", number(d))
    } else if d < Decimal::ZERO {
        format!("−{}", number(-d))
    } else {
        "0".to_string()
    }
}

/// The receipt as data.
pub fn explain_json(results: &Results, unit: &UnitResult, of: usize) -> Value {
    let rule = |r: &RuleResult, item: Option<&str>| {
        let mut v = rule_json(r, item);
        v["file"] = json!(results.source);
        v["line"] = json!(r.span.start_line);
        v["arithmetic"] = json!(r.arithmetic);
        v["rows"] = json!(r
            .rows
            .iter()
            .map(|row| json!({"file": row.file, "line": row.line, "detail": row.detail, "superseded": row.superseded}))
            .collect::<Vec<_>>());
        v
    };
    json!({
        "policy": results.policy,
        "source": results.source,
        "unit": unit.unit,
        "total": number(unit.total),
        "rank": unit.rank,
        "of": of,
        "total_clamped_from": unit.total_clamped_from.map(number),
        "group": unit.group,
        "grade": unit.grade,
        "vetoes": unit.vetoes,
        "prizes": unit.prizes,
        "outcome": unit.outcome,
        "sections": unit.sections.iter().map(|s| json!({
            "name": s.name,
            "bonus": s.bonus,
            "worth": s.worth.map(number),
            "start": number(s.start),
            "score": number(s.score),
            "clamped_from": s.clamped_from.map(number),
            "items": s.items.iter().map(|i| json!({
                "name": i.name,
                "worth": i.worth.map(number),
                "start": number(i.start),
                "score": i.score.map(number),
                "clamped_from": i.clamped_from.map(number),
                "rules": i.rules.iter().filter(|r| shown(r)).map(|r| rule(r, Some(&i.name))).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "rules": s.rules.iter().filter(|r| shown(r)).map(|r| rule(r, None)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}
