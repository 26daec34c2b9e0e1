//! Part of the parse stage: lowers the outcome lines — grades, vetoes and prizes — into the AST.

use pest::iterators::Pair;

use super::lower::{Cx, Result};
use super::Rule;
use crate::ast::{GradeDecl, PrizeDecl, PrizeTo, Quota, Rounding, VetoDecl};

impl Cx<'_> {
    /// `grade 优秀 top 15% and at least 90` / `等次 优秀：前15%且不低于90分`.
    pub(super) fn grade(&self, pair: Pair<Rule>) -> Result<GradeDecl> {
        let span = self.span(&pair);
        let (mut name, mut threshold, mut quota, mut ties_by) = (None, None, None, None);
        for kid in pair.clone().into_inner() {
            match kid.as_rule() {
                Rule::name => name = Some(self.name(kid)?),
                Rule::threshold => {
                    let inclusive = !kid
                        .clone()
                        .into_inner()
                        .any(|k| matches!(k.as_rule(), Rule::k_above | Rule::zh_more_than));
                    let n = kid
                        .into_inner()
                        .find(|k| k.as_rule() == Rule::number)
                        .map(|k| self.number(k))
                        .transpose()?;
                    threshold = n.map(|n| (n, inclusive));
                }
                Rule::quota => quota = Some(self.quota(kid)?),
                Rule::tie_break => {
                    let t = kid.into_inner().find(|k| k.as_rule() == Rule::text);
                    ties_by = t.map(|t| self.text(t)).transpose()?;
                }
                _ => {}
            }
        }
        match name {
            Some(name) => Ok(GradeDecl {
                name,
                threshold,
                quota,
                ties_by,
                span,
            }),
            None => self.unexpected(&pair),
        }
    }

    fn quota(&self, pair: Pair<Rule>) -> Result<Quota> {
        let span = self.span(&pair);
        let mut limit = None;
        let mut rounding = Rounding::Down;
        for kid in pair.clone().into_inner() {
            match kid.as_rule() {
                Rule::number => limit = Some(self.number(kid)?),
                Rule::rounding => {
                    let text = kid.as_str();
                    rounding = if text.contains("half") || text.contains("四舍五入") {
                        Rounding::HalfUp
                    } else if text.contains("up") || text.contains("向上") {
                        Rounding::Up
                    } else {
                        Rounding::Down
                    };
                }
                _ => {}
            }
        }
        match limit {
            Some(limit) => Ok(Quota {
                limit,
                rounding,
                span,
            }),
            None => self.unexpected(&pair),
        }
    }

    /// `veto when leak, grade 不合格` / `一票否决：失密泄密的，等次为不合格`.
    pub(super) fn veto(&self, pair: Pair<Rule>) -> Result<VetoDecl> {
        let span = self.span(&pair);
        let (mut condition, mut grade) = (None, None);
        for kid in pair.clone().into_inner() {
            match kid.as_rule() {
                Rule::condition => condition = Some(self.top_condition(kid)?),
                Rule::name => grade = Some(self.name(kid)?),
                _ => {}
            }
        }
        match (condition, grade) {
            (Some(condition), Some(grade)) => Ok(VetoDecl {
                condition,
                grade,
                span,
            }),
            _ => self.unexpected(&pair),
        }
    }

    /// `prize "X" to the top 3` / `奖项 "X"：前3名`, or to the most improved.
    pub(super) fn prize(&self, pair: Pair<Rule>) -> Result<PrizeDecl> {
        let span = self.span(&pair);
        let mut name = None;
        let mut to = None;
        for kid in pair.clone().into_inner() {
            match kid.as_rule() {
                Rule::text if name.is_none() => name = Some(self.text(kid)?),
                Rule::prize_whom | Rule::zh_prize_whom => {
                    let kids: Vec<Pair<Rule>> = kid.clone().into_inner().collect();
                    let count = kids.iter().find(|k| k.as_rule() == Rule::number);
                    let section = kids.iter().find(|k| k.as_rule() == Rule::text);
                    to = Some(match count {
                        Some(n) => PrizeTo::Top {
                            count: self.number(n.clone())?,
                            section: section.map(|t| self.text(t.clone())).transpose()?,
                        },
                        None => PrizeTo::MostImproved {
                            each_section: kids.iter().any(|k| {
                                matches!(k.as_rule(), Rule::each_section | Rule::zh_each_section)
                            }),
                        },
                    });
                }
                _ => {}
            }
        }
        match (name, to) {
            (Some(name), Some(to)) => Ok(PrizeDecl { name, to, span }),
            _ => self.unexpected(&pair),
        }
    }
}
