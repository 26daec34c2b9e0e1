//! Part of the parse stage: lowers what the seeds needed beyond single rules — group lines
//! (`the highest of`, `together, cap N`) and the `at least N fact` of a precondition.

use pest::iterators::Pair;

use super::lower::{Cx, Result};
use super::Rule;
use crate::ast::{CompareOp, ConditionKind, GroupKind, Operand, OperandKind, RuleGroup};
use crate::span::Span;

impl Cx<'_> {
    /// `the highest of` / `以下取最高一项`, or `together, cap 3` / `以下合计最多扣3分`.
    pub(super) fn group(&self, pair: Pair<Rule>) -> Result<RuleGroup> {
        let span = self.span(&pair);
        let Some(inner) = pair.clone().into_inner().next() else {
            return self.unexpected(&pair);
        };
        let kind = match inner.as_rule() {
            Rule::highest_group => GroupKind::Highest,
            Rule::together_group => {
                let cap = inner
                    .clone()
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::amount)
                    .map(|p| self.amount(p))
                    .transpose()?;
                match cap {
                    Some(cap) => GroupKind::Together { cap },
                    None => return self.unexpected(&inner),
                }
            }
            _ => return self.unexpected(&inner),
        };
        Ok(RuleGroup { kind, span })
    }

    /// `at least 2 article`: the unit's occurrences (or value) of `article` is 2 or more.
    pub(super) fn at_least_fact<'i>(
        &self,
        kids: impl Iterator<Item = Pair<'i, Rule>>,
        span: Span,
    ) -> Result<ConditionKind> {
        let (mut number, mut fact) = (None, None);
        for kid in kids {
            match kid.as_rule() {
                Rule::number => number = Some(self.number(kid)?),
                Rule::ident => fact = Some(self.ident(kid)),
                _ => {}
            }
        }
        match (number, fact) {
            (Some(n), Some(f)) => Ok(ConditionKind::Compare {
                left: Operand {
                    span: f.span,
                    kind: OperandKind::Name(f),
                },
                op: CompareOp::Ge,
                right: Operand {
                    span: n.span,
                    kind: OperandKind::Number(n),
                },
                worded: true,
            }),
            _ => Err(crate::diagnostic::Diagnostic::bug(
                span,
                "`at least` without its number or fact",
            )),
        }
    }
}
