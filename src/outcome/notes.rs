//! Part of the outcome stage: the notes on a unit's receipt that say why it got its grade and
//! prizes, in the policy's language.

use rust_decimal::Decimal;

use crate::ir;
use crate::report::number;

/// Writes outcome notes in English or, for a Chinese policy, in Chinese.
#[derive(Clone, Copy)]
pub(super) struct Notes {
    pub zh: bool,
}

impl Notes {
    /// A unit whose total meets a grade that a veto keeps from it.
    pub fn vetoed(self, grade: &str, vetoes: &[String]) -> String {
        if self.zh {
            format!("未评为 `{grade}`：一票否决（{}）", vetoes.join("；"))
        } else {
            format!("not `{grade}`: a veto holds ({})", vetoes.join("; "))
        }
    }

    /// Units tied at a full quota's boundary, ordered by a section, that moved down.
    pub fn quota_full_by(
        self,
        grade: &str,
        quota: &str,
        total: Decimal,
        by: &str,
        score: Decimal,
    ) -> String {
        let (total, score) = (number(total), number(score));
        if self.zh {
            format!("未评为 `{grade}`：名额（{quota}）已满；总分同为 {total} 的单位按 `{by}` 排序（本单位 {score}），名额边界上仍并列的单位一并下移")
        } else {
            format!("not `{grade}`: its quota ({quota}) is full; units tied on {total} were ordered by `{by}` ({score}), and the ties left at the boundary all moved down")
        }
    }

    /// Units tied at a full quota's boundary, with no section to order them, that moved down.
    pub fn quota_full(self, grade: &str, quota: &str, tied: usize, total: Decimal) -> String {
        let total = number(total);
        if self.zh {
            format!("未评为 `{grade}`：名额（{quota}）容不下总分同为 {total} 的全部 {tied} 个单位，一并下移")
        } else {
            format!("not `{grade}`: its quota ({quota}) cannot take all {tied} units tied on {total}, so they all moved down")
        }
    }

    /// Why a unit got a grade, and by which clause.
    pub fn graded(self, g: &ir::Grade, unit: &crate::results::UnitResult, quota: &str) -> String {
        let (name, total, rank) = (&g.name, number(unit.total), unit.rank);
        let cmp = if g.inclusive { "≥" } else { ">" };
        let why = match (g.min, &g.quota, self.zh) {
            (None, None, false) => format!("`{name}`: the grade for every unit left"),
            (Some(m), None, false) => format!("`{name}`: total {total} {cmp} {}", number(m)),
            (None, Some(_), false) => format!("`{name}`: rank {rank} within its quota ({quota})"),
            (Some(m), Some(_), false) => format!(
                "`{name}`: total {total} {cmp} {} and rank {rank} within its quota ({quota})",
                number(m)
            ),
            (None, None, true) => format!("`{name}`：其余单位均为此等次"),
            (Some(m), None, true) => format!("`{name}`：总分 {total} {cmp} {}", number(m)),
            (None, Some(_), true) => format!("`{name}`：第 {rank} 名，在名额（{quota}）之内"),
            (Some(m), Some(_), true) => format!(
                "`{name}`：总分 {total} {cmp} {}，第 {rank} 名，在名额（{quota}）之内",
                number(m)
            ),
        };
        if self.zh {
            format!("等次 {why}，依据 `{}`", g.clause)
        } else {
            format!("grade {why}, by `{}`", g.clause)
        }
    }

    /// A grade's quota in words: `20% of 24 units: 4`, `3 units`.
    pub fn quota(self, g: &ir::Grade, n: usize, count: impl Fn(&ir::Quota) -> usize) -> String {
        match (&g.quota, self.zh) {
            (Some(q), false) if q.percent => {
                format!("{}% of {n} units: {}", number(q.limit), count(q))
            }
            (Some(q), true) if q.percent => {
                format!("{n} 个单位的 {}%：{} 个", number(q.limit), count(q))
            }
            (Some(q), false) if q.limit == Decimal::ONE => "1 unit".to_string(),
            (Some(q), false) => format!("{} units", number(q.limit)),
            (Some(q), true) => format!("{} 个", number(q.limit)),
            (None, false) => "none".to_string(),
            (None, true) => "无".to_string(),
        }
    }

    /// A prize for the top places, given or not.
    pub fn top(self, prize: &str, section: Option<&str>, place: usize, count: u32) -> String {
        let given = place <= count as usize;
        match (self.zh, given) {
            (false, _) => {
                let what = section.map_or("total".to_string(), |s| format!("`{s}`"));
                if given {
                    format!("prize `{prize}`: {what} ranks {place}, within the top {count}")
                } else {
                    format!("no prize `{prize}`: {what} ranks {place}, not within the top {count}")
                }
            }
            (true, _) => {
                let what = section.map_or("总分".to_string(), |s| format!("`{s}`"));
                if given {
                    format!("获 `{prize}`：{what}第 {place} 名，在前 {count} 名之内")
                } else {
                    format!("未获 `{prize}`：{what}第 {place} 名，不在前 {count} 名之内")
                }
            }
        }
    }

    /// A prize by improvement when no previous results were given.
    pub fn no_previous(self, prize: &str) -> String {
        if self.zh {
            format!("未评 `{prize}`：没有给出上年结果（`--previous`）")
        } else {
            format!("no prize `{prize}`: no previous results were given (`--previous`)")
        }
    }

    /// A prize by improvement, for a unit with a gain (or none in the previous results).
    pub fn improvement(self, prize: &str, gain: Option<Decimal>, best: Option<Decimal>) -> String {
        let zh = self.zh;
        match (gain, best) {
            (None, _) if zh => format!("未获 `{prize}`：不在上年结果中"),
            (None, _) => format!("no prize `{prize}`: not in the previous results"),
            (Some(g), Some(b)) if g == b && g > Decimal::ZERO => {
                if zh {
                    format!("获 `{prize}`：进步 {}，为最多", number(g))
                } else {
                    format!("prize `{prize}`: improved by {}, the most", number(g))
                }
            }
            (Some(g), _) if g <= Decimal::ZERO => {
                if zh {
                    format!("未获 `{prize}`：没有进步（{}）", number(g))
                } else {
                    format!("no prize `{prize}`: did not improve ({})", number(g))
                }
            }
            (Some(g), b) => {
                let (g, b) = (number(g), b.map(number).unwrap_or_default());
                if zh {
                    format!("未获 `{prize}`：进步 {g}，最多为 {b}")
                } else {
                    format!("no prize `{prize}`: improved by {g}, the most was {b}")
                }
            }
        }
    }
}
