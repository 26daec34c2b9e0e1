//! Stage 2 of the pipeline: the abstract syntax tree `parse` produces and `check` reads.
//!
//! Every node carries a mandatory [`Span`]. Leaves (`Ident`, `Text`, `Number`,
//! `Date`) print compactly (`late @3:5-3:9`), so a pretty-printed tree is
//! readable in snapshots. Both surface forms of the language lower to this tree.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::span::Span;

/// A whole policy file.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Top-level declarations in source order.
    pub decls: Vec<Decl>,
    /// The whole file.
    pub span: Span,
}

/// A top-level declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum Decl {
    /// `policy "name"` with its indented settings.
    Policy(PolicyHeader),
    /// `year`, `total` or `bonus` outside a policy header.
    Setting(Setting),
    /// `units a, b, c`.
    Units(UnitsDecl),
    /// `assessors a, b`: offices that assess but are not assessed.
    Assessors(UnitsDecl),
    /// `fact name: shape …`.
    Fact(FactDecl),
    /// `calendar` with its holidays and workdays.
    Calendar(Calendar),
    /// `section` or `bonus section`.
    Section(Section),
    /// `grade 优秀 top 15% and at least 90`.
    Grade(GradeDecl),
    /// `veto when leak, grade 不合格`.
    Veto(VetoDecl),
    /// `prize "年度综合优胜奖" to the top 3`.
    Prize(PrizeDecl),
}

/// A grade, best first in the policy: the first whose terms a unit meets is its grade.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeDecl {
    /// The grade's name (`优秀`).
    pub name: Ident,
    /// The least total, if any: (points, inclusive). `None` with no quota: `otherwise`.
    pub threshold: Option<(Number, bool)>,
    /// At most this many units (or this percent of the ranking group) get the grade.
    pub quota: Option<Quota>,
    /// Ties at the quota's boundary are broken by this section's score.
    pub ties_by: Option<Text>,
    /// The whole line.
    pub span: Span,
}

/// `top 15%` / `top 3`: a grade's quota.
#[derive(Debug, Clone, PartialEq)]
pub struct Quota {
    /// A count, or a percent of the ranking group.
    pub limit: Number,
    /// How a percent of the units is rounded to a count.
    pub rounding: Rounding,
    /// The written quota.
    pub span: Span,
}

/// How a quota's percent becomes a count of units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Down (the default: "at most 15%").
    Down,
    /// Up.
    Up,
    /// Half up (四舍五入).
    HalfUp,
}

/// `veto when C, grade G`: a unit for which C holds is graded G at best, whatever its points.
#[derive(Debug, Clone, PartialEq)]
pub struct VetoDecl {
    /// The condition on the unit.
    pub condition: Condition,
    /// The best grade the unit can then have.
    pub grade: Ident,
    /// The whole line.
    pub span: Span,
}

/// `prize "X" to the top 3` or `… to the most improved [in each section] against previous`.
#[derive(Debug, Clone, PartialEq)]
pub struct PrizeDecl {
    /// The prize's name.
    pub name: Text,
    /// Who gets it.
    pub to: PrizeTo,
    /// The whole line.
    pub span: Span,
}

/// Who gets a prize.
#[derive(Debug, Clone, PartialEq)]
pub enum PrizeTo {
    /// The units ranked N or better (in a section, by its score), ties sharing it.
    Top {
        /// N.
        count: Number,
        /// Ranked by this section's score rather than the total.
        section: Option<Text>,
    },
    /// The units whose total (or, in each section, score) rose most against `--previous`.
    MostImproved {
        /// One prize per section.
        each_section: bool,
    },
}

/// `policy "name"` and the settings indented under it.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyHeader {
    /// The policy's title.
    pub name: Text,
    /// `year`, `total`, `bonus`.
    pub settings: Vec<Setting>,
    /// The header line and its settings.
    pub span: Span,
}

/// A policy-wide setting.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// Which setting.
    pub kind: SettingKind,
    /// The whole line.
    pub span: Span,
}

/// The settings a policy has.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingKind {
    /// `year 2021`: the assessed year (for `each month` and calendars).
    Year(Number),
    /// `total 100`: the sum of the non-bonus sections' worth.
    Total(Number),
    /// `bonus 20`: the sum of the bonus sections' worth.
    Bonus(Number),
}

/// `units a, b, c` (the assessed units) or `assessors a, b`.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitsDecl {
    /// The units, in order.
    pub units: Vec<Ident>,
    /// The whole declaration.
    pub span: Span,
}

/// `fact late: event with persons "迟到、早退"`.
#[derive(Debug, Clone, PartialEq)]
pub struct FactDecl {
    /// The fact's name, as fact files write it in the `fact` column.
    pub name: Ident,
    /// What kind of fact it is.
    pub shape: Shape,
    /// The fields after `with`.
    pub fields: Vec<FieldDecl>,
    /// A quoted description, shown in reports.
    pub description: Option<Text>,
    /// The whole declaration.
    pub span: Span,
}

/// The shape of a fact.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// Which shape.
    pub kind: ShapeKind,
    /// The shape's words.
    pub span: Span,
}

/// The shapes a fact can have.
#[derive(Debug, Clone, PartialEq)]
pub enum ShapeKind {
    /// Something that happened; each row is an occurrence.
    Event,
    /// A measured value per unit.
    Measure(MeasureKind),
    /// Yes or no per unit.
    Flag,
    /// An assessor's discretionary points, within `[from, to]`.
    Points {
        /// Lowest allowed value.
        from: Number,
        /// Highest allowed value.
        to: Number,
    },
}

/// What a measure measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureKind {
    /// A whole number.
    Count,
    /// Any decimal number.
    Number,
    /// A percentage.
    Percent,
    /// Points.
    Points,
}

/// One field after `with`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    /// The field (and fact-file column) name.
    pub name: Ident,
    /// What the field holds.
    pub kind: FieldKind,
    /// The whole field declaration.
    pub span: Span,
}

/// What a declared field holds.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    /// A bare name: `persons`, `days`, or a key such as `case` or `project`.
    Plain,
    /// `kind in {a, b}`: one of a closed set.
    Set(Vec<Ident>),
    /// `submitted: date` and the like.
    Typed(FieldType),
}

/// The types a field can be declared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `YYYY-MM-DD`.
    Date,
    /// Any decimal number.
    Number,
    /// A whole number.
    Count,
    /// A percentage.
    Percent,
    /// Points.
    Points,
    /// Free text.
    Text,
}

/// `calendar` with `holidays` and `workdays` lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// Days off besides weekends.
    pub holidays: Vec<DateRange>,
    /// Weekend days that are working days (调休).
    pub workdays: Vec<DateRange>,
    /// The calendar and its lines.
    pub span: Span,
}

/// A date or an inclusive range of dates.
#[derive(Debug, Clone, PartialEq)]
pub struct DateRange {
    /// First day.
    pub from: Date,
    /// Last day (the same as `from` for a single date).
    pub to: Date,
    /// The written range.
    pub span: Span,
}

/// `section "name" worth N, responsible: X` and its contents.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// `bonus section`: adds on top of the total.
    pub bonus: bool,
    /// The section's title.
    pub name: Text,
    /// The points the section is worth; none for a section that only deducts from the total.
    pub worth: Option<Number>,
    /// The responsible (assessing) units.
    pub responsible: Option<Responsible>,
    /// Items, in order.
    pub items: Vec<Item>,
    /// Rules written directly under the section, in order.
    pub rules: Vec<Rule>,
    /// Group lines directly under the section; rules name theirs by index.
    pub groups: Vec<RuleGroup>,
    /// The header line and everything under it.
    pub span: Span,
}

/// `the highest of` or `together, cap N`: the line heading a group of rules.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleGroup {
    /// How the group's rules combine.
    pub kind: GroupKind,
    /// The header line.
    pub span: Span,
}

/// How the rules of a group combine.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupKind {
    /// Only the largest amount applies (findings that exclude each other).
    Highest,
    /// The amounts add up to at most `cap`.
    Together {
        /// The cap the rules share.
        cap: Number,
    },
}

/// `item "name" worth N` and its rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The item's title.
    pub name: Text,
    /// The points the item is worth.
    pub worth: Option<Number>,
    /// The responsible (assessing) units.
    pub responsible: Option<Responsible>,
    /// Rules, in order.
    pub rules: Vec<Rule>,
    /// Group lines directly under the item; rules name theirs by index.
    pub groups: Vec<RuleGroup>,
    /// The header line and everything under it.
    pub span: Span,
}

/// `responsible: X, Y`.
#[derive(Debug, Clone, PartialEq)]
pub struct Responsible {
    /// The units.
    pub units: Vec<Ident>,
    /// The clause.
    pub span: Span,
}

/// A scoring rule: `deduct` or `award`, an amount and a source.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Deduct or award.
    pub verb: Verb,
    /// What is counted and how much each counts.
    pub body: RuleBody,
    /// `cap N`: the most the rule can deduct or award.
    pub cap: Option<Number>,
    /// `once per K`: rows sharing a K count once, at their highest amount.
    pub once_per: Option<Ident>,
    /// `otherwise N`: the amount when a `when` condition is false.
    pub otherwise: Option<Number>,
    /// `only if …`: a precondition on the unit; unmet, the rule gives nothing.
    pub only_if: Option<Condition>,
    /// The group (of its section or item) the rule is indented under.
    pub group: Option<usize>,
    /// The responsible (assessing) units.
    pub responsible: Option<Responsible>,
    /// The whole rule.
    pub span: Span,
}

/// Whether a rule takes points away or gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// `deduct`.
    Deduct,
    /// `award`.
    Award,
}

/// The forms a rule can take.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleBody {
    /// `deduct 2 when leak` / `deduct 4 unless oa_system`.
    Conditional {
        /// Points when the condition holds.
        amount: Number,
        /// `unless`: the amount applies when the condition does not hold.
        unless: bool,
        /// The condition.
        condition: Condition,
    },
    /// `deduct 0.1 per person per occurrence of late where …`.
    Per {
        /// Points per counted thing.
        amount: Number,
        /// What is counted, in order written.
        per: Vec<PerUnit>,
        /// The fact counted.
        fact: Ident,
        /// `where …`: which rows count.
        filter: Option<Condition>,
    },
    /// `deduct 1 per missing kind of platform from {website, shared_platform}`.
    Missing {
        /// Points per missing value.
        amount: Number,
        /// The closed-set field.
        field: Ident,
        /// The fact.
        fact: Ident,
        /// The values required; none means the field's whole declared set.
        from: Option<Vec<Ident>>,
        /// `where …`: which rows count.
        filter: Option<Condition>,
    },
    /// `deduct 10 times platform_points`.
    Times {
        /// The factor.
        amount: Number,
        /// The measure multiplied.
        fact: Ident,
    },
    /// `deduct by kind of discipline_case: admonished 2, …` / `award by staff: 10 or more 2, …`.
    Table {
        /// The field looked up (`kind`), or none to look up the fact's own value.
        field: Option<Ident>,
        /// The fact.
        fact: Ident,
        /// The table's rows.
        entries: Vec<TableEntry>,
    },
    /// `deduct other_violation`: an assessor's discretionary points.
    Discretionary {
        /// The `points from A to B` fact.
        fact: Ident,
    },
}

/// What one `per` counts.
#[derive(Debug, Clone, PartialEq)]
pub enum PerUnit {
    /// `per person`: the row's `persons`.
    Person(Span),
    /// `per day`: the row's `days`.
    Day(Span),
    /// `per occurrence`: each row (or its `count`); in Chinese, the measure
    /// word written after 每 when it is not 次 (`每篇加2分` keeps `篇`).
    Occurrence(Span, Option<String>),
    /// `per project`: each distinct value of a key field.
    Key(Ident),
}

/// One row of a `by` table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableEntry {
    /// Which value or range of values the row is for.
    pub key: EntryKey,
    /// Points for that value.
    pub amount: Number,
    /// The row.
    pub span: Span,
}

/// The left side of a table row.
#[derive(Debug, Clone, PartialEq)]
pub enum EntryKey {
    /// A value of a closed-set field: `admonished`.
    Value(Ident),
    /// A numeric bracket: `10 or more`.
    Bracket(Bracket),
}

/// A numeric bracket of a `by` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Bracket {
    /// Which kind of bracket.
    pub kind: BracketKind,
    /// The written bracket.
    pub span: Span,
}

/// The kinds of brackets.
#[derive(Debug, Clone, PartialEq)]
pub enum BracketKind {
    /// `N or more`: at least N.
    AtLeast(Number),
    /// `N or less`: at most N.
    AtMost(Number),
    /// `N to M`: from N to M inclusive.
    Range(Number, Number),
    /// `below N`: less than N.
    Below(Number),
    /// `above N`: more than N.
    Above(Number),
}

/// A condition of `when`, `unless` or `where`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// Which condition.
    pub kind: ConditionKind,
    /// The written condition.
    pub span: Span,
}

/// The forms a condition can take.
#[derive(Debug, Clone, PartialEq)]
pub enum ConditionKind {
    /// `a and b`.
    And(Box<Condition>, Box<Condition>),
    /// `a or b`.
    Or(Box<Condition>, Box<Condition>),
    /// `not a`.
    Not(Box<Condition>),
    /// `value < 80%`.
    Compare {
        /// Left side.
        left: Operand,
        /// The operator.
        op: CompareOp,
        /// Right side.
        right: Operand,
        /// Written as a count, `at least 2 article` or `不少于2` (`kaohe fmt` keeps the
        /// wording).
        worded: bool,
    },
    /// `satisfaction in {unsatisfied, very_unsatisfied}` (or `not in`).
    In {
        /// The value tested.
        operand: Operand,
        /// `not in`.
        negated: bool,
        /// The set.
        set: Vec<Ident>,
    },
    /// A bare name: a flag, or an event that happened at least once.
    Name(Ident),
    /// `each month has at least 4 info_report`.
    EachMonth {
        /// The least number of occurrences each month.
        at_least: Number,
        /// The event counted.
        fact: Ident,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `=` or `==`.
    Eq,
    /// `!=`.
    Ne,
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Operand {
    /// Which operand.
    pub kind: OperandKind,
    /// The written operand.
    pub span: Span,
}

/// The forms an operand can take.
#[derive(Debug, Clone, PartialEq)]
pub enum OperandKind {
    /// A field or fact name.
    Name(Ident),
    /// A number or percent.
    Number(Number),
    /// A date.
    Date(Date),
    /// `submitted + 5 workdays`.
    Shifted {
        /// The date shifted.
        base: Box<Operand>,
        /// How many days (negative for `-`).
        by: Number,
        /// Working days or calendar days.
        unit: DurationUnit,
    },
}

/// The unit of a date shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    /// Working days, per the policy's calendar.
    Workdays,
    /// Calendar days.
    Days,
}

/// A name: of a fact, field, unit or kind. Written bare or quoted.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    /// The name, without quotes.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// A quoted string.
#[derive(Clone, PartialEq, Eq)]
pub struct Text {
    /// The string, without quotes.
    pub value: String,
    /// Where it was written, quotes included.
    pub span: Span,
}

/// An exact decimal, possibly written as a percent.
#[derive(Clone, PartialEq, Eq)]
pub struct Number {
    /// The value as written (`80%` is 80).
    pub value: Decimal,
    /// Written with `%`.
    pub percent: bool,
    /// The Chinese measure word written after it (`不少于2篇`), kept by `kaohe fmt`; it
    /// does not change the value.
    pub measure: Option<String>,
    /// Where it was written.
    pub span: Span,
}

/// A calendar date.
#[derive(Clone, PartialEq, Eq)]
pub struct Date {
    /// The date.
    pub value: NaiveDate,
    /// Where it was written.
    pub span: Span,
}

impl fmt::Debug for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.name, self.span)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} {:?}", self.value, self.span)
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = if self.percent { "%" } else { "" };
        let measure = self.measure.as_deref().unwrap_or_default();
        // The value, not its writing: `0.10` is `0.1`.
        write!(
            f,
            "{}{pct}{measure} {:?}",
            self.value.normalize(),
            self.span
        )
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.value, self.span)
    }
}
