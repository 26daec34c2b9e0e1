//! Part of the evaluation stage: how a fact row reads in a receipt (`persons 2 × days 3 = 6`,
//! `project P-1`, the office's note), in the policy's language.

use rust_decimal::Decimal;

use super::cond::Env;
use super::{text_of, RowEnv};
use crate::facts::{Row, Value};
use crate::ir::{self, Per, Shape};

/// How a row reads in a receipt: `persons 2 × days 3 = 6`.
pub(super) fn weight(per: &[Per], row: &Row, decl: &ir::Fact, weight: Decimal, zh: bool) -> String {
    let env = RowEnv { row, decl };
    let mut parts: Vec<String> = Vec::new();
    if row.count != Decimal::ONE {
        parts.push(format!("{} {}", word("count", zh), row.count));
    }
    for p in per {
        let field = match p {
            Per::Person => "persons",
            Per::Day => "days",
            _ => continue,
        };
        if let Some(v) = text_of(env.field(field)) {
            parts.push(format!("{} {v}", word(field, zh)));
        }
    }
    let mut s = if parts.len() > 1 {
        format!("{} = {}", parts.join(" × "), weight.normalize())
    } else {
        parts.join("")
    };
    if s.is_empty() {
        s = weight.normalize().to_string();
    }
    s
}

/// The value a row counts under, for `per distinct K`: `project P-1`, or what counting a row
/// without one means.
pub(super) fn key(k: &str, value: Option<&str>, zh: bool) -> String {
    match (value, zh) {
        (Some(v), false) => format!("{k} {v}"),
        (Some(v), true) => format!("{k} {v}"),
        (None, false) => format!("no {k}: counts on its own"),
        (None, true) => format!("无{}：单独计", amid(k).trim_end()),
    }
}

/// What `once per K` did with a row: ` (once per case C1)`; `value` is the row's own key
/// when it has no K.
pub(super) fn once(k: &str, value: &str, zh: bool) -> String {
    let own = value.starts_with('\u{1}');
    match (own, zh) {
        (false, false) => format!(" (once per {k}: {value})"),
        (false, true) => format!("（{k} {value} 只计一次）"),
        (true, false) => format!(" (no {k}: counts on its own)"),
        (true, true) => format!("（无{}：单独计）", amid(k).trim_end()),
    }
}

/// A name set among Chinese words: a name that begins or ends with a Latin letter or digit
/// gets a space on that side (`不同的 project`), a Chinese name none (`不同的预算项目`).
pub(super) fn amid(name: &str) -> String {
    let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let before = if latin(name.chars().next()) { " " } else { "" };
    let after = if latin(name.chars().last()) { " " } else { "" };
    format!("{before}{name}{after}")
}

/// A built-in column's name in a receipt: `persons`, or `人数` for a Chinese policy.
pub(super) fn word(column: &'static str, zh: bool) -> &'static str {
    if !zh {
        return column;
    }
    match column {
        "persons" => "人数",
        "days" => "天数",
        "count" => "次数",
        "value" => "数值",
        other => other,
    }
}

/// A row's detail with what the office wrote beside it: the `note` and any other column.
pub(super) fn with_note(detail: String, row: &Row) -> String {
    let mut extra: Vec<String> = Vec::new();
    if let Some(note) = &row.note {
        extra.push(note.clone());
    }
    extra.extend(row.extra.iter().map(|(c, v)| format!("{c}: {v}")));
    if extra.is_empty() {
        detail
    } else {
        format!("{detail} — {}", extra.join("; "))
    }
}

/// How a row reads when it stands behind a unit-level value.
pub(super) fn row(decl: &ir::Fact, row: &Row, zh: bool) -> String {
    let mut parts = Vec::new();
    if let Some(v) = &row.value {
        let value = word("value", zh);
        parts.push(match v {
            Value::Number(n) if decl.shape == Shape::Measure(ir::NumberKind::Percent) => {
                format!("{value} {}%", n.normalize())
            }
            Value::Number(n) => format!("{value} {}", n.normalize()),
            Value::Bool(b) => {
                let said = match (b, zh) {
                    (true, false) => "yes",
                    (false, false) => "no",
                    (true, true) => "是",
                    (false, true) => "否",
                };
                format!("{value} {said}")
            }
            Value::Text(t) => format!("{value} {t}"),
            Value::Date(d) => format!("{value} {d}"),
        });
    }
    for (f, v) in decl.fields.iter().zip(&row.fields) {
        if let Some(Value::Text(t)) = v {
            parts.push(format!("{} {t}", f.name));
        }
    }
    if let Some(d) = row.date {
        parts.push(d.to_string());
    }
    if row.count != Decimal::ONE {
        parts.push(format!("{} {}", word("count", zh), row.count));
    }
    parts.join(if zh { "，" } else { ", " })
}
