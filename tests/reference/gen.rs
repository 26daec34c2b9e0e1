//! Random well-typed policies and their facts, from a seed: the model the reference scores,
//! the policy text kaohe compiles and the CSV kaohe reads.

use rust_decimal::Decimal;

use super::*;

/// A small deterministic generator (xorshift64*), so that a seed is a case.
pub struct Rng(u64, bool);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1, false)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// 0..n
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    pub fn pick_str(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len())]
    }
}

fn d(s: &str) -> Decimal {
    s.parse().expect("a decimal")
}

const AMOUNTS: [&str; 8] = ["0.1", "0.2", "0.5", "1", "1.5", "2", "3", "5"];

/// An amount; in a coarse policy always 1, so that units tie often (and ties are where
/// ranks, quotas, `ties by` and prizes are decided).
fn amount(rng: &mut Rng) -> Decimal {
    let a = d(rng.pick_str(&AMOUNTS));
    if rng.1 {
        Decimal::ONE
    } else {
        a
    }
}

/// The facts every generated policy declares.
fn facts(rng: &mut Rng) -> Vec<Fact> {
    let kinds = |n: usize| {
        ["a", "b", "c", "d"][..n]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    vec![
        Fact {
            name: "e0".into(),
            shape: Shape::Event {
                kinds: kinds(2 + rng.below(3)),
            },
        },
        Fact {
            name: "e1".into(),
            shape: Shape::Event {
                kinds: kinds(2 + rng.below(3)),
            },
        },
        Fact {
            name: "m0".into(),
            shape: Shape::Measure {
                kind: MeasureKind::KeyedPercent,
            },
        },
        Fact {
            name: "n0".into(),
            shape: Shape::Measure {
                kind: MeasureKind::Count,
            },
        },
        Fact {
            name: "q0".into(),
            shape: Shape::Measure {
                kind: MeasureKind::Points,
            },
        },
        Fact {
            name: "f0".into(),
            shape: Shape::Flag,
        },
        Fact {
            name: "f1".into(),
            shape: Shape::Flag,
        },
        Fact {
            name: "p0".into(),
            shape: Shape::Points {
                lo: d("0"),
                hi: d("1"),
            },
        },
        Fact {
            name: "e2".into(),
            shape: Shape::Deadline,
        },
    ]
}

fn kinds_of(facts: &[Fact], name: &str) -> Vec<String> {
    match facts.iter().find(|f| f.name == name).map(|f| &f.shape) {
        Some(Shape::Event { kinds }) => kinds.clone(),
        _ => Vec::new(),
    }
}

fn condition(rng: &mut Rng, depth: usize) -> Cond {
    match rng.below(if depth > 1 { 3 } else { 6 }) {
        0 => Cond::Flag(rng.pick(&["f0", "f1"]).to_string()),
        1 => Cond::Happened(rng.pick(&["e0", "e1"]).to_string()),
        2 => Cond::Compare {
            fact: rng.pick(&["n0", "e0", "e1"]).to_string(),
            op: *rng.pick(&[Op::Lt, Op::Le, Op::Gt, Op::Ge, Op::Eq, Op::Ne]),
            value: Decimal::from(rng.below(6)),
        },
        3 => Cond::And(
            Box::new(condition(rng, depth + 1)),
            Box::new(condition(rng, depth + 1)),
        ),
        4 => Cond::Or(
            Box::new(condition(rng, depth + 1)),
            Box::new(condition(rng, depth + 1)),
        ),
        _ => Cond::Not(Box::new(condition(rng, depth + 1))),
    }
}

/// A rule with the verb given (or any verb the form allows when `verb` is None).
fn rule(rng: &mut Rng, facts: &[Fact], verb: Option<Verb>) -> Rule {
    let any = || verb;
    let v = |rng: &mut Rng, allowed: &[Verb]| -> Verb {
        match any() {
            Some(v) => v,
            None => *rng.pick(allowed),
        }
    };
    let both = [Verb::Deduct, Verb::Award];
    let event = rng.pick(&["e0", "e1"]).to_string();
    // Forms that can only deduct or only award are left out when the verb is the other.
    let mut forms = vec![0, 1, 2, 3, 5, 9];
    if verb != Some(Verb::Award) {
        forms.extend([4, 7, 10]);
    }
    if verb != Some(Verb::Deduct) {
        forms.extend([6, 8]);
    }
    let cap = |rng: &mut Rng| {
        rng.chance(40)
            .then(|| d(rng.pick_str(&["0.5", "1", "2", "3", "4", "10"])))
    };
    match *rng.pick(&forms) {
        0 => {
            let kind = rng
                .chance(40)
                .then(|| rng.pick(&kinds_of(facts, &event)).clone());
            Rule {
                verb: v(rng, &both),
                kind: RuleKind::Count {
                    fact: event,
                    amount: amount(rng),
                    per: *rng.pick(&[Per::Occurrence, Per::PersonOccurrence, Per::PersonDay]),
                    kind,
                    once_per_case: rng.chance(30),
                },
                cap: cap(rng),
                only_if: None,
                group: None,
            }
        }
        1 => Rule {
            verb: v(rng, &both),
            kind: RuleKind::Kinds {
                fact: event,
                amount: amount(rng),
                missing: rng.chance(50),
            },
            cap: cap(rng),
            only_if: None,
            group: None,
        },
        2 => {
            let amounts = kinds_of(facts, &event)
                .into_iter()
                .map(|k| (k, amount(rng)))
                .collect();
            Rule {
                verb: v(rng, &both),
                kind: RuleKind::Table {
                    fact: event,
                    amounts,
                    once_per_case: rng.chance(40),
                },
                cap: cap(rng),
                only_if: None,
                group: None,
            }
        }
        3 => Rule {
            verb: v(rng, &both),
            kind: RuleKind::When {
                cond: condition(rng, 0),
                unless: rng.chance(30),
                amount: amount(rng),
                otherwise: rng.chance(30).then(|| amount(rng)),
            },
            cap: None,
            only_if: None,
            group: None,
        },
        4 => Rule {
            verb: Verb::Deduct,
            kind: if rng.chance(50) {
                RuleKind::Times {
                    fact: "q0".into(),
                    factor: amount(rng),
                }
            } else {
                RuleKind::ProjectsBelow {
                    fact: "m0".into(),
                    amount: amount(rng),
                    below: d(rng.pick_str(&["60", "80", "90", "100"])),
                }
            },
            cap: cap(rng),
            only_if: None,
            group: None,
        },
        5 => Rule {
            verb: v(rng, &both),
            kind: RuleKind::Given { fact: "p0".into() },
            cap: cap(rng),
            only_if: None,
            group: None,
        },
        6 => {
            let hi = 2 + rng.below(8) as i64;
            let lo = 1 + rng.below(hi as usize - 1) as i64;
            Rule {
                verb: Verb::Award,
                kind: RuleKind::Brackets {
                    fact: "n0".into(),
                    steps: vec![
                        (Decimal::from(hi), amount(rng)),
                        (Decimal::from(lo), amount(rng)),
                        (Decimal::ZERO, amount(rng)),
                    ],
                },
                cap: None,
                only_if: None,
                group: None,
            }
        }
        9 => Rule {
            verb: v(rng, &both),
            kind: RuleKind::Cases {
                fact: event,
                amount: amount(rng),
            },
            cap: cap(rng),
            only_if: None,
            group: None,
        },
        7 => Rule {
            verb: Verb::Deduct,
            kind: RuleKind::Count {
                fact: event,
                amount: amount(rng),
                per: Per::Occurrence,
                kind: None,
                once_per_case: false,
            },
            cap: cap(rng),
            only_if: None,
            group: None,
        },
        10 => Rule {
            verb: Verb::Deduct,
            kind: RuleKind::Late {
                fact: "e2".into(),
                amount: amount(rng),
                n: 1 + rng.below(6) as u32,
                workdays: rng.chance(75),
            },
            cap: cap(rng),
            only_if: None,
            group: None,
        },
        _ => Rule {
            verb: Verb::Award,
            kind: RuleKind::EachMonth {
                fact: event,
                at_least: Decimal::from(rng.below(2)),
                amount: amount(rng),
            },
            cap: None,
            only_if: None,
            group: None,
        },
    }
}

/// A container's rules, some with a precondition, and its groups: a run of rules of one
/// verb under `the highest of` or `together, cap N`.
fn rules(rng: &mut Rng, facts: &[Fact], verb: Option<Verb>) -> (Vec<Rule>, Vec<Group>) {
    let mut out: Vec<Rule> = (0..1 + rng.below(4))
        .map(|_| rule(rng, facts, verb))
        .collect();
    for r in out.iter_mut() {
        if rng.chance(15) && !matches!(r.kind, RuleKind::When { .. }) {
            r.only_if = Some(condition(rng, 1));
        }
    }
    let mut groups = Vec::new();
    if rng.chance(25) {
        let v = verb.unwrap_or(*rng.pick(&[Verb::Deduct, Verb::Award]));
        let n = 2 + rng.below(2);
        let group = if rng.chance(50) {
            Group::Highest
        } else {
            Group::Together(d(rng.pick_str(&["0.5", "1", "2", "3"])))
        };
        groups.push(group);
        for _ in 0..n {
            let mut r = rule(rng, facts, Some(v));
            r.group = Some(0);
            out.push(r);
        }
    }
    (out, groups)
}

/// A random model.
pub fn model(rng: &mut Rng) -> Model {
    rng.1 = rng.chance(30);
    let facts = facts(rng);
    let units: Vec<String> = (1..=2 + rng.below(5)).map(|i| format!("单位{i}")).collect();
    let mut sections = Vec::new();
    for s in 0..1 + rng.below(4) {
        let name = format!("S{s}");
        if rng.chance(30) {
            let mut items: Vec<Item> = (0..1 + rng.below(3))
                .map(|i| {
                    let (rules, groups) = rules(rng, &facts, None);
                    Item {
                        name: format!("S{s}.{i}"),
                        worth: Some(Decimal::from(1 + rng.below(6))),
                        rules,
                        groups,
                    }
                })
                .collect();
            // An item without worth passes its points to the section.
            if rng.chance(25) {
                let (rules, groups) = rules(rng, &facts, None);
                items.push(Item {
                    name: format!("S{s}.x"),
                    worth: None,
                    rules,
                    groups,
                });
            }
            let worth = items.iter().filter_map(|i| i.worth).sum();
            let (own, groups) = if rng.chance(30) {
                rules(rng, &facts, Some(Verb::Deduct))
            } else {
                (Vec::new(), Vec::new())
            };
            sections.push(Section {
                name,
                worth: Some(worth),
                bonus: false,
                items,
                rules: own,
                groups,
            });
        } else if rng.chance(15) {
            let (rules, groups) = rules(rng, &facts, Some(Verb::Deduct));
            sections.push(Section {
                name,
                worth: None,
                bonus: false,
                items: Vec::new(),
                rules,
                groups,
            });
        } else {
            let (rules, groups) = rules(rng, &facts, None);
            let worth = Some(Decimal::from(1 + rng.below(10)));
            sections.push(Section {
                name,
                worth,
                bonus: false,
                items: Vec::new(),
                rules,
                groups,
            });
        }
    }
    if !sections.iter().any(|s| s.worth.is_some()) {
        let (rules, groups) = rules(rng, &facts, None);
        sections.push(Section {
            name: "S9".into(),
            worth: Some(Decimal::from(5)),
            bonus: false,
            items: Vec::new(),
            rules,
            groups,
        });
    }
    if rng.chance(30) {
        let (rules, groups) = rules(rng, &facts, Some(Verb::Award));
        let worth = Some(Decimal::from(1 + rng.below(5)));
        sections.push(Section {
            name: "B".into(),
            worth,
            bonus: true,
            items: Vec::new(),
            rules,
            groups,
        });
    }
    let mut grades = Vec::new();
    if rng.chance(50) {
        let mut t = 4 + rng.below(8) as i64;
        for g in 0..rng.below(3) {
            let quota = match rng.below(10) {
                0..=2 => Some(Quota::Count(1 + rng.below(2))),
                3..=5 => Some(Quota::Percent(
                    d(rng.pick_str(&["10", "25", "30", "50"])),
                    *rng.pick(&[Rounding::Down, Rounding::Up, Rounding::HalfUp]),
                )),
                _ => None,
            };
            let ties_by = (quota.is_some() && rng.chance(50)).then(|| rng.below(sections.len()));
            grades.push(Grade {
                name: format!("G{g}"),
                at_least: Some(Decimal::from(t)),
                quota,
                ties_by,
            });
            t -= 1 + rng.below(3) as i64;
        }
        grades.push(Grade {
            name: "G9".into(),
            at_least: None,
            quota: None,
            ties_by: None,
        });
    }
    // Vetoes only where no grade has a quota (how a vetoed unit and a quota meet is another
    // question); prizes by rank.
    let mut vetoes = Vec::new();
    if grades.len() > 1 && grades.iter().all(|g| g.quota.is_none()) && rng.chance(50) {
        let g = rng.pick(&grades[1..]).name.clone();
        vetoes.push((condition(rng, 1), g));
    }
    let mut prizes = Vec::new();
    if rng.chance(30) {
        prizes.push(Prize::Top {
            name: "P".into(),
            n: 1 + rng.below(3),
            section: None,
        });
    }
    if rng.chance(15) {
        prizes.push(Prize::Top {
            name: "PS".into(),
            n: 1 + rng.below(2),
            section: Some(rng.below(sections.len())),
        });
    }
    if rng.chance(15) {
        prizes.push(Prize::Improved {
            name: "PI".into(),
            each_section: rng.chance(50),
        });
    }
    // Last year's results: some units missing, scores near this year's range.
    let previous = if prizes.iter().any(|p| matches!(p, Prize::Improved { .. })) {
        let mut last = Vec::new();
        for u in &units {
            if rng.chance(85) {
                let mut score =
                    |top: usize| Decimal::from(rng.below(top)) + d(rng.pick_str(&["0", "0.5"]));
                last.push(Previous {
                    unit: u.clone(),
                    total: score(12),
                    sections: sections.iter().map(|_| score(6)).collect(),
                });
            }
        }
        Some(last)
    } else {
        None
    };
    Model {
        year: 2021,
        units,
        facts,
        sections,
        grades,
        vetoes,
        prizes,
        calendar: Some(calendar(rng)),
        previous,
    }
}

/// A calendar of 2021: one to three runs of holidays, on weekdays and weekends alike, and up
/// to two make-up workdays on weekends.
fn calendar(rng: &mut Rng) -> Calendar {
    let mut cal = Calendar::default();
    for _ in 0..1 + rng.below(3) {
        let start = chrono::NaiveDate::from_ymd_opt(2021, 1 + rng.below(12) as u32, 1)
            .expect("a date")
            + chrono::Duration::days(rng.below(28) as i64);
        for k in 0..1 + rng.below(7) {
            let day = start + chrono::Duration::days(k as i64);
            let md = (chrono::Datelike::month(&day), chrono::Datelike::day(&day));
            if chrono::Datelike::year(&day) == 2021 && !cal.holidays.contains(&md) {
                cal.holidays.push(md);
            }
        }
    }
    for _ in 0..rng.below(3) {
        let day = chrono::NaiveDate::from_ymd_opt(2021, 1, 2).expect("a Saturday")
            + chrono::Duration::weeks(rng.below(50) as i64)
            + chrono::Duration::days(rng.below(2) as i64);
        let md = (chrono::Datelike::month(&day), chrono::Datelike::day(&day));
        if !cal.holidays.contains(&md) && !cal.workdays.contains(&md) {
            cal.workdays.push(md);
        }
    }
    cal.holidays.sort();
    cal.workdays.sort();
    cal
}

/// Random rows for the model's units (some units get none).
pub fn rows(rng: &mut Rng, m: &Model) -> Vec<Row> {
    let mut out = Vec::new();
    let blank = |unit: &str, fact: &str, date: (u32, u32)| Row {
        unit: unit.into(),
        fact: fact.into(),
        date,
        persons: None,
        days: None,
        count: None,
        case: None,
        kind: None,
        project: None,
        value: None,
        flag: None,
        answered: None,
    };
    let date = |rng: &mut Rng| (1 + rng.below(12) as u32, 1 + rng.below(28) as u32);
    // Re-reports on distinct dates: months in order.
    let dates = |rng: &mut Rng, n: usize| -> Vec<(u32, u32)> {
        let mut months: Vec<u32> = (1..=12).collect();
        let mut out: Vec<(u32, u32)> = (0..n)
            .map(|_| {
                let i = rng.below(months.len());
                (months.remove(i), 1 + rng.below(28) as u32)
            })
            .collect();
        out.sort();
        out
    };
    for unit in &m.units {
        if rng.chance(15) {
            continue;
        }
        for f in &m.facts {
            match &f.shape {
                Shape::Event { kinds } => {
                    // Sometimes enough rows for every month.
                    let n = if rng.chance(10) { 14 } else { rng.below(6) };
                    for i in 0..n {
                        let mut r = blank(
                            unit,
                            &f.name,
                            if n == 14 && i < 12 {
                                (i as u32 + 1, 5)
                            } else {
                                date(rng)
                            },
                        );
                        r.persons = Some(Decimal::from(rng.below(4)));
                        r.days = Some(Decimal::from(rng.below(4)));
                        r.count = rng.chance(40).then(|| Decimal::from(rng.below(4)));
                        r.case = rng.chance(80).then(|| format!("C{}", rng.below(3)));
                        r.kind = Some(rng.pick(kinds).clone());
                        out.push(r);
                    }
                }
                Shape::Measure { kind } => {
                    let keys: Vec<Option<String>> = match kind {
                        MeasureKind::KeyedPercent => {
                            (0..rng.below(4)).map(|k| Some(format!("P{k}"))).collect()
                        }
                        _ => {
                            if rng.chance(75) {
                                vec![None]
                            } else {
                                Vec::new()
                            }
                        }
                    };
                    for key in keys {
                        let n = 1 + rng.below(2);
                        for dt in dates(rng, n) {
                            let mut r = blank(unit, &f.name, dt);
                            r.project = key.clone();
                            r.value = Some(match kind {
                                MeasureKind::KeyedPercent => {
                                    Decimal::from(50 + rng.below(51))
                                        + d(rng.pick_str(&["0", "0.5"]))
                                }
                                MeasureKind::Count => Decimal::from(rng.below(12)),
                                MeasureKind::Points => {
                                    Decimal::from(rng.below(4)) + d(rng.pick_str(&["0", "0.5"]))
                                }
                            });
                            out.push(r);
                        }
                    }
                }
                Shape::Flag => {
                    if rng.chance(70) {
                        let n = 1 + rng.below(2);
                        for dt in dates(rng, n) {
                            let mut r = blank(unit, &f.name, dt);
                            r.flag = Some(rng.chance(50));
                            out.push(r);
                        }
                    }
                }
                Shape::Deadline => {
                    for _ in 0..rng.below(5) {
                        // Half of them near a holiday or make-up workday, where deadlines move.
                        let special: Vec<(u32, u32)> = m
                            .calendar
                            .iter()
                            .flat_map(|c| c.holidays.iter().chain(&c.workdays))
                            .copied()
                            .filter(|&(month, _)| month < 12)
                            .collect();
                        let submitted = if rng.chance(50) && !special.is_empty() {
                            let (month, day) = *rng.pick(&special);
                            let near = chrono::NaiveDate::from_ymd_opt(2021, month, day)
                                .expect("a date")
                                - chrono::Duration::days(rng.below(7) as i64);
                            (chrono::Datelike::month(&near), chrono::Datelike::day(&near))
                        } else {
                            (1 + rng.below(11) as u32, 1 + rng.below(28) as u32)
                        };
                        let mut r = blank(unit, &f.name, submitted);
                        let day = chrono::NaiveDate::from_ymd_opt(2021, submitted.0, submitted.1)
                            .expect("a date")
                            + chrono::Duration::days(rng.below(15) as i64);
                        r.answered =
                            Some((chrono::Datelike::month(&day), chrono::Datelike::day(&day)));
                        r.case = rng.chance(50).then(|| format!("C{}", rng.below(3)));
                        out.push(r);
                    }
                }
                Shape::Points { .. } => {
                    let n = rng.below(3);
                    for dt in dates(rng, n) {
                        let mut r = blank(unit, &f.name, dt);
                        r.value = Some(d(rng.pick_str(&["0", "0.5", "1"])));
                        out.push(r);
                    }
                }
            }
        }
    }
    out
}

pub use super::text::{csv_text, policy_text, previous_csv};
