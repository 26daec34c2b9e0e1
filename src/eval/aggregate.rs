//! Part of the eval stage: per-(unit, fact) and per-(unit, rule) partial aggregates of rows, mergeable.
//!
//! Every aggregate is a sum, a maximum, a set union or "the latest-dated row",
//! so aggregates built from different chunks or files merge into the same
//! result in any order.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::facts::Row;
use crate::ir;

/// Arithmetic that records an overflow instead of panicking.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Overflow(pub bool);

impl Overflow {
    #[inline]
    pub fn add(&mut self, a: Decimal, b: Decimal) -> Decimal {
        a.checked_add(b).unwrap_or_else(|| {
            self.0 = true;
            a
        })
    }

    #[inline]
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

/// The row in force of a state (a measure or flag, per key): the latest-dated one.
#[derive(Debug, Clone)]
pub(crate) struct Reported {
    /// The value, as a number (a flag's as 1 or 0).
    pub value: Decimal,
    /// The whole row, replayed into the rules that count it once the run is read (boxed: a
    /// unit holds one per state, most of them empty).
    pub row: Box<Row>,
}

impl Reported {
    fn at(&self) -> (usize, u64) {
        (self.row.file, self.row.line)
    }
}

/// Why two rows of one state cannot both stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Clash {
    /// Two rows of the same date with different values.
    SameDate(NaiveDate),
    /// Two rows, one of them (or both) without a date: which is in force cannot be told.
    Undated,
}

/// Where a row is: (file index, line).
pub(crate) type At = (usize, u64);

/// Two rows of one state that clash: where each is, in reading order.
pub(crate) type ClashAt = (Clash, At, At);

/// The superseded rows of a unit's state, by key and date: their value and the first row of
/// it. Every dated row not in force is here, so two of one date with different values clash
/// whatever order they are read in (LANGUAGE.md §2); a date holds one entry, so this grows
/// with the days of the year a state was reported on, not with its rows.
pub(crate) type Past = BTreeMap<(Option<String>, NaiveDate), (Decimal, At)>;

/// Records a dated row that is not (or no longer) in force; a row of that date with another
/// value already there is a clash.
fn supersede(
    past: &mut Past,
    key: Option<&str>,
    date: NaiveDate,
    value: Decimal,
    at: At,
) -> Option<ClashAt> {
    match past.get_mut(&(key.map(str::to_string), date)) {
        Some((v, first)) if *v == value => {
            *first = (*first).min(at);
            None
        }
        Some((_, first)) => Some((Clash::SameDate(date), (*first).min(at), (*first).max(at))),
        None => {
            past.insert((key.map(str::to_string), date), (value, at));
            None
        }
    }
}

/// Keeps the row in force of `slot` given another row: the later date wins and the earlier
/// goes to `past`; two rows of one date agree or clash; a row without a date can only stand
/// alone.
fn keep_latest(
    slot: &mut Option<Reported>,
    past: &mut Option<Box<Past>>,
    key: Option<&str>,
    new: Reported,
) -> Option<ClashAt> {
    let Some(old) = slot.as_ref() else {
        *slot = Some(new);
        return None;
    };
    let (first, second) = if old.at() <= new.at() {
        (old.at(), new.at())
    } else {
        (new.at(), old.at())
    };
    match (old.row.date, new.row.date) {
        (Some(a), Some(b)) if b > a => {
            let (value, at) = (old.value, old.at());
            *slot = Some(new);
            supersede(past.get_or_insert_with(Default::default), key, a, value, at)
        }
        (Some(a), Some(b)) if b < a => supersede(
            past.get_or_insert_with(Default::default),
            key,
            b,
            new.value,
            new.at(),
        ),
        (Some(_), Some(_)) if old.value == new.value => {
            // The same value twice on one day: one of them stands, the same whatever the order read.
            if new.at() < old.at() {
                *slot = Some(new);
            }
            None
        }
        (Some(a), Some(_)) => Some((Clash::SameDate(a), first, second)),
        _ => Some((Clash::Undated, first, second)),
    }
}

/// What the rows of one fact say about one unit. Every unit holds one per fact, so what only
/// some facts need (months, the row in force, discretionary entries) takes no room until used.
#[derive(Debug, Default, Clone)]
pub(crate) struct FactAgg {
    /// Rows seen.
    pub rows: u64,
    /// Occurrences (the sum of `count`).
    pub occurrences: Decimal,
    /// Occurrences per month of the policy's year, once there is a dated one.
    pub months: Option<Box<[Decimal; 12]>>,
    /// A measure's or flag's row in force.
    pub value: Option<Reported>,
    /// A keyed measure's rows in force, by key.
    pub keyed: BTreeMap<String, Reported>,
    /// A state's dated rows no longer in force, once there is one.
    pub past: Option<Box<Past>>,
    /// The sum of discretionary points.
    pub points: Decimal,
    /// Discretionary-points entries by (date, value): two equal ones may be one entry made twice.
    pub entries: BTreeMap<(Option<NaiveDate>, Decimal), (usize, u64)>,
    /// Rows, when explaining.
    pub trace: Vec<Trace>,
}

impl FactAgg {
    /// Adds `count` occurrences in month `month0` (0 to 11).
    pub fn add_month(&mut self, month0: usize, count: Decimal, of: &mut Overflow) {
        let months = self.months.get_or_insert_with(Default::default);
        if let Some(m) = months.get_mut(month0) {
            *m = of.add(*m, count);
        }
    }

    /// Occurrences per month (all 0 before any dated occurrence).
    pub fn months(&self) -> [Decimal; 12] {
        self.months.as_deref().copied().unwrap_or_default()
    }

    /// Records a state's row; returns the clash if it cannot stand beside the row in force.
    pub fn report(&mut self, key: Option<&str>, new: Reported) -> Option<ClashAt> {
        match key {
            None => keep_latest(&mut self.value, &mut self.past, None, new),
            Some(k) => {
                let mut slot = self.keyed.remove(k);
                let clash = keep_latest(&mut slot, &mut self.past, Some(k), new);
                if let Some(r) = slot {
                    self.keyed.insert(k.to_string(), r);
                }
                clash
            }
        }
    }

    /// Records a discretionary-points entry; returns the earlier identical entry, if any.
    pub fn entry(
        &mut self,
        date: Option<NaiveDate>,
        value: Decimal,
        at: (usize, u64),
    ) -> Option<(usize, u64)> {
        match self.entries.get(&(date, value)) {
            Some(&first) => Some(first.min(at)),
            None => {
                self.entries.insert((date, value), at);
                None
            }
        }
    }

    /// The rows in force of a state, in key order.
    pub fn in_force(&self) -> impl Iterator<Item = &Reported> {
        self.value.iter().chain(self.keyed.values())
    }

    /// Whether the row at (file, line) is a state's row in force.
    pub fn is_in_force(&self, file: usize, line: u64) -> bool {
        self.in_force().any(|r| r.at() == (file, line))
    }

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
                    .fold(Decimal::ZERO, |a, b| of.add(a, b.value))
            })
        } else {
            self.value.as_ref().map(|r| r.value)
        }
    }

    /// Folds another chunk's aggregate of the same unit and fact into this one;
    /// returns the clashes of states and the repeated discretionary entries found.
    pub fn merge(&mut self, other: FactAgg, of: &mut Overflow) -> (Vec<ClashAt>, Vec<(At, At)>) {
        let mut clashes = Vec::new();
        let mut repeated = Vec::new();
        self.rows += other.rows;
        self.occurrences = of.add(self.occurrences, other.occurrences);
        if let Some(theirs) = other.months {
            for (m, o) in theirs.iter().enumerate() {
                self.add_month(m, *o, of);
            }
        }
        if let Some(v) = other.value {
            clashes.extend(keep_latest(&mut self.value, &mut self.past, None, v));
        }
        for (k, v) in other.keyed {
            clashes.extend(self.report(Some(&k), v));
        }
        // Each of the other chunk's superseded rows is older than its row in force, so older
        // than the row in force now: it joins the superseded rows.
        for ((key, date), (value, at)) in other.past.into_iter().flat_map(|p| *p) {
            let past = self.past.get_or_insert_with(Default::default);
            clashes.extend(supersede(past, key.as_deref(), date, value, at));
        }
        for ((date, value), at) in other.entries {
            if let Some(first) = self.entry(date, value, at) {
                repeated.push((first, first.max(at)));
            }
        }
        self.points = of.add(self.points, other.points);
        self.trace.extend(other.trace);
        (clashes, repeated)
    }
}

/// What the rows a rule counts add up to for one unit.
#[derive(Debug, Default, Clone)]
pub(crate) struct RuleAgg {
    /// Sum of the rows' weights or amounts.
    pub total: Decimal,
    /// `once per K`: the highest weight or amount per key.
    pub groups: BTreeMap<String, Decimal>,
    /// `per K` and `per missing`: the distinct values seen.
    pub distinct: BTreeSet<String>,
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
