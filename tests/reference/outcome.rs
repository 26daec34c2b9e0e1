//! The reference's outcome stage: grades by threshold and quota, and prizes.

use rust_decimal::Decimal;

use super::*;

/// How many units a quota lets into a grade among `n` units: a percent rounded as declared,
/// at least 1.
fn room(q: Quota, n: usize) -> usize {
    match q {
        Quota::Count(c) => c,
        Quota::Percent(p, rounding) => {
            let exact = p * Decimal::from(n) / Decimal::from(100);
            let whole = exact.trunc();
            let fraction = exact - whole;
            let up = match rounding {
                Rounding::Down => false,
                Rounding::Up => fraction > Decimal::ZERO,
                Rounding::HalfUp => fraction >= Decimal::new(5, 1),
            };
            let count: usize = whole.to_string().parse().expect("a count");
            (count + usize::from(up)).max(1)
        }
    }
}

/// Grades best first: the first whose threshold a unit meets and whose quota has room.
/// At a quota's boundary, units tied on total are ordered by the `ties by` section; units
/// still tied where the quota runs out all move down, and no lower one takes their place.
pub fn grade(m: &Model, units: &mut [Scored]) {
    let n = units.len();
    let mut left: Vec<usize> = (0..n).collect();
    for g in &m.grades {
        let key = |u: &Scored| {
            let tie = g.ties_by.map_or(Decimal::ZERO, |s| u.sections[s].0);
            (u.total, tie)
        };
        let mut meet: Vec<usize> = left
            .iter()
            .copied()
            .filter(|&i| g.at_least.is_none_or(|t| units[i].total >= t))
            .collect();
        meet.sort_by(|&a, &b| key(&units[b]).cmp(&key(&units[a])));
        if let Some(q) = g.quota {
            let q = room(q, n);
            if meet.len() > q {
                let boundary = key(&units[meet[q]]);
                meet.retain(|&i| key(&units[i]) > boundary);
            }
        }
        for &i in &meet {
            units[i].grade = Some(g.name.clone());
        }
        left.retain(|i| !meet.contains(i));
    }
}

/// Prizes in the order declared: by rank on the total or on one section's score (ties
/// share), or to the largest rise over last year (of the total, or of each section's score,
/// named `P（S）`); a unit missing from last year's results or that did not rise gets none.
pub fn prizes(m: &Model, units: &mut [Scored]) {
    for prize in &m.prizes {
        match prize {
            Prize::Top { name, n, section } => {
                let score = |u: &Scored| section.map_or(u.total, |s| u.sections[s].0);
                let scores: Vec<Decimal> = units.iter().map(score).collect();
                for (i, u) in units.iter_mut().enumerate() {
                    let place = 1 + scores.iter().filter(|o| **o > scores[i]).count();
                    if place <= *n {
                        u.prizes.push(name.clone());
                    }
                }
            }
            Prize::Improved { name, each_section } => {
                let previous = m.previous.clone().unwrap_or_default();
                let parts: Vec<Option<usize>> = if *each_section {
                    (0..m.sections.len()).map(Some).collect()
                } else {
                    vec![None]
                };
                for part in parts {
                    let gain = |u: &Scored| {
                        let before = previous.iter().find(|p| p.unit == u.unit)?;
                        Some(match part {
                            None => u.total - before.total,
                            Some(s) => u.sections[s].0 - before.sections[s],
                        })
                    };
                    let gains: Vec<Option<Decimal>> = units.iter().map(gain).collect();
                    let best = gains.iter().flatten().max().copied();
                    let label = match part {
                        Some(s) => format!("{name}（{}）", m.sections[s].name),
                        None => name.clone(),
                    };
                    for (u, g) in units.iter_mut().zip(gains) {
                        if g.is_some_and(|g| Some(g) == best && g > Decimal::ZERO) {
                            u.prizes.push(label.clone());
                        }
                    }
                }
            }
        }
    }
}
