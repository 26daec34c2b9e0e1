//! Stage 3 of the pipeline: the compiled policy `check` produces, `eval` runs and `kaohe build` writes.
//!
//! Names are resolved and every form is typed: a rule says exactly what it
//! counts. Spans and the source text of each clause are kept, so an
//! explanation can quote the policy without its file.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::span::Span;

/// A checked, compiled policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// The kaohe version that compiled it.
    pub compiler: String,
    /// Where it came from.
    pub source: Source,
    /// The policy's title, if it has a `policy "…"` line.
    pub name: Option<String>,
    /// The assessed year.
    pub year: Option<i32>,
    /// The declared sum of the non-bonus sections' worth.
    pub total: Option<Decimal>,
    /// The declared sum of the bonus sections' worth.
    pub bonus: Option<Decimal>,
    /// Most of its lines are written in Chinese: reports use Chinese headers.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub chinese: bool,
    /// The declared assessed units (empty: taken from `--units` or the facts).
    pub units: Vec<String>,
    /// Offices that assess but are not assessed.
    pub assessors: Vec<String>,
    /// The declared facts.
    pub facts: Vec<Fact>,
    /// Holidays and make-up workdays, if declared.
    pub calendar: Option<Calendar>,
    /// The sections, in order.
    pub sections: Vec<Section>,
    /// Grades, best first (decided after points: the outcome stage).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grades: Vec<Grade>,
    /// One-vote vetoes: a condition caps a unit's grade.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vetoes: Vec<Veto>,
    /// Named prizes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prizes: Vec<Prize>,
}

/// A grade: the first a unit's total meets (threshold and quota) is its grade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grade {
    /// Its name.
    pub name: String,
    /// The least total (inclusive unless `above`); none: any total.
    pub min: Option<Decimal>,
    /// Whether `min` itself qualifies.
    pub inclusive: bool,
    /// At most so many units of a ranking group.
    pub quota: Option<Quota>,
    /// The section whose score breaks ties at the quota's boundary.
    pub ties_by: Option<String>,
    /// The grade's line.
    pub span: Span,
    /// Its text, for explanations.
    pub clause: String,
}

/// How many units a grade may have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quota {
    /// A count, or a percent of the ranking group.
    pub limit: Decimal,
    /// `limit` is a percent.
    pub percent: bool,
    /// How a percent becomes a count.
    pub rounding: Rounding,
}

/// How a percent of the units becomes a count (a count of 0 is raised to 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Down.
    Down,
    /// Up.
    Up,
    /// Half up (四舍五入).
    HalfUp,
}

/// A one-vote veto.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Veto {
    /// The condition on the unit.
    pub condition: Cond,
    /// The best grade a vetoed unit can have.
    pub grade: String,
    /// The veto's line.
    pub span: Span,
    /// Its text, for explanations.
    pub clause: String,
}

/// A named prize.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prize {
    /// Its name.
    pub name: String,
    /// Who gets it.
    pub to: PrizeTo,
    /// The prize's line.
    pub span: Span,
    /// Its text, for explanations.
    pub clause: String,
}

/// Who gets a prize.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrizeTo {
    /// Units ranked `count` or better (by a section's score, if named); ties share it.
    Top {
        /// How many ranks.
        count: u32,
        /// Ranked by this section's score.
        section: Option<String>,
    },
    /// The units whose total (or each section's score) rose most against the previous results.
    MostImproved {
        /// One prize per section.
        each_section: bool,
    },
}

/// The policy source a compiled policy was built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The file name as given to the compiler.
    pub name: String,
    /// SHA-256 of the source text, hex.
    pub sha256: String,
}

impl Policy {
    /// Every rule, in the order the evaluators number them: each section's items' rules,
    /// then the section's own.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.sections.iter().flat_map(|s| {
            s.items
                .iter()
                .flat_map(|i| i.rules.iter())
                .chain(s.rules.iter())
        })
    }
}

/// A declared fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// Its name, as fact files write it.
    pub name: String,
    /// Its shape.
    pub shape: Shape,
    /// Its declared fields (`date`, `count`, `value` and `note` are implicit).
    pub fields: Vec<Field>,
    /// The quoted description.
    pub description: Option<String>,
    /// The declaration.
    pub span: Span,
}

/// The shape of a fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// Something that happened: rows are occurrences.
    Event,
    /// A measured value per unit (or per key).
    Measure(NumberKind),
    /// Yes or no per unit.
    Flag,
    /// An assessor's discretionary points within `[from, to]`.
    Points {
        /// Lowest allowed value.
        from: Decimal,
        /// Highest allowed value.
        to: Decimal,
    },
}

/// What kind of number a value is; comparisons need equal kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberKind {
    /// A whole number.
    Count,
    /// Any decimal.
    Number,
    /// A percentage, in percent (`80%` is 80).
    Percent,
    /// Points.
    Points,
}

/// A declared field of a fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// The field and column name.
    pub name: String,
    /// What it holds.
    pub kind: FieldKind,
}

/// What a field holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// `persons`: how many people an occurrence involves.
    Persons,
    /// `days`: how many days it lasted.
    Days,
    /// A key such as `case` or `project`.
    Key,
    /// One of a closed set.
    Set(Vec<String>),
    /// A date.
    Date,
    /// A number.
    Number(NumberKind),
    /// Free text.
    Text,
}

/// Days off besides weekends, and weekend days that are working days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// Holidays, sorted.
    pub holidays: Vec<NaiveDate>,
    /// Make-up working days (调休), sorted.
    pub workdays: Vec<NaiveDate>,
}

/// A section of the policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Its title.
    pub name: String,
    /// A bonus section adds on top of the total.
    pub bonus: bool,
    /// Its worth; none for a section that deducts from the total directly.
    pub worth: Option<Decimal>,
    /// Responsible (assessing) units.
    pub responsible: Vec<String>,
    /// Its items.
    pub items: Vec<Item>,
    /// Rules written directly under the section.
    pub rules: Vec<Rule>,
    /// Groups of the rules directly under the section (`the highest of`, `together, cap N`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    /// The section, header and contents.
    pub span: Span,
}

/// A group of rules that combine before they count: only the highest, or under one cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// How the rules combine.
    pub kind: GroupKind,
    /// The group line.
    pub span: Span,
    /// The group line's text, for explanations.
    pub clause: String,
}

/// How the rules of a group combine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// Only the largest amount applies; the others give nothing.
    Highest,
    /// The amounts add up to at most the cap.
    Together {
        /// The shared cap.
        cap: Decimal,
    },
}

/// An item of a section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Its title.
    pub name: String,
    /// Its worth; none passes its rules' points to the section.
    pub worth: Option<Decimal>,
    /// Responsible (assessing) units.
    pub responsible: Vec<String>,
    /// Its rules.
    pub rules: Vec<Rule>,
    /// Groups of its rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    /// The item, header and rules.
    pub span: Span,
}

/// A compiled rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Deduct or award.
    pub verb: Verb,
    /// What it counts.
    pub kind: RuleKind,
    /// The most the rule can deduct or award.
    pub cap: Option<Decimal>,
    /// Rows sharing this field's value count once, at their highest amount.
    pub once_per: Option<String>,
    /// A precondition on the unit (`only if …`): unmet or unknown, the rule gives nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_if: Option<Cond>,
    /// The group of its section or item the rule belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<usize>,
    /// Responsible (assessing) units.
    pub responsible: Vec<String>,
    /// The rule in the source.
    pub span: Span,
    /// The rule's source text, for explanations.
    pub clause: String,
}

/// Deduct or award.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verb {
    /// Takes points away.
    Deduct,
    /// Gives points.
    Award,
}

/// The compiled forms of rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// `amount when condition, otherwise other` (`unless c` is `when not c`).
    When {
        /// Points when the condition holds.
        amount: Decimal,
        /// Points when it does not.
        otherwise: Option<Decimal>,
        /// A condition on the unit.
        condition: Cond,
    },
    /// `rate per … of fact where filter`.
    Count {
        /// Points per counted thing.
        rate: Decimal,
        /// The fact counted.
        fact: String,
        /// What one row counts for.
        per: Vec<Per>,
        /// Which rows count.
        filter: Option<Cond>,
    },
    /// `rate per missing field of fact from {…}`.
    Missing {
        /// Points per missing value.
        rate: Decimal,
        /// The fact.
        fact: String,
        /// Its closed-set field.
        field: String,
        /// The values each unit must have.
        required: Vec<String>,
        /// Which rows count.
        filter: Option<Cond>,
    },
    /// `factor times fact`: the fact's values, summed, times the factor.
    Times {
        /// The factor.
        factor: Decimal,
        /// The measure.
        fact: String,
    },
    /// `by field of fact: …`: an amount per row (or per unit for a measure) looked up in a table.
    Table {
        /// The fact.
        fact: String,
        /// The field looked up (`value` for a measure's own value).
        field: String,
        /// The table.
        lookup: Lookup,
        /// Whether the lookup is of the unit's one value (a measure without key), not of each row.
        per_unit: bool,
    },
    /// The assessor's discretionary points, as recorded.
    Discretionary {
        /// The `points from A to B` fact.
        fact: String,
    },
}

/// What one row counts for in a `per` rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    /// Times the row's `persons`.
    Person,
    /// Times the row's `days`.
    Day,
    /// Each occurrence (a row, or its `count`).
    Occurrence,
    /// Each distinct value of the field among the matching rows, once.
    Distinct(String),
}

/// A `by` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lookup {
    /// One amount per value of a closed set.
    Values(Vec<(String, Decimal)>),
    /// One amount per numeric bracket.
    Brackets(Vec<(Interval, Decimal)>),
}

/// A range of numbers; a missing bound is unbounded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub low: Option<Decimal>,
    /// Whether `low` itself is in the range.
    pub low_inclusive: bool,
    /// Upper bound.
    pub high: Option<Decimal>,
    /// Whether `high` itself is in the range.
    pub high_inclusive: bool,
}

impl Interval {
    /// Whether `v` lies in the range.
    pub fn contains(&self, v: Decimal) -> bool {
        let above = match self.low {
            None => true,
            Some(l) if self.low_inclusive => v >= l,
            Some(l) => v > l,
        };
        let below = match self.high {
            None => true,
            Some(h) if self.high_inclusive => v <= h,
            Some(h) => v < h,
        };
        above && below
    }
}

/// A typed condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cond {
    /// Both hold.
    And(Box<Cond>, Box<Cond>),
    /// Either holds.
    Or(Box<Cond>, Box<Cond>),
    /// It does not hold.
    Not(Box<Cond>),
    /// A comparison; false when either side is missing.
    Compare {
        /// Left side.
        left: Expr,
        /// Operator.
        op: CompareOp,
        /// Right side.
        right: Expr,
    },
    /// Membership in a set of names.
    In {
        /// The value tested.
        expr: Expr,
        /// The names.
        set: Vec<String>,
    },
    /// A flag of the unit (missing is false).
    Flag(String),
    /// The unit has at least one row of this fact.
    Happened(String),
    /// Every month of the policy's year has at least `at_least` occurrences.
    EachMonth {
        /// The event.
        fact: String,
        /// Least occurrences per month.
        at_least: Decimal,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=`
    Eq,
    /// `!=`
    Ne,
}

/// A value in a condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    /// A field of the row being filtered.
    Field(String),
    /// A fact's value for the unit: a measure's value, the sum of discretionary points, or an event's occurrences.
    Fact(String),
    /// A number (percents in percent).
    Number(Decimal),
    /// A name: a value of a closed set or a key.
    Symbol(String),
    /// A date.
    Date(NaiveDate),
    /// A date moved by days or working days.
    Shift {
        /// The date moved.
        base: Box<Expr>,
        /// How many days (negative is earlier).
        days: i64,
        /// Count working days per the calendar, not calendar days.
        workdays: bool,
    },
}
