//! Stage 5 of the pipeline: the results `eval` produces and `report` prints — every unit's scores, ranked.

use rust_decimal::Decimal;

use crate::ir::Verb;
use crate::span::Span;

/// The scores of every assessed unit under one policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    /// The policy's title.
    pub policy: Option<String>,
    /// The policy's source file name.
    pub source: String,
    /// Units, ranked (ties by name).
    pub units: Vec<UnitResult>,
    /// The policy is written in Chinese: reports speak Chinese too.
    pub chinese: bool,
}

/// One unit's scores.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitResult {
    /// The unit.
    pub unit: String,
    /// Its total, bonus included.
    pub total: Decimal,
    /// 1 for the highest total of its ranking group; ties share a rank (1, 2, 2, 4).
    pub rank: usize,
    /// The non-bonus total before it was clamped at zero, when the clamp bound.
    pub total_clamped_from: Option<Decimal>,
    /// Its sections, in policy order.
    pub sections: Vec<SectionResult>,
    /// Its ranking group (the units file's `group` column), if units are ranked in groups.
    pub group: Option<String>,
    /// Its grade, decided after points (the outcome stage).
    pub grade: Option<String>,
    /// The vetoes that hold for it, by clause.
    pub vetoes: Vec<String>,
    /// The grades its vetoes cap it at, best first (parallel to `vetoes`).
    pub veto_grades: Vec<String>,
    /// The prizes it won.
    pub prizes: Vec<String>,
    /// Why it got its grade and prizes (or did not), for explanations.
    pub outcome: Vec<String>,
}

/// One section's score.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionResult {
    /// The section's title.
    pub name: String,
    /// A bonus section.
    pub bonus: bool,
    /// Its worth (none: its points go to the total directly).
    pub worth: Option<Decimal>,
    /// What it contributes to the total (for a section without worth: its signed points).
    pub score: Decimal,
    /// The points it started from: its worth, zero, or its items' scores.
    pub start: Decimal,
    /// The score before the clamp to `[0, worth]`, when the clamp bound.
    pub clamped_from: Option<Decimal>,
    /// Responsible (assessing) units.
    pub responsible: Vec<String>,
    /// Its items.
    pub items: Vec<ItemResult>,
    /// Rules written directly under the section.
    pub rules: Vec<RuleResult>,
}

/// One item's score.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemResult {
    /// The item's title.
    pub name: String,
    /// Its worth (none: its points go to the section).
    pub worth: Option<Decimal>,
    /// Its score, for an item with a worth.
    pub score: Option<Decimal>,
    /// The points it started from.
    pub start: Decimal,
    /// The score before the clamp to `[0, worth]`, when the clamp bound.
    pub clamped_from: Option<Decimal>,
    /// Its rules.
    pub rules: Vec<RuleResult>,
}

/// What one rule did for one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleResult {
    /// The rule as written.
    pub clause: String,
    /// Where it is written.
    pub span: Span,
    /// Deduct or award.
    pub verb: Verb,
    /// The points before the cap.
    pub raw: Decimal,
    /// The points after the cap (never negative; the verb gives the direction).
    pub amount: Decimal,
    /// The rule's cap, if it has one.
    pub cap: Option<Decimal>,
    /// Whether the cap bound.
    pub capped: bool,
    /// How the raw points came about, e.g. `0.1 × 7 person-occurrences = 0.7`.
    pub arithmetic: String,
    /// The rule's condition is unknown (it reads a measure the unit never reported): it gave nothing.
    pub unknown: bool,
    /// The fact rows behind the points (filled in for explanations).
    pub rows: Vec<RowRef>,
    /// How the rule's group changed its amount (`the highest of`, a shared cap), if it did.
    pub group: Option<String>,
}

impl RuleResult {
    /// The points with their sign: negative for a deduction.
    pub fn signed(&self) -> Decimal {
        match self.verb {
            Verb::Deduct => -self.amount,
            Verb::Award => self.amount,
        }
    }
}

/// A fact row behind a rule's points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRef {
    /// The fact file.
    pub file: String,
    /// The row's line in it.
    pub line: u64,
    /// What the row says that counts, e.g. `persons 2` or `light`.
    pub detail: String,
    /// A measure's or flag's row replaced by a later-dated one: shown, not counted.
    pub superseded: bool,
}
