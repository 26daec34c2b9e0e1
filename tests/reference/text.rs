//! The model as text: the policy kaohe compiles and the CSV it reads.

use rust_decimal::Decimal;

use super::*;

pub fn num(x: Decimal) -> String {
    x.normalize().to_string()
}

fn cond_text(c: &Cond) -> String {
    match c {
        Cond::Flag(f) | Cond::Happened(f) => f.clone(),
        Cond::Compare { fact, op, value } => {
            let op = match op {
                Op::Lt => "<",
                Op::Le => "<=",
                Op::Gt => ">",
                Op::Ge => ">=",
                Op::Eq => "=",
                Op::Ne => "!=",
            };
            format!("{fact} {op} {}", num(*value))
        }
        Cond::And(a, b) => format!("({} and {})", cond_text(a), cond_text(b)),
        Cond::Or(a, b) => format!("({} or {})", cond_text(a), cond_text(b)),
        Cond::Not(a) => format!("not ({})", cond_text(a)),
    }
}

fn rule_text(r: &Rule) -> String {
    let verb = if r.verb == Verb::Deduct {
        "deduct"
    } else {
        "award"
    };
    let mut t = match &r.kind {
        RuleKind::Count {
            fact,
            amount,
            per,
            kind,
            once_per_case,
        } => {
            let per = match per {
                Per::Occurrence => "per occurrence",
                Per::PersonOccurrence => "per person per occurrence",
                Per::PersonDay => "per person per day",
            };
            let mut t = format!("{verb} {} {per} of {fact}", num(*amount));
            if let Some(k) = kind {
                t.push_str(&format!(" where kind = {k}"));
            }
            if *once_per_case {
                t.push_str(", once per case");
            }
            t
        }
        RuleKind::Cases { fact, amount } => format!("{verb} {} per case of {fact}", num(*amount)),
        RuleKind::Kinds {
            fact,
            amount,
            missing,
        } => {
            let m = if *missing { "missing " } else { "" };
            format!("{verb} {} per {m}kind of {fact}", num(*amount))
        }
        RuleKind::Table {
            fact,
            amounts,
            once_per_case,
        } => {
            let list: Vec<String> = amounts
                .iter()
                .map(|(k, a)| format!("{k} {}", num(*a)))
                .collect();
            let once = if *once_per_case {
                ", once per case"
            } else {
                ""
            };
            format!("{verb} by kind of {fact}: {}{once}", list.join(", "))
        }
        RuleKind::When {
            cond,
            unless,
            amount,
            otherwise,
        } => {
            let w = if *unless { "unless" } else { "when" };
            let mut t = format!("{verb} {} {w} {}", num(*amount), cond_text(cond));
            if let Some(o) = otherwise {
                t.push_str(&format!(", otherwise {}", num(*o)));
            }
            t
        }
        RuleKind::Times { fact, factor } => format!("{verb} {} times {fact}", num(*factor)),
        RuleKind::Given { fact } => format!("{verb} {fact}"),
        RuleKind::Brackets { fact, steps } => {
            let (hi, a) = steps[0];
            let (lo, b) = steps[1];
            let (_, c) = steps[2];
            format!(
                "{verb} by {fact}: {} or more {}, {} to {} {}, below {} {}",
                num(hi),
                num(a),
                num(lo),
                num(hi - Decimal::ONE),
                num(b),
                num(lo),
                num(c)
            )
        }
        RuleKind::ProjectsBelow {
            fact,
            amount,
            below,
        } => {
            format!(
                "{verb} {} per project of {fact} where value < {}%",
                num(*amount),
                num(*below)
            )
        }
        RuleKind::EachMonth {
            fact,
            at_least,
            amount,
        } => {
            format!(
                "{verb} {} when each month has at least {} {fact}",
                num(*amount),
                num(*at_least)
            )
        }
        RuleKind::Late {
            fact,
            amount,
            n,
            workdays,
        } => {
            let unit = match (*workdays, *n) {
                (true, 1) => "workday",
                (true, _) => "workdays",
                (false, 1) => "day",
                (false, _) => "days",
            };
            format!(
                "{verb} {} per occurrence of {fact} where answered > submitted + {n} {unit}",
                num(*amount)
            )
        }
    };
    if let Some(c) = r.cap {
        t.push_str(&format!(", cap {}", num(c)));
    }
    if let Some(c) = &r.only_if {
        t.push_str(&format!(", only if {}", cond_text(c)));
    }
    t
}

/// A container's rules, each group under its line, at `indent`.
fn rules_text(rules: &[Rule], groups: &[Group], indent: &str) -> String {
    let mut t = String::new();
    let mut open: Option<usize> = None;
    for r in rules {
        if r.group != open {
            if let Some(g) = r.group {
                let line = match &groups[g] {
                    Group::Highest => "the highest of".to_string(),
                    Group::Together(c) => format!("together, cap {}", num(*c)),
                };
                t.push_str(&format!("{indent}{line}\n"));
            }
            open = r.group;
        }
        let more = if r.group.is_some() { "  " } else { "" };
        t.push_str(&format!("{indent}{more}{}\n", rule_text(r)));
    }
    t
}

/// The model as a policy, in the English surface form.
pub fn policy_text(m: &Model) -> String {
    let total: Decimal = m
        .sections
        .iter()
        .filter(|s| !s.bonus)
        .filter_map(|s| s.worth)
        .sum();
    let bonus: Decimal = m
        .sections
        .iter()
        .filter(|s| s.bonus)
        .filter_map(|s| s.worth)
        .sum();
    let mut t = format!(
        "policy \"random\"\n  year {}\n  total {}\n",
        m.year,
        num(total)
    );
    if bonus > Decimal::ZERO {
        t.push_str(&format!("  bonus {}\n", num(bonus)));
    }
    t.push_str(&format!("\nunits {}\n\n", m.units.join(", ")));
    if let Some(cal) = &m.calendar {
        let day = |(month, day): &(u32, u32)| format!("{}-{month:02}-{day:02}", m.year);
        t.push_str("calendar\n");
        // Runs of consecutive holidays as ranges, the rest one by one.
        let mut runs: Vec<((u32, u32), (u32, u32))> = Vec::new();
        for &h in &cal.holidays {
            let date = |(mo, d): (u32, u32)| {
                chrono::NaiveDate::from_ymd_opt(m.year, mo, d).expect("a date")
            };
            match runs.last_mut() {
                Some((_, end)) if date(*end).succ_opt() == Some(date(h)) => *end = h,
                _ => runs.push((h, h)),
            }
        }
        let list: Vec<String> = runs
            .iter()
            .map(|(a, b)| {
                if a == b {
                    day(a)
                } else {
                    format!("{} to {}", day(a), day(b))
                }
            })
            .collect();
        t.push_str(&format!("  holidays {}\n", list.join(", ")));
        if !cal.workdays.is_empty() {
            let list: Vec<String> = cal.workdays.iter().map(day).collect();
            t.push_str(&format!("  workdays {}\n", list.join(", ")));
        }
        t.push('\n');
    }
    for f in &m.facts {
        let shape = match &f.shape {
            Shape::Event { kinds } => format!(
                "event with persons, days, case, kind in {{{}}}",
                kinds.join(", ")
            ),
            Shape::Measure {
                kind: MeasureKind::KeyedPercent,
            } => "measure percent with project".into(),
            Shape::Measure {
                kind: MeasureKind::Count,
            } => "measure count".into(),
            Shape::Measure {
                kind: MeasureKind::Points,
            } => "measure points".into(),
            Shape::Flag => "flag".into(),
            Shape::Points { lo, hi } => format!("points from {} to {}", num(*lo), num(*hi)),
            Shape::Deadline => "event with case, submitted: date, answered: date".into(),
        };
        t.push_str(&format!("fact {}: {shape}\n", f.name));
    }
    for s in &m.sections {
        let head = match (s.bonus, s.worth) {
            (true, Some(w)) => format!("bonus section \"{}\" worth {}", s.name, num(w)),
            (_, Some(w)) => format!("section \"{}\" worth {}", s.name, num(w)),
            (_, None) => format!("section \"{}\"", s.name),
        };
        t.push_str(&format!("\n{head}\n"));
        for i in &s.items {
            match i.worth {
                Some(w) => t.push_str(&format!("  item \"{}\" worth {}\n", i.name, num(w))),
                None => t.push_str(&format!("  item \"{}\"\n", i.name)),
            }
            t.push_str(&rules_text(&i.rules, &i.groups, "    "));
        }
        t.push_str(&rules_text(&s.rules, &s.groups, "  "));
    }
    if !m.grades.is_empty() {
        t.push('\n');
    }
    for g in &m.grades {
        let quota = |q: &Quota| match q {
            Quota::Count(n) => format!("top {n}"),
            Quota::Percent(p, Rounding::Down) => format!("top {}%", num(*p)),
            Quota::Percent(p, Rounding::Up) => format!("top {}% rounded up", num(*p)),
            Quota::Percent(p, Rounding::HalfUp) => format!("top {}% rounded half up", num(*p)),
        };
        let mut line = match (g.at_least, &g.quota) {
            (None, _) => format!("grade {} otherwise", g.name),
            (Some(t), None) => format!("grade {} at least {}", g.name, num(t)),
            (Some(t), Some(q)) => {
                format!("grade {} {} and at least {}", g.name, quota(q), num(t))
            }
        };
        if let Some(s) = g.ties_by {
            line.push_str(&format!(", ties by \"{}\"", m.sections[s].name));
        }
        t.push_str(&line);
        t.push('\n');
    }
    for (c, g) in &m.vetoes {
        t.push_str(&format!("veto when {}, grade {g}\n", cond_text(c)));
    }
    for p in &m.prizes {
        let line = match p {
            Prize::Top {
                name,
                n,
                section: None,
            } => format!("prize \"{name}\" to the top {n}"),
            Prize::Top {
                name,
                n,
                section: Some(s),
            } => format!(
                "prize \"{name}\" to the top {n} in section \"{}\"",
                m.sections[*s].name
            ),
            Prize::Improved {
                name,
                each_section: false,
            } => format!("prize \"{name}\" to the most improved against previous"),
            Prize::Improved {
                name,
                each_section: true,
            } => format!("prize \"{name}\" to the most improved in each section against previous"),
        };
        t.push_str(&line);
        t.push('\n');
    }
    t
}

/// The rows as a CSV fact file.
pub fn csv_text(m: &Model, rows: &[Row]) -> String {
    let mut t = String::from(
        "unit,fact,date,persons,days,count,value,case,kind,project,submitted,answered\n",
    );
    let day = |d: Option<(u32, u32)>| {
        d.map(|(month, day)| format!("{}-{month:02}-{day:02}", m.year))
            .unwrap_or_default()
    };
    let o = |x: &Option<Decimal>| x.map(num).unwrap_or_default();
    for r in rows {
        let value = match (r.flag, &r.value) {
            (Some(true), _) => "是".to_string(),
            (Some(false), _) => "否".to_string(),
            (None, Some(v)) => {
                let percent = m.facts.iter().any(|f| {
                    f.name == r.fact
                        && matches!(
                            f.shape,
                            Shape::Measure {
                                kind: MeasureKind::KeyedPercent
                            }
                        )
                });
                if percent {
                    format!("{}%", num(*v))
                } else {
                    num(*v)
                }
            }
            (None, None) => String::new(),
        };
        t.push_str(&format!(
            "{},{},{}-{:02}-{:02},{},{},{},{},{},{},{},{},{}\n",
            r.unit,
            r.fact,
            m.year,
            r.date.0,
            r.date.1,
            o(&r.persons),
            o(&r.days),
            o(&r.count),
            value,
            r.case.clone().unwrap_or_default(),
            r.kind.clone().unwrap_or_default(),
            r.project.clone().unwrap_or_default(),
            day(r.answered.map(|_| r.date)),
            day(r.answered),
        ));
    }
    t
}

/// Last year's results as kaohe writes them with `--format csv`, when the model has them.
pub fn previous_csv(m: &Model) -> Option<String> {
    let previous = m.previous.as_ref()?;
    let names: Vec<&str> = m.sections.iter().map(|s| s.name.as_str()).collect();
    let mut t = format!("rank,unit,total,{}\n", names.join(","));
    for (i, p) in previous.iter().enumerate() {
        let scores: Vec<String> = p.sections.iter().map(|x| num(*x)).collect();
        t.push_str(&format!(
            "{},{},{},{}\n",
            i + 1,
            p.unit,
            num(p.total),
            scores.join(",")
        ));
    }
    Some(t)
}
