//! Part of the eval stage: aggregates → points, with caps, item and section clamps, the total and ranks.

use rust_decimal::Decimal;

use super::aggregate::{Overflow, Trace};
use super::cond::{self, Env, Val};
use super::{look_up, Evaluator, UnitState};
use crate::ir::{self, Per, RuleKind, Shape, Verb};
use crate::results::{ItemResult, Results, RowRef, RuleResult, SectionResult, UnitResult};

/// Every unit's scores; an error naming the unit and the rule where arithmetic overflowed.
/// Each unit's aggregates are dropped once it is scored, so a run never holds both whole.
pub(super) fn results(e: &mut Evaluator) -> Result<Results, String> {
    let states = std::mem::take(&mut e.state);
    let e = &*e;
    let mut units: Vec<UnitResult> = e
        .units
        .iter()
        .zip(states)
        .map(|(name, state)| unit(e, name, &state))
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
    let zh = e.policy.chinese;
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
                combine_groups(&mut rules, &item.rules, &item.groups, &mut of, zh);
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
        combine_groups(&mut rules, &s.rules, &s.groups, &mut of, zh);
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
        let (mut items, mut rules) = (items, rules);
        if e.scores_only {
            rules = Vec::new();
            for i in &mut items {
                i.rules = Vec::new();
            }
        }
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
        .filter_map(|(i, _)| state.facts.get(i))
        .flat_map(super::FactAgg::in_force)
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
    zh: bool,
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
                let amount = |i: usize| results.get(i).map_or(Decimal::ZERO, |r| r.amount);
                let Some(&best) = members
                    .iter()
                    .max_by(|a, b| amount(**a).cmp(&amount(**b)).then_with(|| b.cmp(a)))
                else {
                    continue;
                };
                for &i in &members {
                    let Some(r) = results.get_mut(i).filter(|_| i != best) else {
                        continue;
                    };
                    if !r.amount.is_zero() {
                        let (clause, amount) = (&group.clause, r.amount.normalize());
                        r.group = Some(if zh {
                            format!("`{clause}`：{amount} 不是该组最高一项，计 0")
                        } else {
                            format!("`{clause}`: {amount} is not the highest of the group, so it counts 0")
                        });
                        r.amount = Decimal::ZERO;
                    }
                }
            }
            ir::GroupKind::Together { cap } => {
                let sum = members
                    .iter()
                    .filter_map(|&i| results.get(i))
                    .fold(Decimal::ZERO, |a, r| of.add(a, r.amount));
                if sum <= cap {
                    continue;
                }
                let mut excess = sum - cap;
                for &i in members.iter().rev() {
                    let Some(r) = results.get_mut(i) else {
                        continue;
                    };
                    let cut = r.amount.min(excess);
                    if cut.is_zero() {
                        continue;
                    }
                    let (clause, total) = (&group.clause, sum.normalize());
                    let (cap, cut_by) = (cap.normalize(), cut.normalize());
                    r.group = Some(if zh {
                        format!("`{clause}`：该组合计 {total}，最多 {cap}，本项少计 {cut_by}")
                    } else {
                        format!("`{clause}`: the group's {total} is capped at {cap}, so this rule counts {cut_by} less")
                    });
                    r.amount -= cut;
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
    let fallback = super::RuleAgg::default();
    let agg = state.rules.get(index).unwrap_or(&fallback);
    let mut unknown = false;
    // A receipt speaks the policy's language.
    let zh = e.policy.chinese;
    // `only if …`: a precondition unmet (or unknown) gives nothing, whatever the rule counts.
    if let Some(c) = &rule.only_if {
        let holds = cond::holds(c, env, &e.calendar);
        if holds != Some(true) {
            let rows = condition_facts(c)
                .iter()
                .flat_map(|f| fact_rows(e, state, f))
                .collect();
            let why = match (holds.is_none(), zh) {
                (true, false) => "its precondition is unknown, so it gives nothing",
                (false, false) => "its precondition is not met, so it gives nothing",
                (true, true) => "前提条件未知，不计分",
                (false, true) => "前提条件不满足，不计分",
            };
            return RuleResult {
                clause: rule.clause.clone(),
                span: rule.span,
                verb: rule.verb,
                raw: Decimal::ZERO,
                amount: Decimal::ZERO,
                cap: rule.cap,
                capped: false,
                arithmetic: why.to_string(),
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
                (Some(true), _) => {
                    let a = amount.normalize();
                    let text = if zh {
                        format!("条件成立：{a}")
                    } else {
                        format!("applies: {a}")
                    };
                    (*amount, text, trace)
                }
                (Some(false), Some(o)) => {
                    let text = if zh {
                        format!("条件不成立：否则 {}", o.normalize())
                    } else {
                        format!("does not apply: otherwise {}", o.normalize())
                    };
                    (*o, text, trace)
                }
                (Some(false), None) => {
                    let short = months_short(e, state, condition);
                    let text = if zh {
                        format!("条件不成立{short}")
                    } else {
                        format!("does not apply{short}")
                    };
                    (Decimal::ZERO, text, trace)
                }
                (None, _) => {
                    unknown = true;
                    let missing: Vec<String> = condition_facts(condition)
                        .iter()
                        .filter(|f| env.fact(f).is_none())
                        .map(|f| format!("`{f}`"))
                        .collect();
                    let text = if zh {
                        format!(
                            "未知：{} 未报送，既不计分，也不按“否则”计",
                            missing.join("、")
                        )
                    } else {
                        format!(
                            "unknown: {} not reported, so neither the amount nor `otherwise` applies",
                            missing.join(", ")
                        )
                    };
                    (Decimal::ZERO, text, trace)
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
            let words = per_words(per, fact, zh);
            let once = match (&rule.once_per, zh) {
                (Some(k), false) => format!(" (once per {k})"),
                (Some(k), true) => format!("，同一{}只计一次", super::receipt::amid(k)),
                (None, _) => String::new(),
            };
            let (r, q, a) = (rate.normalize(), quantity.normalize(), raw.normalize());
            let text = if zh {
                format!("{r} × {q}（{words}{once}）= {a}")
            } else {
                format!("{r} × {q} {words}{once} = {a}")
            };
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
            let names: Vec<&str> = missing.iter().map(|m| m.as_str()).collect();
            let (rate, n, amount) = (rate.normalize(), missing.len(), raw.normalize());
            let text = match (missing.is_empty(), zh) {
                (true, false) => format!("no {field} missing"),
                (true, true) => format!("{}无缺项", super::receipt::amid(field).trim_start()),
                (false, false) => format!("{rate} × {n} missing ({}) = {amount}", names.join(", ")),
                (false, true) => format!("{rate} × 缺 {n} 项（{}）= {amount}", names.join("、")),
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
                None => (Decimal::ZERO, not_recorded(fact, zh), trace),
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
                Some((amount, v)) => {
                    let (v, a) = (v.normalize(), amount.normalize());
                    let text = if zh {
                        format!("`{fact}` 为 {v}：{a}")
                    } else {
                        format!("`{fact}` is {v}: {a}")
                    };
                    (amount, text, trace)
                }
                None => match value {
                    Some(v) => {
                        let v = v.normalize();
                        let text = if zh {
                            format!("`{fact}` 为 {v}（不在任何档内）：0")
                        } else {
                            format!("`{fact}` is {v} (no bracket): 0")
                        };
                        (Decimal::ZERO, text, trace)
                    }
                    None => (Decimal::ZERO, not_recorded(fact, zh), trace),
                },
            }
        }
        RuleKind::Table { .. } => {
            let raw = agg.sum(of);
            let amount = raw.normalize();
            let text = match (&rule.once_per, agg.groups.len(), zh) {
                (Some(k), n, false) if n > 0 => {
                    format!("each `{k}` once, at its highest amount: {amount}")
                }
                (Some(k), n, true) if n > 0 => {
                    format!("同一{}只计一次，取最高：{amount}", super::receipt::amid(k))
                }
                (_, _, false) => format!("the rows add up to {amount}"),
                (_, _, true) => format!("各行合计 {amount}"),
            };
            (raw, text, rows(e, &agg.trace))
        }
        RuleKind::Discretionary { fact } => {
            let (value, trace) = unit_value(e, state, fact, of);
            let v = value.unwrap_or(Decimal::ZERO);
            let text = if zh {
                format!("考核部门给予 {}", v.normalize())
            } else {
                format!("{} given by the assessor", v.normalize())
            };
            (v, text, trace)
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
        state.facts.get(i).and_then(|a| a.total_value(decl, of)),
        fact_rows(e, state, fact),
    )
}

/// The rows of a fact behind a unit-level value; a measure's or flag's rows no longer in force are marked superseded.
fn fact_rows(e: &Evaluator, state: &UnitState, fact: &str) -> Vec<RowRef> {
    let Some((i, decl)) = e.fact(fact) else {
        return Vec::new();
    };
    let Some(agg) = state.facts.get(i) else {
        return Vec::new();
    };
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

/// "person-occurrences of `late`", "distinct `project` of `spending`"; in Chinese
/// "`迟到早退` 的人次", "`预算执行率` 中不同的预算项目".
fn per_words(per: &[Per], fact: &str, zh: bool) -> String {
    let mut words: Vec<&str> = Vec::new();
    for p in per {
        match (p, zh) {
            (Per::Person, false) => words.push("person"),
            (Per::Day, false) => words.push("day"),
            (Per::Occurrence, false) => words.push("occurrence"),
            (Per::Person, true) => words.push("人"),
            (Per::Day, true) => words.push("天"),
            (Per::Occurrence, true) => words.push("次"),
            (Per::Distinct(k), false) => return format!("distinct `{k}` of `{fact}`"),
            (Per::Distinct(k), true) => {
                return format!("`{fact}` 中不同的{}", super::receipt::amid(k))
            }
        }
    }
    match (words.is_empty(), zh) {
        (true, false) => format!("occurrences of `{fact}`"),
        (true, true) => format!("`{fact}` 的次数"),
        (false, false) => format!("{}s of `{fact}`", words.join("-")),
        // 人, 天 and 次 alone are 人数, 天数 and 次数; 人次 and 人天 read as they are.
        (false, true) if words == ["人"] => format!("`{fact}` 的人数"),
        (false, true) if words == ["天"] => format!("`{fact}` 的天数"),
        (false, true) if words == ["次"] => format!("`{fact}` 的次数"),
        (false, true) => format!("`{fact}` 的{}", words.concat()),
    }
}

/// "no `fact` recorded".
fn not_recorded(fact: &str, zh: bool) -> String {
    if zh {
        format!("无 `{fact}` 记录")
    } else {
        format!("no `{fact}` recorded")
    }
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
                    let months = state.facts.get(i).map(|a| a.months()).unwrap_or_default();
                    for (m, n) in months.iter().enumerate() {
                        if n < at_least {
                            let (n, least) = (n.normalize(), at_least.normalize());
                            short.push(if e.policy.chinese {
                                format!("{} 月（{n}/{least}）", m + 1)
                            } else {
                                format!("month {} ({n} of {least})", m + 1)
                            });
                        }
                    }
                }
            }
            _ => {}
        }
    }
    match (short.is_empty(), e.policy.chinese) {
        (true, _) => String::new(),
        (false, false) => format!(": short in {}", short.join(", ")),
        (false, true) => format!("：未达到的月份 {}", short.join("、")),
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
        let agg = self.state.facts.get(i)?;
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
            .and_then(|(i, _)| self.state.facts.get(i))
            .is_some_and(|a| a.occurrences > Decimal::ZERO)
    }

    fn each_month(&self, name: &str, n: Decimal) -> bool {
        self.e
            .fact(name)
            .and_then(|(i, _)| self.state.facts.get(i))
            .is_some_and(|a| a.months().iter().all(|m| *m >= n))
    }
}
