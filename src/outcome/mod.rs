//! Stage 6 of the pipeline: [`Results`] → the same results with ranks, grades, vetoes and prizes.
//!
//! Outcomes are decided after points and never change them: a unit's total is what its
//! rules gave. Units are ranked within their ranking group (the units file's `group`
//! column; all units together without one); grades are given best first, within their
//! thresholds and quotas; a veto caps a unit's grade; prizes go by rank or by improvement
//! against last year's results (`--previous`).
//!
//! Ties are never broken by file order: tied units share a rank and a prize; at a quota's
//! boundary they are ordered by the grade's `ties by` section, and units still tied there
//! all move down together (so a quota is never exceeded).

mod notes;
mod previous;

use std::collections::HashMap;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

pub use previous::{read_previous, Previous};

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{self, PrizeTo};
use crate::results::{Results, UnitResult};
use notes::Notes;

/// Ranks units within their groups by total, highest first: ties share a rank (1, 2, 2, 4).
/// Units are listed group by group (in name order), each by rank, ties by name.
pub fn rank(units: &mut [UnitResult]) {
    units.sort_by(|a, b| {
        a.group
            .cmp(&b.group)
            .then_with(|| b.total.cmp(&a.total))
            .then_with(|| a.unit.cmp(&b.unit))
    });
    for group in units.chunk_by_mut(|a, b| a.group == b.group) {
        let ranks: Vec<usize> = shared_ranks(group.iter().map(|u| u.total)).collect();
        for (u, rank) in group.iter_mut().zip(ranks) {
            u.rank = rank;
        }
    }
}

/// The ranks of totals listed highest first: equal totals share the rank of the first of them
/// (1, 2, 2, 4).
pub(crate) fn shared_ranks(
    totals: impl IntoIterator<Item = Decimal>,
) -> impl Iterator<Item = usize> {
    let mut position = 0;
    let mut before: Option<Decimal> = None;
    totals.into_iter().enumerate().map(move |(k, t)| {
        if before != Some(t) {
            position = k + 1;
            before = Some(t);
        }
        position
    })
}

/// Decides every unit's ranking group, rank, grade and prizes; warnings (a unit missing from
/// the previous results) are pushed to `problems`.
pub fn decide(
    policy: &ir::Policy,
    results: &mut Results,
    groups: &HashMap<String, String>,
    previous: Option<&Previous>,
    problems: &mut Vec<Diagnostic>,
) {
    for u in &mut results.units {
        u.group = groups.get(&u.unit).cloned();
    }
    rank(&mut results.units);
    let notes = Notes { zh: policy.chinese };
    // Ranked, the units of a group are side by side, in rank order.
    for members in results.units.chunk_by_mut(|a, b| a.group == b.group) {
        grade(policy, members);
        for prize in &policy.prizes {
            award(prize, members, previous, notes);
        }
    }
    if let Some(prev) = previous {
        let improvement = policy
            .prizes
            .iter()
            .any(|p| matches!(p.to, PrizeTo::MostImproved { .. }));
        let mut missing: Vec<&str> = results
            .units
            .iter()
            .filter(|u| !prev.units.contains_key(&u.unit))
            .map(|u| u.unit.as_str())
            .collect();
        missing.sort_unstable();
        if improvement && !missing.is_empty() {
            let list = missing.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>();
            problems.push(
                Diagnostic::warning(
                    Code::PreviousMismatch,
                    format!(
                        "{} not in the previous results: not eligible for a prize by improvement",
                        list.join(", ")
                    ),
                )
                .with_help("a unit is compared with its own last year; add its row to the previous results if it had one")
                .zh(
                    format!("{} 不在上年结果中：不参加进步奖评选", list.join("、")),
                    &[],
                    Some("进步按各单位与自身上年相比；如上年有其结果，请补入上年结果文件"),
                ),
            );
        }
    }
}

/// How many units a quota allows in a group of `n`: a percent is rounded as declared, and a
/// quota that rounds to 0 gives 1.
fn quota_count(q: &ir::Quota, n: usize) -> usize {
    if !q.percent {
        return q.limit.to_usize().unwrap_or(usize::MAX);
    }
    let exact = q.limit * Decimal::from(n) / Decimal::ONE_HUNDRED;
    let rounded = match q.rounding {
        ir::Rounding::Down => exact.floor(),
        ir::Rounding::Up => exact.ceil(),
        ir::Rounding::HalfUp => {
            exact.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        }
    };
    rounded.to_usize().unwrap_or(0).max(1)
}

fn meets(g: &ir::Grade, total: Decimal) -> bool {
    match g.min {
        None => true,
        Some(m) if g.inclusive => total >= m,
        Some(m) => total > m,
    }
}

fn section_score(u: &UnitResult, section: &str) -> Decimal {
    u.sections
        .iter()
        .find(|s| s.name == section)
        .map_or(Decimal::ZERO, |s| s.score)
}

/// Grades the units of one ranking group, in rank order.
fn grade(policy: &ir::Policy, members: &mut [UnitResult]) {
    if policy.grades.is_empty() {
        return;
    }
    let notes = Notes { zh: policy.chinese };
    let n = members.len();
    let mut left: Vec<Option<usize>> = policy
        .grades
        .iter()
        .map(|g| g.quota.as_ref().map(|q| quota_count(q, n)))
        .collect();
    let index = |name: &str| policy.grades.iter().position(|g| g.name == name);
    // Units of equal total are decided together, so that file order never decides.
    for tied in members.chunk_by_mut(|a, b| a.total == b.total) {
        let Some(total) = tied.first().map(|u| u.total) else {
            continue;
        };
        let mut pending = vec![true; tied.len()];
        for ((gi, g), room_left) in policy.grades.iter().enumerate().zip(left.iter_mut()) {
            if !pending.contains(&true) {
                break;
            }
            let mut eligible = vec![false; tied.len()];
            for ((u, wait), e) in tied.iter_mut().zip(&pending).zip(eligible.iter_mut()) {
                if !*wait || !meets(g, u.total) {
                    continue;
                }
                // A vetoed unit can be graded no better than its veto says.
                let floor = u.veto_grades.iter().filter_map(|v| index(v)).max();
                if floor.is_some_and(|floor| gi < floor) {
                    let note = notes.vetoed(&g.name, &u.vetoes);
                    u.outcome.push(note);
                } else {
                    *e = true;
                }
            }
            let count = eligible.iter().filter(|e| **e).count();
            if count == 0 {
                continue;
            }
            let chosen = match *room_left {
                Some(room) if count > room => {
                    let fitted = fit(tied, &eligible, room, g);
                    let quota = notes.quota(g, n, |q| quota_count(q, n));
                    for ((u, e), f) in tied.iter_mut().zip(&eligible).zip(&fitted) {
                        if *e && !*f {
                            let note = match &g.ties_by {
                                Some(s) => {
                                    let score = section_score(u, s);
                                    notes.quota_full_by(&g.name, &quota, total, s, score)
                                }
                                None => notes.quota_full(&g.name, &quota, count, total),
                            };
                            u.outcome.push(note);
                        }
                    }
                    // Once a quota is overrun at a tie, no lower total may take its place.
                    *room_left = Some(0);
                    fitted
                }
                _ => eligible,
            };
            let taken = chosen.iter().filter(|c| **c).count();
            if let Some(room) = room_left.as_mut() {
                *room = room.saturating_sub(taken);
            }
            let quota = notes.quota(g, n, |q| quota_count(q, n));
            for ((u, wait), c) in tied.iter_mut().zip(pending.iter_mut()).zip(&chosen) {
                if *c {
                    u.grade = Some(g.name.clone());
                    let note = notes.graded(g, u, &quota);
                    u.outcome.push(note);
                    *wait = false;
                }
            }
        }
    }
}

/// Which of the `eligible` units (tied on total) fit in `room`, ordered by the grade's
/// tie-break section; units still tied where the room ends all stay out.
fn fit(tied: &[UnitResult], eligible: &[bool], room: usize, g: &ir::Grade) -> Vec<bool> {
    let mut chosen = vec![false; tied.len()];
    let Some(section) = &g.ties_by else {
        return chosen;
    };
    let mut order: Vec<(Decimal, usize)> = tied
        .iter()
        .zip(eligible)
        .enumerate()
        .filter(|(_, (_, e))| **e)
        .map(|(k, (u, _))| (section_score(u, section), k))
        .collect();
    order.sort_by_key(|b| std::cmp::Reverse(b.0));
    let mut taken = 0;
    for same in order.chunk_by(|a, b| a.0 == b.0) {
        if taken + same.len() > room {
            break;
        }
        taken += same.len();
        for (_, k) in same {
            if let Some(c) = chosen.get_mut(*k) {
                *c = true;
            }
        }
    }
    chosen
}

/// Gives one prize within one ranking group.
fn award(prize: &ir::Prize, members: &mut [UnitResult], previous: Option<&Previous>, notes: Notes) {
    match &prize.to {
        PrizeTo::Top { count, section } => {
            let score = |u: &UnitResult| match section {
                Some(s) => section_score(u, s),
                None => u.total,
            };
            // A unit's place is one more than the units scoring better: one sort, not a
            // comparison of every unit with every other.
            let mut scores: Vec<Decimal> = members.iter().map(score).collect();
            scores.sort_unstable_by(|a, b| b.cmp(a));
            for u in members.iter_mut() {
                let mine = score(u);
                let place = scores.partition_point(|s| *s > mine) + 1;
                if place <= *count as usize {
                    u.prizes.push(prize.name.clone());
                }
                let note = notes.top(&prize.name, section.as_deref(), place, *count);
                u.outcome.push(note);
            }
        }
        PrizeTo::MostImproved { each_section } => {
            let Some(prev) = previous else {
                for u in members.iter_mut() {
                    u.outcome.push(notes.no_previous(&prize.name));
                }
                return;
            };
            let parts: Vec<Option<String>> = if *each_section {
                members
                    .first()
                    .map(|u| u.sections.iter().map(|s| Some(s.name.clone())).collect())
                    .unwrap_or_default()
            } else {
                vec![None]
            };
            for part in parts {
                let gain = |u: &UnitResult| -> Option<Decimal> {
                    let before = prev.units.get(&u.unit)?;
                    match &part {
                        None => Some(u.total - before.total),
                        Some(s) => Some(section_score(u, s) - *before.sections.get(s)?),
                    }
                };
                let best = members.iter().filter_map(gain).max();
                let name = match &part {
                    Some(s) => format!("{}（{s}）", prize.name),
                    None => prize.name.clone(),
                };
                for u in members.iter_mut() {
                    let gained = gain(u);
                    if let (Some(g), Some(b)) = (gained, best) {
                        if g == b && g > Decimal::ZERO {
                            u.prizes.push(name.clone());
                        }
                    }
                    let note = notes.improvement(&name, gained, best);
                    u.outcome.push(note);
                }
            }
        }
    }
}
