//! Part of the eval stage: aggregates → points, with caps, item and section clamps, the total and ranks.

use rust_decimal::Decimal;

use super::aggregate::{Overflow, Trace};
use super::cond::{self, Env, Val};
use super::{look_up, Evaluator, UnitState};
use crate::ir::{self, Per, RuleKind, Shape, Verb};
use crate::results::{ItemResult, Results, RowRef, RuleResult, SectionResult, UnitResult};

/// Every unit's scores; an error naming the unit and the rule where arithmetic overflowed.
pub(super) fn results(e: &Evaluator) -> Result<Results, String> {
    let mut units: Vec<UnitResult> = e
        .units
        .iter()
        .zip(&e.state)
        .map(|(name, state)| unit(e, name, state))
        .collect::<Result<_, _>>()?;
    crate::outcome::rank(&mut units);
    Ok(Results {
        policy: e.policy.name.clone(),
        chinese: e.policy.chinese,
        source: e.policy.source.name.clone(),
        units,
    })
}

fn unit<'p>(e: &Evaluator<'p>, name: &str, state: &UnitState) -> Result<UnitResult, String> {
    let env = UnitEnv { e, state };
    let mut of = Overflow::default();
    let mut next_rule = 0;
    let mut culprit: Option<&'p ir::Rule> = None;
    let mut rule_result = |rule: &'p ir::Rule, of: &mut Overflow| {
        let before = of.0;
        let r = rule_result(e, state, &env, next_rule, rule, of);
        if of.0 && !before && culprit.is_none() {
            culprit = Some(rule);
        }
        next_rule += 1;
        r
    };
    let mut sections = Vec::new();
    for s in &e.policy.sections {
        let items: Vec<ItemResult> = s
            .items
            .iter()
            .map(|item| {
                let mut rules: Vec<RuleResult> =
                    item.rules.iter().map(|r| rule_result(r, &mut of)).collect();
                combine_groups(&mut rules, &item.rules, &item.groups, &mut of);
                let (start, score, clamped_from) = match item.worth {
                    Some(w) => {
                        let (start, score, clamped) = clamp_score(w, &rules, &mut of);
                        (start, Some(score), clamped)
                    }
                    None => (Decimal::ZERO, None, None),
                };
                ItemResult {
                    name: item.name.clone(),
                    worth: item.worth,
                    score,
                    start,
                    clamped_from,
                    rules,
                }
            })
            .collect();
        let mut rules: Vec<RuleResult> = s.rules.iter().map(|r| rule_result(r, &mut of)).collect();
        combine_groups(&mut rules, &s.rules, &s.groups, &mut of);
        // Points of rules directly under the section and of items without a worth.
        let passed: Vec<&RuleResult> = rules
            .iter()
            .chain(
                items
                    .iter()
                    .filter(|i| i.worth.is_none())
                    .flat_map(|i| &i.rules),
            )
            .collect();
        let passed_sum = passed
            .iter()
            .fold(Decimal::ZERO, |a, r| of.add(a, r.signed()));
        let (start, score, clamped_from) = match s.worth {
            Some(w) => {
                let worthy: Vec<Decimal> = items.iter().filter_map(|i| i.score).collect();
                let start = if !worthy.is_empty() {
                    worthy.iter().fold(Decimal::ZERO, |a, b| of.add(a, *b))
                } else if passed.iter().any(|r| r.verb == Verb::Award) {
                    Decimal::ZERO
                } else {
                    w
                };
                let raw = of.add(start, passed_sum);
                let score = raw.clamp(Decimal::ZERO, w);
                (start, score, (score != raw).then_some(raw))
            }
            None => (Decimal::ZERO, passed_sum, None),
        };
        sections.push(SectionResult {
            name: s.name.clone(),
            bonus: s.bonus,
            worth: s.worth,
            score,
            start,
            clamped_from,
            responsible: s.responsible.clone(),
            items,
            rules,
        });
    }
    let base = sections
        .iter()
        .filter(|s| !s.bonus)
        .fold(Decimal::ZERO, |a, s| of.add(a, s.score));
    let bonus = sections
        .iter()
        .filter(|s| s.bonus)
        .fold(Decimal::ZERO, |a, s| of.add(a, s.score));
    let clamped = base.max(Decimal::ZERO);
    let total = of.add(clamped, bonus);
    if of.0 {
        let rows = culprit
            .map(|r| in_force_rows(e, state, r))
            .filter(|rows| !rows.is_empty())
            .map(|rows| format!(", from {}", rows.join(", ")))
            .unwrap_or_default();
        return Err(match culprit {
            Some(r) => format!(
                "`{}` (line {}) is too large to compute exactly for `{name}`{rows}",
                r.clause, r.span.start_line
            ),
            None => format!("the points of `{name}` add up to more than can be computed exactly"),
        });
    }
    // A veto's condition is on the unit's facts: decided here, applied by the outcome stage.
    let fired: Vec<&ir::Veto> = e
        .policy
        .vetoes
        .iter()
        .filter(|v| cond::holds(&v.condition, &env, &e.calendar) == Some(true))
        .collect();
    Ok(UnitResult {
        unit: name.to_string(),
        total,
        rank: 0,
        total_clamped_from: (clamped != base).then_some(base),
        sections,
        group: None,
        grade: None,
        vetoes: fired.iter().map(|v| v.clause.clone()).collect(),
        veto_grades: fired.iter().map(|v| v.grade.clone()).collect(),
        prizes: Vec::new(),
        outcome: Vec::new(),
    })
}

/// The rows in force of the facts a rule reads as one value (`times`, a condition), as `file:line`.
fn in_force_rows(e: &Evaluator, state: &UnitState, rule: &ir::Rule) -> Vec<String> {
    let facts: Vec<&str> = match &rule.kind {
        RuleKind::Times { fact, .. } | RuleKind::Discretionary { fact } => vec![fact.as_str()],
        RuleKind::Table {
            fact,
            per_unit: true,
            ..
        } => vec![fact.as_str()],
        RuleKind::When { condition, .. } => condition_facts(condition),
        _ => Vec::new(),
    };
    facts
        .iter()
        .filter_map(|f| e.fact(f))
        .flat_map(|(i, _)| state.facts[i].in_force())
        .map(|r| {
            let file = e.files.get(r.row.file).map_or("?", String::as_str);
            format!("{file}:{}", r.row.line)
        })
        .collect()
}

/// The rules of a group combine before they count: under `the highest of` only the largest
/// amount stands (the first of equals), under `together, cap N` the amounts add up to at most
/// N, the excess taken from the last rules of the group first.
fn combine_groups(
    results: &mut [RuleResult],
    rules: &[ir::Rule],
    groups: &[ir::Group],
    of: &mut Overflow,
) {
    for (g, group) in groups.iter().enumerate() {
        let members: Vec<usize> = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.group == Some(g))
            .map(|(i, _)| i)
            .collect();
        match group.kind {
            ir::GroupKind::Highest => {
                let Some(&best) = members.iter().max_by(|a, b| {
                    results[**a]
                        .amount
                        .cmp(&results[**b].amount)
                        .then_with(|| b.cmp(a))
                }) else {
                    continue;
                };
                for &i in &members {
                    if i != best && !results[i].amount.is_zero() {
                        results[i].group = Some(format!(
                            "`{}`: {} is not the highest of the group, so it counts 0",
                            group.clause,
                            results[i].amount.normalize()
                        ));
                        results[i].amount = Decimal::ZERO;
                    }
                }
            }
            ir::GroupKind::Together { cap } => {
                let sum = members
                    .iter()
                    .fold(Decimal::ZERO, |a, &i| of.add(a, results[i].amount));
                if sum <= cap {
                    continue;
                }
                let mut excess = sum - cap;
                for &i in members.iter().rev() {
                    let cut = results[i].amount.min(excess);
                    if cut.is_zero() {
                        continue;
                    }
                    results[i].group = Some(format!(
                        "`{}`: the group's {} is capped at {}, so this rule counts {} less",
                        group.clause,
                        sum.normalize(),
                        cap.normalize(),
                        cut.normalize()
                    ));
                    results[i].amount -= cut;
                    excess -= cut;
                }
            }
        }
    }
}

/// An item (or section) with a worth: it starts at its worth if it only deducts, else at zero; then `[0, worth]`.
fn clamp_score(
    worth: Decimal,
    rules: &[RuleResult],
    of: &mut Overflow,
) -> (Decimal, Decimal, Option<Decimal>) {
    let start = if rules.iter().any(|r| r.verb == Verb::Award) {
        Decimal::ZERO
    } else {
        worth
    };
    let raw = rules.iter().fold(start, |a, r| of.add(a, r.signed()));
    let score = raw.clamp(Decimal::ZERO, worth);
    (start, score, (score != raw).then_some(raw))
}

fn rule_result(
    e: &Evaluator,
    state: &UnitState,
    env: &UnitEnv,
    index: usize,
    rule: &ir::Rule,
    of: &mut Overflow,
) -> RuleResult {
    let agg = &state.rules[index];
    let mut unknown = false;
    // `only if …`: a precondition unmet (or unknown) gives nothing, whatever the rule counts.
    if let Some(c) = &rule.only_if {
        let holds = cond::holds(c, env, &e.calendar);
        if holds != Some(true) {
            let rows = condition_facts(c)
                .iter()
                .flat_map(|f| fact_rows(e, state, f))
                .collect();
            let why = if holds.is_none() {
                "unknown"
            } else {
                "not met"
            };
            return RuleResult {
                clause: rule.clause.clone(),
                span: rule.span,
                verb: rule.verb,
                raw: Decimal::ZERO,
                amount: Decimal::ZERO,
                cap: rule.cap,
                capped: false,
                arithmetic: format!("its precondition is {why}, so it gives nothing"),
                unknown: holds.is_none(),
                rows,
                group: None,
            };
        }
    }
    let (raw, arithmetic, trace): (Decimal, String, Vec<RowRef>) = match &rule.kind {
        RuleKind::When {
            amount,
            otherwise,
            condition,
        } => {
            let holds = cond::holds(condition, env, &e.calendar);
            let trace = condition_facts(condition)
                .iter()
                .flat_map(|f| fact_rows(e, state, f))
                .collect();
            match (holds, otherwise) {
                (Some(true), _) => (*amount, format!("applies: {}", amount.normalize()), trace),
                (Some(false), Some(o)) => (
                    *o,
                    format!("does not apply: otherwise {}", o.normalize()),
                    trace,
                ),
                (Some(false), None) => (
                    Decimal::ZERO,
                    format!("does not apply{}", months_short(e, state, condition)),
                    trace,
                ),
                (None, _) => {
                    unknown = true;
                    let missing: Vec<String> = condition_facts(condition)
                        .iter()
                        .filter(|f| env.fact(f).is_none())
                        .map(|f| format!("`{f}`"))
                        .collect();
                    (
                        Decimal::ZERO,
                        format!(
                            "unknown: {} not reported, so neither the amount nor `otherwise` applies",
                            missing.join(", ")
                        ),
                        trace,
                    )
                }
            }
        }
        RuleKind::Count {
            rate, per, fact, ..
        } => {
            let quantity = match per.as_slice() {
                [Per::Distinct(_)] => Decimal::from(agg.distinct.len()),
                _ => agg.sum(of),
            };
            let raw = of.mul(*rate, quantity);
            let words = per_words(per, fact);
            let once = rule
                .once_per
                .as_ref()
                .map(|k| format!(" (once per {k})"))
                .unwrap_or_default();
            let text = format!(
                "{} × {} {words}{once} = {}",
                rate.normalize(),
                quantity.normalize(),
                raw.normalize()
            );
            (raw, text, rows(e, &agg.trace))
        }
        RuleKind::Missing {
            rate,
            required,
            field,
            ..
        } => {
            let missing: Vec<&String> = required
                .iter()
                .filter(|v| !agg.distinct.contains(*v))
                .collect();
            let raw = of.mul(*rate, Decimal::from(missing.len()));
            let text = if missing.is_empty() {
                format!("no {field} missing")
            } else {
                let list = missing
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                format!(
                    "{} × {} missing ({list}) = {}",
                    rate.normalize(),
                    missing.len(),
                    raw.normalize()
                )
            };
            (raw, text, rows(e, &agg.trace))
        }
        RuleKind::Times { factor, fact } => {
            let (value, trace) = unit_value(e, state, fact, of);
            match value {
                Some(v) => {
                    let raw = of.mul(*factor, v);
                    (
                        raw,
                        format!(
                            "{} × {} = {}",
                            factor.normalize(),
                            v.normalize(),
                            raw.normalize()
                        ),
                        trace,
                    )
                }
                None => (Decimal::ZERO, format!("no `{fact}` recorded"), trace),
            }
        }
        RuleKind::Table {
            fact,
            lookup,
            per_unit: true,
            ..
        } => {
            let (value, trace) = unit_value(e, state, fact, of);
            match value.and_then(|v| look_up(lookup, Some(Val::Num(v))).map(|a| (a, v))) {
                Some((amount, v)) => (
                    amount,
                    format!("`{fact}` is {}: {}", v.normalize(), amount.normalize()),
                    trace,
                ),
                None => match value {
                    Some(v) => (
                        Decimal::ZERO,
                        format!("`{fact}` is {} (no bracket): 0", v.normalize()),
                        trace,
                    ),
                    None => (Decimal::ZERO, format!("no `{fact}` recorded"), trace),
                },
            }
        }
        RuleKind::Table { .. } => {
            let raw = agg.sum(of);
            let text = match (&rule.once_per, agg.groups.len()) {
                (Some(k), n) if n > 0 => format!(
                    "each `{k}` once, at its highest amount: {}",
                    raw.normalize()
                ),
                _ => format!("the rows add up to {}", raw.normalize()),
            };
            (raw, text, rows(e, &agg.trace))
        }
        RuleKind::Discretionary { fact } => {
            let (value, trace) = unit_value(e, state, fact, of);
            let v = value.unwrap_or(Decimal::ZERO);
            (v, format!("{} given by the assessor", v.normalize()), trace)
        }
    };
    let capped = rule.cap.is_some_and(|c| raw > c);
    let amount = match rule.cap {
        Some(c) => raw.min(c),
        None => raw,
    };
    RuleResult {
        clause: rule.clause.clone(),
        span: rule.span,
        verb: rule.verb,
        raw,
        amount,
        cap: rule.cap,
        capped,
        arithmetic,
        unknown,
        rows: trace,
        group: None,
    }
}

/// The unit's one value of a fact, and the rows behind it.
fn unit_value(
    e: &Evaluator,
    state: &UnitState,
    fact: &str,
    of: &mut Overflow,
) -> (Option<Decimal>, Vec<RowRef>) {
    let Some((i, decl)) = e.fact(fact) else {
        return (None, Vec::new());
    };
    (
        state.facts[i].total_value(decl, of),
        fact_rows(e, state, fact),
    )
}

/// The rows of a fact behind a unit-level value; a measure's or flag's rows no longer in force are marked superseded.
fn fact_rows(e: &Evaluator, state: &UnitState, fact: &str) -> Vec<RowRef> {
    let Some((i, decl)) = e.fact(fact) else {
        return Vec::new();
    };
    let agg = &state.facts[i];
    let is_state = matches!(decl.shape, Shape::Measure(_) | Shape::Flag);
    agg.trace
        .iter()
        .map(|t| {
            let mut r = row_ref(e, t);
            r.superseded = is_state && !agg.is_in_force(t.file, t.line);
            r
        })
        .collect()
}

fn rows(e: &Evaluator, trace: &[Trace]) -> Vec<RowRef> {
    trace.iter().map(|t| row_ref(e, t)).collect()
}

fn row_ref(e: &Evaluator, t: &Trace) -> RowRef {
    RowRef {
        file: e.files.get(t.file).cloned().unwrap_or_default(),
        line: t.line,
        detail: t.detail.clone(),
        superseded: false,
    }
}

/// "person-occurrences", "person-days", "projects".
fn per_words(per: &[Per], fact: &str) -> String {
    let mut words: Vec<&str> = Vec::new();
    for p in per {
        match p {
            Per::Person => words.push("person"),
            Per::Day => words.push("day"),
            Per::Occurrence => words.push("occurrence"),
            Per::Distinct(k) => return format!("distinct `{k}` of `{fact}`"),
        }
    }
    if words.is_empty() {
        words.push("occurrence");
    }
    format!("{}s of `{fact}`", words.join("-"))
}

/// For a condition on each month: the months that fell short (`: short in March (3 of 4), …`).
fn months_short(e: &Evaluator, state: &UnitState, c: &ir::Cond) -> String {
    let mut short = Vec::new();
    let mut stack = vec![c];
    while let Some(c) = stack.pop() {
        match c {
            ir::Cond::And(a, b) | ir::Cond::Or(a, b) => stack.extend([a.as_ref(), b.as_ref()]),
            ir::Cond::Not(a) => stack.push(a),
            ir::Cond::EachMonth { fact, at_least } => {
                if let Some((i, _)) = e.fact(fact) {
                    for (m, n) in state.facts[i].months.iter().enumerate() {
                        if n < at_least {
                            short.push(format!(
                                "month {} ({} of {})",
                                m + 1,
                                n.normalize(),
                                at_least.normalize()
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if short.is_empty() {
        String::new()
    } else {
        format!(": short in {}", short.join(", "))
    }
}

/// The facts a `when` condition looks at, for the rows behind it.
pub(super) fn condition_facts(c: &ir::Cond) -> Vec<&str> {
    let mut out = Vec::new();
    collect_facts(c, &mut out);
    out
}

fn collect_facts<'c>(c: &'c ir::Cond, out: &mut Vec<&'c str>) {
    match c {
        ir::Cond::And(a, b) | ir::Cond::Or(a, b) => {
            collect_facts(a, out);
            collect_facts(b, out);
        }
        ir::Cond::Not(a) => collect_facts(a, out),
        ir::Cond::Flag(f) | ir::Cond::Happened(f) | ir::Cond::EachMonth { fact: f, .. } => {
            out.push(f)
        }
        ir::Cond::Compare { left, right, .. } => {
            for e in [left, right] {
                if let ir::Expr::Fact(f) = e {
                    out.push(f);
                }
            }
        }
        ir::Cond::In { .. } => {}
    }
}

/// A unit's facts, by name, for `when` and `unless`.
struct UnitEnv<'e, 'p> {
    e: &'e Evaluator<'p>,
    state: &'e UnitState,
}

impl Env for UnitEnv<'_, '_> {
    fn field(&self, _: &str) -> Option<Val<'_>> {
        None
    }

    fn fact(&self, name: &str) -> Option<Val<'_>> {
        let (i, decl) = self.e.fact(name)?;
        let agg = &self.state.facts[i];
        match decl.shape {
            // A flag never given counts as false (LANGUAGE.md §6).
            Shape::Flag => Some(Val::Bool(
                agg.value.as_ref().is_some_and(|r| !r.value.is_zero()),
            )),
            _ => agg
                .total_value(decl, &mut Overflow::default())
                .map(Val::Num),
        }
    }

    fn flag(&self, name: &str) -> bool {
        matches!(self.fact(name), Some(Val::Bool(true)))
    }

    fn happened(&self, name: &str) -> bool {
        self.e
            .fact(name)
            .is_some_and(|(i, _)| self.state.facts[i].occurrences > Decimal::ZERO)
    }

    fn each_month(&self, name: &str, n: Decimal) -> bool {
        self.e
            .fact(name)
            .is_some_and(|(i, _)| self.state.facts[i].months.iter().all(|m| *m >= n))
    }
}
