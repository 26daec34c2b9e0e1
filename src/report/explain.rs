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
    // A Chinese policy's receipt is in Chinese.
    let zh = results.chinese;
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
            if zh {
                format!("，{g}类")
            } else {
                format!(" in group {g}")
            },
        ),
        None => (of, String::new()),
    };
    let (name, total, rank) = (&unit.unit, number(unit.total), unit.rank);
    if zh {
        let _ = writeln!(
            s,
            "{name}：{total} 分，第 {rank} 名（共 {of} 个单位{within}）"
        );
        let _ = writeln!(s, "考核方案 {title}({})", results.source);
    } else {
        let _ = writeln!(s, "{name}: {total} points, rank {rank} of {of}{within}");
        let _ = writeln!(s, "policy {title}({})", results.source);
    }
    for section in &unit.sections {
        let _ = writeln!(s);
        let score = number(section.score);
        let worth = match (section.bonus, section.worth, zh) {
            (true, Some(w), false) => format!("{score} of bonus {}", number(w)),
            (false, Some(w), false) => format!("{score} of {}", number(w)),
            (_, None, false) => format!("{} to the total", signed(section.score)),
            (true, Some(w), true) => format!("加分 {score}（最多 {}）", number(w)),
            (false, Some(w), true) => format!("{score} 分（满分 {}）", number(w)),
            (_, None, true) => format!("计入总分 {}", signed(section.score)),
        };
        let responsible = match (section.responsible.is_empty(), zh) {
            (true, _) => String::new(),
            (false, false) => format!("  (responsible: {})", section.responsible.join(", ")),
            (false, true) => format!("  （考核部门：{}）", section.responsible.join("、")),
        };
        let colon = if zh { "：" } else { ": " };
        let _ = writeln!(s, "{}{colon}{worth}{responsible}", section.name);
        for item in &section.items {
            let fired: Vec<&RuleResult> = item.rules.iter().filter(|r| shown(r)).collect();
            let worth = item.worth.map(number).unwrap_or_default();
            let score = item.score.map(|sc| {
                if zh {
                    format!("：{} 分（满分 {worth}）", number(sc))
                } else {
                    format!(": {} of {worth}", number(sc))
                }
            });
            let item_word = if zh { "项目" } else { "item" };
            let _ = writeln!(
                s,
                "  {item_word} {}{}",
                item.name,
                score.unwrap_or_default()
            );
            for r in &fired {
                rule_text(&mut s, r, &results.source, "    ", zh);
            }
            if let (Some(worth), Some(score)) = (item.worth, item.score) {
                let tally = Tally {
                    start: item.start,
                    score,
                    clamped_from: item.clamped_from,
                    worth,
                };
                let what = if zh { "    项目" } else { "    item" };
                clamp_line(&mut s, what, &fired, tally, zh);
            }
        }
        let fired: Vec<&RuleResult> = section.rules.iter().filter(|r| shown(r)).collect();
        for r in &fired {
            rule_text(&mut s, r, &results.source, "  ", zh);
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
            let tally = Tally {
                start: section.start,
                score: section.score,
                clamped_from: section.clamped_from,
                worth,
            };
            let what = if zh { "  板块" } else { "  section" };
            clamp_line(&mut s, what, &passed, tally, zh);
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
    if zh {
        let _ = write!(s, "总分：{parts} = {}", number(unit.total));
    } else {
        let _ = write!(s, "total: {parts} = {}", number(unit.total));
    }
    match (unit.total_clamped_from, zh) {
        (Some(from), false) => {
            let from = number(from);
            let _ = write!(
                s,
                " (the sections before bonus came to {from}, clamped at 0)"
            );
        }
        (Some(from), true) => {
            let _ = write!(s, "（加分前各板块合计 {}，按 0 计）", number(from));
        }
        (None, _) => {}
    }
    let _ = writeln!(s);
    for (clause, grade) in unit.vetoes.iter().zip(&unit.veto_grades) {
        if zh {
            let _ = writeln!(s, "一票否决：`{clause}` 成立，等次最高为 `{grade}`");
        } else {
            let _ = writeln!(s, "veto: `{clause}` holds: graded `{grade}` at best");
        }
    }
    for note in &unit.outcome {
        let _ = writeln!(s, "{note}");
    }
    // Names, notes and values come from the user's files: no escape sequence reaches the terminal.
    crate::diagnostic::escape_controls(&s).into_owned()
}

fn rule_text(s: &mut String, r: &RuleResult, source: &str, indent: &str, zh: bool) {
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
            let (raw, cap) = (number(r.raw), number(c));
            if zh {
                let _ = write!(arithmetic, "；{raw} 超过上限，按 {cap} 计");
            } else {
                let _ = write!(arithmetic, "; {raw} capped at {cap}");
            }
        }
    }
    let _ = writeln!(s, "{indent}    {arithmetic}");
    if let Some(group) = &r.group {
        let _ = writeln!(s, "{indent}    {group}");
    }
    for row in &r.rows {
        let superseded = match (row.superseded, zh) {
            (false, _) => "",
            (true, false) => "  (superseded: not in force)",
            (true, true) => "  （已被后来的记录取代，不生效）",
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

/// How an item or a section came to its score: where it started, what it came to, and the
/// worth it is held within.
struct Tally {
    start: Decimal,
    score: Decimal,
    clamped_from: Option<Decimal>,
    worth: Decimal,
}

fn clamp_line(s: &mut String, what: &str, fired: &[&RuleResult], tally: Tally, zh: bool) {
    let Tally {
        start,
        score,
        clamped_from: clamped,
        worth,
    } = tally;
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
    let (score, worth) = (number(score), number(worth));
    let _ = match (clamped, zh) {
        (Some(from), false) => writeln!(
            s,
            "{what}: {sum} = {}, clamped to {score} (between 0 and {worth})",
            number(from)
        ),
        (Some(from), true) => writeln!(
            s,
            "{what}：{sum} = {}，限在 0 到 {worth} 之间，计 {score}",
            number(from)
        ),
        (None, false) => writeln!(s, "{what}: {sum} = {score}"),
        (None, true) => writeln!(s, "{what}：{sum} = {score}"),
    };
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
        if let Some(o) = v.as_object_mut() {
            o.insert("file".into(), json!(results.source));
            o.insert("line".into(), json!(r.span.start_line));
            o.insert("arithmetic".into(), json!(r.arithmetic));
            o.insert("rows".into(), json!(r
                .rows
                .iter()
                .map(|row| json!({"file": row.file, "line": row.line, "detail": row.detail, "superseded": row.superseded}))
                .collect::<Vec<_>>()));
        }
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
