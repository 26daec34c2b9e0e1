//! Part of the review stage: a case's results against its expected results, unit by unit,
//! with the clauses behind each unit's points in the sections that differ.

use rust_decimal::Decimal;

use super::expected::{cell, same, Column, Expected};
use crate::results::{Results, RuleResult, UnitResult};

/// How one unit's results differ from what was expected.
#[derive(Debug, Clone)]
pub enum Mismatch {
    /// Expected, but the case scored no such unit.
    Missing {
        /// The unit.
        unit: String,
        /// Its line in the expected results.
        line: u32,
    },
    /// Scored, but not in the expected results.
    Unexpected {
        /// The unit.
        unit: String,
    },
    /// Scored and expected, some cells different.
    Differs {
        /// The unit.
        unit: String,
        /// Its line in the expected results.
        line: u32,
        /// The cells that differ.
        cells: Vec<CellDiff>,
    },
}

/// One cell that differs.
#[derive(Debug, Clone)]
pub struct CellDiff {
    /// Its column.
    pub column: Column,
    /// As expected.
    pub expected: String,
    /// As scored.
    pub actual: String,
}

/// A clause's points for a unit, to show why a score is what it is.
#[derive(Debug, Clone)]
pub struct Clause<'r> {
    /// Its section's title.
    pub section: &'r str,
    /// Its item's title, for a rule under an item.
    pub item: Option<&'r str>,
    /// The rule's result.
    pub rule: &'r RuleResult,
}

/// Every rule of a unit's results, in policy order, with its section and item.
pub fn clauses(unit: &UnitResult) -> Vec<Clause<'_>> {
    let mut out = Vec::new();
    for s in &unit.sections {
        for r in &s.rules {
            out.push(Clause {
                section: &s.name,
                item: None,
                rule: r,
            });
        }
        for i in &s.items {
            for r in &i.rules {
                out.push(Clause {
                    section: &s.name,
                    item: Some(&i.name),
                    rule: r,
                });
            }
        }
    }
    out
}

/// The mismatches of results against expected results: by expected row, then the units
/// scored but not expected.
pub fn compare(expected: &Expected, results: &Results) -> Vec<Mismatch> {
    let zh = results.chinese;
    let mut out = Vec::new();
    for row in &expected.rows {
        let Some(u) = results.units.iter().find(|u| u.unit == row.unit) else {
            out.push(Mismatch::Missing {
                unit: row.unit.clone(),
                line: row.line,
            });
            continue;
        };
        let cells: Vec<CellDiff> = expected
            .columns
            .iter()
            .zip(&row.cells)
            .filter_map(|(c, want)| {
                let got = cell(u, c, zh);
                (!same(c, want, &got)).then(|| CellDiff {
                    column: c.clone(),
                    expected: want.clone(),
                    actual: got,
                })
            })
            .collect();
        if !cells.is_empty() {
            out.push(Mismatch::Differs {
                unit: row.unit.clone(),
                line: row.line,
                cells,
            });
        }
    }
    for u in &results.units {
        if !expected.rows.iter().any(|r| r.unit == u.unit) {
            out.push(Mismatch::Unexpected {
                unit: u.unit.clone(),
            });
        }
    }
    out
}

/// The clauses that gave a unit points in the sections whose cells differ (every section's,
/// when only the total, rank or an outcome differs).
pub fn involved<'r>(unit: &'r UnitResult, cells: &[CellDiff]) -> Vec<Clause<'r>> {
    let sections: Vec<&str> = cells
        .iter()
        .filter_map(|c| match &c.column {
            Column::Section(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    clauses(unit)
        .into_iter()
        .filter(|c| sections.is_empty() || sections.contains(&c.section))
        .filter(|c| c.rule.amount != Decimal::ZERO || c.rule.unknown)
        .collect()
}
