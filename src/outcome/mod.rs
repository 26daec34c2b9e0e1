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

use std::collections::{BTreeMap, HashMap};

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
    let mut i = 0;
    while i < units.len() {
        let group = units[i].group.clone();
        let mut position = 0;
        let mut j = i;
        while j < units.len() && units[j].group == group {
            if j == i || units[j].total != units[j - 1].total {
                position = j - i + 1;
            }
            units[j].rank = position;
            j += 1;
        }
        i = j;
    }
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
    let mut by_group: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
    for (i, u) in results.units.iter().enumerate() {
        by_group.entry(u.group.clone()).or_default().push(i);
    }
    for members in by_group.values() {
        grade(policy, &mut results.units, members);
        for prize in &policy.prizes {
            award(prize, &mut results.units, members, previous, notes);
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

/// Grades the units of one ranking group (`members`, in rank order).
fn grade(policy: &ir::Policy, units: &mut [UnitResult], members: &[usize]) {
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
    let mut i = 0;
    while i < members.len() {
        let total = units[members[i]].total;
        let mut j = i;
        while j < members.len() && units[members[j]].total == total {
            j += 1;
        }
        let mut pending: Vec<usize> = members[i..j].to_vec();
        for (gi, g) in policy.grades.iter().enumerate() {
            if pending.is_empty() {
                break;
            }
            // A vetoed unit can be graded no better than its veto says.
            let (eligible, capped): (Vec<usize>, Vec<usize>) = pending.iter().partition(|&&u| {
                units[u]
                    .veto_grades
                    .iter()
                    .filter_map(|v| index(v))
                    .max()
                    .is_none_or(|floor| gi >= floor)
            });
            for &u in &capped {
                if meets(g, units[u].total) {
                    let note = notes.vetoed(&g.name, &units[u].vetoes);
                    units[u].outcome.push(note);
                }
            }
            let eligible: Vec<usize> = eligible
                .into_iter()
                .filter(|&u| meets(g, units[u].total))
                .collect();
            if eligible.is_empty() {
                continue;
            }
            let chosen = match left[gi] {
                None => eligible.clone(),
                Some(room) if eligible.len() <= room => eligible.clone(),
                Some(room) => {
                    let fitted = fit(&eligible, room, g, units);
                    for &u in eligible.iter().filter(|u| !fitted.contains(u)) {
                        let quota = notes.quota(g, n, |q| quota_count(q, n));
                        let note = match &g.ties_by {
                            Some(s) => {
                                let score = section_score(&units[u], s);
                                notes.quota_full_by(&g.name, &quota, total, s, score)
                            }
                            None => notes.quota_full(&g.name, &quota, eligible.len(), total),
                        };
                        units[u].outcome.push(note);
                    }
                    // Once a quota is overrun at a tie, no lower total may take its place.
                    left[gi] = Some(0);
                    fitted
                }
            };
            if let Some(room) = left[gi].as_mut() {
                *room = room.saturating_sub(chosen.len());
            }
            for &u in &chosen {
                units[u].grade = Some(g.name.clone());
                let quota = notes.quota(g, n, |q| quota_count(q, n));
                let note = notes.graded(g, &units[u], &quota);
                units[u].outcome.push(note);
            }
            pending.retain(|u| !chosen.contains(u));
        }
        i = j;
    }
}

/// Which of `eligible` (tied on total) fit in `room`, ordered by the grade's tie-break section;
/// units still tied where the room ends all stay out.
fn fit(eligible: &[usize], room: usize, g: &ir::Grade, units: &[UnitResult]) -> Vec<usize> {
    let Some(section) = &g.ties_by else {
        return Vec::new();
    };
    let mut order: Vec<usize> = eligible.to_vec();
    order.sort_by(|a, b| {
        section_score(&units[*b], section).cmp(&section_score(&units[*a], section))
    });
    let mut chosen = Vec::new();
    let mut k = 0;
    while k < order.len() {
        let score = section_score(&units[order[k]], section);
        let mut m = k;
        while m < order.len() && section_score(&units[order[m]], section) == score {
            m += 1;
        }
        if chosen.len() + (m - k) > room {
            break;
        }
        chosen.extend_from_slice(&order[k..m]);
        k = m;
    }
    chosen
}

/// Gives one prize within one ranking group.
fn award(
    prize: &ir::Prize,
    units: &mut [UnitResult],
    members: &[usize],
    previous: Option<&Previous>,
    notes: Notes,
) {
    match &prize.to {
        PrizeTo::Top { count, section } => {
            let score = |u: &UnitResult| match section {
                Some(s) => section_score(u, s),
                None => u.total,
            };
            for &u in members {
                let better = members
                    .iter()
                    .filter(|&&o| score(&units[o]) > score(&units[u]))
                    .count();
                let place = better + 1;
                if place <= *count as usize {
                    units[u].prizes.push(prize.name.clone());
                }
                let note = notes.top(&prize.name, section.as_deref(), place, *count);
                units[u].outcome.push(note);
            }
        }
        PrizeTo::MostImproved { each_section } => {
            let Some(prev) = previous else {
                for &u in members {
                    units[u].outcome.push(notes.no_previous(&prize.name));
                }
                return;
            };
            let parts: Vec<Option<String>> = if *each_section {
                units
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
                let best = members.iter().filter_map(|&u| gain(&units[u])).max();
                let name = match &part {
                    Some(s) => format!("{}（{s}）", prize.name),
                    None => prize.name.clone(),
                };
                for &u in members {
                    let gained = gain(&units[u]);
                    if let (Some(g), Some(b)) = (gained, best) {
                        if g == b && g > Decimal::ZERO {
                            units[u].prizes.push(name.clone());
                        }
                    }
                    let note = notes.improvement(&name, gained, best);
                    units[u].outcome.push(note);
                }
            }
        }
    }
}
