//! Part of the eval stage, dense lane: what the rows of each unit add up to, in flat arrays a
//! slot per unit and aggregate, folded from typed rows borrowed from the read buffer.
//!
//! The aggregates are those of [`super::super::aggregate`] — sums, per-key maxima, sets of
//! values, months, the latest-dated state — laid out densely: a unit's sums side by side,
//! a set of closed-set values as bits, keys packed as bytes. Anything that would make the
//! general evaluator say something (two values of a state on one day, a repeated
//! discretionary entry, an overflow) gives up ([`Bail`]), so that the general evaluator
//! reads the files and says it.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::kept::{keep_kept, keep_latest, supersede, Kept, Past, Reported};
use super::plan::{Action, FactSlots, FieldRef, Filter, Op, Plan};
use crate::eval::aggregate::Overflow;
use crate::eval::cond::{self, Env, Val};
use crate::facts::ahead::ahead;
use crate::facts::scan::{Bail, Cell, Sink, Typed};
use crate::ir;

/// From how many units a batch's aggregates are asked for ahead (below, a core's cache holds
/// them).
const AHEAD_FROM: usize = 8192;

/// Rows of fixed units into a [`State`], their aggregates asked for a batch ahead.
pub(super) struct Feed<'s, 'p> {
    pub state: &'s mut State,
    pub plan: &'s Plan<'p>,
}

impl Sink for Feed<'_, '_> {
    fn ahead(&mut self, rows: &[Typed]) {
        self.state.ahead(self.plan, rows);
    }

    fn fold(&mut self, rows: &[Typed]) -> Result<(), Bail> {
        self.state.feed_batch(self.plan, rows)
    }
}

/// Every unit's aggregates.
pub(super) struct State {
    units: usize,
    pub sums: Vec<Decimal>,
    pub masks: Vec<u64>,
    /// Packed `(key, amount)` entries: a length byte, the key's bytes, the amount's index in
    /// `amounts` of the slot (sets of keys leave the index out).
    pub keys: Vec<Vec<u8>>,
    pub months: Vec<Option<Box<[Decimal; 12]>>>,
    pub states: Vec<Reported>,
    /// The superseded rows of `states`, by slot.
    pub past: Past<usize>,
    pub entries: Vec<Vec<(Option<NaiveDate>, Decimal)>>,
    pub kept: Vec<Vec<Kept>>,
    /// The superseded rows of `kept`, by slot and key.
    pub past_kept: Past<(usize, Option<String>)>,
    /// For each key slot, the distinct amounts its entries point at.
    pub amounts: Vec<Vec<Decimal>>,
    pub overflow: Overflow,
}

impl State {
    pub fn new(plan: &Plan, units: usize) -> State {
        let n = &plan.counts;
        State {
            units,
            sums: vec![Decimal::ZERO; units * n.sums],
            masks: vec![0; units * n.masks],
            keys: vec![Vec::new(); units * n.keys],
            months: vec![None; units * n.months],
            states: vec![None; units * n.states],
            past: Past::default(),
            entries: vec![Vec::new(); units * n.entries],
            kept: vec![Vec::new(); units * n.kept],
            past_kept: Past::default(),
            amounts: vec![Vec::new(); n.keys],
            overflow: Overflow::default(),
        }
    }

    /// Room for one more unit; its index.
    pub fn push_unit(&mut self, plan: &Plan) -> usize {
        let n = &plan.counts;
        self.sums.resize(self.sums.len() + n.sums, Decimal::ZERO);
        self.masks.resize(self.masks.len() + n.masks, 0);
        self.keys.resize(self.keys.len() + n.keys, Vec::new());
        self.months.resize(self.months.len() + n.months, None);
        self.states.resize(self.states.len() + n.states, None);
        self.entries
            .resize(self.entries.len() + n.entries, Vec::new());
        self.kept.resize(self.kept.len() + n.kept, Vec::new());
        self.units += 1;
        self.units - 1
    }

    /// A sum slot of unit `u`.
    pub fn sum(&self, plan: &Plan, u: usize, slot: usize) -> Decimal {
        let width = plan.counts.sums;
        self.sums.get(u * width + slot).copied().unwrap_or_default()
    }

    /// A set of closed-set values of unit `u`, as bits.
    pub fn mask(&self, plan: &Plan, u: usize, slot: usize) -> u64 {
        let width = plan.counts.masks;
        self.masks.get(u * width + slot).copied().unwrap_or(0)
    }

    /// A fact's occurrences by month for unit `u` (all 0 before any dated occurrence).
    pub fn months(&self, plan: &Plan, u: usize, slot: usize) -> [Decimal; 12] {
        let width = plan.counts.months;
        self.months
            .get(u * width + slot)
            .and_then(|m| m.as_deref().copied())
            .unwrap_or_default()
    }

    /// The kept rows of a state of unit `u`.
    pub fn kept_rows(&self, plan: &Plan, u: usize, slot: usize) -> &[Kept] {
        let width = plan.counts.kept;
        self.kept
            .get(u * width + slot)
            .map_or(&[][..], Vec::as_slice)
    }

    /// The value in force of an unkeyed state of unit `u` (of a keyed one: of its row without a key).
    pub fn reported(&self, plan: &Plan, u: usize, slots: FactSlots) -> Reported {
        if let Some(k) = slots.kept {
            let row = self
                .kept_rows(plan, u, k)
                .iter()
                .find(|r| r.key.is_none())?;
            return Some((row.date, row.value));
        }
        let width = plan.counts.states;
        *self.states.get(u * width + slots.state?)?
    }

    /// Whether unit `u` has a row of a state (a measure or flag) at all.
    pub fn has_rows(&self, plan: &Plan, u: usize, slots: FactSlots) -> bool {
        match (slots.state, slots.kept) {
            (Some(_), _) => self.reported(plan, u, slots).is_some(),
            (_, Some(k)) => !self.kept_rows(plan, u, k).is_empty(),
            _ => false,
        }
    }

    /// Asks for the aggregates of a batch of rows of fixed units, which are folded a batch
    /// later (`scan::Sink`).
    pub fn ahead(&self, plan: &Plan, batch: &[Typed]) {
        // A few thousand units' aggregates stay in the cache: nothing to ask for.
        if self.units < AHEAD_FROM {
            return;
        }
        let n = &plan.counts;
        for row in batch {
            let (Some(u), Some(touch)) = (row.unit_id, plan.touch.get(row.fact)) else {
                continue;
            };
            if let Some(s) = touch.sum.and_then(|s| self.sums.get(u * n.sums + s)) {
                ahead(s);
            }
            if let Some(m) = touch.mask.and_then(|s| self.masks.get(u * n.masks + s)) {
                ahead(m);
            }
            if let Some(k) = touch.key.and_then(|s| self.keys.get(u * n.keys + s)) {
                ahead(k);
            }
            if let Some(s) = touch.state.and_then(|s| self.states.get(u * n.states + s)) {
                ahead(s);
            }
        }
    }

    /// Folds a batch of rows of fixed units.
    pub fn feed_batch(&mut self, plan: &Plan, batch: &[Typed]) -> Result<(), Bail> {
        for row in batch {
            self.feed(plan, row.unit_id.ok_or(Bail)?, row)?;
        }
        Ok(())
    }

    /// Folds one typed row of unit `u` into the aggregates.
    ///
    /// The loop holds only the common steps, the others are calls: with every step inline,
    /// the compiler readied what any of them might read (the count's and the value's parts,
    /// the date's month, each array's offset) before the loop, about 100 instructions a row
    /// whichever steps the row's fact has.
    #[inline(always)]
    pub fn feed(&mut self, plan: &Plan, u: usize, row: &Typed) -> Result<(), Bail> {
        let Some(ops) = plan.ops.get(row.fact) else {
            return Err(Bail);
        };
        let Some(decl) = plan.policy.facts.get(row.fact) else {
            return Err(Bail);
        };
        let env = RowEnv { row, decl };
        for op in ops {
            match op {
                Op::Occurrences { sum, months } => {
                    // A row with count 0 records no occurrence, in every form (and no rule counts it).
                    if row.count.is_zero() {
                        return Ok(());
                    }
                    if let Some(s) = sum {
                        let slot = self.sums.get_mut(u * plan.counts.sums + s).ok_or(Bail)?;
                        *slot = self.overflow.add(*slot, row.count);
                    }
                    if let Some(m) = months {
                        self.month(plan, u, *m, row)?;
                    }
                }
                Op::Rule { filter, action, .. } => {
                    if filter.as_ref().is_some_and(|f| !passes(f, row, &env, plan)) {
                        continue;
                    }
                    self.act(plan, u, row, &env, action)?;
                }
                _ => self.keep(plan, u, row, decl, op)?,
            }
        }
        Ok(())
    }

    /// An event's occurrences in its month.
    #[inline(never)]
    fn month(&mut self, plan: &Plan, u: usize, m: usize, row: &Typed) -> Result<(), Bail> {
        if let (Some(d), Some(year)) = (row.date, plan.policy.year) {
            if d.year() == year {
                let slot = self
                    .months
                    .get_mut(u * plan.counts.months + m)
                    .ok_or(Bail)?;
                let months = slot.get_or_insert_with(Default::default);
                let month = months.get_mut(d.month0() as usize).ok_or(Bail)?;
                *month = self.overflow.add(*month, row.count);
            }
        }
        Ok(())
    }

    /// A row's value kept: discretionary points, a state, a kept row.
    #[inline(never)]
    fn keep(
        &mut self,
        plan: &Plan,
        u: usize,
        row: &Typed,
        decl: &ir::Fact,
        op: &Op,
    ) -> Result<(), Bail> {
        let n = &plan.counts;
        match op {
            Op::Points { sum, entries } => {
                let value = row.value.ok_or(Bail)?;
                let slot = self.sums.get_mut(u * n.sums + sum).ok_or(Bail)?;
                *slot = self.overflow.add(*slot, value);
                let list = self.entries.get_mut(u * n.entries + entries).ok_or(Bail)?;
                // Two identical entries are a warning (E055): the general evaluator gives it.
                if list.contains(&(row.date, value)) {
                    return Err(Bail);
                }
                list.push((row.date, value));
            }
            Op::State { state } => {
                let value = row.value.ok_or(Bail)?;
                let index = u * n.states + state;
                let slot = self.states.get_mut(index).ok_or(Bail)?;
                keep_latest(slot, &mut self.past, index, (row.date, value))?;
            }
            Op::Kept { kept } => {
                let row = Kept::of(row, decl)?;
                let index = u * n.kept + kept;
                let list = self.kept.get_mut(index).ok_or(Bail)?;
                keep_kept(list, &mut self.past_kept, index, row)?;
            }
            Op::Occurrences { .. } | Op::Rule { .. } => return Err(Bail),
        }
        Ok(())
    }

    #[inline(always)]
    fn act(
        &mut self,
        plan: &Plan,
        u: usize,
        row: &Typed,
        env: &RowEnv,
        action: &Action,
    ) -> Result<(), Bail> {
        let n = &plan.counts;
        match action {
            Action::Weight {
                slot,
                persons,
                days,
                once,
            } => {
                // `None`: a weight of 1 so far (one occurrence, or `once per K`): 1 times x
                // is x exactly, and most rows are one occurrence.
                let mut weight = match once.is_some() || row.count == Decimal::ONE {
                    true => None,
                    false => Some(row.count),
                };
                for f in [persons, days].into_iter().flatten() {
                    if let Some(Some(Cell::Num(x))) = row.fields.get(*f) {
                        weight = Some(match weight {
                            None => *x,
                            Some(w) => self.overflow.mul(w, *x),
                        });
                    }
                }
                let weight = weight.unwrap_or(Decimal::ONE);
                match once {
                    Some(k) => self.keep_max(n.keys, u, *slot, &key(k, row), weight),
                    None => {
                        let s = self.sums.get_mut(u * n.sums + slot).ok_or(Bail)?;
                        *s = self.overflow.add(*s, weight);
                        Ok(())
                    }
                }
            }
            Action::Mask { slot, field } => {
                if let Some(Cell::Choice(i, _)) = row.fields.get(*field).copied().flatten() {
                    let m = self.masks.get_mut(u * n.masks + slot).ok_or(Bail)?;
                    *m |= 1u64.checked_shl(i).ok_or(Bail)?;
                }
                Ok(())
            }
            Action::Set { slot, field, own } => {
                let k = match (text(field, row), own) {
                    (Some(t), _) => t,
                    (None, true) => own_key(row),
                    (None, false) => return Ok(()),
                };
                let list = self.keys.get_mut(u * n.keys + slot).ok_or(Bail)?;
                if find(list, k.as_bytes(), false).is_none() {
                    push_key(list, k.as_bytes(), None)?;
                }
                Ok(())
            }
            Action::Table {
                slot,
                field,
                lookup,
                once,
            } => {
                let value = env.get(field);
                let Some(amount) = crate::eval::look_up(lookup, value) else {
                    return Ok(());
                };
                match once {
                    Some(k) => self.keep_max(n.keys, u, *slot, &key(k, row), amount),
                    None => {
                        let amount = self.overflow.mul(amount, row.count);
                        let s = self.sums.get_mut(u * n.sums + slot).ok_or(Bail)?;
                        *s = self.overflow.add(*s, amount);
                        Ok(())
                    }
                }
            }
        }
    }

    /// `once per K`: the highest amount of each key.
    fn keep_max(
        &mut self,
        width: usize,
        u: usize,
        slot: usize,
        k: &str,
        amount: Decimal,
    ) -> Result<(), Bail> {
        let index = self.amount_index(slot, amount)?;
        let amounts = self.amounts.get(slot).ok_or(Bail)?;
        let list = self.keys.get_mut(u * width + slot).ok_or(Bail)?;
        match find(list, k.as_bytes(), true) {
            Some(at) => {
                let old = list.get(at).copied().ok_or(Bail)?;
                let higher = amounts.get(usize::from(old)).is_none_or(|a| *a < amount);
                if higher {
                    *list.get_mut(at).ok_or(Bail)? = index;
                }
                Ok(())
            }
            None => push_key(list, k.as_bytes(), Some(index)),
        }
    }

    /// The place of `amount` among the amounts of key slot `slot`, added if new.
    fn amount_index(&mut self, slot: usize, amount: Decimal) -> Result<u8, Bail> {
        let amounts = self.amounts.get_mut(slot).ok_or(Bail)?;
        let index = match amounts.iter().position(|a| *a == amount) {
            Some(i) => i,
            None => {
                amounts.push(amount);
                amounts.len() - 1
            }
        };
        u8::try_from(index).map_err(|_| Bail)
    }

    /// Feeds the rows in force of every kept state to the rules that count them.
    pub fn replay(&mut self, plan: &Plan) -> Result<(), Bail> {
        let width = plan.counts.kept;
        for u in 0..self.units {
            for (f, ops) in plan.replay.iter().enumerate() {
                let Some(slot) = plan.facts.get(f).and_then(|s| s.kept) else {
                    continue;
                };
                if ops.is_empty() {
                    continue;
                }
                let decl = plan.policy.facts.get(f).ok_or(Bail)?;
                let rows = std::mem::take(self.kept.get_mut(u * width + slot).ok_or(Bail)?);
                for kept in &rows {
                    let row = kept.typed(f);
                    let env = RowEnv { row: &row, decl };
                    for op in ops {
                        if let Op::Rule { filter, action } = op {
                            if filter
                                .as_ref()
                                .is_some_and(|f| !passes(f, &row, &env, plan))
                            {
                                continue;
                            }
                            self.act(plan, u, &row, &env, action)?;
                        }
                    }
                }
                if let Some(back) = self.kept.get_mut(u * width + slot) {
                    *back = rows;
                }
            }
        }
        Ok(())
    }

    /// Folds the aggregates of `other` (a later piece of the same file, the same units) in.
    pub fn merge(&mut self, plan: &Plan, other: State) -> Result<(), Bail> {
        if other.units != self.units {
            return Err(Bail);
        }
        self.overflow.0 |= other.overflow.0;
        for (a, b) in self.sums.iter_mut().zip(other.sums) {
            // Most of a unit's sums are untouched in one piece or the other: `a + 0` is `a`.
            if b.is_zero() && b.scale() == 0 {
                continue;
            }
            *a = self.overflow.add(*a, b);
        }
        for (a, b) in self.masks.iter_mut().zip(other.masks) {
            *a |= b;
        }
        for (a, b) in self.months.iter_mut().zip(other.months) {
            if let Some(theirs) = b {
                let mine = a.get_or_insert_with(Default::default);
                for (x, y) in mine.iter_mut().zip(theirs.iter()) {
                    *x = self.overflow.add(*x, *y);
                }
            }
        }
        for (index, (a, b)) in self.states.iter_mut().zip(other.states).enumerate() {
            if let Some(new) = b {
                keep_latest(a, &mut self.past, index, new)?;
            }
        }
        for (index, (a, b)) in self.kept.iter_mut().zip(other.kept).enumerate() {
            for k in b {
                keep_kept(a, &mut self.past_kept, index, k)?;
            }
        }
        // The other piece's superseded rows are older than what is in force now.
        for ((index, date), value) in other.past {
            supersede(&mut self.past, index, date, value)?;
        }
        for ((key, date), value) in other.past_kept {
            supersede(&mut self.past_kept, key, date, value)?;
        }
        for (a, b) in self.entries.iter_mut().zip(other.entries) {
            for e in b {
                if a.contains(&e) {
                    return Err(Bail);
                }
                a.push(e);
            }
        }
        let width = plan.counts.keys;
        for (i, mut list) in other.keys.into_iter().enumerate() {
            if list.is_empty() {
                continue;
            }
            let (u, slot) = (i / width.max(1), i % width.max(1));
            let keyed = plan.keyed.get(slot).copied().unwrap_or(false);
            // Keys this piece alone saw: its list as it is, its amounts' places in ours.
            if self.keys.get(i).is_some_and(Vec::is_empty) {
                if keyed {
                    let mut at = 0;
                    while let Some(&len) = list.get(at) {
                        at += 1 + usize::from(len);
                        let theirs = list.get(at).copied().ok_or(Bail)?;
                        let ours =
                            self.amount_index(slot, amount(&other.amounts, slot, theirs)?)?;
                        *list.get_mut(at).ok_or(Bail)? = ours;
                        at += 1;
                    }
                }
                *self.keys.get_mut(i).ok_or(Bail)? = list;
                continue;
            }
            let mut at = 0;
            while let Some(&len) = list.get(at) {
                let k = list.get(at + 1..at + 1 + usize::from(len)).ok_or(Bail)?;
                let k = std::str::from_utf8(k).map_err(|_| Bail)?;
                at += 1 + usize::from(len);
                if keyed {
                    let index = list.get(at).copied().ok_or(Bail)?;
                    at += 1;
                    let amount = amount(&other.amounts, slot, index)?;
                    self.keep_max(width, u, slot, k, amount)?;
                } else {
                    let mine = self.keys.get_mut(i).ok_or(Bail)?;
                    if find(mine, k.as_bytes(), false).is_none() {
                        push_key(mine, k.as_bytes(), None)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The keys of a slot of unit `u`, with their amounts (`None` for a set of keys).
    pub fn entries_of<'s>(
        &'s self,
        plan: &Plan,
        u: usize,
        slot: usize,
    ) -> impl Iterator<Item = (&'s [u8], Option<Decimal>)> + 's {
        let keyed = plan.keyed.get(slot).copied().unwrap_or(false);
        let list = self
            .keys
            .get(u * plan.counts.keys + slot)
            .map_or(&[][..], Vec::as_slice);
        let amounts = self.amounts.get(slot).map_or(&[][..], Vec::as_slice);
        let mut at = 0;
        std::iter::from_fn(move || {
            let len = usize::from(*list.get(at)?);
            let k = list.get(at + 1..at + 1 + len)?;
            at += 1 + len;
            let amount = if keyed {
                let i = usize::from(*list.get(at)?);
                at += 1;
                Some(*amounts.get(i)?)
            } else {
                None
            };
            Some((k, amount))
        })
    }
}

/// The amount at place `index` of key slot `slot`'s table of amounts.
fn amount(amounts: &[Vec<Decimal>], slot: usize, index: u8) -> Result<Decimal, Bail> {
    amounts
        .get(slot)
        .and_then(|a| a.get(usize::from(index)))
        .copied()
        .ok_or(Bail)
}

/// Whether a row passes a rule's `where` (unknown does not).
fn passes(filter: &Filter, row: &Typed, env: &RowEnv, plan: &Plan) -> bool {
    match filter {
        Filter::Choice {
            field,
            index,
            equal,
        } => match row.fields.get(*field).copied().flatten() {
            Some(Cell::Choice(i, _)) => (Some(i) == *index) == *equal,
            // A missing value makes the comparison unknown.
            _ => false,
        },
        Filter::Cond(c) => cond::holds(c, env, &plan.calendar) == Some(true),
    }
}

/// Where key `k` sits in a packed list: the position of its amount index (`keyed`) or of its
/// length byte.
fn find(list: &[u8], k: &[u8], keyed: bool) -> Option<usize> {
    let mut at = 0;
    while let Some(&len) = list.get(at) {
        let len = usize::from(len);
        let start = at + 1;
        let next = start + len + usize::from(keyed);
        if list.get(start..start + len) == Some(k) {
            return Some(if keyed { start + len } else { at });
        }
        at = next;
    }
    None
}

fn push_key(list: &mut Vec<u8>, k: &[u8], index: Option<u8>) -> Result<(), Bail> {
    list.push(u8::try_from(k.len()).map_err(|_| Bail)?);
    list.extend_from_slice(k);
    list.extend(index);
    Ok(())
}

/// The key a row counts under for `once per K`: its value of K, or its own.
fn key<'r>(k: &FieldRef, row: &'r Typed) -> std::borrow::Cow<'r, str> {
    text(k, row).unwrap_or_else(|| own_key(row))
}

/// A key field's value as text, as the general evaluator writes it (`text_of`).
fn text<'r>(k: &FieldRef, row: &'r Typed) -> Option<std::borrow::Cow<'r, str>> {
    match RowEnv::value(row, k)? {
        Val::Text(t) => Some(t.into()),
        Val::Num(n) => Some(n.normalize().to_string().into()),
        Val::Date(d) => Some(d.to_string().into()),
        Val::Bool(b) => Some(b.to_string().into()),
    }
}

/// The key of a row without one: its own, which no cell can be (the general evaluator's
/// `own_key`: the file's place and the row's number, unique to the row; in a piece of a cut
/// file the number is the piece's, see `dense::cut`).
fn own_key(row: &Typed) -> std::borrow::Cow<'static, str> {
    format!("\u{1}{}:{}", row.file, row.line).into()
}

/// A typed row's fields, for `where`.
pub(super) struct RowEnv<'r, 'a> {
    pub row: &'r Typed<'a>,
    pub decl: &'r ir::Fact,
}

impl<'a> RowEnv<'_, 'a> {
    fn value<'r>(row: &'r Typed<'a>, f: &FieldRef) -> Option<Val<'r>> {
        match f {
            FieldRef::Field(i) => match row.fields.get(*i).copied().flatten()? {
                Cell::Num(n) => Some(Val::Num(n)),
                Cell::Text(t) | Cell::Choice(_, t) => Some(Val::Text(t)),
                Cell::Date(d) => Some(Val::Date(d)),
            },
            FieldRef::Date => row.date.map(Val::Date),
            FieldRef::Count => Some(Val::Num(row.count)),
            FieldRef::Value => row.value.map(Val::Num),
            FieldRef::None => None,
        }
    }

    fn get(&self, f: &FieldRef) -> Option<Val<'_>> {
        RowEnv::value(self.row, f)
    }
}

impl Env for RowEnv<'_, '_> {
    fn field(&self, name: &str) -> Option<Val<'_>> {
        let f = match self.decl.fields.iter().position(|f| f.name == name) {
            Some(i) => FieldRef::Field(i),
            None => FieldRef::builtin(name),
        };
        self.get(&f)
    }
    fn fact(&self, _: &str) -> Option<Val<'_>> {
        None
    }
    fn flag(&self, _: &str) -> bool {
        false
    }
    fn happened(&self, _: &str) -> bool {
        false
    }
    fn each_month(&self, _: &str, _: Decimal) -> bool {
        false
    }
}
