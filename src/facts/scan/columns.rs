//! Part of the facts stage, its fast lane: what a file's header and the policy resolve once
//! for [`super::scan`] — each column's place, how each fact's fields are read from them, and
//! the names (facts, closed-set values) a row's cell is looked up among.

use super::{Bail, Lanes};
use crate::ir::{FieldKind, NumberKind};

/// A few names (a policy's facts, a set's values), found among those of their length by
/// their first 8 bytes, the whole name compared only past 8 bytes: comparing a name with
/// each in turn took 58 instructions a lookup, one or two a row.
pub(super) struct Names<'p> {
    names: Vec<&'p str>,
    /// For each length up to [`LONG`] (the last: every longer one), the first 8 bytes and
    /// position of each name of that length.
    by_len: Vec<Vec<(u64, usize)>>,
}

/// Names this long or longer share the last list of [`Names::by_len`].
const LONG: usize = 32;

impl<'p> Names<'p> {
    pub(super) fn new(names: impl Iterator<Item = &'p str>) -> Names<'p> {
        let names: Vec<&str> = names.collect();
        let mut by_len = vec![Vec::new(); LONG + 1];
        for (i, n) in names.iter().enumerate() {
            if let Some(list) = by_len.get_mut(n.len().min(LONG)) {
                list.push((crate::facts::units::prefix(n), i));
            }
        }
        Names { names, by_len }
    }

    /// The position of `name` (the first, for a name given twice).
    #[inline]
    pub(super) fn find(&self, name: &[u8]) -> Option<usize> {
        let list = self.by_len.get(name.len().min(LONG))?;
        let p = crate::facts::units::prefix_of(name);
        let long = name.len() > 8;
        list.iter()
            .find(|(q, i)| {
                *q == p && (!long || self.names.get(*i).map(|n| n.as_bytes()) == Some(name))
            })
            .map(|(_, i)| *i)
    }
}

/// A file's columns, resolved from its header once.
pub(super) struct Columns {
    pub width: usize,
    pub unit: usize,
    pub fact: usize,
    pub date: Option<usize>,
    pub count: Option<usize>,
    pub value: Option<usize>,
    /// For each fact, the column of each declared field and how it is read, in declaration
    /// order (`None`: a declared field has no column, E-missing-column in the general reader).
    pub fields: Vec<Option<Vec<(usize, Reading)>>>,
}

/// How a declared field is read from its cell, resolved once a file rather than matched
/// from its declaration every row.
#[derive(Debug, Clone, Copy)]
pub(super) enum Reading {
    Persons,
    Days,
    Date,
    Number(NumberKind),
    /// A closed-set value: the field's place among its fact's fields (its set of names).
    Set(usize),
    /// A key or free text.
    Text,
}

impl Reading {
    fn of(kind: &FieldKind, place: usize) -> Reading {
        match kind {
            FieldKind::Persons => Reading::Persons,
            FieldKind::Days => Reading::Days,
            FieldKind::Date => Reading::Date,
            FieldKind::Number(kind) => Reading::Number(*kind),
            FieldKind::Set(_) => Reading::Set(place),
            FieldKind::Key | FieldKind::Text => Reading::Text,
        }
    }
}

impl Columns {
    /// The columns of a header line, or `Bail` when the general reader would refuse it.
    pub(super) fn of(header: &str, delimiter: u8, lanes: &Lanes) -> Result<Columns, Bail> {
        let names: Vec<&str> = header
            .split(char::from(delimiter))
            .map(|c| crate::facts::canonical_column(c.trim().trim_start_matches('\u{feff}')))
            .collect();
        let find = |name: &str| names.iter().position(|n| *n == name);
        // A column twice (or without a name) is E062 in the general reader.
        for (i, n) in names.iter().enumerate() {
            if names.iter().take(i).any(|m| m == n) {
                return Err(Bail);
            }
        }
        let (Some(unit), Some(fact)) = (find("unit"), find("fact")) else {
            return Err(Bail);
        };
        let fields = lanes
            .policy
            .facts
            .iter()
            .map(|f| {
                f.fields
                    .iter()
                    .enumerate()
                    .map(|(k, x)| Some((find(&x.name)?, Reading::of(&x.kind, k))))
                    .collect()
            })
            .collect();
        Ok(Columns {
            width: names.len(),
            unit,
            fact,
            date: find("date"),
            count: find("count"),
            value: find("value"),
            fields,
        })
    }
}
