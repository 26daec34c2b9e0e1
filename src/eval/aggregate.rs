//! Part of the eval stage: per-(unit, fact) and per-(unit, rule) partial aggregates of rows, mergeable.
//!
//! Every aggregate is a sum, a maximum or a set union, so aggregates built
//! from different chunks or files merge into the same result in any order.

use std::collections::{BTreeMap, HashMap, HashSet};

use rust_decimal::Decimal;

use crate::ir;

/// Arithmetic that records an overflow instead of panicking.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Overflow(pub bool);

impl Overflow {
    pub fn add(&mut self, a: Decimal, b: Decimal) -> Decimal {
        a.checked_add(b).unwrap_or_else(|| {
            self.0 = true;
            a
        })
    }

    pub fn mul(&mut self, a: Decimal, b: Decimal) -> Decimal {
        a.checked_mul(b).unwrap_or_else(|| {
            self.0 = true;
            Decimal::ZERO
        })
    }
}

/// A row behind some points, kept only when explaining.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Trace {
    pub file: usize,
    pub line: u64,
    pub detail: String,
}

/// What the rows of one fact say about one unit.
#[derive(Debug, Default, Clone)]
pub(crate) struct FactAgg {
    /// Rows seen.
    pub rows: u64,
    /// Occurrences (the sum of `count`).
    pub occurrences: Decimal,
    /// Occurrences per month of the policy's year.
    pub months: [Decimal; 12],
    /// A measure's value (or a flag's, as 1/0), with the row that gave it.
    pub value: Option<(Decimal, usize, u64)>,
    /// A keyed measure's values by key, with the row that gave each.
    pub keyed: BTreeMap<String, (Decimal, usize, u64)>,
    /// The sum of discretionary points.
    pub points: Decimal,
    /// Rows, when explaining.
    pub trace: Vec<Trace>,
}

impl FactAgg {
    /// The unit's one value of the fact: a measure's value (a keyed measure's sum),
    /// discretionary points, or an event's occurrences.
    pub fn total_value(&self, decl: &ir::Fact, of: &mut Overflow) -> Option<Decimal> {
        let keyed = decl.fields.iter().any(|f| f.kind == ir::FieldKind::Key);
        if decl.shape == ir::Shape::Event {
            Some(self.occurrences)
        } else if matches!(decl.shape, ir::Shape::Points { .. }) {
            Some(self.points)
        } else if keyed {
            (!self.keyed.is_empty()).then(|| {
                self.keyed
                    .values()
                    .fold(Decimal::ZERO, |a, (b, _, _)| of.add(a, *b))
            })
        } else {
            self.value.map(|(v, _, _)| v)
        }
    }

    /// Folds another chunk's aggregate of the same unit and fact into this one;
    /// returns the lines of a value given in both, if any.
    pub fn merge(
        &mut self,
        other: FactAgg,
        of: &mut Overflow,
    ) -> Option<((usize, u64), (usize, u64))> {
        let mut twice = None;
        self.rows += other.rows;
        self.occurrences = of.add(self.occurrences, other.occurrences);
        for (m, o) in self.months.iter_mut().zip(other.months) {
            *m = of.add(*m, o);
        }
        match (self.value, other.value) {
            (Some((_, f1, l1)), Some((_, f2, l2))) => twice = Some(((f1, l1), (f2, l2))),
            (None, v) => self.value = v,
            _ => {}
        }
        for (k, v) in other.keyed {
            if let Some((_, f1, l1)) = self.keyed.get(&k) {
                twice = Some(((*f1, *l1), (v.1, v.2)));
            } else {
                self.keyed.insert(k, v);
            }
        }
        self.points = of.add(self.points, other.points);
        self.trace.extend(other.trace);
        twice
    }
}

/// What the rows a rule counts add up to for one unit.
#[derive(Debug, Default, Clone)]
pub(crate) struct RuleAgg {
    /// Sum of the rows' weights or amounts.
    pub total: Decimal,
    /// `once per K`: the highest weight or amount per key.
    pub groups: HashMap<String, Decimal>,
    /// `per K` and `per missing`: the distinct values seen.
    pub distinct: HashSet<String>,
    /// Rows, when explaining.
    pub trace: Vec<Trace>,
}

impl RuleAgg {
    /// Adds a row's weight or amount, once per key if there is one.
    pub fn add(&mut self, key: Option<&str>, amount: Decimal, of: &mut Overflow) {
        match key {
            Some(k) => {
                let slot = self.groups.entry(k.to_string()).or_insert(Decimal::ZERO);
                *slot = (*slot).max(amount);
            }
            None => self.total = of.add(self.total, amount),
        }
    }

    /// The sum over rows and keys.
    pub fn sum(&self, of: &mut Overflow) -> Decimal {
        self.groups.values().fold(self.total, |a, b| of.add(a, *b))
    }

    pub fn merge(&mut self, other: RuleAgg, of: &mut Overflow) {
        self.total = of.add(self.total, other.total);
        for (k, v) in other.groups {
            let slot = self.groups.entry(k).or_insert(Decimal::ZERO);
            *slot = (*slot).max(v);
        }
        self.distinct.extend(other.distinct);
        self.trace.extend(other.trace);
    }
}
