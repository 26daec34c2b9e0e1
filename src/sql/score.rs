//! Part of SQL generation: rule points → caps, groups, item and section clamps, the total,
//! ranks, grades and prizes (as `eval::score` and the outcome stage decide them).

use std::collections::HashSet;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::cond::{self, Scope};
use super::{ident, num, text, Dialect, Gen};
use crate::ir::{self, GroupKind, PrizeTo, Rounding, Verb};

/// The CTEs from rule points to outcomes, and the final SELECT.
pub(super) fn scores(g: &mut Gen) {
    let p = g.policy;
    let rules: Vec<&ir::Rule> = p.rules().collect();
    amounts(g, &rules);
    grouped(g);
    items_and_sections(g, &rules);
    outcome(g);
}

/// `amounts`: each rule's points after its cap, nothing when its precondition does not hold.
fn amounts(g: &mut Gen, rules: &[&ir::Rule]) {
    let mut cols = vec!["uf.*".to_string()];
    let mut joins = String::new();
    for (k, rule) in rules.iter().enumerate() {
        let raw = g.raw.get(k).cloned().unwrap_or_else(|| "0".into());
        let mut a = match rule.cap {
            Some(c) => format!("LEAST({raw}, {})", num(c)),
            None => raw,
        };
        if let Some(c) = &rule.only_if {
            let c = cond::cond(c, &Scope::Unit(g.policy));
            a = format!("CASE WHEN {c} THEN {a} ELSE 0 END");
        }
        cols.push(format!(
            "-- {}\n  {a} AS a{k}",
            super::comment(&rule.clause)
        ));
        if g.has_cte(&format!("r{k}")) {
            joins.push_str(&format!("\nLEFT JOIN r{k} ON r{k}.unit = uf.unit"));
        }
    }
    g.cte(
        "amounts",
        "each rule's points (a{k}, in policy order), after its own cap and precondition",
        format!("SELECT {}\nFROM unit_facts uf{joins}", cols.join(",\n  ")),
    );
}

/// `grouped`: `the highest of` keeps the largest amount (the first of equals); `together,
/// cap N` takes the excess from the group's last rules first.
fn grouped(g: &mut Gen) {
    let p = g.policy;
    let n = p.rules().count();
    let mut b: Vec<String> = (0..n).map(|k| format!("a{k}")).collect();
    let mut k0 = 0;
    for s in &p.sections {
        let mut lists: Vec<(&[ir::Rule], &[ir::Group])> = s
            .items
            .iter()
            .map(|i| (&i.rules[..], &i.groups[..]))
            .collect();
        lists.push((&s.rules, &s.groups));
        for (rules, groups) in lists {
            for (gi, group) in groups.iter().enumerate() {
                let members: Vec<usize> = rules
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.group == Some(gi))
                    .map(|(j, _)| k0 + j)
                    .collect();
                combine(&mut b, &members, &group.kind);
            }
            k0 += rules.len();
        }
    }
    let cols: Vec<String> = b
        .iter()
        .enumerate()
        .map(|(k, e)| format!("{e} AS b{k}"))
        .collect();
    let body = if cols.is_empty() {
        "SELECT * FROM amounts".to_string()
    } else {
        format!("SELECT *,\n  {}\nFROM amounts", cols.join(",\n  "))
    };
    g.cte("grouped", "each rule's points after its group (b{k})", body);
}

fn combine(b: &mut [String], members: &[usize], kind: &GroupKind) {
    let a = |k: usize| format!("a{k}");
    match kind {
        GroupKind::Highest => {
            for (pos, &k) in members.iter().enumerate() {
                let mut tests = Vec::new();
                let before: Vec<String> = members.iter().take(pos).map(|&j| a(j)).collect();
                let after: Vec<String> = members.iter().skip(pos + 1).map(|&j| a(j)).collect();
                if !before.is_empty() {
                    tests.push(format!("{} > GREATEST({})", a(k), before.join(", ")));
                }
                if !after.is_empty() {
                    tests.push(format!("{} >= GREATEST({})", a(k), after.join(", ")));
                }
                if let Some(slot) = b.get_mut(k) {
                    if !tests.is_empty() {
                        *slot =
                            format!("CASE WHEN {} THEN {} ELSE 0 END", tests.join(" AND "), a(k));
                    }
                }
            }
        }
        GroupKind::Together { cap } => {
            let sum: Vec<String> = members.iter().map(|&j| a(j)).collect();
            if sum.is_empty() {
                return;
            }
            let sum = sum.join(" + ");
            // The excess left when a member is reached, from the last member back.
            let mut excess = format!("(({sum}) - {})", num(*cap));
            for &k in members.iter().rev() {
                let cut = format!("LEAST({}, {excess})", a(k));
                if let Some(slot) = b.get_mut(k) {
                    *slot = format!(
                        "CASE WHEN ({sum}) > {} THEN {} - {cut} ELSE {} END",
                        num(*cap),
                        a(k),
                        a(k)
                    );
                }
                excess = format!("({excess} - {cut})");
            }
        }
    }
}

/// A signed sum of rules' grouped points (`b{k}`), `0` for none.
fn signed(rules: &[(usize, &ir::Rule)]) -> String {
    if rules.is_empty() {
        return "0".into();
    }
    let terms: Vec<String> = rules
        .iter()
        .map(|(k, r)| match r.verb {
            Verb::Deduct => format!(" - b{k}"),
            Verb::Award => format!(" + b{k}"),
        })
        .collect();
    format!("(0{})", terms.concat())
}

fn clamp(x: &str, worth: Decimal) -> String {
    format!("LEAST(GREATEST({x}, 0), {})", num(worth))
}

/// `items`, `sections` and `totals`: an item or section that only deducts starts at its
/// worth, one with an award at zero, clamped to [0, worth]; a section without worth adds its
/// points to the total, clamped at zero; bonus sections add on top.
fn items_and_sections(g: &mut Gen, rules: &[&ir::Rule]) {
    let p = g.policy;
    let mut k = 0;
    let mut item_cols = Vec::new();
    let mut section_cols = Vec::new();
    let (mut base, mut bonus) = (Vec::new(), Vec::new());
    for (si, s) in p.sections.iter().enumerate() {
        let mut passed: Vec<(usize, &ir::Rule)> = Vec::new();
        let mut worthy: Vec<String> = Vec::new();
        for (ii, item) in s.items.iter().enumerate() {
            let mine: Vec<(usize, &ir::Rule)> = item
                .rules
                .iter()
                .map(|r| (k, r))
                .enumerate()
                .map(|(j, (k, r))| (k + j, r))
                .collect();
            k += item.rules.len();
            match item.worth {
                Some(w) => {
                    let awards = mine.iter().any(|(_, r)| r.verb == Verb::Award);
                    let start = if awards { "0".to_string() } else { num(w) };
                    let expr = clamp(&format!("{start} + {}", signed(&mine)), w);
                    item_cols.push(format!(
                        "-- {}\n  {expr} AS i{si}_{ii}",
                        super::comment(&format!(
                            "item \"{}\" worth {}",
                            item.name,
                            crate::report::number(w)
                        ))
                    ));
                    worthy.push(format!("i{si}_{ii}"));
                }
                None => passed.extend(mine),
            }
        }
        let own: Vec<(usize, &ir::Rule)> = s
            .rules
            .iter()
            .enumerate()
            .map(|(j, r)| (k + j, r))
            .collect();
        k += s.rules.len();
        passed.extend(own);
        let sum = signed(&passed);
        let expr = match s.worth {
            Some(w) => {
                let start = if !worthy.is_empty() {
                    format!("({})", worthy.join(" + "))
                } else if passed.iter().any(|(_, r)| r.verb == Verb::Award) {
                    "0".into()
                } else {
                    num(w)
                };
                clamp(&format!("{start} + {sum}"), w)
            }
            None => sum,
        };
        section_cols.push(format!(
            "-- {}\n  {expr} AS s{si}",
            super::comment(&format!("section \"{}\"", s.name))
        ));
        if s.bonus {
            bonus.push(format!("s{si}"));
        } else {
            base.push(format!("s{si}"));
        }
    }
    let _ = rules;
    let select = |cols: &[String], from: &str| {
        if cols.is_empty() {
            format!("SELECT * FROM {from}")
        } else {
            format!("SELECT *,\n  {}\nFROM {from}", cols.join(",\n  "))
        }
    };
    g.cte(
        "items",
        "the score of each item with a worth (i{section}_{item})",
        select(&item_cols, "grouped"),
    );
    g.cte(
        "sections",
        "the score of each section (s{section})",
        select(&section_cols, "items"),
    );
    let sum = |v: &[String]| {
        if v.is_empty() {
            "0".to_string()
        } else {
            v.join(" + ")
        }
    };
    g.cte(
        "totals",
        "the total: the sections, clamped at zero, plus the bonus sections",
        format!(
            "SELECT *, GREATEST({}, 0) + {} AS total\nFROM sections",
            sum(&base),
            sum(&bonus)
        ),
    );
}

/// `ranked`, the grades and prizes, and the final SELECT.
fn outcome(g: &mut Gen) {
    let p = g.policy;
    let veto_floor: Vec<String> = p
        .vetoes
        .iter()
        .filter_map(|v| {
            let idx = p.grades.iter().position(|gr| gr.name == v.grade)?;
            let c = cond::cond(&v.condition, &Scope::Unit(p));
            Some(format!("CASE WHEN {c} THEN {idx} END"))
        })
        .collect();
    let floor = match veto_floor.len() {
        0 => "CAST(NULL AS INTEGER)".to_string(),
        1 => veto_floor.concat(),
        _ => format!("GREATEST({})", veto_floor.join(", ")),
    };
    g.cte(
        "ranked",
        "ranks within each ranking group, ties sharing one (1, 2, 2, 4); the best grade a veto allows",
        format!(
            "SELECT *, RANK() OVER (PARTITION BY grp ORDER BY total DESC) AS rank,\n  \
             COUNT(*) OVER (PARTITION BY grp) AS group_size,\n  \
             {floor} AS veto_floor,\n  CAST(NULL AS {}) AS gr0\nFROM totals",
            g.options.dialect.text_type()
        ),
    );
    let mut last = "ranked".to_string();
    for (gi, grade) in p.grades.iter().enumerate() {
        last = grade_step(g, gi, grade, &last);
    }
    let grade_col = format!("gr{}", p.grades.len());
    // Prizes in the policy's order (each section's in section order).
    let labels = labels(p);
    let decimal = g.options.dialect.number_type();
    let mut prizes = Vec::new();
    let mut prize_cols = Vec::new();
    let mut improved = Vec::new();
    for (pi, prize) in p.prizes.iter().enumerate() {
        match &prize.to {
            PrizeTo::Top { count, section } => {
                let score = match section {
                    Some(name) => p
                        .sections
                        .iter()
                        .position(|s| &s.name == name)
                        .map_or("0".to_string(), |si| format!("s{si}")),
                    None => "total".into(),
                };
                prize_cols.push(format!(
                    "RANK() OVER (PARTITION BY grp ORDER BY {score} DESC) <= {count} AS prize{pi}"
                ));
                prizes.push(format!(
                    "CASE WHEN prize{pi} THEN {} END",
                    text(&prize.name)
                ));
            }
            PrizeTo::MostImproved { each_section } => {
                if g.options.previous_table.is_none() {
                    g.cannot(
                        prize.span,
                        &prize.clause,
                        (
                            "a prize by improvement needs last year's scores: give them with `--previous-table NAME` (last year's result of the query)",
                            "按进步评奖需要上年得分：请用 `--previous-table 表名` 给出（上年查询的结果）",
                        ),
                    );
                    continue;
                }
                // (gain, prize name) of each part: the total, or every section.
                let parts: Vec<(String, String)> = if *each_section {
                    p.sections
                        .iter()
                        .enumerate()
                        .map(|(si, s)| {
                            let before = labels.sections.get(si).cloned().unwrap_or_default();
                            (
                                format!("{last}.s{si} - CAST(prev.{before} AS {decimal})"),
                                format!("{}（{}）", prize.name, s.name),
                            )
                        })
                        .collect()
                } else {
                    vec![(
                        format!("{last}.total - CAST(prev.\"total\" AS {decimal})"),
                        prize.name.clone(),
                    )]
                };
                for (part, (gain, name)) in parts.into_iter().enumerate() {
                    let col = format!("gain{pi}_{part}");
                    // A unit listed twice last year has no one score to gain on: the
                    // query stops, as `kaohe run` does on such results (E073).
                    let error = text("kaohe E073: a unit is listed twice in last year's scores: ");
                    improved.push(format!(
                        "CASE WHEN prev._times > 1 THEN CAST(CAST({error} || prev.unit AS INTEGER) AS {decimal}) ELSE {gain} END AS {col}"
                    ));
                    // The most improved of the group, if it improved; a unit missing from last
                    // year's scores has no gain.
                    prize_cols.push(format!(
                        "({col} = MAX({col}) OVER (PARTITION BY grp) AND {col} > 0) AS prize{pi}_{part}"
                    ));
                    prizes.push(format!(
                        "CASE WHEN prize{pi}_{part} THEN {} END",
                        text(&name)
                    ));
                }
            }
        }
    }
    if !improved.is_empty() {
        if let Some(t) = &g.options.previous_table {
            g.cte(
                "improved",
                "each unit's gain against last year's scores (NULL: not in them)",
                format!(
                    "SELECT {last}.*,\n  {}\nFROM {last}\nLEFT JOIN (\n  \
                     SELECT t.*, COUNT(*) OVER (PARTITION BY unit) AS _times, ROW_NUMBER() OVER (PARTITION BY unit) AS _nth\n  \
                     FROM {} AS t\n\
                     ) AS prev ON prev.unit = {last}.unit AND prev._nth = 1",
                    improved.join(",\n  "),
                    super::table_name(t)
                ),
            );
            last = "improved".into();
        }
    }
    if !prize_cols.is_empty() {
        g.cte(
            "prized",
            "prizes: by rank, ties sharing them; by improvement, to the group's largest gain",
            format!("SELECT *,\n  {}\nFROM {last}", prize_cols.join(",\n  ")),
        );
        last = "prized".into();
    }
    let mut out = vec!["unit".to_string()];
    if g.options.group_column.is_some() {
        out.push(format!("grp AS {}", ident("group")));
    }
    out.push("rank".into());
    out.push("total".into());
    for (si, label) in labels.sections.iter().enumerate() {
        out.push(format!("s{si} AS {label}"));
        for (ii, item) in labels.items.get(si).into_iter().flatten().enumerate() {
            if let Some(item) = item {
                out.push(format!("i{si}_{ii} AS {item}"));
            }
        }
    }
    if !p.grades.is_empty() {
        out.push(format!("{grade_col} AS grade"));
    }
    if !prizes.is_empty() {
        out.push(format!("CONCAT_WS('；', {}) AS prizes", prizes.join(", ")));
    }
    let order = match g.options.dialect {
        Dialect::Postgres => "grp COLLATE \"C\" NULLS FIRST, total DESC, unit COLLATE \"C\"",
        Dialect::DuckDb => "grp NULLS FIRST, total DESC, unit",
    };
    g.last = format!(
        "-- one row a unit, ranked; ties listed by name\nSELECT {}\nFROM {last}\nORDER BY {order}",
        out.join(",\n  ")
    );
}

/// One grade, best first: a unit not yet graded whose total meets the threshold and that no
/// veto holds below it; a quota takes units by total, tied units together, and once a tie
/// overruns it no unit below takes the place (`ties by` orders the tie by a section first).
fn grade_step(g: &mut Gen, gi: usize, grade: &ir::Grade, from: &str) -> String {
    let p = g.policy;
    let meets = match grade.min {
        None => "TRUE".to_string(),
        Some(m) if grade.inclusive => format!("total >= {}", num(m)),
        Some(m) => format!("total > {}", num(m)),
    };
    let (prev, next) = (format!("gr{gi}"), format!("gr{}", gi + 1));
    let eligible = format!("e{gi}");
    g.cte(
        &format!("grade{gi}_eligible"),
        &format!("{}: the units it may take", grade.clause),
        format!(
            "SELECT *, CASE WHEN {prev} IS NULL AND {meets} AND (veto_floor IS NULL OR veto_floor <= {gi}) THEN 1 ELSE 0 END AS {eligible}\nFROM {from}"
        ),
    );
    let name = text(&grade.name);
    let chosen = match &grade.quota {
        None => format!("{eligible} = 1"),
        Some(q) => {
            let room = match (q.percent, q.rounding) {
                (false, _) => q.limit.to_u64().unwrap_or(u64::MAX).to_string(),
                (true, r) => {
                    let share = num(q.limit / Decimal::ONE_HUNDRED);
                    let f = match r {
                        Rounding::Down => format!("FLOOR({share} * group_size)"),
                        Rounding::Up => format!("CEIL({share} * group_size)"),
                        Rounding::HalfUp => format!("ROUND({share} * group_size, 0)"),
                    };
                    format!("GREATEST({f}, 1)")
                }
            };
            let upto = format!(
                "SUM({eligible}) OVER (PARTITION BY grp ORDER BY total DESC RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
            );
            let ties = grade.ties_by.as_ref().map(|section| {
                let score = p
                    .sections
                    .iter()
                    .position(|s| &s.name == section)
                    .map_or("0".to_string(), |si| format!("s{si}"));
                format!(
                    " OR ({upto} - SUM({eligible}) OVER (PARTITION BY grp, total)\n      \
                     + SUM({eligible}) OVER (PARTITION BY grp, total ORDER BY {score} DESC RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) <= {room}"
                )
            });
            format!(
                "{eligible} = 1 AND ({upto} <= {room}{})",
                ties.unwrap_or_default()
            )
        }
    };
    let step = format!("grade{gi}");
    g.cte(
        &step,
        &format!("{}: the units it takes", grade.clause),
        format!("SELECT *, CASE WHEN {chosen} THEN {name} ELSE {prev} END AS {next}\nFROM grade{gi}_eligible"),
    );
    step
}

/// The result's column names of sections and of items with a worth (`section / item`),
/// unique and short enough for PostgreSQL (63 bytes), as SQL identifiers.
struct Labels {
    sections: Vec<String>,
    items: Vec<Vec<Option<String>>>,
}

fn labels(p: &ir::Policy) -> Labels {
    let mut taken = Taken::default();
    let mut labels = Labels {
        sections: Vec::new(),
        items: Vec::new(),
    };
    for s in &p.sections {
        labels.sections.push(taken.label(&s.name));
        labels.items.push(
            s.items
                .iter()
                .map(|i| {
                    i.worth
                        .map(|_| taken.label(&format!("{} / {}", s.name, i.name)))
                })
                .collect(),
        );
    }
    labels
}

#[derive(Default)]
struct Taken {
    taken: HashSet<String>,
}

impl Taken {
    fn label(&mut self, name: &str) -> String {
        let mut cut = name.to_string();
        if cut.len() > 60 {
            let mut end = 56;
            while !cut.is_char_boundary(end) {
                end -= 1;
            }
            cut.truncate(end);
            cut.push('…');
        }
        let mut label = cut.clone();
        let mut n = 2;
        while !self.taken.insert(label.clone()) {
            label = format!("{cut} {n}");
            n += 1;
        }
        ident(&label)
    }
}
