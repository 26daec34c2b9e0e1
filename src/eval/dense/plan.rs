//! Part of the eval stage, dense lane: a policy resolved once into what each fact's rows do
//! (`Op`s) and where each aggregate lives, or `None` when the policy uses something this lane
//! leaves to the general evaluator.

use std::collections::HashSet;

use rustc_hash::FxHashMap;

use crate::eval::calendar::Calendar;
use crate::ir::{self, Cond, Expr, FieldKind, Lookup, Per, RuleKind, Shape};

/// How many slots of each kind a unit holds.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Counts {
    pub sums: usize,
    pub masks: usize,
    pub keys: usize,
    pub months: usize,
    pub states: usize,
    pub entries: usize,
    pub kept: usize,
}

/// A field of a row, as `where` and keys name it.
#[derive(Debug, Clone, Copy)]
pub(super) enum FieldRef {
    /// A declared field, by position.
    Field(usize),
    Date,
    Count,
    Value,
    /// No such field: always missing.
    None,
}

impl FieldRef {
    /// A built-in column (`note` is left to the general evaluator, see [`Plan::new`]).
    pub fn builtin(name: &str) -> FieldRef {
        match name {
            "date" => FieldRef::Date,
            "count" => FieldRef::Count,
            "value" => FieldRef::Value,
            _ => FieldRef::None,
        }
    }

    fn of(decl: &ir::Fact, name: &str) -> FieldRef {
        match decl.fields.iter().position(|f| f.name == name) {
            Some(i) => FieldRef::Field(i),
            None => FieldRef::builtin(name),
        }
    }
}

/// What a row of a fact does.
pub(super) enum Op<'p> {
    /// An event's occurrences (and per month); a row with count 0 stops here.
    Occurrences {
        sum: Option<usize>,
        months: Option<usize>,
    },
    /// Discretionary points: summed, entries kept to find one made twice.
    Points { sum: usize, entries: usize },
    /// A measure's or flag's latest-dated value.
    State { state: usize },
    /// A keyed measure's, or one whose rows rules count: its rows, to keep those in force.
    Kept { kept: usize },
    /// A rule that counts the fact's rows.
    Rule {
        filter: Option<Filter<'p>>,
        action: Action<'p>,
    },
}

/// The first slot in each array of aggregates that a fact's rows write: asked for a batch of
/// rows ahead of folding them (200,000 units' aggregates are far beyond a core's cache), and
/// only those a row will write, since the memory's lines in flight are few.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Touch {
    pub sum: Option<usize>,
    pub mask: Option<usize>,
    pub key: Option<usize>,
    pub state: Option<usize>,
}

impl Touch {
    fn of(ops: &[Op]) -> Touch {
        let mut t = Touch::default();
        for op in ops {
            let (array, slot) = match op {
                Op::Occurrences { sum, .. } => (&mut t.sum, *sum),
                Op::Points { sum, .. } => (&mut t.sum, Some(*sum)),
                Op::State { state } => (&mut t.state, Some(*state)),
                Op::Kept { .. } => continue,
                Op::Rule { action, .. } => match action {
                    Action::Weight {
                        slot, once: None, ..
                    }
                    | Action::Table {
                        slot, once: None, ..
                    } => (&mut t.sum, Some(*slot)),
                    Action::Weight { slot, .. }
                    | Action::Table { slot, .. }
                    | Action::Set { slot, .. } => (&mut t.key, Some(*slot)),
                    Action::Mask { slot, .. } => (&mut t.mask, Some(*slot)),
                },
            };
            if array.is_none() {
                *array = slot;
            }
        }
        t
    }
}

/// Which rows a rule counts.
pub(super) enum Filter<'p> {
    /// `kind = x` (or `!=`) on a closed-set field: the value's place in the set compared,
    /// not its name (`None`: a name outside the set, which no row has).
    Choice {
        field: usize,
        index: Option<u32>,
        equal: bool,
    },
    /// Any other condition, as the general evaluator holds it.
    Cond(&'p Cond),
}

impl<'p> Filter<'p> {
    fn of(c: &'p Cond, decl: &ir::Fact) -> Filter<'p> {
        if let Cond::Compare { left, op, right } = c {
            let equal = match op {
                ir::CompareOp::Eq => Some(true),
                ir::CompareOp::Ne => Some(false),
                _ => None,
            };
            let pair = match (left, right) {
                (Expr::Field(f), Expr::Symbol(s)) | (Expr::Symbol(s), Expr::Field(f)) => {
                    Some((f, s))
                }
                _ => None,
            };
            if let (Some(equal), Some((f, s))) = (equal, pair) {
                let set = decl
                    .fields
                    .iter()
                    .enumerate()
                    .find_map(|(i, x)| match &x.kind {
                        FieldKind::Set(values) if x.name == *f => Some((i, values)),
                        _ => None,
                    });
                if let Some((field, values)) = set {
                    let index = values
                        .iter()
                        .position(|v| v == s)
                        .and_then(|i| u32::try_from(i).ok());
                    return Filter::Choice {
                        field,
                        index,
                        equal,
                    };
                }
            }
        }
        Filter::Cond(c)
    }
}

/// What a counted row adds.
pub(super) enum Action<'p> {
    /// `per person`, `per day`, `per occurrence`: a weight summed, or kept at its highest per key.
    Weight {
        slot: usize,
        persons: Option<usize>,
        days: Option<usize>,
        once: Option<FieldRef>,
    },
    /// The closed-set value present, as a bit.
    Mask { slot: usize, field: usize },
    /// A distinct value (`per K`, `per missing`); `own`: a row without one is its own.
    Set {
        slot: usize,
        field: FieldRef,
        own: bool,
    },
    /// `by F of fact`: the amount the row's value gets, summed or at its highest per key.
    Table {
        slot: usize,
        field: FieldRef,
        lookup: &'p Lookup,
        once: Option<FieldRef>,
    },
}

/// Where a rule's aggregate is.
#[derive(Debug, Clone, Copy)]
pub(super) enum RuleSlot {
    /// The rule reads the unit's facts, not rows.
    None,
    Sum(usize),
    /// `once per K`: keys with their highest amounts.
    Max(usize),
    /// Distinct values as keys.
    Set(usize),
    /// Distinct closed-set values as bits, in the order of the set of field `field` of fact `fact`.
    Mask {
        slot: usize,
        fact: usize,
        field: usize,
    },
}

/// Where a fact's unit-level aggregates are.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct FactSlots {
    pub occurrences: Option<usize>,
    pub months: Option<usize>,
    pub state: Option<usize>,
    pub points: Option<usize>,
    /// The rows of a keyed measure, or of a state whose rows rules count.
    pub kept: Option<usize>,
    /// Whether the state has a key field.
    pub keyed: bool,
}

/// A policy resolved for the dense lane.
pub(super) struct Plan<'p> {
    pub policy: &'p ir::Policy,
    /// Every rule, in policy order (as the general evaluator numbers them).
    pub rules: Vec<&'p ir::Rule>,
    pub fact_index: FxHashMap<&'p str, usize>,
    /// The fact names the unit's conditions and rules are written with, by where their text
    /// is (address, length) → fact: scoring looks a name up by its place, without comparing it.
    pub named: Named,
    pub ops: Vec<Vec<Op<'p>>>,
    /// For each fact, the aggregates its rows write, asked for a batch ahead.
    pub touch: Vec<Touch>,
    /// For each state fact, the rules that count its rows in force, once every row is read.
    pub replay: Vec<Vec<Op<'p>>>,
    pub counts: Counts,
    /// For each key slot, whether its keys carry amounts (`once per K`).
    pub keyed: Vec<bool>,
    pub facts: Vec<FactSlots>,
    pub rule_slots: Vec<RuleSlot>,
    /// For each rule `per missing` value of a closed set: where each required value sits in
    /// the set (`None`: not in it, so always missing), so that scoring compares bits, not names.
    pub required_bits: Vec<Vec<Option<u32>>>,
    /// For each rule, its `when` condition and its `only if`, their fact names resolved.
    pub when: Vec<Option<Check<'p>>>,
    pub only_if: Vec<Option<Check<'p>>>,
    pub calendar: Calendar,
}

/// A unit-level condition (`when`, `only if`) with the facts of its comparisons of a fact
/// with a number resolved once, so that scoring a unit finds no name; evaluated by
/// `points::holds` as `cond::holds` evaluates the condition.
pub(super) enum Check<'p> {
    And(Box<Check<'p>>, Box<Check<'p>>),
    Or(Box<Check<'p>>, Box<Check<'p>>),
    Not(Box<Check<'p>>),
    /// A fact's value against a number (`number_first`: written `number op fact`).
    Compare {
        fact: usize,
        op: ir::CompareOp,
        number: rust_decimal::Decimal,
        number_first: bool,
    },
    /// Any other condition, as the general evaluator holds it.
    Cond(&'p Cond),
}

impl<'p> Check<'p> {
    fn of(c: &'p Cond, facts: &FxHashMap<&'p str, usize>) -> Check<'p> {
        let compare = |fact: &str, op: ir::CompareOp, number, number_first| {
            facts.get(fact).map(|&fact| Check::Compare {
                fact,
                op,
                number,
                number_first,
            })
        };
        let resolved = match c {
            Cond::And(a, b) => Some(Check::And(
                Box::new(Check::of(a, facts)),
                Box::new(Check::of(b, facts)),
            )),
            Cond::Or(a, b) => Some(Check::Or(
                Box::new(Check::of(a, facts)),
                Box::new(Check::of(b, facts)),
            )),
            Cond::Not(a) => Some(Check::Not(Box::new(Check::of(a, facts)))),
            Cond::Compare { left, op, right } => match (left, right) {
                (Expr::Fact(f), Expr::Number(n)) => compare(f, *op, *n, false),
                (Expr::Number(n), Expr::Fact(f)) => compare(f, *op, *n, true),
                _ => None,
            },
            _ => None,
        };
        resolved.unwrap_or(Check::Cond(c))
    }
}

impl<'p> Plan<'p> {
    /// The plan of `policy`; `None` when it has grades, vetoes or prizes, or reads a row's
    /// `note`: the general evaluator scores those.
    pub fn new(policy: &'p ir::Policy) -> Option<Plan<'p>> {
        if !policy.grades.is_empty() || !policy.vetoes.is_empty() || !policy.prizes.is_empty() {
            return None;
        }
        let rules: Vec<&ir::Rule> = policy.rules().collect();
        let fact_index: FxHashMap<&str, usize> = policy
            .facts
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.as_str(), i))
            .collect();
        // Where each name a unit-level condition or rule is written with sits.
        let mut named = Vec::new();
        {
            let mut names: Vec<&str> = Vec::new();
            for rule in &rules {
                let mut conds: Vec<&Cond> = rule.only_if.iter().collect();
                match &rule.kind {
                    RuleKind::When { condition, .. } => conds.push(condition),
                    RuleKind::Times { fact, .. }
                    | RuleKind::Discretionary { fact }
                    | RuleKind::Table { fact, .. } => names.push(fact),
                    _ => {}
                }
                for c in conds {
                    cond_names(c, &mut names);
                }
            }
            for n in names {
                if let Some(&f) = fact_index.get(n) {
                    named.push((n.as_ptr() as usize, n.len(), f));
                }
            }
        }
        // Facts the rules read as one value of the unit, and those counted by month.
        let mut whole: HashSet<&str> = HashSet::new();
        let mut monthly: HashSet<&str> = HashSet::new();
        for rule in &rules {
            let mut conds: Vec<&Cond> = rule.only_if.iter().collect();
            match &rule.kind {
                RuleKind::When { condition, .. } => conds.push(condition),
                RuleKind::Times { fact, .. } | RuleKind::Discretionary { fact } => {
                    whole.insert(fact);
                }
                RuleKind::Table {
                    fact,
                    per_unit: true,
                    ..
                } => {
                    whole.insert(fact);
                }
                _ => {}
            }
            for c in conds {
                unit_facts(c, &mut whole, &mut monthly);
            }
        }
        let mut counts = Counts::default();
        let next = |n: &mut usize| {
            *n += 1;
            *n - 1
        };
        let mut facts = Vec::with_capacity(policy.facts.len());
        let mut ops: Vec<Vec<Op>> = Vec::with_capacity(policy.facts.len());
        for f in &policy.facts {
            let keyed = f.fields.iter().any(|x| x.kind == FieldKind::Key);
            let mut slots = FactSlots::default();
            let mut list = Vec::new();
            match f.shape {
                Shape::Event => {
                    let sum = whole
                        .contains(f.name.as_str())
                        .then(|| next(&mut counts.sums));
                    let months = monthly
                        .contains(f.name.as_str())
                        .then(|| next(&mut counts.months));
                    slots.occurrences = sum;
                    slots.months = months;
                    list.push(Op::Occurrences { sum, months });
                }
                Shape::Points { .. } => {
                    let sum = next(&mut counts.sums);
                    slots.points = Some(sum);
                    list.push(Op::Points {
                        sum,
                        entries: next(&mut counts.entries),
                    });
                }
                Shape::Measure(_) | Shape::Flag => {
                    let counted = rules.iter().any(|r| match &r.kind {
                        RuleKind::Count { fact, .. } | RuleKind::Missing { fact, .. } => {
                            *fact == f.name
                        }
                        RuleKind::Table {
                            fact,
                            per_unit: false,
                            ..
                        } => *fact == f.name,
                        _ => false,
                    });
                    // A flag's rows counted would compare yes and no: the general evaluator's.
                    if counted && f.shape == Shape::Flag {
                        return None;
                    }
                    slots.keyed = keyed;
                    if keyed || counted {
                        let kept = next(&mut counts.kept);
                        slots.kept = Some(kept);
                        list.push(Op::Kept { kept });
                    } else {
                        let state = next(&mut counts.states);
                        slots.state = Some(state);
                        list.push(Op::State { state });
                    }
                }
            }
            facts.push(slots);
            ops.push(list);
        }
        let mut keyed = Vec::new();
        let mut replay: Vec<Vec<Op>> = policy.facts.iter().map(|_| Vec::new()).collect();
        let mut rule_slots = Vec::with_capacity(rules.len());
        for rule in &rules {
            let (fact, filter) = match &rule.kind {
                RuleKind::Count { fact, filter, .. } | RuleKind::Missing { fact, filter, .. } => {
                    (fact, filter.as_ref())
                }
                RuleKind::Table {
                    fact,
                    per_unit: false,
                    ..
                } => (fact, None),
                _ => {
                    rule_slots.push(RuleSlot::None);
                    continue;
                }
            };
            let &f = fact_index.get(fact.as_str())?;
            let decl = policy.facts.get(f)?;
            let mut names = Vec::new();
            if let Some(c) = filter {
                row_fields(c, &mut names);
            }
            names.extend(rule.once_per.as_deref());
            match &rule.kind {
                RuleKind::Count { per, .. } => names.extend(per.iter().filter_map(|p| match p {
                    Per::Distinct(k) => Some(k.as_str()),
                    _ => None,
                })),
                RuleKind::Missing { field, .. } | RuleKind::Table { field, .. } => {
                    names.push(field)
                }
                _ => {}
            }
            // The general evaluator reads a row's note; this lane does not keep it.
            if names
                .iter()
                .any(|n| *n == "note" && !decl.fields.iter().any(|x| x.name == "note"))
            {
                return None;
            }
            let once = rule.once_per.as_deref().map(|k| FieldRef::of(decl, k));
            let mut key_slot = |with_amounts: bool| {
                keyed.push(with_amounts);
                next(&mut counts.keys)
            };
            let (slot, action) = match &rule.kind {
                RuleKind::Count { per, .. } => match per.as_slice() {
                    [Per::Distinct(k)] => {
                        let slot = key_slot(false);
                        let field = FieldRef::of(decl, k);
                        (
                            RuleSlot::Set(slot),
                            Action::Set {
                                slot,
                                field,
                                own: true,
                            },
                        )
                    }
                    _ => {
                        let position = |name: &str| {
                            per.iter()
                                .any(|p| {
                                    matches!(
                                        (p, name),
                                        (Per::Person, "persons") | (Per::Day, "days")
                                    )
                                })
                                .then(|| decl.fields.iter().position(|x| x.name == name))
                                .flatten()
                        };
                        let (persons, days) = (position("persons"), position("days"));
                        let (rs, slot) = match once {
                            Some(_) => paired(RuleSlot::Max, key_slot(true)),
                            None => paired(RuleSlot::Sum, next(&mut counts.sums)),
                        };
                        (
                            rs,
                            Action::Weight {
                                slot,
                                persons,
                                days,
                                once,
                            },
                        )
                    }
                },
                RuleKind::Missing { field, .. } => {
                    let set = decl.fields.iter().position(|x| {
                        x.name == *field && matches!(&x.kind, FieldKind::Set(v) if v.len() <= 64)
                    });
                    match set {
                        Some(i) => {
                            let slot = next(&mut counts.masks);
                            (
                                RuleSlot::Mask {
                                    slot,
                                    fact: f,
                                    field: i,
                                },
                                Action::Mask { slot, field: i },
                            )
                        }
                        None => {
                            let slot = key_slot(false);
                            let field = FieldRef::of(decl, field);
                            (
                                RuleSlot::Set(slot),
                                Action::Set {
                                    slot,
                                    field,
                                    own: false,
                                },
                            )
                        }
                    }
                }
                RuleKind::Table { field, lookup, .. } => {
                    let field = FieldRef::of(decl, field);
                    let (rs, slot) = match once {
                        Some(_) => paired(RuleSlot::Max, key_slot(true)),
                        None => paired(RuleSlot::Sum, next(&mut counts.sums)),
                    };
                    (
                        rs,
                        Action::Table {
                            slot,
                            field,
                            lookup,
                            once,
                        },
                    )
                }
                _ => return None,
            };
            rule_slots.push(slot);
            // A state's rows in force are known only once every row is read.
            let to = match decl.shape {
                Shape::Measure(_) | Shape::Flag => replay.get_mut(f)?,
                _ => ops.get_mut(f)?,
            };
            let filter = filter.map(|c| Filter::of(c, decl));
            to.push(Op::Rule { filter, action });
        }
        let required_bits = rules
            .iter()
            .zip(&rule_slots)
            .map(|(rule, slot)| match (&rule.kind, slot) {
                (RuleKind::Missing { required, .. }, RuleSlot::Mask { fact, field, .. }) => {
                    let values = policy
                        .facts
                        .get(*fact)
                        .and_then(|f| f.fields.get(*field))
                        .and_then(|x| match &x.kind {
                            FieldKind::Set(values) => Some(values),
                            _ => None,
                        });
                    required
                        .iter()
                        .map(|r| {
                            values
                                .and_then(|v| v.iter().position(|v| v == r))
                                .and_then(|i| u32::try_from(i).ok())
                                .filter(|i| *i < 64)
                        })
                        .collect()
                }
                _ => Vec::new(),
            })
            .collect();
        let when = rules
            .iter()
            .map(|r| match &r.kind {
                RuleKind::When { condition, .. } => Some(Check::of(condition, &fact_index)),
                _ => None,
            })
            .collect();
        let only_if = rules
            .iter()
            .map(|r| r.only_if.as_ref().map(|c| Check::of(c, &fact_index)))
            .collect();
        Some(Plan {
            when,
            only_if,
            policy,
            rules,
            fact_index,
            named: Named::new(&named),
            touch: ops.iter().map(|o| Touch::of(o)).collect(),
            ops,
            replay,
            counts,
            keyed,
            facts,
            rule_slots,
            required_bits,
            calendar: Calendar::new(policy.calendar.as_ref()),
        })
    }
}

/// The fact names a policy's conditions and rules are written with, found by where their text
/// is: a table of its own, a power of two at most half full, one probe by the text's address
/// (scoring looks names up a few times a unit, 200,000 units).
pub(super) struct Named {
    slots: Vec<Option<(usize, usize, usize)>>,
}

impl Named {
    fn new(names: &[(usize, usize, usize)]) -> Named {
        let size = (names.len() * 2).next_power_of_two().max(8);
        let mut table = Named {
            slots: vec![None; size],
        };
        for &(at, len, fact) in names {
            let i = table.slot(at, len);
            if let Some(slot) = table.slots.get_mut(i) {
                *slot = Some((at, len, fact));
            }
        }
        table
    }

    /// The slot of the text at `at`, `len` bytes long: its own, or the free one it would take
    /// (the table is at most half full, so there is one).
    fn slot(&self, at: usize, len: usize) -> usize {
        let mut i = self.home(at);
        while let Some(Some((a, l, _))) = self.slots.get(i) {
            if (*a, *l) == (at, len) {
                break;
            }
            i = (i + 1) & (self.slots.len() - 1);
        }
        i
    }

    fn home(&self, at: usize) -> usize {
        // Names are a few bytes apart: the address's low bits (past its alignment) spread them.
        (at ^ (at >> 7)) & (self.slots.len() - 1)
    }

    /// The fact named by the text at `at`, `len` bytes long, when it is one of the policy's.
    pub fn get(&self, at: usize, len: usize) -> Option<usize> {
        let (_, _, fact) = (*self.slots.get(self.slot(at, len))?)?;
        Some(fact)
    }
}

/// A slot's index with the rule slot it is.
fn paired(kind: fn(usize) -> RuleSlot, slot: usize) -> (RuleSlot, usize) {
    (kind(slot), slot)
}

/// The facts a condition on the unit reads: as a value or `happened`, and by month.
fn unit_facts<'c>(c: &'c Cond, whole: &mut HashSet<&'c str>, monthly: &mut HashSet<&'c str>) {
    match c {
        Cond::And(a, b) | Cond::Or(a, b) => {
            unit_facts(a, whole, monthly);
            unit_facts(b, whole, monthly);
        }
        Cond::Not(a) => unit_facts(a, whole, monthly),
        Cond::Flag(f) | Cond::Happened(f) => {
            whole.insert(f);
        }
        Cond::EachMonth { fact, .. } => {
            monthly.insert(fact);
        }
        Cond::Compare { left, right, .. } => {
            for e in [left, right] {
                if let Some(f) = expr_fact(e) {
                    whole.insert(f);
                }
            }
        }
        Cond::In { expr, .. } => {
            if let Some(f) = expr_fact(expr) {
                whole.insert(f);
            }
        }
    }
}

/// Every fact name a condition on the unit is written with.
fn cond_names<'c>(c: &'c Cond, out: &mut Vec<&'c str>) {
    match c {
        Cond::And(a, b) | Cond::Or(a, b) => {
            cond_names(a, out);
            cond_names(b, out);
        }
        Cond::Not(a) => cond_names(a, out),
        Cond::Flag(f) | Cond::Happened(f) | Cond::EachMonth { fact: f, .. } => out.push(f),
        Cond::Compare { left, right, .. } => {
            out.extend([left, right].into_iter().filter_map(expr_fact))
        }
        Cond::In { expr, .. } => out.extend(expr_fact(expr)),
    }
}

fn expr_fact(e: &Expr) -> Option<&str> {
    match e {
        Expr::Fact(f) => Some(f),
        Expr::Shift { base, .. } => expr_fact(base),
        _ => None,
    }
}

/// The row fields a `where` condition names.
fn row_fields<'c>(c: &'c Cond, out: &mut Vec<&'c str>) {
    fn expr<'c>(e: &'c Expr, out: &mut Vec<&'c str>) {
        match e {
            Expr::Field(f) => out.push(f),
            Expr::Shift { base, .. } => expr(base, out),
            _ => {}
        }
    }
    match c {
        Cond::And(a, b) | Cond::Or(a, b) => {
            row_fields(a, out);
            row_fields(b, out);
        }
        Cond::Not(a) => row_fields(a, out),
        Cond::Compare { left, right, .. } => {
            expr(left, out);
            expr(right, out);
        }
        Cond::In { expr: e, .. } => expr(e, out),
        Cond::Flag(_) | Cond::Happened(_) | Cond::EachMonth { .. } => {}
    }
}
