//! Part of the review stage: what `kaohe test` and `kaohe diff` print — a case's mismatches
//! with the clauses behind them, and a policy diff as text or CSV (JSON is its serde form).

use std::fmt::Write;

use rust_decimal::Decimal;

use super::compare::{involved, Mismatch};
use super::diff::PolicyDiff;
use crate::results::Results;

/// Points with their sign: `+1.5`, `−0.4`, `0`.
pub fn signed(d: Decimal) -> String {
    let d = d.normalize();
    if d > Decimal::ZERO {
        format!("+{d}")
    } else if d < Decimal::ZERO {
        format!("−{}", -d)
    } else {
        "0".into()
    }
}

/// A case's mismatches, one unit a paragraph, each line indented by `indent`.
pub fn mismatches(list: &[Mismatch], results: &Results, indent: &str) -> String {
    let zh = results.chinese;
    let mut out = String::new();
    for m in list {
        match m {
            Mismatch::Missing { unit, line } => {
                let _ = if zh {
                    writeln!(
                        out,
                        "{indent}{unit}（第 {line} 行）：预期有此单位，但未计分"
                    )
                } else {
                    writeln!(
                        out,
                        "{indent}{unit} (line {line}): expected, but not scored"
                    )
                };
            }
            Mismatch::Unexpected { unit } => {
                let _ = if zh {
                    writeln!(out, "{indent}{unit}：已计分，但不在预期结果中")
                } else {
                    writeln!(
                        out,
                        "{indent}{unit}: scored, but not in the expected results"
                    )
                };
            }
            Mismatch::Differs { unit, line, cells } => {
                let said: Vec<String> = cells
                    .iter()
                    .map(|c| {
                        let h = c.column.header(zh);
                        if zh {
                            format!("{h} 预期 {}，实得 {}", c.expected, c.actual)
                        } else {
                            format!("{h} expected {}, got {}", c.expected, c.actual)
                        }
                    })
                    .collect();
                let _ = if zh {
                    writeln!(out, "{indent}{unit}（第 {line} 行）：{}", said.join("；"))
                } else {
                    writeln!(out, "{indent}{unit} (line {line}): {}", said.join("; "))
                };
                let Some(u) = results.units.iter().find(|u| &u.unit == unit) else {
                    continue;
                };
                let clauses = involved(u, cells);
                if clauses.is_empty() {
                    let _ = if zh {
                        writeln!(out, "{indent}  （相关板块中没有条款计分）")
                    } else {
                        writeln!(
                            out,
                            "{indent}  (no clause of these sections gave it points)"
                        )
                    };
                }
                for c in clauses {
                    let at = match c.item {
                        Some(i) => format!("{} › {i}", c.section),
                        None => c.section.to_string(),
                    };
                    let _ = writeln!(
                        out,
                        "{indent}  {:>6}  {at}: {}  ({})",
                        signed(c.rule.signed()),
                        c.rule.clause,
                        c.rule.arithmetic
                    );
                }
            }
        }
    }
    out
}

fn or_dash(x: Option<String>) -> String {
    x.unwrap_or_else(|| "-".into())
}

/// A policy diff as text: the clauses, then the units.
pub fn diff_text(d: &PolicyDiff, zh: bool) -> String {
    let mut out = String::new();
    let word = |en: &'static str, cn: &'static str| if zh { cn } else { en };
    let _ = writeln!(out, "{}", word("Clauses", "条款变化"));
    if d.clauses.is_empty() {
        let _ = writeln!(out, "  {}", word("(none changed)", "（无变化）"));
    }
    for c in &d.clauses {
        let change = match (c.change, zh) {
            ("added", true) => "新增",
            ("removed", true) => "删除",
            ("changed", true) => "修改",
            (x, _) => x,
        };
        let lines = match (c.old_line, c.new_line) {
            (Some(a), Some(b)) => format!("{} {a} → {b}", word("line", "行")),
            (Some(a), None) | (None, Some(a)) => format!("{} {a}", word("line", "行")),
            (None, None) => String::new(),
        };
        let lines = if lines.is_empty() {
            lines
        } else {
            format!(" ({lines})")
        };
        let _ = writeln!(out, "  {change:<7} {}{lines}", c.place);
        if let Some(o) = &c.old {
            let _ = writeln!(out, "    - {o}");
        }
        if let Some(n) = &c.new {
            let _ = writeln!(out, "    + {n}");
        }
    }
    let changed: Vec<_> = d.units.iter().filter(|u| u.changed()).collect();
    let _ = writeln!(out);
    let _ = if zh {
        writeln!(
            out,
            "单位（{} 个中 {} 个有变化）",
            d.units.len(),
            changed.len()
        )
    } else {
        writeln!(
            out,
            "Units ({} of {} changed)",
            changed.len(),
            d.units.len()
        )
    };
    let width = changed
        .iter()
        .map(|u| unicode_width::UnicodeWidthStr::width(u.unit.as_str()))
        .max()
        .unwrap_or(0);
    for u in changed {
        let pad = " ".repeat(width - unicode_width::UnicodeWidthStr::width(u.unit.as_str()));
        let total = format!(
            "{} → {} ({})",
            or_dash(u.old_total.map(|t| t.to_string())),
            or_dash(u.new_total.map(|t| t.to_string())),
            signed(u.delta())
        );
        let mut line = format!("  {}{pad}  {total}", u.unit);
        if u.old_rank != u.new_rank {
            let _ = write!(
                line,
                ", {} {} → {}",
                word("rank", "名次"),
                or_dash(u.old_rank.map(|r| r.to_string())),
                or_dash(u.new_rank.map(|r| r.to_string()))
            );
        }
        if u.old_grade != u.new_grade {
            let _ = write!(
                line,
                ", {} {} → {}",
                word("grade", "等次"),
                or_dash(u.old_grade.clone()),
                or_dash(u.new_grade.clone())
            );
        }
        if u.old_prizes != u.new_prizes {
            let list = |p: &[String]| {
                if p.is_empty() {
                    "-".to_string()
                } else {
                    p.join(word(", ", "、"))
                }
            };
            let _ = write!(
                line,
                ", {} {} → {}",
                word("prizes", "奖项"),
                list(&u.old_prizes),
                list(&u.new_prizes)
            );
        }
        let _ = writeln!(out, "{line}");
        for m in &u.clauses {
            // The new wording (the old one is in the clauses above); a removed clause's old.
            let text = m
                .new
                .as_ref()
                .or(m.old.as_ref())
                .cloned()
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "      {:>6}  {}: {text}  ({} → {})",
                signed(m.delta()),
                m.place,
                signed(m.old_points),
                signed(m.new_points)
            );
        }
        if u.delta().is_zero() && !u.clauses.is_empty() {
            let _ = writeln!(
                out,
                "      {}",
                word(
                    "(its total does not move: an item or section was already at its bound)",
                    "（总分不变：项目或板块已到上下限）"
                )
            );
        }
    }
    out
}

/// A policy diff as CSV: one row a unit.
pub fn diff_csv(d: &PolicyDiff, zh: bool) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if zh {
        w.write_record([
            "单位",
            "原总分",
            "新总分",
            "变化",
            "原名次",
            "新名次",
            "原等次",
            "新等次",
            "原奖项",
            "新奖项",
            "条款",
        ])?;
    } else {
        w.write_record([
            "unit",
            "old_total",
            "new_total",
            "change",
            "old_rank",
            "new_rank",
            "old_grade",
            "new_grade",
            "old_prizes",
            "new_prizes",
            "clauses",
        ])?;
    }
    let s = |x: Option<String>| x.unwrap_or_default();
    for u in &d.units {
        let clauses: Vec<String> = u
            .clauses
            .iter()
            .map(|m| {
                format!(
                    "{} {}: {}",
                    signed(m.delta()),
                    m.place,
                    m.new.clone().or(m.old.clone()).unwrap_or_default()
                )
            })
            .collect();
        w.write_record([
            u.unit.clone(),
            s(u.old_total.map(|t| t.to_string())),
            s(u.new_total.map(|t| t.to_string())),
            u.delta().normalize().to_string(),
            s(u.old_rank.map(|r| r.to_string())),
            s(u.new_rank.map(|r| r.to_string())),
            s(u.old_grade.clone()),
            s(u.new_grade.clone()),
            u.old_prizes.join("; "),
            u.new_prizes.join("; "),
            clauses.join("; "),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
