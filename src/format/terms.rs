//! Part of the format stage: conditions, operands, names and numbers as text.

use rust_decimal::Decimal;

use super::rules::zh_field;
use super::Lang;
use crate::ast::*;
use crate::span::Span;

/// A condition; `outer` is the binding strength around it (0 none, 1 `or`, 2 `and`, 3 `not`),
/// so that parentheses appear exactly where the tree needs them.
pub(super) fn cond(c: &Condition, lang: Lang, outer: u8) -> String {
    let zh = lang == Lang::Zh;
    let (strength, s) = match &c.kind {
        ConditionKind::Or(a, b) => {
            // `a or (b and c)` in English: the parentheses the tree does not need, kept for the reader
            // who does not know that `and` binds tighter.
            // (A Chinese document writes `…或…且…` without them.)
            let side = |c: &Condition, outer: u8| match c.kind {
                ConditionKind::And(..) if !zh => format!("({})", cond(c, lang, 0)),
                _ => cond(c, lang, outer),
            };
            (
                1,
                format!(
                    "{} {} {}",
                    side(a, 1),
                    if zh { "或" } else { "or" },
                    side(b, 2)
                ),
            )
        }
        ConditionKind::And(a, b) => (
            2,
            format!(
                "{} {} {}",
                cond(a, lang, 2),
                if zh { "且" } else { "and" },
                cond(b, lang, 3)
            ),
        ),
        ConditionKind::Not(a) => (
            3,
            format!("{} {}", if zh { "非" } else { "not" }, cond(a, lang, 3)),
        ),
        ConditionKind::Name(n) => (4, name(&n.name)),
        ConditionKind::EachMonth { at_least, fact } => {
            let s = if zh {
                format!("每月 {} 不少于{}", name(&fact.name), number_zh(at_least))
            } else {
                format!(
                    "each month has at least {} {}",
                    number(at_least),
                    name(&fact.name)
                )
            };
            (4, s)
        }
        ConditionKind::In {
            operand,
            negated,
            set: values,
        } => {
            let s = match (zh, negated) {
                (false, false) => {
                    format!("{} in {}", operand_text(operand, lang), set(values, ", "))
                }
                (false, true) => format!(
                    "{} not in {}",
                    operand_text(operand, lang),
                    set(values, ", ")
                ),
                (true, false) => {
                    format!("{} 属于 {}", operand_text(operand, lang), set(values, "、"))
                }
                (true, true) => format!(
                    "{} 不属于 {}",
                    operand_text(operand, lang),
                    set(values, "、")
                ),
            };
            (4, s)
        }
        ConditionKind::Compare {
            left,
            op: CompareOp::Ge,
            right,
            worded,
        } if !zh
            && matches!(&left.kind, OperandKind::Name(_))
            && matches!(&right.kind, OperandKind::Number(n)
                if *worded || n.measure.is_some()) =>
        {
            // `at least 2 article`, as written (or as `不少于2篇` is said in English).
            (
                4,
                format!(
                    "at least {} {}",
                    operand_text(right, lang),
                    operand_text(left, lang)
                ),
            )
        }
        ConditionKind::Compare {
            left,
            op,
            right,
            worded,
        } => {
            // A count with its measure word reads `不少于2篇`, not `不低于2篇`.
            let counted =
                *worded || matches!(&right.kind, OperandKind::Number(n) if n.measure.is_some());
            let word = match (op, zh) {
                (CompareOp::Lt, true) if counted => "少于",
                (CompareOp::Le, true) if counted => "不多于",
                (CompareOp::Gt, true) if counted => "多于",
                (CompareOp::Ge, true) if counted => "不少于",
                (CompareOp::Lt, false) => "<",
                (CompareOp::Le, false) => "<=",
                (CompareOp::Gt, false) => ">",
                (CompareOp::Ge, false) => ">=",
                (CompareOp::Eq, false) => "=",
                (CompareOp::Ne, false) => "!=",
                (CompareOp::Lt, true) => "低于",
                (CompareOp::Le, true) => "不超过",
                (CompareOp::Gt, true) => "超过",
                (CompareOp::Ge, true) => "不低于",
                (CompareOp::Eq, true) => "为",
                (CompareOp::Ne, true) => "不为",
            };
            (
                4,
                format!(
                    "{} {word} {}",
                    operand_text(left, lang),
                    operand_text(right, lang)
                ),
            )
        }
    };
    if strength < outer {
        format!("({s})")
    } else {
        s
    }
}

pub(super) fn operand_text(o: &Operand, lang: Lang) -> String {
    match &o.kind {
        OperandKind::Name(n) if lang == Lang::Zh => zh_field(&n.name),
        OperandKind::Name(n) => name(&n.name),
        OperandKind::Number(n) if lang == Lang::Zh => number_zh(n),
        OperandKind::Number(n) => number(n),
        OperandKind::Date(d) => d.value.to_string(),
        OperandKind::Shifted { base, by, unit } => {
            let sign = if by.value < Decimal::ZERO { "-" } else { "+" };
            let n = by.value.abs().normalize();
            let unit = match (unit, lang) {
                (DurationUnit::Workdays, Lang::En) => " workdays",
                (DurationUnit::Days, Lang::En) => " days",
                (DurationUnit::Workdays, Lang::Zh) => "个工作日",
                (DurationUnit::Days, Lang::Zh) => "天",
            };
            format!("{} {sign} {n}{unit}", operand_text(base, lang))
        }
    }
}

pub(super) fn number(n: &Number) -> String {
    let pct = if n.percent { "%" } else { "" };
    format!("{}{pct}", n.value.normalize())
}

/// A number with the measure word it was written with (`2篇`), in Chinese.
pub(super) fn number_zh(n: &Number) -> String {
    format!("{}{}", number(n), n.measure.as_deref().unwrap_or_default())
}

pub(super) fn date_range(d: &DateRange, zh: bool) -> String {
    if d.from.value == d.to.value {
        d.from.value.to_string()
    } else if zh {
        format!("{} 至 {}", d.from.value, d.to.value)
    } else {
        format!("{} to {}", d.from.value, d.to.value)
    }
}

pub(super) fn text(s: &str) -> String {
    if s.contains('"') {
        format!("“{s}”")
    } else {
        format!("\"{s}\"")
    }
}

/// A name as written: bare when the grammar reads it back as one name, else quoted.
pub(super) fn name(n: &str) -> String {
    const RESERVED: &[&str] = &[
        "and",
        "or",
        "not",
        "of",
        "per",
        "where",
        "when",
        "unless",
        "times",
        "by",
        "cap",
        "once",
        "otherwise",
        "responsible",
        "worth",
        "with",
        "in",
        "from",
        "to",
    ];
    let mut chars = n.chars();
    let bare = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && n.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !RESERVED.contains(&n);
    if bare {
        n.to_string()
    } else {
        text(n)
    }
}

pub(super) fn names(list: &[Ident], sep: &str) -> String {
    list.iter()
        .map(|i| name(&i.name))
        .collect::<Vec<_>>()
        .join(sep)
}

pub(super) fn set(values: &[Ident], sep: &str) -> String {
    format!("{{{}}}", names(values, sep))
}

pub(super) fn measure_en(k: MeasureKind) -> &'static str {
    match k {
        MeasureKind::Count => "count",
        MeasureKind::Number => "number",
        MeasureKind::Percent => "percent",
        MeasureKind::Points => "points",
    }
}

pub(super) fn measure_zh(k: MeasureKind) -> &'static str {
    match k {
        MeasureKind::Count => "计数",
        MeasureKind::Number => "数值",
        MeasureKind::Percent => "百分比",
        MeasureKind::Points => "分值",
    }
}

pub(super) fn field_type_en(t: FieldType) -> &'static str {
    match t {
        FieldType::Date => "date",
        FieldType::Number => "number",
        FieldType::Count => "count",
        FieldType::Percent => "percent",
        FieldType::Points => "points",
        FieldType::Text => "text",
    }
}

pub(super) fn field_type_zh(t: FieldType) -> &'static str {
    match t {
        FieldType::Date => "日期",
        FieldType::Number => "数值",
        FieldType::Count => "计数",
        FieldType::Percent => "百分比",
        FieldType::Points => "分值",
        FieldType::Text => "文本",
    }
}

/// The span of the first line of a node (a section's header, not its rules).
pub(super) fn first_line(span: Span) -> Span {
    Span {
        end_line: span.start_line,
        ..span
    }
}
