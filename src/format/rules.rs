//! Part of the format stage: the text of each rule form, in English and in Chinese.

use std::fmt::Write;

use super::terms::*;
use super::Lang;
use crate::ast::*;

/// Every rule form has a Chinese twin except `per missing … where …`.
pub(super) fn expressible_in_zh(r: &Rule) -> bool {
    !matches!(
        r.body,
        RuleBody::Missing {
            filter: Some(_),
            ..
        }
    )
}

pub(super) fn en_rule(r: &Rule) -> String {
    let verb = if r.verb == Verb::Deduct {
        "deduct"
    } else {
        "award"
    };
    match &r.body {
        RuleBody::Conditional {
            amount,
            unless,
            condition,
        } => {
            let word = if *unless { "unless" } else { "when" };
            format!(
                "{verb} {} {word} {}",
                number(amount),
                cond(condition, Lang::En, 0)
            )
        }
        RuleBody::Per {
            amount,
            per,
            fact,
            filter,
        } => {
            let pers: Vec<String> = per
                .iter()
                .map(|p| match p {
                    PerUnit::Person(_) => "per person".to_string(),
                    PerUnit::Day(_) => "per day".to_string(),
                    PerUnit::Occurrence(..) => "per occurrence".to_string(),
                    PerUnit::Key(k) => format!("per {}", name(&k.name)),
                })
                .collect();
            let mut t = format!(
                "{verb} {} {} of {}",
                number(amount),
                pers.join(" "),
                name(&fact.name)
            );
            if let Some(f) = filter {
                let _ = write!(t, " where {}", cond(f, Lang::En, 0));
            }
            t
        }
        RuleBody::Missing {
            amount,
            field,
            fact,
            from,
            filter,
        } => {
            let mut t = format!(
                "{verb} {} per missing {} of {}",
                number(amount),
                name(&field.name),
                name(&fact.name)
            );
            if let Some(values) = from {
                let _ = write!(t, " from {}", set(values, ", "));
            }
            if let Some(f) = filter {
                let _ = write!(t, " where {}", cond(f, Lang::En, 0));
            }
            t
        }
        RuleBody::Times { amount, fact } => {
            format!("{verb} {} times {}", number(amount), name(&fact.name))
        }
        RuleBody::Table {
            field,
            fact,
            entries,
        } => {
            let target = match field {
                Some(f) => format!("{} of {}", name(&f.name), name(&fact.name)),
                None => name(&fact.name),
            };
            let rows: Vec<String> = entries
                .iter()
                .map(|e| format!("{} {}", entry_key(&e.key, Lang::En), number(&e.amount)))
                .collect();
            format!("{verb} by {target}: {}", rows.join(", "))
        }
        RuleBody::Discretionary { fact } => format!("{verb} {}", name(&fact.name)),
    }
}

pub(super) fn zh_rule(r: &Rule) -> String {
    let verb = if r.verb == Verb::Deduct { "扣" } else { "得" };
    match &r.body {
        RuleBody::Conditional {
            amount,
            unless,
            condition,
        } => {
            let not = if *unless { "未 " } else { "" };
            format!(
                "{not}{} 的，{verb}{}分",
                cond(condition, Lang::Zh, 0),
                number(amount)
            )
        }
        RuleBody::Per {
            amount,
            per,
            fact,
            filter,
        } => {
            let pers: String = per
                .iter()
                .map(|p| match p {
                    PerUnit::Person(_) => "每人".to_string(),
                    PerUnit::Day(_) => "每天".to_string(),
                    PerUnit::Occurrence(_, word) => {
                        format!("每{}", word.as_deref().unwrap_or("次"))
                    }
                    PerUnit::Key(k) => format!("每个 {} ", name(&k.name)),
                })
                .collect();
            let head = match filter {
                Some(f) => format!("{} 中 {} 的，", name(&fact.name), cond(f, Lang::Zh, 0)),
                None => format!("{} ", name(&fact.name)),
            };
            format!("{head}{pers}{verb}{}分", number(amount))
        }
        RuleBody::Missing {
            amount,
            field,
            fact,
            from,
            ..
        } => {
            let among = from
                .as_ref()
                .map(|v| format!(" 在 {} 中", set(v, "、")))
                .unwrap_or_default();
            format!(
                "{} 的 {}{among} 每少一类{verb}{}分",
                name(&fact.name),
                name(&field.name),
                number(amount)
            )
        }
        RuleBody::Times { amount, fact } => {
            format!("按 {} 的{}倍{verb}分", name(&fact.name), number(amount))
        }
        RuleBody::Table {
            field,
            fact,
            entries,
        } => {
            let target = match field {
                Some(f) => format!("{} 的 {}", name(&fact.name), zh_field(&f.name)),
                None => name(&fact.name),
            };
            let rows: Vec<String> = entries
                .iter()
                .map(|e| format!("{} {}分", entry_key(&e.key, Lang::Zh), number(&e.amount)))
                .collect();
            format!("按 {target} {verb}分：{}", rows.join("，"))
        }
        RuleBody::Discretionary { fact } => {
            let word = if r.verb == Verb::Deduct {
                "酌情扣分"
            } else {
                "酌情加分"
            };
            format!("{} {word}", name(&fact.name))
        }
    }
}

/// A built-in field in Chinese (`persons` is `人数`, `value` is `数值`, …); other names as they are.
pub(super) fn zh_field(n: &str) -> String {
    match n {
        "persons" => "人数".into(),
        "days" => "天数".into(),
        "count" => "次数".into(),
        "value" => "数值".into(),
        "date" => "日期".into(),
        "note" => "备注".into(),
        _ => name(n),
    }
}

pub(super) fn entry_key(k: &EntryKey, lang: Lang) -> String {
    match k {
        EntryKey::Value(v) => name(&v.name),
        EntryKey::Bracket(b) => match (&b.kind, lang) {
            (BracketKind::AtLeast(n), Lang::En) => format!("{} or more", number(n)),
            (BracketKind::AtMost(n), Lang::En) => format!("{} or less", number(n)),
            (BracketKind::Range(a, z), Lang::En) => format!("{} to {}", number(a), number(z)),
            (BracketKind::Below(n), Lang::En) => format!("below {}", number(n)),
            (BracketKind::Above(n), Lang::En) => format!("above {}", number(n)),
            (BracketKind::AtLeast(n), Lang::Zh) => format!("{}以上", number_zh(n)),
            (BracketKind::AtMost(n), Lang::Zh) => format!("{}及以下", number_zh(n)),
            // Chinese reads `10至5` as 5 to 10 (documents write ranges either way round), so
            // a range is written low to high, as it will be read back.
            (BracketKind::Range(a, z), Lang::Zh) => {
                let (a, z) = if a.value > z.value { (z, a) } else { (a, z) };
                format!("{}至{}", number_zh(a), number_zh(z))
            }
            (BracketKind::Below(n), Lang::Zh) => format!("低于{}", number_zh(n)),
            (BracketKind::Above(n), Lang::Zh) => format!("超过{}", number_zh(n)),
        },
    }
}
