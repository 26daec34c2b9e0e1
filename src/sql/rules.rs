//! Part of SQL generation: the rows each fact counts, a unit's value of each fact, and each
//! rule's points before caps, groups and clamps (as `eval`'s aggregates and `eval::score`).

use std::collections::BTreeSet;

use super::cond::{self, Scope, Ty};
use super::{ident, num, text, Gen};
use crate::ir::{self, FieldKind, Lookup, Per, RuleKind, Shape};

/// The facts the query reads rows of (`f{i}`), a unit's value of (`x{i}` in `unit_facts`),
/// and the calendar of working days when a deadline counts them.
pub(super) fn facts(g: &mut Gen) {
    let p = g.policy;
    let mut rows: BTreeSet<usize> = BTreeSet::new();
    let mut whole: BTreeSet<usize> = BTreeSet::new();
    let index = |name: &str| p.facts.iter().position(|f| f.name == name);
    let mut conds: Vec<&ir::Cond> = Vec::new();
    for rule in p.rules() {
        match &rule.kind {
            RuleKind::Count { fact, filter, .. } | RuleKind::Missing { fact, filter, .. } => {
                rows.extend(index(fact));
                conds.extend(filter);
            }
            RuleKind::Table {
                fact,
                per_unit: false,
                ..
            } => rows.extend(index(fact)),
            RuleKind::Table { fact, .. }
            | RuleKind::Times { fact, .. }
            | RuleKind::Discretionary { fact } => whole.extend(index(fact)),
            RuleKind::When { condition, .. } => {
                unit_facts_of(condition, &mut |f| whole.extend(index(f)));
                conds.push(condition);
            }
        }
        if let Some(c) = &rule.only_if {
            unit_facts_of(c, &mut |f| whole.extend(index(f)));
            conds.push(c);
        }
    }
    for v in &p.vetoes {
        unit_facts_of(&v.condition, &mut |f| whole.extend(index(f)));
        conds.push(&v.condition);
    }
    if conds.iter().any(|c| cond::uses_workdays(c)) {
        let widest = conds
            .iter()
            .map(|c| cond::widest_shift(c))
            .max()
            .unwrap_or(0);
        calendar(g, widest);
    }
    for &i in rows.union(&whole) {
        if let Some(decl) = p.facts.get(i) {
            fact_rows(g, i, decl);
        }
    }
    let mut columns = vec!["u.unit".to_string(), "u.grp".to_string()];
    let mut joins = String::new();
    for &i in &whole {
        let Some(decl) = p.facts.get(i) else { continue };
        unit_value(g, i, decl);
        let x = match decl.shape {
            Shape::Event | Shape::Points { .. } => format!("COALESCE(v{i}.v, 0)"),
            Shape::Flag => format!("COALESCE(v{i}.v <> 0, FALSE)"),
            Shape::Measure(_) => format!("v{i}.v"),
        };
        columns.push(format!("{x} AS x{i}"));
        if decl.shape == Shape::Flag {
            // The flag's number, NULL when never given (for `times` and tables).
            columns.push(format!("v{i}.v AS x{i}_n"));
        }
        if decl.shape == Shape::Event {
            for m in 1..=12 {
                columns.push(format!("COALESCE(v{i}.m{m}, 0) AS x{i}_m{m}"));
            }
        }
        joins.push_str(&format!("\nLEFT JOIN v{i} ON v{i}.unit = u.unit"));
    }
    g.cte(
        "unit_facts",
        "each unit's value of the facts its conditions and rules read: an event's occurrences (and by month), discretionary points' sum, a measure's value in force (NULL: not reported), a flag (missing: false)",
        format!("SELECT {}\nFROM units u{joins}", columns.join(",\n  ")),
    );
}

/// Calls `f` with every fact a unit condition reads.
fn unit_facts_of<'c>(c: &'c ir::Cond, f: &mut impl FnMut(&'c str)) {
    match c {
        ir::Cond::And(a, b) | ir::Cond::Or(a, b) => {
            unit_facts_of(a, f);
            unit_facts_of(b, f);
        }
        ir::Cond::Not(a) => unit_facts_of(a, f),
        ir::Cond::Flag(x) | ir::Cond::Happened(x) | ir::Cond::EachMonth { fact: x, .. } => f(x),
        ir::Cond::Compare { left, right, .. } => {
            for e in [left, right] {
                if let ir::Expr::Fact(x) = e {
                    f(x);
                }
            }
        }
        ir::Cond::In { expr, .. } => {
            if let ir::Expr::Fact(x) = expr {
                f(x);
            }
        }
    }
}

/// The working days from a year before the policy's to a year after (wider for long
/// deadlines), per its calendar: `workdays(day, k)`, `k` counting them.
fn calendar(g: &mut Gen, widest: u64) {
    let margin = 1 + i32::try_from(widest / 200).unwrap_or(i32::MAX / 2);
    let (from, to) = match g.policy.year {
        Some(y) => (y.saturating_sub(margin), y.saturating_add(margin)),
        None => (1990, 2100),
    };
    let list = |days: &[chrono::NaiveDate]| -> String {
        if days.is_empty() {
            "SELECT CAST(NULL AS DATE) AS day WHERE FALSE".into()
        } else {
            let v: Vec<String> = days.iter().map(|d| format!("(DATE '{d}')")).collect();
            format!("SELECT day FROM (VALUES {}) AS t(day)", v.join(", "))
        }
    };
    let (holidays, makeup) = match &g.policy.calendar {
        Some(c) => (list(&c.holidays), list(&c.workdays)),
        None => (list(&[]), list(&[])),
    };
    g.cte("holidays", "the calendar's holidays", holidays);
    g.cte(
        "makeup_days",
        "the calendar's make-up working days (调休)",
        makeup,
    );
    g.cte(
        "workdays",
        "working days: Monday to Friday less holidays, plus make-up days; k numbers them",
        format!(
            "SELECT day, ROW_NUMBER() OVER (ORDER BY day) AS k\n\
             FROM (SELECT DATE '{from}-01-01' + CAST(i AS INTEGER) AS day FROM generate_series(0, CAST(DATE '{to}-12-31' - DATE '{from}-01-01' AS INTEGER)) AS s(i)) AS c\n\
             WHERE day IN (SELECT day FROM makeup_days)\n   \
             OR (EXTRACT(ISODOW FROM day) < 6 AND day NOT IN (SELECT day FROM holidays))"
        ),
    );
}

/// The columns a fact's rows carry besides `unit`, `date`, `_n` and `value`.
fn columns(decl: &ir::Fact) -> String {
    let mut c = vec!["note".to_string()];
    c.extend(decl.fields.iter().map(|f| ident(&f.name)));
    c.join(", ")
}

/// The column of a field a rule names on its fact; `None` (E080, naming the rule) when the
/// fact has no such field, which the checker already refused in a policy it compiled.
fn rule_field(g: &mut Gen, rule: &ir::Rule, decl: &ir::Fact, name: &str) -> Option<String> {
    let found = cond::field(decl, name).map(|(col, _)| col);
    if found.is_none() {
        g.cannot(
            rule.span,
            &rule.clause,
            (
                &format!("`{name}` is not a field of `{}`", decl.name),
                &format!("`{name}` 不是 `{}` 的字段", decl.name),
            ),
        );
    }
    found
}

/// `f{i}`: the rows of a fact that count. An event's rows with `count` 0 record nothing;
/// discretionary points are every row; a measure's or flag's row in force is the latest-dated
/// of a unit (and key), and two rows that cannot be ordered stop the query (E048). A row
/// dated in another year belongs to that year's assessment: a table holding several years
/// gives the query only the policy's.
fn fact_rows(g: &mut Gen, i: usize, decl: &ir::Fact) {
    let facts = g.facts();
    let name = match g.policy.year {
        Some(y) => format!(
            "{} AND (\"date\" IS NULL OR \"date\" BETWEEN DATE '{y:04}-01-01' AND DATE '{y:04}-12-31')",
            text(&decl.name)
        ),
        None => text(&decl.name),
    };
    let cols = columns(decl);
    let (body, what) = match &decl.shape {
        Shape::Event => (
            format!(
                "SELECT unit, \"date\", COALESCE(\"count\", 1) AS _n, {cols}\nFROM {facts}\nWHERE fact = {name} AND COALESCE(\"count\", 1) <> 0"
            ),
            format!("`{}`: its occurrences (a row with count 0 records none)", decl.name),
        ),
        Shape::Points { .. } => (
            format!(
                "SELECT unit, \"date\", 1 AS _n, value, {cols}\nFROM {facts}\nWHERE fact = {name} AND value IS NOT NULL"
            ),
            format!("`{}`: every entry of discretionary points", decl.name),
        ),
        Shape::Measure(_) | Shape::Flag => {
            let key = decl
                .fields
                .iter()
                .find(|f| f.kind == FieldKind::Key)
                .map(|f| format!(", {}", ident(&f.name)))
                .unwrap_or_default();
            let by = format!("PARTITION BY unit{key}");
            let error = text(&format!(
                "kaohe E048: rows of `{}` that cannot both stand (two values on one date, or not all dated) for unit ",
                decl.name
            ));
            (
                format!(
                    "SELECT unit, \"date\", 1 AS _n,\n  \
                     CASE WHEN _split = 1 OR (_rows > 1 AND _dated < _rows) THEN CAST({error} || unit AS INTEGER) ELSE value END AS value,\n  \
                     {cols}\n\
                     FROM (\n  \
                     SELECT t.*, ROW_NUMBER() OVER ({by} ORDER BY \"date\" DESC NULLS LAST) AS _latest,\n    \
                     MAX(_two) OVER ({by}) AS _split, COUNT(*) OVER ({by}) AS _rows, COUNT(\"date\") OVER ({by}) AS _dated\n  \
                     FROM (\n    \
                     SELECT unit, \"date\", value, {cols},\n      \
                     CASE WHEN MIN(value) OVER ({by}, \"date\") <> MAX(value) OVER ({by}, \"date\") THEN 1 ELSE 0 END AS _two\n    \
                     FROM {facts} WHERE fact = {name}\n  \
                     ) AS t\n\
                     ) AS s\n\
                     WHERE _latest = 1"
                ),
                format!(
                    "`{}`: the row in force, the latest-dated of each unit{}",
                    decl.name,
                    if key.is_empty() { "" } else { " and key" }
                ),
            )
        }
    };
    g.cte(&format!("f{i}"), &what, body);
}

/// `v{i}`: a unit's one value of a fact (LANGUAGE.md: an event's occurrences, discretionary
/// points' sum, a measure's value in force, summed over keys).
fn unit_value(g: &mut Gen, i: usize, decl: &ir::Fact) {
    let key = decl.fields.iter().find(|f| f.kind == FieldKind::Key);
    let v = match (&decl.shape, key) {
        (Shape::Event, _) => "SUM(_n)".to_string(),
        (Shape::Points { .. }, _) => "SUM(value)".to_string(),
        (_, Some(k)) => format!(
            "SUM(CASE WHEN {} IS NOT NULL THEN value END)",
            ident(&k.name)
        ),
        (_, None) => "MAX(value)".to_string(),
    };
    let mut cols = vec![format!("{v} AS v")];
    if decl.shape == Shape::Event {
        for m in 1..=12 {
            let when = match g.policy.year {
                Some(y) => format!(
                    "EXTRACT(YEAR FROM \"date\") = {y} AND EXTRACT(MONTH FROM \"date\") = {m}"
                ),
                None => "FALSE".into(),
            };
            cols.push(format!("SUM(CASE WHEN {when} THEN _n ELSE 0 END) AS m{m}"));
        }
    }
    g.cte(
        &format!("v{i}"),
        &format!("each unit's value of `{}`", decl.name),
        format!(
            "SELECT unit, {}\nFROM f{i}\nGROUP BY unit",
            cols.join(",\n  ")
        ),
    );
}

/// Every rule's points before its cap (`Gen::raw`), with a CTE `r{k}` of the rows it
/// counts where it counts rows.
pub(super) fn rules(g: &mut Gen) {
    let p = g.policy;
    for (k, rule) in p.rules().enumerate() {
        let raw = match &rule.kind {
            RuleKind::When {
                amount,
                otherwise,
                condition,
            } => {
                let c = cond::cond(condition, &Scope::Unit(p));
                match otherwise {
                    Some(o) => format!(
                        "CASE WHEN {c} THEN {} WHEN NOT {c} THEN {} ELSE 0 END",
                        num(*amount),
                        num(*o)
                    ),
                    None => format!("CASE WHEN {c} THEN {} ELSE 0 END", num(*amount)),
                }
            }
            RuleKind::Count {
                rate,
                fact,
                per,
                filter,
            } => match decl_of(g, fact, rule) {
                Some((i, decl)) => {
                    count(g, k, i, decl, rule, per, filter.as_ref());
                    format!("{} * COALESCE(r{k}.q, 0)", num(*rate))
                }
                None => "0".into(),
            },
            RuleKind::Missing {
                rate,
                fact,
                field,
                required,
                filter,
            } => match decl_of(g, fact, rule) {
                Some((i, decl)) => missing(g, k, i, decl, rule, field, required, filter.as_ref()),
                None => "0".into(),
            }
            .replace("{rate}", &num(*rate)),
            RuleKind::Times { factor, fact } => match decl_of(g, fact, rule) {
                // Not reported: nothing to multiply.
                Some((i, decl)) => {
                    format!("{} * COALESCE({}, 0)", num(*factor), number_of(i, decl))
                }
                None => "0".into(),
            },
            RuleKind::Discretionary { fact } => match decl_of(g, fact, rule) {
                Some((i, _)) => format!("x{i}"),
                None => "0".into(),
            },
            RuleKind::Table {
                fact,
                field: _,
                lookup,
                per_unit: true,
            } => match decl_of(g, fact, rule) {
                Some((i, decl)) => match lookup_sql(lookup, &number_of(i, decl), Ty::Num) {
                    Some(a) => format!("COALESCE({a}, 0)"),
                    None => "0".into(),
                },
                None => "0".into(),
            },
            RuleKind::Table {
                fact,
                field,
                lookup,
                per_unit: false,
            } => match decl_of(g, fact, rule) {
                Some((i, decl)) => match cond::field(decl, field)
                    .and_then(|(col, ty)| lookup_sql(lookup, &col, ty))
                {
                    Some(amount) => {
                        let once = rule.once_per.as_deref();
                        let counted = match once {
                            Some(_) => amount.clone(),
                            None => format!("{amount} * _n"),
                        };
                        rows_sum(g, k, i, decl, rule, &counted, once, Some(&amount), None);
                        format!("COALESCE(r{k}.q, 0)")
                    }
                    None => {
                        g.cannot(
                            rule.span,
                            &rule.clause,
                            (
                                &format!("its table of amounts does not fit the field `{field}`"),
                                &format!("其分值表与字段 `{field}` 不相符"),
                            ),
                        );
                        "0".into()
                    }
                },
                None => "0".into(),
            },
        };
        g.raw.push(raw);
    }
}

/// A unit's value of fact `i` as a number (a flag's as 1 or 0).
fn number_of(i: usize, decl: &ir::Fact) -> String {
    match decl.shape {
        Shape::Flag => format!("x{i}_n"),
        _ => format!("x{i}"),
    }
}

fn decl_of<'p>(g: &mut Gen<'p>, fact: &str, rule: &ir::Rule) -> Option<(usize, &'p ir::Fact)> {
    let found = g
        .policy
        .facts
        .iter()
        .enumerate()
        .find(|(_, f)| f.name == fact);
    if found.is_none() {
        g.cannot(
            rule.span,
            &rule.clause,
            (
                &format!("`{fact}` is not declared"),
                &format!("未声明事实 `{fact}`"),
            ),
        );
    }
    found
}

/// `r{k}` of a `per …` rule: the rows' weights (or distinct keys) by unit.
fn count(
    g: &mut Gen,
    k: usize,
    i: usize,
    decl: &ir::Fact,
    rule: &ir::Rule,
    per: &[Per],
    filter: Option<&ir::Cond>,
) {
    let filter_sql = filter.map(|c| cond::cond(c, &Scope::Row(decl)));
    if let [Per::Distinct(key)] = per {
        let Some(col) = rule_field(g, rule, decl, key) else {
            return;
        };
        let filter_sql = filter_sql
            .map(|c| format!("\nWHERE {c}"))
            .unwrap_or_default();
        g.cte(
            &format!("r{k}"),
            &format!("{}: distinct `{key}` (a row without one is its own)", rule.clause),
            format!(
                "SELECT unit, COUNT(DISTINCT {col}) + SUM(CASE WHEN {col} IS NULL THEN 1 ELSE 0 END) AS q\nFROM f{i}{filter_sql}\nGROUP BY unit"
            ),
        );
        return;
    }
    let once = rule.once_per.as_deref();
    // `once per K`: each K once, so a row's count does not multiply it.
    let mut weight = if once.is_some() {
        "1".to_string()
    } else {
        "_n".to_string()
    };
    for p in per {
        let name = match p {
            Per::Person => "persons",
            Per::Day => "days",
            _ => continue,
        };
        if let Some((col, Ty::Num)) = cond::field(decl, name) {
            weight = format!("{weight} * COALESCE({col}, 1)");
        }
    }
    rows_sum(g, k, i, decl, rule, &weight, once, None, filter);
}

/// `r{k}`: the sum of `amount` over the rows a rule counts, each `once` key at its highest.
#[allow(clippy::too_many_arguments)]
fn rows_sum(
    g: &mut Gen,
    k: usize,
    i: usize,
    decl: &ir::Fact,
    rule: &ir::Rule,
    amount: &str,
    once: Option<&str>,
    present: Option<&str>,
    filter: Option<&ir::Cond>,
) {
    let mut wheres: Vec<String> = filter
        .map(|c| cond::cond(c, &Scope::Row(decl)))
        .into_iter()
        .collect();
    // A table row counts only when its value is in the table.
    wheres.extend(present.map(|a| format!("{a} IS NOT NULL")));
    let clause = |extra: Option<String>| -> String {
        let all: Vec<String> = wheres.iter().cloned().chain(extra).collect();
        if all.is_empty() {
            String::new()
        } else {
            format!("\nWHERE {}", all.join(" AND "))
        }
    };
    let body = match once {
        None => format!(
            "SELECT unit, SUM({amount}) AS q\nFROM f{i}{}\nGROUP BY unit",
            clause(None)
        ),
        Some(key) => {
            let Some(col) = rule_field(g, rule, decl, key) else {
                return;
            };
            format!(
                "SELECT unit, SUM(w) AS q FROM (\n  \
                 SELECT unit, MAX({amount}) AS w FROM f{i}{} GROUP BY unit, {col}\n  \
                 UNION ALL\n  \
                 SELECT unit, {amount} AS w FROM f{i}{}\n\
                 ) AS once_per\nGROUP BY unit",
                clause(Some(format!("{col} IS NOT NULL"))).replace('\n', " "),
                clause(Some(format!("{col} IS NULL"))).replace('\n', " "),
            )
        }
    };
    let once_words = once
        .map(|k| format!(", once per `{k}` at its highest"))
        .unwrap_or_default();
    g.cte(
        &format!("r{k}"),
        &format!("{}: the rows it counts{once_words}", rule.clause),
        body,
    );
}

/// `r{k}` of `per missing`: which required values each unit's rows have; the raw points as
/// an expression with `{rate}` for the rate.
#[allow(clippy::too_many_arguments)]
fn missing(
    g: &mut Gen,
    k: usize,
    i: usize,
    decl: &ir::Fact,
    rule: &ir::Rule,
    field: &str,
    required: &[String],
    filter: Option<&ir::Cond>,
) -> String {
    let Some(col) = rule_field(g, rule, decl, field) else {
        return "0".into();
    };
    if required.is_empty() {
        return "0".into();
    }
    let has: Vec<String> = required
        .iter()
        .enumerate()
        .map(|(j, v)| {
            format!(
                "MAX(CASE WHEN {col} = {} THEN 1 ELSE 0 END) AS p{j}",
                text(v)
            )
        })
        .collect();
    let filter_sql = filter
        .map(|c| format!("\nWHERE {}", cond::cond(c, &Scope::Row(decl))))
        .unwrap_or_default();
    g.cte(
        &format!("r{k}"),
        &format!(
            "{}: which of the required values each unit has",
            rule.clause
        ),
        format!(
            "SELECT unit, {}\nFROM f{i}{filter_sql}\nGROUP BY unit",
            has.join(", ")
        ),
    );
    let lacking: Vec<String> = (0..required.len())
        .map(|j| format!("(1 - COALESCE(r{k}.p{j}, 0))"))
        .collect();
    format!("{{rate}} * ({})", lacking.join(" + "))
}

/// A `by` table's amount for a value: NULL where the table gives none.
fn lookup_sql(lookup: &Lookup, value: &str, ty: Ty) -> Option<String> {
    match lookup {
        Lookup::Values(rows) if ty == Ty::Text && !rows.is_empty() => {
            let arms: Vec<String> = rows
                .iter()
                .map(|(v, a)| format!("WHEN {value} = {} THEN {}", text(v), num(*a)))
                .collect();
            Some(format!("(CASE {} END)", arms.join(" ")))
        }
        Lookup::Brackets(rows) if ty == Ty::Num && !rows.is_empty() => {
            let arms: Vec<String> = rows
                .iter()
                .map(|(iv, a)| {
                    let mut tests = Vec::new();
                    if let Some(l) = iv.low {
                        let op = if iv.low_inclusive { ">=" } else { ">" };
                        tests.push(format!("{value} {op} {}", num(l)));
                    }
                    if let Some(h) = iv.high {
                        let op = if iv.high_inclusive { "<=" } else { "<" };
                        tests.push(format!("{value} {op} {}", num(h)));
                    }
                    if tests.is_empty() {
                        tests.push(format!("{value} IS NOT NULL"));
                    }
                    format!("WHEN {} THEN {}", tests.join(" AND "), num(*a))
                })
                .collect();
            Some(format!("(CASE {} END)", arms.join(" ")))
        }
        _ => None,
    }
}
