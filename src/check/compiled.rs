//! Part of the check stage, for a policy compiled earlier: the invariants `check` guarantees,
//! verified again when `kaohe build` output is loaded, because a JSON file can be edited, be
//! stale, or come from another version of kaohe.
//!
//! The evaluator relies on these (`// INVARIANT:` in `eval`): a compiled policy that breaks
//! one is refused, never scored.

use std::collections::HashSet;

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{self, Cond, Expr, FieldKind, Lookup, Per, RuleKind, Shape, Verb};

/// Every way `policy`, loaded from the file `name`, is not what this kaohe would have compiled.
pub fn compiled(policy: &ir::Policy, name: &str) -> Vec<Diagnostic> {
    let mut problems: Vec<String> = Vec::new();
    let mut say = |s: String| problems.push(s);
    let version = env!("CARGO_PKG_VERSION");
    if policy.compiler != version {
        say(format!(
            "it was compiled by kaohe {}, and this is kaohe {version}",
            policy.compiler
        ));
    }
    let hash = &policy.source.sha256;
    if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        say(format!("its source hash `{hash}` is not a SHA-256"));
    } else if let Ok(text) = std::fs::read(&policy.source.name) {
        let now = format!("{:x}", Sha256::digest(&text));
        if !now.eq_ignore_ascii_case(hash) {
            say(format!(
                "its source `{}` has changed since it was built",
                policy.source.name
            ));
        }
    }
    structure(policy, &mut say);
    problems
        .into_iter()
        .map(|p| {
            Diagnostic::error(Code::BadCompiled, format!("`{name}` cannot be used: {p}"))
                .with_help(format!(
                    "rebuild it from its source: `kaohe build {} -o {name}`",
                    policy.source.name
                ))
                .zh(
                    format!("`{name}` 不能使用：{p}"),
                    &[],
                    Some(&format!(
                        "请用源文件重新编译：`kaohe build {} -o {name}`",
                        policy.source.name
                    )),
                )
        })
        .collect()
}

/// The shape of the policy: names resolve, numbers are in range, worths add up.
fn structure(p: &ir::Policy, say: &mut impl FnMut(String)) {
    let mut names = HashSet::new();
    for f in &p.facts {
        if !names.insert(f.name.as_str()) {
            say(format!("the fact `{}` is declared twice", f.name));
        }
        if let Shape::Points { from, to } = f.shape {
            if from > to || from < Decimal::ZERO {
                say(format!(
                    "the range of `{}` is not from a lower to a higher number",
                    f.name
                ));
            }
        }
    }
    let fact = |name: &str| p.facts.iter().find(|f| f.name == name);
    let mut plain = Decimal::ZERO;
    let mut bonus = Decimal::ZERO;
    for s in &p.sections {
        match s.worth {
            Some(w) if w <= Decimal::ZERO => say(format!("section `{}` is worth {w}", s.name)),
            Some(w) if s.bonus => bonus += w,
            Some(w) => plain += w,
            None if s.bonus => say(format!("bonus section `{}` has no worth", s.name)),
            None => {}
        }
        let worthy: Vec<Decimal> = s.items.iter().filter_map(|i| i.worth).collect();
        if !worthy.is_empty() && Some(worthy.iter().copied().sum::<Decimal>()) != s.worth {
            say(format!(
                "the items of `{}` do not add up to its worth",
                s.name
            ));
        }
        for i in &s.items {
            if i.worth.is_some_and(|w| w <= Decimal::ZERO) {
                say(format!("item `{}` has a worth of zero or less", i.name));
            }
        }
        let rules: Vec<&ir::Rule> = s
            .rules
            .iter()
            .chain(s.items.iter().flat_map(|i| &i.rules))
            .collect();
        if s.worth.is_none() && rules.iter().any(|r| r.verb == Verb::Award) {
            say(format!(
                "section `{}` has no worth but awards points",
                s.name
            ));
        }
        for r in rules {
            rule(r, &fact, say);
        }
    }
    if p.total.is_some_and(|t| t != plain) {
        say("its sections do not add up to its `total`".into());
    }
    if p.bonus.is_some_and(|b| b != bonus) {
        say("its bonus sections do not add up to its `bonus`".into());
    }
}

fn rule<'p>(
    r: &ir::Rule,
    fact: &impl Fn(&str) -> Option<&'p ir::Fact>,
    say: &mut impl FnMut(String),
) {
    let clause = &r.clause;
    if r.cap.is_some_and(|c| c < Decimal::ZERO) {
        say(format!("`{clause}` has a negative cap"));
    }
    let has_field = |f: &ir::Fact, name: &str| {
        matches!(name, "date" | "count" | "value" | "note")
            || f.fields.iter().any(|x| x.name == name)
    };
    let needs = |name: &str, say: &mut dyn FnMut(String)| -> Option<&'p ir::Fact> {
        let found = fact(name);
        if found.is_none() {
            say(format!(
                "`{clause}` counts `{name}`, which no fact declares"
            ));
        }
        found
    };
    let negative = |n: Decimal| n < Decimal::ZERO;
    match &r.kind {
        RuleKind::When {
            amount,
            otherwise,
            condition,
        } => {
            if negative(*amount) || otherwise.is_some_and(negative) {
                say(format!("`{clause}` has a negative amount"));
            }
            cond(condition, None, clause, &fact, say);
        }
        RuleKind::Count {
            rate,
            fact: name,
            per,
            filter,
        } => {
            if negative(*rate) {
                say(format!("`{clause}` has a negative amount"));
            }
            if let Some(f) = needs(name, say) {
                for p in per {
                    let field = match p {
                        Per::Person => "persons",
                        Per::Day => "days",
                        Per::Distinct(k) => k.as_str(),
                        Per::Occurrence => continue,
                    };
                    if !has_field(f, field) {
                        say(format!(
                            "`{clause}` counts `{field}`, which `{name}` has not"
                        ));
                    }
                }
                if let Some(k) = &r.once_per {
                    if !has_field(f, k) {
                        say(format!(
                            "`{clause}` counts once per `{k}`, which `{name}` has not"
                        ));
                    }
                }
                if let Some(c) = filter {
                    cond(c, Some(f), clause, &fact, say);
                }
            }
        }
        RuleKind::Missing {
            rate,
            fact: name,
            field,
            required,
            filter,
        } => {
            if negative(*rate) {
                say(format!("`{clause}` has a negative amount"));
            }
            if let Some(f) = needs(name, say) {
                let set = f.fields.iter().find_map(|x| match &x.kind {
                    FieldKind::Set(v) if x.name == *field => Some(v),
                    _ => None,
                });
                match set {
                    Some(values) if required.iter().all(|v| values.contains(v)) => {}
                    _ => say(format!("`{clause}` asks for values `{name}` cannot have")),
                }
                if let Some(c) = filter {
                    cond(c, Some(f), clause, &fact, say);
                }
            }
        }
        RuleKind::Times { factor, fact: name } => {
            if negative(*factor) {
                say(format!("`{clause}` has a negative factor"));
            }
            if let Some(f) = needs(name, say) {
                if !matches!(f.shape, Shape::Measure(_) | Shape::Points { .. }) {
                    say(format!(
                        "`{clause}` multiplies `{name}`, which is not a measure"
                    ));
                }
            }
        }
        RuleKind::Table {
            fact: name,
            field,
            lookup,
            ..
        } => {
            if let Some(f) = needs(name, say) {
                if !has_field(f, field) {
                    say(format!(
                        "`{clause}` looks up `{field}`, which `{name}` has not"
                    ));
                }
            }
            let amounts: Vec<Decimal> = match lookup {
                Lookup::Values(rows) => rows.iter().map(|(_, a)| *a).collect(),
                Lookup::Brackets(rows) => {
                    for (i, _) in rows {
                        if let (Some(l), Some(h)) = (i.low, i.high) {
                            if l > h {
                                say(format!("`{clause}` has a bracket from {l} down to {h}"));
                            }
                        }
                    }
                    rows.iter().map(|(_, a)| *a).collect()
                }
            };
            if amounts.into_iter().any(negative) {
                say(format!("`{clause}` has a negative amount"));
            }
        }
        RuleKind::Discretionary { fact: name } => {
            if let Some(f) = needs(name, say) {
                if !matches!(f.shape, Shape::Points { .. }) {
                    say(format!("`{clause}` gives the points of `{name}`, which are not discretionary points"));
                }
            }
        }
    }
}

/// The names a condition reads resolve: facts of the unit (`row` none) or fields of the row's fact.
fn cond<'p>(
    c: &Cond,
    row: Option<&ir::Fact>,
    clause: &str,
    fact: &impl Fn(&str) -> Option<&'p ir::Fact>,
    say: &mut impl FnMut(String),
) {
    let mut facts: Vec<&str> = Vec::new();
    let mut fields: Vec<&str> = Vec::new();
    walk(c, &mut facts, &mut fields);
    for f in facts {
        if fact(f).is_none() {
            say(format!("`{clause}` reads `{f}`, which no fact declares"));
        }
    }
    if let Some(row) = row {
        for f in fields {
            let known = matches!(f, "date" | "count" | "value" | "note")
                || row.fields.iter().any(|x| x.name == f);
            if !known {
                say(format!(
                    "`{clause}` reads `{f}`, which `{}` has not",
                    row.name
                ));
            }
        }
    }
}

fn walk<'c>(c: &'c Cond, facts: &mut Vec<&'c str>, fields: &mut Vec<&'c str>) {
    let expr = |e: &'c Expr, facts: &mut Vec<&'c str>, fields: &mut Vec<&'c str>| {
        let mut e = e;
        while let Expr::Shift { base, .. } = e {
            e = base;
        }
        match e {
            Expr::Fact(f) => facts.push(f),
            Expr::Field(f) => fields.push(f),
            _ => {}
        }
    };
    match c {
        Cond::And(a, b) | Cond::Or(a, b) => {
            walk(a, facts, fields);
            walk(b, facts, fields);
        }
        Cond::Not(a) => walk(a, facts, fields),
        Cond::Compare { left, right, .. } => {
            expr(left, facts, fields);
            expr(right, facts, fields);
        }
        Cond::In { expr: e, .. } => expr(e, facts, fields),
        Cond::Flag(f) | Cond::Happened(f) | Cond::EachMonth { fact: f, .. } => facts.push(f),
    }
}
