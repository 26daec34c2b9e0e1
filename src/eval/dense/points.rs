//! Part of the eval stage, dense lane: one unit's aggregates → its section scores and total,
//! as LANGUAGE.md section 4 says (the same arithmetic as `eval::score`, without receipts and
//! without allocating a unit).

use rust_decimal::Decimal;

use super::num::Num;
use super::plan::{Check, Plan, RuleSlot};
use super::state::State;
use crate::eval::aggregate::Overflow;
use crate::eval::calendar::Calendar;
use crate::eval::cond::{self, Env, Val};
use crate::facts::scan::Bail;
use crate::ir::{self, Per, RuleKind, Shape, Verb};

/// Scores unit `u`: writes each section's score into `sections` and returns the total.
/// `amounts` is scratch room for the rules of one item or section. In [`Num`] `N`; `Err`
/// when a sum overflows there (or, in `Fixed`, is not exact).
pub(super) fn unit<N: Num>(
    plan: &Plan,
    state: &State,
    u: usize,
    sections: &mut [Decimal],
    amounts: &mut Vec<N>,
) -> Result<Decimal, Bail> {
    let env = UnitEnv { plan, state, u };
    let mut of = Overflow::default();
    let mut next = 0usize;
    let (mut base, mut bonus) = (N::ZERO, N::ZERO);
    for (s, out) in plan.policy.sections.iter().zip(sections.iter_mut()) {
        let mut worthy_sum = N::ZERO;
        let mut worthy = false;
        let mut passed_sum = N::ZERO;
        let mut passed_award = false;
        for item in &s.items {
            rules(
                plan,
                &env,
                &item.rules,
                &item.groups,
                &mut next,
                amounts,
                &mut of,
            )?;
            let signed = signed_sum(&item.rules, amounts, &mut of);
            match item.worth {
                Some(w) => {
                    let w = N::of(w, &mut of);
                    let award = item.rules.iter().any(|r| r.verb == Verb::Award);
                    let start = if award { N::ZERO } else { w };
                    let score = plus(&mut of, start, signed).clamp(N::ZERO, w);
                    worthy_sum = plus(&mut of, worthy_sum, score);
                    worthy = true;
                }
                None => {
                    passed_sum = plus(&mut of, passed_sum, signed);
                    passed_award |= item.rules.iter().any(|r| r.verb == Verb::Award);
                }
            }
        }
        rules(plan, &env, &s.rules, &s.groups, &mut next, amounts, &mut of)?;
        let signed = signed_sum(&s.rules, amounts, &mut of);
        passed_sum = plus(&mut of, passed_sum, signed);
        passed_award |= s.rules.iter().any(|r| r.verb == Verb::Award);
        let score = match s.worth {
            Some(w) => {
                let w = N::of(w, &mut of);
                let start = if worthy {
                    worthy_sum
                } else if passed_award {
                    N::ZERO
                } else {
                    w
                };
                plus(&mut of, start, passed_sum).clamp(N::ZERO, w)
            }
            None => passed_sum,
        };
        *out = score.dec();
        if s.bonus {
            bonus = plus(&mut of, bonus, score);
        } else {
            base = plus(&mut of, base, score);
        }
    }
    let total = plus(&mut of, base.max(N::ZERO), bonus);
    if of.0 {
        // The general evaluator names the rule and the rows.
        return Err(Bail);
    }
    Ok(total.dec())
}

/// `a + b`, without a call when one is zero: the sum is then the other, as rust_decimal
/// gives it. Most of a unit's sums add a zero somewhere (a section without items, a rule
/// that gave nothing).
#[inline(always)]
fn plus<N: Num>(of: &mut Overflow, a: N, b: N) -> N {
    if b.is_zero() {
        a
    } else if a.is_zero() {
        b
    } else {
        a.add(b, of)
    }
}

/// The signed points of `rules` (their amounts in `amounts`).
fn signed_sum<N: Num>(rules: &[ir::Rule], amounts: &[N], of: &mut Overflow) -> N {
    rules
        .iter()
        .zip(amounts)
        .fold(N::ZERO, |a, (r, x)| match r.verb {
            Verb::Deduct => {
                let minus = x.neg(of);
                plus(of, a, minus)
            }
            Verb::Award => plus(of, a, *x),
        })
}

/// The amounts of `rules` after their caps and groups, into `amounts`.
fn rules<N: Num>(
    plan: &Plan,
    env: &UnitEnv,
    rules: &[ir::Rule],
    groups: &[ir::Group],
    next: &mut usize,
    amounts: &mut Vec<N>,
    of: &mut Overflow,
) -> Result<(), Bail> {
    amounts.clear();
    for rule in rules {
        let raw: N = raw(plan, env, *next, rule, of)?;
        *next += 1;
        amounts.push(match rule.cap {
            // A zero under a cap of zero or more stays zero: no comparison.
            Some(c) if !raw.is_zero() || c.is_sign_negative() => raw.min(N::of(c, of)),
            _ => raw,
        });
    }
    for (g, group) in groups.iter().enumerate() {
        let members = || {
            rules
                .iter()
                .enumerate()
                .filter(move |(_, r)| r.group == Some(g))
                .map(|(i, _)| i)
        };
        match group.kind {
            ir::GroupKind::Highest => {
                let amount = |i: usize| amounts.get(i).copied().unwrap_or(N::ZERO);
                // The first of equals stands.
                let best =
                    members().max_by(|a, b| amount(*a).cmp(&amount(*b)).then_with(|| b.cmp(a)));
                for i in members() {
                    if Some(i) != best {
                        if let Some(a) = amounts.get_mut(i) {
                            *a = N::ZERO;
                        }
                    }
                }
            }
            ir::GroupKind::Together { cap } => {
                let cap = N::of(cap, of);
                let sum = members()
                    .filter_map(|i| amounts.get(i).copied())
                    .fold(N::ZERO, |a, b| a.add(b, of));
                if sum <= cap {
                    continue;
                }
                // The excess is taken from the last rules of the group first.
                let mut excess = sum.sub(cap, of);
                let list: Vec<usize> = members().collect();
                for &i in list.iter().rev() {
                    if let Some(a) = amounts.get_mut(i) {
                        let cut = (*a).min(excess);
                        *a = a.sub(cut, of);
                        excess = excess.sub(cut, of);
                    }
                }
            }
        }
    }
    Ok(())
}

/// A rule's points before its cap.
fn raw<N: Num>(
    plan: &Plan,
    env: &UnitEnv,
    index: usize,
    rule: &ir::Rule,
    of: &mut Overflow,
) -> Result<N, Bail> {
    if let Some(c) = plan.only_if.get(index).and_then(Option::as_ref) {
        if holds::<N>(c, env, &plan.calendar) != Some(true) {
            return Ok(N::ZERO);
        }
    }
    let slot = plan
        .rule_slots
        .get(index)
        .copied()
        .unwrap_or(RuleSlot::None);
    Ok(match &rule.kind {
        RuleKind::When {
            amount, otherwise, ..
        } => {
            let condition = plan.when.get(index).and_then(Option::as_ref);
            match (
                condition.and_then(|c| holds::<N>(c, env, &plan.calendar)),
                otherwise,
            ) {
                (Some(true), _) => N::of(*amount, of),
                (Some(false), Some(o)) => N::of(*o, of),
                _ => N::ZERO,
            }
        }
        RuleKind::Count { rate, per, .. } => {
            let quantity = match per.as_slice() {
                [Per::Distinct(_)] => N::count(env.distinct(slot), of),
                _ => env.sum(slot, of),
            };
            N::of(*rate, of).mul(quantity, of)
        }
        RuleKind::Missing { rate, required, .. } => {
            let missing = match slot {
                RuleSlot::Mask { slot, .. } => {
                    let mask = env.mask(slot);
                    let bits = plan.required_bits.get(index).map_or(&[][..], Vec::as_slice);
                    bits.iter()
                        .filter(|b| b.is_none_or(|i| mask & (1u64 << i) == 0))
                        .count()
                }
                _ => required.iter().filter(|v| !env.has(slot, v)).count(),
            };
            N::of(*rate, of).mul(N::count(missing, of), of)
        }
        RuleKind::Times { factor, fact } => match env.total_value(fact, of) {
            Some(v) => N::of(*factor, of).mul(N::of(v, of), of),
            None => N::ZERO,
        },
        RuleKind::Table {
            fact,
            lookup,
            per_unit: true,
            ..
        } => env
            .total_value(fact, of)
            .and_then(|v| crate::eval::look_up(lookup, Some(Val::Num(v))))
            .map_or(N::ZERO, |a| N::of(a, of)),
        RuleKind::Table { .. } => env.sum(slot, of),
        RuleKind::Discretionary { fact } => {
            env.total_value(fact, of).map_or(N::ZERO, |v| N::of(v, of))
        }
    })
}

/// Whether a condition holds for the unit: `cond::holds`, the comparisons of a fact with a
/// number read from the fact's slots without finding its name.
fn holds<N: Num>(check: &Check, env: &UnitEnv, cal: &Calendar) -> Option<bool> {
    match check {
        Check::And(a, b) => cond::and(holds::<N>(a, env, cal), holds::<N>(b, env, cal)),
        Check::Or(a, b) => cond::or(holds::<N>(a, env, cal), holds::<N>(b, env, cal)),
        Check::Not(a) => holds::<N>(a, env, cal).map(|h| !h),
        Check::Compare {
            fact,
            op,
            number,
            number_first,
        } => {
            // A missing value makes the comparison unknown; a flag is no number (the checker
            // lets neither be compared with one).
            let Val::Num(v) = env.fact_at(*fact)? else {
                return Some(false);
            };
            // In `N` when both are exact there, else as decimals.
            let mut of = Overflow::default();
            let (a, b) = (N::of(v, &mut of), N::of(*number, &mut of));
            let ordering = match (of.0, *number_first) {
                (false, false) => a.cmp(&b),
                (false, true) => b.cmp(&a),
                (true, false) => v.cmp(number),
                (true, true) => number.cmp(&v),
            };
            Some(cond::ordered(*op, ordering))
        }
        Check::Cond(c) => cond::holds(c, env, cal),
    }
}

/// One unit's aggregates, by name, for `when`, `unless` and `only if`.
struct UnitEnv<'e, 'p> {
    plan: &'e Plan<'p>,
    state: &'e State,
    u: usize,
}

impl UnitEnv<'_, '_> {
    fn slots(&self, fact: &str) -> Option<(&ir::Fact, &super::plan::FactSlots)> {
        let at = (fact.as_ptr() as usize, fact.len());
        let i = match self.plan.named.get(at.0, at.1) {
            Some(i) => i,
            None => *self.plan.fact_index.get(fact)?,
        };
        Some((self.plan.policy.facts.get(i)?, self.plan.facts.get(i)?))
    }

    fn sum_at(&self, slot: usize) -> Decimal {
        self.state.sum(self.plan, self.u, slot)
    }

    /// A rule's sum: of rows, or of each key's highest amount.
    fn sum<N: Num>(&self, slot: RuleSlot, of: &mut Overflow) -> N {
        match slot {
            RuleSlot::Sum(s) => N::of(self.sum_at(s), of),
            RuleSlot::Max(s) => {
                self.state
                    .entries_of(self.plan, self.u, s)
                    .fold(N::ZERO, |a, (_, x)| {
                        let x = N::of(x.unwrap_or(Decimal::ZERO), of);
                        plus(of, a, x)
                    })
            }
            _ => N::ZERO,
        }
    }

    fn mask(&self, slot: usize) -> u64 {
        self.state.mask(self.plan, self.u, slot)
    }

    /// How many distinct values a rule saw.
    fn distinct(&self, slot: RuleSlot) -> usize {
        match slot {
            RuleSlot::Set(s) => self.state.entries_of(self.plan, self.u, s).count(),
            RuleSlot::Mask { slot, .. } => self.mask(slot).count_ones() as usize,
            _ => 0,
        }
    }

    /// Whether a rule saw `value`.
    fn has(&self, slot: RuleSlot, value: &str) -> bool {
        match slot {
            RuleSlot::Set(s) => self
                .state
                .entries_of(self.plan, self.u, s)
                .any(|(k, _)| k == value.as_bytes()),
            RuleSlot::Mask { slot, fact, field } => {
                let values = self
                    .plan
                    .policy
                    .facts
                    .get(fact)
                    .and_then(|f| f.fields.get(field))
                    .map(|x| &x.kind);
                let Some(ir::FieldKind::Set(values)) = values else {
                    return false;
                };
                let mask = self.mask(slot);
                values
                    .iter()
                    .position(|v| v == value)
                    .is_some_and(|i| i < 64 && mask & (1u64 << i) != 0)
            }
            _ => false,
        }
    }

    /// The unit's one value of a fact (`FactAgg::total_value`).
    fn total_value(&self, fact: &str, of: &mut Overflow) -> Option<Decimal> {
        let (decl, slots) = self.slots(fact)?;
        self.value_of(decl, slots, of)
    }

    /// [`UnitEnv::total_value`] of a fact already found.
    fn value_of(
        &self,
        decl: &ir::Fact,
        slots: &super::plan::FactSlots,
        of: &mut Overflow,
    ) -> Option<Decimal> {
        match decl.shape {
            Shape::Event => Some(slots.occurrences.map_or(Decimal::ZERO, |s| self.sum_at(s))),
            Shape::Points { .. } => Some(slots.points.map_or(Decimal::ZERO, |s| self.sum_at(s))),
            Shape::Measure(_) | Shape::Flag if slots.keyed => self.keyed_sum(slots, of),
            Shape::Measure(_) | Shape::Flag => self.reported(slots).map(|(_, v)| v),
        }
    }

    /// Fact `fact`'s value for the unit, as a condition reads it ([`Env::fact`]).
    fn fact_at(&self, fact: usize) -> Option<Val<'static>> {
        let decl = self.plan.policy.facts.get(fact)?;
        self.value_at(decl, self.plan.facts.get(fact)?)
    }

    /// [`Env::fact`] of a fact already found.
    fn value_at(&self, decl: &ir::Fact, slots: &super::plan::FactSlots) -> Option<Val<'static>> {
        match decl.shape {
            // A flag never given counts as false (LANGUAGE.md §6).
            Shape::Flag => Some(Val::Bool(
                self.reported(slots).is_some_and(|(_, v)| !v.is_zero()),
            )),
            _ => self
                .value_of(decl, slots, &mut Overflow::default())
                .map(Val::Num),
        }
    }

    fn reported(&self, slots: &super::plan::FactSlots) -> super::kept::Reported {
        self.state.reported(self.plan, self.u, *slots)
    }

    /// A keyed measure's value: the sum of its keys' values in force, if it has any.
    fn keyed_sum(&self, slots: &super::plan::FactSlots, of: &mut Overflow) -> Option<Decimal> {
        let list = self
            .state
            .kept
            .get(self.u * self.plan.counts.kept + slots.kept?)?;
        let mut keyed = list.iter().filter(|r| r.key.is_some()).peekable();
        keyed.peek()?;
        Some(keyed.fold(Decimal::ZERO, |a, r| of.add(a, r.value)))
    }
}

impl Env for UnitEnv<'_, '_> {
    fn field(&self, _: &str) -> Option<Val<'_>> {
        None
    }

    fn fact(&self, name: &str) -> Option<Val<'_>> {
        let (decl, slots) = self.slots(name)?;
        self.value_at(decl, slots)
    }

    fn flag(&self, name: &str) -> bool {
        matches!(self.fact(name), Some(Val::Bool(true)))
    }

    fn happened(&self, name: &str) -> bool {
        self.slots(name).is_some_and(|(decl, slots)| {
            decl.shape == Shape::Event
                && slots
                    .occurrences
                    .is_some_and(|s| self.sum_at(s) > Decimal::ZERO)
        })
    }

    fn each_month(&self, name: &str, n: Decimal) -> bool {
        let Some((_, slots)) = self.slots(name) else {
            return false;
        };
        let months = slots
            .months
            .map(|m| self.state.months(self.plan, self.u, m))
            .unwrap_or_default();
        months.iter().all(|m| *m >= n)
    }
}
