//! Part of the review stage: two versions of a policy compared — which clauses were added,
//! removed or changed (matched by section and item title, then by text, so moving or
//! renumbering lines is no change), and what that does to every unit's total, rank, grade
//! and prizes, with the clauses that moved its points.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::ir::{Policy, Rule};
use crate::results::{Results, RuleResult, UnitResult};

/// What happened to one clause (or a section's, item's or the policy's heading).
#[derive(Debug, Clone, Serialize)]
pub struct ClauseChange {
    /// Where it is: `section`, `section › item`, or `grades`, `vetoes`, `prizes`, `policy`.
    pub place: String,
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
    /// The old text (none when added).
    pub old: Option<String>,
    /// The new text (none when removed).
    pub new: Option<String>,
    /// Its line in the old version.
    pub old_line: Option<u32>,
    /// Its line in the new version.
    pub new_line: Option<u32>,
}

/// What the new version does to one unit.
#[derive(Debug, Clone, Serialize)]
pub struct UnitChange {
    /// The unit.
    pub unit: String,
    /// Its old total (none: not scored by the old version).
    pub old_total: Option<Decimal>,
    /// Its new total.
    pub new_total: Option<Decimal>,
    /// Its old rank.
    pub old_rank: Option<usize>,
    /// Its new rank.
    pub new_rank: Option<usize>,
    /// Its old grade.
    pub old_grade: Option<String>,
    /// Its new grade.
    pub new_grade: Option<String>,
    /// Its old prizes.
    pub old_prizes: Vec<String>,
    /// Its new prizes.
    pub new_prizes: Vec<String>,
    /// The clauses whose points for it changed, largest change first.
    pub clauses: Vec<ClauseMove>,
}

impl UnitChange {
    /// The change of its total (new − old; a missing total counts as zero).
    pub fn delta(&self) -> Decimal {
        self.new_total.unwrap_or_default() - self.old_total.unwrap_or_default()
    }

    /// Whether anything about it changed.
    pub fn changed(&self) -> bool {
        self.old_total != self.new_total
            || self.old_rank != self.new_rank
            || self.old_grade != self.new_grade
            || self.old_prizes != self.new_prizes
            || !self.clauses.is_empty()
    }
}

/// A clause whose points for a unit changed.
#[derive(Debug, Clone, Serialize)]
pub struct ClauseMove {
    /// Where it is.
    pub place: String,
    /// The old clause (none: added).
    pub old: Option<String>,
    /// The new clause (none: removed).
    pub new: Option<String>,
    /// Its old points, signed (a deduction is negative).
    pub old_points: Decimal,
    /// Its new points, signed.
    pub new_points: Decimal,
}

impl ClauseMove {
    /// The change of its points.
    pub fn delta(&self) -> Decimal {
        self.new_points - self.old_points
    }
}

/// The comparison of two versions over the same facts.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyDiff {
    /// The clauses added, removed or changed, in the new version's order.
    pub clauses: Vec<ClauseChange>,
    /// Every unit of either version, largest change of total first.
    pub units: Vec<UnitChange>,
}

/// A rule's place: its section, its item (if any) and its index there.
type RuleKey = (String, Option<String>, usize);

/// Pairs old texts with new ones: equal texts first, then the most alike (half the text in
/// common at least); `None` on either side is an addition or a removal.
fn pair(old: &[&str], new: &[&str]) -> Vec<(Option<usize>, Option<usize>)> {
    let mut new_taken = vec![false; new.len()];
    let mut old_match: Vec<Option<usize>> = vec![None; old.len()];
    for (o, matched) in old.iter().zip(old_match.iter_mut()) {
        let free = new
            .iter()
            .zip(&new_taken)
            .position(|(n, taken)| !*taken && *n == *o);
        if let Some(j) = free {
            if let Some(t) = new_taken.get_mut(j) {
                *t = true;
            }
            *matched = Some(j);
        }
    }
    for (o, matched) in old.iter().zip(old_match.iter_mut()) {
        if matched.is_some() {
            continue;
        }
        let best = new
            .iter()
            .zip(&new_taken)
            .enumerate()
            .filter(|(_, (_, taken))| !**taken)
            .map(|(j, (n, _))| (strsim::normalized_levenshtein(o, n), j))
            .filter(|(s, _)| *s >= 0.5)
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
        if let Some((_, j)) = best {
            if let Some(t) = new_taken.get_mut(j) {
                *t = true;
            }
            *matched = Some(j);
        }
    }
    let mut out: Vec<(Option<usize>, Option<usize>)> = Vec::new();
    // In the new version's order; removals where they stood.
    for (j, _) in new.iter().enumerate() {
        match old_match.iter().position(|m| *m == Some(j)) {
            Some(i) => out.push((Some(i), Some(j))),
            None => out.push((None, Some(j))),
        }
    }
    for (i, m) in old_match.iter().enumerate() {
        if m.is_none() {
            let at = out
                .iter()
                .position(|(o, _)| o.is_some_and(|o| o > i))
                .unwrap_or(out.len());
            out.insert(at, (Some(i), None));
        }
    }
    out
}

/// One container of rules (a section's own, or an item's).
struct Container<'p> {
    bonus: bool,
    section: &'p str,
    item: Option<&'p str>,
    heading: String,
    line: u32,
    rules: &'p [Rule],
}

fn containers(p: &Policy) -> Vec<Container<'_>> {
    let mut out = Vec::new();
    for s in &p.sections {
        out.push(Container {
            bonus: s.bonus,
            section: &s.name,
            item: None,
            heading: heading(s.worth, &s.responsible),
            line: s.span.start_line,
            rules: &s.rules,
        });
        for i in &s.items {
            out.push(Container {
                bonus: false,
                section: &s.name,
                item: Some(&i.name),
                heading: heading(i.worth, &i.responsible),
                line: i.span.start_line,
                rules: &i.rules,
            });
        }
    }
    out
}

fn heading(worth: Option<Decimal>, responsible: &[String]) -> String {
    let mut parts = Vec::new();
    if let Some(w) = worth {
        parts.push(format!("worth {}", w.normalize()));
    }
    if !responsible.is_empty() {
        parts.push(format!("responsible: {}", responsible.join(", ")));
    }
    parts.join(", ")
}

fn place(section: &str, item: Option<&str>) -> String {
    match item {
        Some(i) => format!("{section} › {i}"),
        None => section.to_string(),
    }
}

/// Compares two versions' clauses and their results over the same facts.
pub fn diff(
    old: &Policy,
    new: &Policy,
    old_results: &Results,
    new_results: &Results,
) -> PolicyDiff {
    let mut clauses = Vec::new();
    let mut rule_pairs: Vec<(Option<RuleKey>, Option<RuleKey>, String)> = Vec::new();
    if old.total != new.total || old.bonus != new.bonus {
        let text = |p: &Policy| {
            let mut t = p
                .total
                .map(|t| format!("total {}", t.normalize()))
                .unwrap_or_default();
            if let Some(b) = p.bonus {
                t.push_str(&format!(", bonus {}", b.normalize()));
            }
            t
        };
        clauses.push(ClauseChange {
            place: "policy".into(),
            change: "changed",
            old: Some(text(old)),
            new: Some(text(new)),
            old_line: None,
            new_line: None,
        });
    }
    let old_c = containers(old);
    let new_c = containers(new);
    let key = |c: &Container| (c.section.to_string(), c.item.map(str::to_string));
    // Containers by title; the new version's order, the removed ones after.
    let mut order: Vec<(Option<&Container>, Option<&Container>)> = new_c
        .iter()
        .map(|n| (old_c.iter().find(|o| key(o) == key(n)), Some(n)))
        .collect();
    order.extend(
        old_c
            .iter()
            .filter(|o| !new_c.iter().any(|n| key(n) == key(o)))
            .map(|o| (Some(o), None)),
    );
    for (o, n) in order {
        let any = o.or(n);
        let Some(any) = any else { continue };
        let at = place(any.section, any.item);
        let title_change =
            |change: &'static str, old: Option<&Container>, new: Option<&Container>| {
                let text = |c: &Container| match c.item {
                    Some(i) => format!("item \"{i}\" {}", c.heading).trim_end().to_string(),
                    None => {
                        let word = if c.bonus { "bonus section" } else { "section" };
                        format!("{word} \"{}\" {}", c.section, c.heading)
                            .trim_end()
                            .to_string()
                    }
                };
                ClauseChange {
                    place: at.clone(),
                    change,
                    old: old.map(text),
                    new: new.map(text),
                    old_line: old.map(|c| c.line),
                    new_line: new.map(|c| c.line),
                }
            };
        match (o, n) {
            (Some(a), Some(b)) if (a.bonus, &a.heading) != (b.bonus, &b.heading) => {
                clauses.push(title_change("changed", Some(a), Some(b)));
            }
            (None, Some(b)) => clauses.push(title_change("added", None, Some(b))),
            (Some(a), None) => clauses.push(title_change("removed", Some(a), None)),
            _ => {}
        }
        let old_rules: Vec<&str> = o.map_or(Vec::new(), |c| {
            c.rules.iter().map(|r| r.clause.as_str()).collect()
        });
        let new_rules: Vec<&str> = n.map_or(Vec::new(), |c| {
            c.rules.iter().map(|r| r.clause.as_str()).collect()
        });
        for (i, j) in pair(&old_rules, &new_rules) {
            let oi = i.and_then(|i| o.map(|c| (c, i)));
            let nj = j.and_then(|j| n.map(|c| (c, j)));
            let (old_rule, new_rule) = (
                oi.and_then(|(c, i)| c.rules.get(i)),
                nj.and_then(|(c, j)| c.rules.get(j)),
            );
            let change = match (old_rule, new_rule) {
                (Some(a), Some(b)) if a.clause == b.clause => None,
                (Some(_), Some(_)) => Some("changed"),
                (Some(_), None) => Some("removed"),
                (None, Some(_)) => Some("added"),
                (None, None) => None,
            };
            if let Some(change) = change {
                clauses.push(ClauseChange {
                    place: at.clone(),
                    change,
                    old: old_rule.map(|r| r.clause.clone()),
                    new: new_rule.map(|r| r.clause.clone()),
                    old_line: old_rule.map(|r| r.span.start_line),
                    new_line: new_rule.map(|r| r.span.start_line),
                });
            }
            rule_pairs.push((
                oi.map(|(c, i)| (c.section.to_string(), c.item.map(str::to_string), i)),
                nj.map(|(c, j)| (c.section.to_string(), c.item.map(str::to_string), j)),
                at.clone(),
            ));
        }
    }
    outcome_clauses(old, new, &mut clauses);
    let mut units = Vec::new();
    let mut names: Vec<&str> = new_results.units.iter().map(|u| u.unit.as_str()).collect();
    for u in &old_results.units {
        if !names.contains(&u.unit.as_str()) {
            names.push(&u.unit);
        }
    }
    for name in names {
        let o = old_results.units.iter().find(|u| u.unit == name);
        let n = new_results.units.iter().find(|u| u.unit == name);
        let mut moves: Vec<ClauseMove> = rule_pairs
            .iter()
            .filter_map(|(ok, nk, at)| {
                let orule = ok.as_ref().zip(o).and_then(|(k, u)| rule_of(u, k));
                let nrule = nk.as_ref().zip(n).and_then(|(k, u)| rule_of(u, k));
                let old_points = orule.map_or(Decimal::ZERO, RuleResult::signed);
                let new_points = nrule.map_or(Decimal::ZERO, RuleResult::signed);
                (old_points != new_points).then(|| ClauseMove {
                    place: at.clone(),
                    old: orule.map(|r| r.clause.clone()),
                    new: nrule.map(|r| r.clause.clone()),
                    old_points: old_points.normalize(),
                    new_points: new_points.normalize(),
                })
            })
            .collect();
        moves.sort_by_key(|m| std::cmp::Reverse(m.delta().abs()));
        units.push(UnitChange {
            unit: name.to_string(),
            old_total: o.map(|u| u.total.normalize()),
            new_total: n.map(|u| u.total.normalize()),
            old_rank: o.map(|u| u.rank),
            new_rank: n.map(|u| u.rank),
            old_grade: o.and_then(|u| u.grade.clone()),
            new_grade: n.and_then(|u| u.grade.clone()),
            old_prizes: o.map_or(Vec::new(), |u| u.prizes.clone()),
            new_prizes: n.map_or(Vec::new(), |u| u.prizes.clone()),
            clauses: moves,
        });
    }
    units.sort_by(|a, b| {
        b.delta()
            .abs()
            .cmp(&a.delta().abs())
            .then(b.changed().cmp(&a.changed()))
            .then(a.unit.cmp(&b.unit))
    });
    PolicyDiff { clauses, units }
}

/// The result of the rule at `key` for a unit.
fn rule_of<'u>(u: &'u UnitResult, key: &RuleKey) -> Option<&'u RuleResult> {
    let s = u.sections.iter().find(|s| s.name == key.0)?;
    match &key.1 {
        None => s.rules.get(key.2),
        Some(item) => s.items.iter().find(|i| &i.name == item)?.rules.get(key.2),
    }
}

/// Clauses with their lines.
type Lines<'p> = Vec<(&'p str, u32)>;

/// Grades, vetoes and prizes: each compared by its clause's text.
fn outcome_clauses(old: &Policy, new: &Policy, out: &mut Vec<ClauseChange>) {
    let lists: [(&str, Lines, Lines); 3] = [
        (
            "grades",
            old.grades
                .iter()
                .map(|g| (g.clause.as_str(), g.span.start_line))
                .collect(),
            new.grades
                .iter()
                .map(|g| (g.clause.as_str(), g.span.start_line))
                .collect(),
        ),
        (
            "vetoes",
            old.vetoes
                .iter()
                .map(|v| (v.clause.as_str(), v.span.start_line))
                .collect(),
            new.vetoes
                .iter()
                .map(|v| (v.clause.as_str(), v.span.start_line))
                .collect(),
        ),
        (
            "prizes",
            old.prizes
                .iter()
                .map(|p| (p.clause.as_str(), p.span.start_line))
                .collect(),
            new.prizes
                .iter()
                .map(|p| (p.clause.as_str(), p.span.start_line))
                .collect(),
        ),
    ];
    for (at, o, n) in lists {
        let ot: Vec<&str> = o.iter().map(|x| x.0).collect();
        let nt: Vec<&str> = n.iter().map(|x| x.0).collect();
        for (i, j) in pair(&ot, &nt) {
            let (i, j) = (i.and_then(|i| o.get(i)), j.and_then(|j| n.get(j)));
            let change = match (i, j) {
                (Some(a), Some(b)) if a.0 == b.0 => continue,
                (Some(_), Some(_)) => "changed",
                (Some(_), None) => "removed",
                (None, Some(_)) => "added",
                (None, None) => continue,
            };
            out.push(ClauseChange {
                place: at.into(),
                change,
                old: i.map(|x| x.0.to_string()),
                new: j.map(|x| x.0.to_string()),
                old_line: i.map(|x| x.1),
                new_line: j.map(|x| x.1),
            });
        }
    }
}
