//! Part of the eval stage, dense lane: the rows of states (a measure's or flag's latest-dated
//! value, a keyed measure's rows) kept while they may be in force, and the rows they
//! superseded, by slot and date, so that two values of one date clash in whatever order they
//! come, as in the general evaluator (its E048).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use crate::facts::scan::{Bail, Cell, Typed};
use crate::ir;

/// A latest-dated state: its date and value.
pub(super) type Reported = Option<(Option<NaiveDate>, Decimal)>;

/// A cell of a kept row, owned.
#[derive(Debug, Clone)]
pub(super) enum Owned {
    Num(Decimal),
    Text(String),
    Choice(u32, String),
    Date(NaiveDate),
}

/// A row of a keyed measure (or of a state whose rows rules count), kept while it may be in force.
#[derive(Debug, Clone)]
pub(super) struct Kept {
    /// The key field's value (`None`: the row has none, or the fact no key).
    pub key: Option<String>,
    pub date: Option<NaiveDate>,
    pub value: Decimal,
    fields: Vec<Option<Owned>>,
    file: usize,
    line: u64,
}

impl Kept {
    pub(super) fn of(row: &Typed, decl: &ir::Fact) -> Result<Kept, Bail> {
        let key = decl
            .fields
            .iter()
            .position(|f| f.kind == ir::FieldKind::Key)
            .and_then(|i| match row.fields.get(i).copied().flatten() {
                Some(Cell::Text(t)) => Some(t.to_string()),
                _ => None,
            });
        let fields = row
            .fields
            .iter()
            .take(decl.fields.len())
            .map(|c| {
                c.map(|c| match c {
                    Cell::Num(n) => Owned::Num(n),
                    Cell::Text(t) => Owned::Text(t.to_string()),
                    Cell::Choice(i, t) => Owned::Choice(i, t.to_string()),
                    Cell::Date(d) => Owned::Date(d),
                })
            })
            .collect();
        Ok(Kept {
            key,
            date: row.date,
            value: row.value.ok_or(Bail)?,
            fields,
            file: row.file,
            line: row.line,
        })
    }

    /// The row again, for the rules that count it.
    pub(super) fn typed(&self, fact: usize) -> Typed<'_> {
        let mut fields = [None; crate::facts::scan::MAX_FIELDS];
        for (slot, f) in fields.iter_mut().zip(&self.fields) {
            *slot = f.as_ref().map(|f| match f {
                Owned::Num(n) => Cell::Num(*n),
                Owned::Text(t) => Cell::Text(t),
                Owned::Choice(i, t) => Cell::Choice(*i, t),
                Owned::Date(d) => Cell::Date(*d),
            });
        }
        Typed {
            unit: "",
            unit_id: None,
            fact,
            date: self.date,
            count: Decimal::ONE,
            value: Some(self.value),
            fields,
            file: self.file,
            line: self.line,
        }
    }
}

/// The superseded rows of states, by slot (and key) and date: their value. Every dated row
/// not in force is here, so two of one date with different values clash whatever order they
/// come in, as in the general evaluator; a date holds one entry.
pub(super) type Past<K> = FxHashMap<(K, NaiveDate), Decimal>;

/// Records a dated row that is not (or no longer) in force; another value on that date is a
/// clash (the general evaluator reports it).
pub(super) fn supersede<K: Eq + std::hash::Hash>(
    past: &mut Past<K>,
    key: K,
    date: NaiveDate,
    value: Decimal,
) -> Result<(), Bail> {
    match past.entry((key, date)) {
        std::collections::hash_map::Entry::Occupied(e) if *e.get() != value => Err(Bail),
        std::collections::hash_map::Entry::Occupied(_) => Ok(()),
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(value);
            Ok(())
        }
    }
}

/// Keeps the rows in force of one state given another row: per key, the later date wins and
/// the earlier goes to `past`; two rows of one date agree (the first read stands) or clash,
/// and a row without a date stands alone — the general evaluator's `keep_latest`; a clash is
/// its E048.
pub(super) fn keep_kept(
    list: &mut Vec<Kept>,
    past: &mut Past<(usize, Option<String>)>,
    slot: usize,
    new: Kept,
) -> Result<(), Bail> {
    let Some(old) = list.iter_mut().find(|k| k.key == new.key) else {
        list.push(new);
        return Ok(());
    };
    match (old.date, new.date) {
        (Some(a), Some(b)) if b > a => {
            supersede(past, (slot, old.key.clone()), a, old.value)?;
            *old = new;
        }
        (Some(a), Some(b)) if b < a => supersede(past, (slot, new.key), b, new.value)?,
        (Some(_), Some(_)) if old.value == new.value => {
            if (new.file, new.line) < (old.file, old.line) {
                *old = new;
            }
        }
        _ => return Err(Bail),
    }
    Ok(())
}

/// A state's new row beside the one in force: the later date wins; one date, one value; a
/// row without a date stands alone. Anything else is the general evaluator's E048.
pub(super) fn keep_latest(
    slot: &mut Reported,
    past: &mut Past<usize>,
    index: usize,
    new: (Option<NaiveDate>, Decimal),
) -> Result<(), Bail> {
    match (*slot, new) {
        (None, _) => *slot = Some(new),
        (Some((Some(a), old)), (Some(b), _)) if b > a => {
            supersede(past, index, a, old)?;
            *slot = Some(new);
        }
        (Some((Some(a), _)), (Some(b), value)) if b < a => supersede(past, index, b, value)?,
        (Some((Some(_), old)), (Some(_), value)) if old == value => {}
        _ => return Err(Bail),
    }
    Ok(())
}
