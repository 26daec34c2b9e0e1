//! A deliberately naive reference scorer: the scoring semantics of `docs/language.md` written
//! out straight, over a policy model of its own (never parsed from text) and the fact rows as
//! generated. It shares no code with `src/eval`: slow, small and obviously right is the point.
//! `gen` makes random models and facts and writes them as a policy and a CSV for kaohe.

#![allow(dead_code)]

pub mod gen;
mod outcome;
pub mod text;

use outcome::{grade, prizes};

use rust_decimal::Decimal;

/// A fact of the model.
#[derive(Debug, Clone)]
pub struct Fact {
    pub name: String,
    pub shape: Shape,
}

#[derive(Debug, Clone)]
pub enum Shape {
    /// `event with persons, days, case, kind in {…}`; every event has all four fields.
    Event { kinds: Vec<String> },
    /// `measure percent with project` (keyed) or `measure count` / `measure points` (not).
    Measure { kind: MeasureKind },
    /// `flag`.
    Flag,
    /// `points from lo to hi`.
    Points { lo: Decimal, hi: Decimal },
    /// `event with case, submitted: date, answered: date`: a row's date is its `submitted`.
    Deadline,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MeasureKind {
    /// `measure percent with project`.
    KeyedPercent,
    /// `measure count`.
    Count,
    /// `measure points`.
    Points,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verb {
    Deduct,
    Award,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub verb: Verb,
    pub kind: RuleKind,
    pub cap: Option<Decimal>,
    /// `, only if COND`: unmet or unknown, the rule gives nothing.
    pub only_if: Option<Cond>,
    /// The group it is in (an index into its item's or section's groups); a group's rules
    /// are written one after another.
    pub group: Option<usize>,
}

/// `the highest of` (only the largest amount counts, the first among equals) or
/// `together, cap N` (the excess taken from the last rules first).
#[derive(Debug, Clone)]
pub enum Group {
    Highest,
    Together(Decimal),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Per {
    Occurrence,
    PersonOccurrence,
    PersonDay,
}

#[derive(Debug, Clone)]
pub enum RuleKind {
    /// `AMOUNT per … of EVENT [where kind = K] [, once per case]`.
    Count {
        fact: String,
        amount: Decimal,
        per: Per,
        kind: Option<String>,
        once_per_case: bool,
    },
    /// `AMOUNT per case of EVENT`: per distinct case among its occurrences (a row without a
    /// case is its own).
    Cases { fact: String, amount: Decimal },
    /// `AMOUNT per kind of EVENT` / `per missing kind of EVENT`.
    Kinds {
        fact: String,
        amount: Decimal,
        missing: bool,
    },
    /// `by kind of EVENT: k1 a1, … [, once per case]`.
    Table {
        fact: String,
        amounts: Vec<(String, Decimal)>,
        once_per_case: bool,
    },
    /// `AMOUNT when|unless COND [, otherwise N]`.
    When {
        cond: Cond,
        unless: bool,
        amount: Decimal,
        otherwise: Option<Decimal>,
    },
    /// `FACTOR times MEASURE` (a points measure).
    Times { fact: String, factor: Decimal },
    /// `deduct P` / `award P`: discretionary points.
    Given { fact: String },
    /// `by MEASURE: N or more a, L to H b, below L c` on a count measure.
    Brackets {
        fact: String,
        /// (at least, amount) from the highest bracket down; the last starts at 0.
        steps: Vec<(Decimal, Decimal)>,
    },
    /// `AMOUNT per project of MEASURE where value < P%`.
    ProjectsBelow {
        fact: String,
        amount: Decimal,
        below: Decimal,
    },
    /// `AMOUNT when each month has at least N EVENT`.
    EachMonth {
        fact: String,
        at_least: Decimal,
        amount: Decimal,
    },
    /// `AMOUNT per occurrence of EVENT where answered > submitted + N workdays|days`.
    Late {
        fact: String,
        amount: Decimal,
        n: u32,
        workdays: bool,
    },
}

#[derive(Debug, Clone)]
pub enum Cond {
    Flag(String),
    Happened(String),
    /// `MEASURE >= N` (count measure) or `MEASURE < N` etc.
    Compare {
        fact: String,
        op: Op,
        value: Decimal,
    },
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

#[derive(Debug, Clone)]
pub struct Item {
    pub name: String,
    /// None: passes its points to its section.
    pub worth: Option<Decimal>,
    pub rules: Vec<Rule>,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub name: String,
    /// None: a section without worth (deducts from the total directly).
    pub worth: Option<Decimal>,
    pub bonus: bool,
    pub items: Vec<Item>,
    pub rules: Vec<Rule>,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone)]
pub struct Grade {
    pub name: String,
    /// None: `otherwise`.
    pub at_least: Option<Decimal>,
    pub quota: Option<Quota>,
    /// `, ties by "S"`: a section index.
    pub ties_by: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quota {
    /// `top N`.
    Count(usize),
    /// `top P%`, `top P% rounded up`, `top P% rounded half up`.
    Percent(Decimal, Rounding),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rounding {
    Down,
    Up,
    HalfUp,
}

#[derive(Debug, Clone)]
pub enum Prize {
    /// `prize "P" to the top N`, or `… in section "S"` (a section index).
    Top {
        name: String,
        n: usize,
        section: Option<usize>,
    },
    /// `prize "P" to the most improved against previous`, or `… in each section …`.
    Improved { name: String, each_section: bool },
}

/// `calendar`: holidays and make-up workdays of the model's year, as (month, day).
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    pub holidays: Vec<(u32, u32)>,
    pub workdays: Vec<(u32, u32)>,
}

/// Last year's results of one unit: its total and its section scores, in section order.
#[derive(Debug, Clone)]
pub struct Previous {
    pub unit: String,
    pub total: Decimal,
    pub sections: Vec<Decimal>,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub year: i32,
    pub units: Vec<String>,
    pub facts: Vec<Fact>,
    pub sections: Vec<Section>,
    pub grades: Vec<Grade>,
    /// `veto when COND, grade G`.
    pub vetoes: Vec<(Cond, String)>,
    pub prizes: Vec<Prize>,
    pub calendar: Option<Calendar>,
    /// Last year's results (`--previous`), when a prize needs them; some units are missing.
    pub previous: Option<Vec<Previous>>,
}

/// One fact row, as generated.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub unit: String,
    pub fact: String,
    /// (month, day) of `year`.
    pub date: (u32, u32),
    pub persons: Option<Decimal>,
    pub days: Option<Decimal>,
    pub count: Option<Decimal>,
    pub case: Option<String>,
    pub kind: Option<String>,
    pub project: Option<String>,
    pub value: Option<Decimal>,
    pub flag: Option<bool>,
    /// A deadline event's `answered` (its `submitted` is `date`).
    pub answered: Option<(u32, u32)>,
}

/// A unit's scores by the reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub unit: String,
    pub total: Decimal,
    pub rank: usize,
    pub grade: Option<String>,
    pub prizes: Vec<String>,
    /// Per section: its score (a worthless section: its signed points), its items' scores
    /// (None for an item without worth), and every rule's amount after its cap and group
    /// (items' rules first, in order, then the section's own).
    pub sections: Vec<(Decimal, Vec<Option<Decimal>>, Vec<Decimal>)>,
}

fn fact<'m>(m: &'m Model, name: &str) -> &'m Fact {
    m.facts
        .iter()
        .find(|f| f.name == name)
        .expect("a declared fact")
}

/// The event rows of a unit that are occurrences: `count` 0 is none.
fn occurrences<'r>(rows: &'r [Row], unit: &str, fact: &str) -> Vec<&'r Row> {
    rows.iter()
        .filter(|r| r.unit == unit && r.fact == fact)
        .filter(|r| r.count.unwrap_or(Decimal::ONE) > Decimal::ZERO)
        .collect()
}

/// The rows of a measure or flag in force for a unit: per key, the latest date.
fn in_force<'r>(rows: &'r [Row], unit: &str, fact: &str) -> Vec<&'r Row> {
    let mine: Vec<&Row> = rows
        .iter()
        .filter(|r| r.unit == unit && r.fact == fact)
        .collect();
    let mut out: Vec<&Row> = Vec::new();
    for r in &mine {
        let latest = mine
            .iter()
            .filter(|o| o.project == r.project)
            .all(|o| o.date <= r.date);
        if latest && !out.iter().any(|o| o.project == r.project) {
            out.push(r);
        }
    }
    out
}

/// A measure's value for a unit (summed over keys); None when never reported.
fn measure(rows: &[Row], unit: &str, fact: &str) -> Option<Decimal> {
    let rows = in_force(rows, unit, fact);
    if rows.is_empty() {
        return None;
    }
    Some(rows.iter().filter_map(|r| r.value).sum())
}

/// Kleene's three values: None is unknown.
fn cond(c: &Cond, m: &Model, rows: &[Row], unit: &str) -> Option<bool> {
    match c {
        Cond::Flag(f) => Some(
            in_force(rows, unit, f)
                .first()
                .and_then(|r| r.flag)
                .unwrap_or(false),
        ),
        Cond::Happened(f) => Some(!occurrences(rows, unit, f).is_empty()),
        Cond::Compare { fact: f, op, value } => {
            let v = match &fact(m, f).shape {
                Shape::Event { .. } => Some(
                    occurrences(rows, unit, f)
                        .iter()
                        .map(|r| r.count.unwrap_or(Decimal::ONE))
                        .sum(),
                ),
                _ => measure(rows, unit, f),
            }?;
            Some(match op {
                Op::Lt => v < *value,
                Op::Le => v <= *value,
                Op::Gt => v > *value,
                Op::Ge => v >= *value,
                Op::Eq => v == *value,
                Op::Ne => v != *value,
            })
        }
        Cond::And(a, b) => match (cond(a, m, rows, unit), cond(b, m, rows, unit)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        Cond::Or(a, b) => match (cond(a, m, rows, unit), cond(b, m, rows, unit)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        Cond::Not(a) => cond(a, m, rows, unit).map(|b| !b),
    }
}

/// What one occurrence row is worth for `per`.
fn weight(r: &Row, per: Per) -> Decimal {
    let persons = r.persons.unwrap_or(Decimal::ONE);
    let days = r.days.unwrap_or(Decimal::ONE);
    match per {
        Per::Occurrence => Decimal::ONE,
        Per::PersonOccurrence => persons,
        Per::PersonDay => persons * days,
    }
}

/// Adds up per row (times its count), or once per case at the highest a row earns.
fn add_up(rows: &[&Row], once_per_case: bool, each: impl Fn(&Row) -> Decimal) -> Decimal {
    if !once_per_case {
        return rows
            .iter()
            .map(|r| each(r) * r.count.unwrap_or(Decimal::ONE))
            .sum();
    }
    let mut cases: Vec<(String, Decimal)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        // A row without a case is its own case.
        let key = r.case.clone().unwrap_or_else(|| format!("\u{0}row{i}"));
        let a = each(r);
        match cases.iter_mut().find(|(k, _)| *k == key) {
            Some((_, best)) => *best = (*best).max(a),
            None => cases.push((key, a)),
        }
    }
    cases.iter().map(|(_, a)| *a).sum()
}

/// A rule's amount for a unit before its cap (None: unknown, it gives nothing).
fn raw(rule: &Rule, m: &Model, rows: &[Row], unit: &str) -> Option<Decimal> {
    match &rule.kind {
        RuleKind::Count {
            fact,
            amount,
            per,
            kind,
            once_per_case,
        } => {
            let rs: Vec<&Row> = occurrences(rows, unit, fact)
                .into_iter()
                .filter(|r| kind.as_ref().is_none_or(|k| r.kind.as_ref() == Some(k)))
                .collect();
            Some(*amount * add_up(&rs, *once_per_case, |r| weight(r, *per)))
        }
        RuleKind::Cases { fact, amount } => {
            let mut keys: Vec<String> = Vec::new();
            for (i, r) in occurrences(rows, unit, fact).iter().enumerate() {
                let k = r.case.clone().unwrap_or_else(|| format!("\u{0}row{i}"));
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
            Some(*amount * Decimal::from(keys.len()))
        }
        RuleKind::Kinds {
            fact: f,
            amount,
            missing,
        } => {
            let Shape::Event { kinds } = &fact(m, f).shape else {
                unreachable!()
            };
            let present: Vec<&String> = kinds
                .iter()
                .filter(|k| {
                    occurrences(rows, unit, f)
                        .iter()
                        .any(|r| r.kind.as_ref() == Some(k))
                })
                .collect();
            let n = if *missing {
                kinds.len() - present.len()
            } else {
                present.len()
            };
            Some(*amount * Decimal::from(n))
        }
        RuleKind::Table {
            fact,
            amounts,
            once_per_case,
        } => {
            let rs = occurrences(rows, unit, fact);
            Some(add_up(&rs, *once_per_case, |r| {
                amounts
                    .iter()
                    .find(|(k, _)| r.kind.as_ref() == Some(k))
                    .map_or(Decimal::ZERO, |(_, a)| *a)
            }))
        }
        RuleKind::When {
            cond: c,
            unless,
            amount,
            otherwise,
        } => {
            let holds = cond(c, m, rows, unit)?;
            if holds != *unless {
                Some(*amount)
            } else {
                Some(otherwise.unwrap_or(Decimal::ZERO))
            }
        }
        RuleKind::Times { fact, factor } => {
            Some(measure(rows, unit, fact).map_or(Decimal::ZERO, |v| v * factor))
        }
        RuleKind::Given { fact } => Some(
            rows.iter()
                .filter(|r| r.unit == unit && &r.fact == fact)
                .filter_map(|r| r.value)
                .sum(),
        ),
        RuleKind::Brackets { fact, steps } => {
            let v = measure(rows, unit, fact)?;
            steps.iter().find(|(from, _)| v >= *from).map(|(_, a)| *a)
        }
        RuleKind::ProjectsBelow {
            fact,
            amount,
            below,
        } => {
            let n = in_force(rows, unit, fact)
                .iter()
                .filter(|r| r.value.is_some_and(|v| v < *below))
                .count();
            Some(*amount * Decimal::from(n))
        }
        RuleKind::EachMonth {
            fact,
            at_least,
            amount,
        } => {
            let every = (1..=12).all(|month| {
                let n: Decimal = occurrences(rows, unit, fact)
                    .iter()
                    .filter(|r| r.date.0 == month)
                    .map(|r| r.count.unwrap_or(Decimal::ONE))
                    .sum();
                n >= *at_least
            });
            Some(if every { *amount } else { Decimal::ZERO })
        }
        RuleKind::Late {
            fact,
            amount,
            n,
            workdays,
        } => {
            let late = occurrences(rows, unit, fact)
                .iter()
                .filter(|r| {
                    let (month, day) = r.answered.expect("an answer date");
                    let answered =
                        chrono::NaiveDate::from_ymd_opt(m.year, month, day).expect("a date");
                    answered > due(m, r.date, *n, *workdays)
                })
                .count();
            Some(*amount * Decimal::from(late))
        }
    }
}

/// Whether a day of the model's year is a working day: Monday to Friday, less the holidays,
/// plus the make-up workdays.
fn working(m: &Model, day: chrono::NaiveDate) -> bool {
    use chrono::Datelike;
    let md = (day.month(), day.day());
    let cal = m.calendar.clone().unwrap_or_default();
    if day.year() == m.year && cal.workdays.contains(&md) {
        return true;
    }
    let weekend = matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
    let holiday = day.year() == m.year && cal.holidays.contains(&md);
    !weekend && !holiday
}

/// `date + n workdays` (counting forward from the day after) or `date + n days`.
fn due(m: &Model, date: (u32, u32), n: u32, workdays: bool) -> chrono::NaiveDate {
    let mut day = chrono::NaiveDate::from_ymd_opt(m.year, date.0, date.1).expect("a date");
    if !workdays {
        return day + chrono::Duration::days(i64::from(n));
    }
    let mut left = n;
    while left > 0 {
        day = day.succ_opt().expect("a next day");
        if working(m, day) {
            left -= 1;
        }
    }
    day
}

/// A rule's amount after its cap (0 when unknown or its precondition is unmet).
fn amount(rule: &Rule, m: &Model, rows: &[Row], unit: &str) -> Decimal {
    if let Some(c) = &rule.only_if {
        if cond(c, m, rows, unit) != Some(true) {
            return Decimal::ZERO;
        }
    }
    let a = raw(rule, m, rows, unit).unwrap_or(Decimal::ZERO);
    rule.cap.map_or(a, |c| a.min(c))
}

/// The amounts of a container's rules after caps and groups, and their signed sum.
fn amounts(
    rules: &[Rule],
    groups: &[Group],
    m: &Model,
    rows: &[Row],
    unit: &str,
) -> (Vec<Decimal>, Decimal) {
    let mut out: Vec<Decimal> = rules.iter().map(|r| amount(r, m, rows, unit)).collect();
    for (g, group) in groups.iter().enumerate() {
        let members: Vec<usize> = (0..rules.len())
            .filter(|&i| rules[i].group == Some(g))
            .collect();
        match group {
            Group::Highest => {
                let mut best: Option<usize> = None;
                for &i in &members {
                    if best.is_none_or(|b| out[i] > out[b]) {
                        best = Some(i);
                    }
                }
                for &i in &members {
                    if Some(i) != best {
                        out[i] = Decimal::ZERO;
                    }
                }
            }
            Group::Together(cap) => {
                let sum: Decimal = members.iter().map(|&i| out[i]).sum();
                let mut excess = (sum - *cap).max(Decimal::ZERO);
                for &i in members.iter().rev() {
                    let take = excess.min(out[i]);
                    out[i] -= take;
                    excess -= take;
                }
            }
        }
    }
    let signed = rules
        .iter()
        .zip(&out)
        .map(|(r, a)| if r.verb == Verb::Deduct { -*a } else { *a })
        .sum();
    (out, signed)
}

fn clamp(x: Decimal, worth: Decimal) -> Decimal {
    x.max(Decimal::ZERO).min(worth)
}

/// Where rules that only deduct start: at the worth; any award, at zero.
fn start(rules: &[Rule], worth: Decimal) -> Decimal {
    if rules.iter().all(|r| r.verb == Verb::Deduct) {
        worth
    } else {
        Decimal::ZERO
    }
}

/// Every unit scored, ranked and graded.
pub fn score(m: &Model, rows: &[Row]) -> Vec<Scored> {
    let mut out = Vec::new();
    for unit in &m.units {
        let mut sections = Vec::new();
        let (mut main, mut bonus) = (Decimal::ZERO, Decimal::ZERO);
        for s in &m.sections {
            let mut all = Vec::new();
            let mut items = Vec::new();
            // What the section's own rules and its items without worth pass to it.
            let mut own = Decimal::ZERO;
            for i in &s.items {
                let (a, signed) = amounts(&i.rules, &i.groups, m, rows, unit);
                all.extend(a);
                match i.worth {
                    Some(w) => items.push(Some(clamp(start(&i.rules, w) + signed, w))),
                    None => {
                        items.push(None);
                        own += signed;
                    }
                }
            }
            let (a, signed) = amounts(&s.rules, &s.groups, m, rows, unit);
            all.extend(a);
            own += signed;
            let worth_items: Decimal = items.iter().flatten().copied().sum();
            let score = match s.worth {
                None => own,
                Some(w) if s.items.is_empty() => clamp(start(&s.rules, w) + own, w),
                Some(w) => clamp(worth_items + own, w),
            };
            let amounts = all;
            if s.bonus {
                bonus += score;
            } else {
                main += score;
            }
            sections.push((score, items, amounts));
        }
        out.push(Scored {
            unit: unit.clone(),
            total: main.max(Decimal::ZERO) + bonus,
            rank: 0,
            grade: None,
            prizes: Vec::new(),
            sections,
        });
    }
    for i in 0..out.len() {
        out[i].rank = 1 + out.iter().filter(|o| o.total > out[i].total).count();
    }
    grade(m, &mut out);
    // A veto caps the grade at the one it names, whatever the points.
    let order: Vec<&str> = m.grades.iter().map(|g| g.name.as_str()).collect();
    for u in out.iter_mut() {
        for (c, g) in &m.vetoes {
            if cond(c, m, rows, &u.unit) == Some(true) {
                let at = |name: &Option<String>| {
                    name.as_deref()
                        .and_then(|n| order.iter().position(|o| *o == n))
                };
                if at(&u.grade).is_none_or(|mine| at(&Some(g.clone())).is_some_and(|v| mine < v)) {
                    u.grade = Some(g.clone());
                }
            }
        }
    }
    prizes(m, &mut out);
    out
}
