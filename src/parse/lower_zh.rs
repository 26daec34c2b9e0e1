//! Part of the parse stage: lowers the Chinese rule forms (`迟到早退 每人每次扣0.1分`) into the same AST as the English ones.

use pest::iterators::Pair;

use super::lower::{Cx, Result};
use super::lower_tokens::canonical_field;
use super::Rule;
use crate::ast::{Bracket, BracketKind, EntryKey, PerUnit, RuleBody, TableEntry, Verb};
use crate::diagnostic::Diagnostic;

impl Cx<'_> {
    /// A Chinese rule body and the verb its `扣` / `得` / `加` gives.
    pub(super) fn zh_rule(&self, pair: Pair<Rule>) -> Result<(Verb, RuleBody)> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut verb = None;
        let mut idents = Vec::new();
        let (mut amount, mut condition, mut set, mut number) = (None, None, None, None);
        let mut per = Vec::new();
        let mut entries = Vec::new();
        let mut unless = false;
        for kid in pair.clone().into_inner() {
            match kid.as_rule() {
                Rule::zh_verb => verb = Some(self.zh_verb(&kid)?),
                Rule::ident => idents.push(self.ident(kid)),
                Rule::amount => amount = Some(self.amount(kid)?),
                Rule::number => number = Some(self.number(kid)?),
                Rule::condition => condition = Some(self.top_condition(kid)?),
                Rule::set => set = Some(self.set(kid)?),
                Rule::zh_per => {
                    // `每项按次`, `每项次`: one count of occurrences, however many words say it.
                    for p in self.zh_per(kid) {
                        let again = matches!(
                            (per.last(), &p),
                            (Some(PerUnit::Occurrence(..)), PerUnit::Occurrence(..))
                        );
                        if !again {
                            per.push(p);
                        }
                    }
                }
                Rule::zh_entry => entries.push(self.zh_entry(kid)?),
                Rule::zh_unless => unless = true,
                _ => {}
            }
        }
        let verb = verb.ok_or_else(|| Diagnostic::bug(span, "a Chinese rule without 扣 or 得"))?;
        let missing =
            |what: &str| Diagnostic::bug(span, format!("a Chinese rule without its {what}"));
        let mut idents = idents.into_iter();
        let mut next_ident = || idents.next().ok_or_else(|| missing("name"));
        let body = match rule {
            Rule::zh_per_rule => RuleBody::Per {
                amount: amount.ok_or_else(|| missing("amount"))?,
                per,
                fact: next_ident()?,
                filter: condition,
            },
            Rule::zh_missing_rule => {
                let fact = next_ident()?;
                let field = canonical_field(next_ident()?);
                RuleBody::Missing {
                    amount: amount.ok_or_else(|| missing("amount"))?,
                    field,
                    fact,
                    from: set,
                    filter: None,
                }
            }
            Rule::zh_table_rule => {
                // `按 F 的 FIELD` names the fact first.
                let fact = next_ident()?;
                let field = next_ident().ok().map(canonical_field);
                RuleBody::Table {
                    field,
                    fact,
                    entries,
                }
            }
            Rule::zh_times_rule => RuleBody::Times {
                amount: number.ok_or_else(|| missing("factor"))?,
                fact: next_ident()?,
            },
            Rule::zh_discretionary_rule => RuleBody::Discretionary {
                fact: next_ident()?,
            },
            Rule::zh_when_rule => RuleBody::Conditional {
                amount: amount.ok_or_else(|| missing("amount"))?,
                unless,
                condition: condition.ok_or_else(|| missing("condition"))?,
            },
            _ => return self.unexpected(&pair),
        };
        Ok((verb, body))
    }

    fn zh_verb(&self, pair: &Pair<Rule>) -> Result<Verb> {
        match pair.clone().into_inner().next().map(|p| p.as_rule()) {
            Some(Rule::zh_deduct) => Ok(Verb::Deduct),
            Some(Rule::zh_award) => Ok(Verb::Award),
            _ => self.unexpected(pair),
        }
    }

    /// `每人次` is per person and per occurrence, like `per person per occurrence`.
    fn zh_per(&self, pair: Pair<Rule>) -> Vec<PerUnit> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        match inner.next() {
            Some(p) if p.as_rule() == Rule::zh_person_occurrence => {
                vec![PerUnit::Person(span), PerUnit::Occurrence(span, None)]
            }
            Some(p) if p.as_rule() == Rule::zh_person => vec![PerUnit::Person(span)],
            Some(p) if p.as_rule() == Rule::zh_day => vec![PerUnit::Day(span)],
            Some(p) if p.as_rule() == Rule::zh_occurrence => {
                // `每篇` keeps its measure word; `每次`, `按次`, `每项次` … read `每次`.
                let word = p
                    .into_inner()
                    .next()
                    .map(|w| w.as_str().to_string())
                    .filter(|w| w != "次");
                vec![PerUnit::Occurrence(span, word)]
            }
            Some(p) if p.as_rule() == Rule::zh_each => match inner.next() {
                Some(key) => vec![PerUnit::Key(self.ident(key))],
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    fn zh_entry(&self, pair: Pair<Rule>) -> Result<TableEntry> {
        let span = self.span(&pair);
        let (mut key, mut amount) = (None, None);
        for kid in pair.clone().into_inner() {
            match kid.as_rule() {
                Rule::zh_bracket => key = Some(EntryKey::Bracket(self.zh_bracket(kid)?)),
                Rule::name => key = Some(EntryKey::Value(self.name(kid)?)),
                Rule::amount => amount = Some(self.amount(kid)?),
                _ => {}
            }
        }
        match (key, amount) {
            (Some(key), Some(amount)) => Ok(TableEntry { key, amount, span }),
            _ => self.unexpected(&pair),
        }
    }

    fn zh_bracket(&self, pair: Pair<Rule>) -> Result<Bracket> {
        let span = self.span(&pair);
        let Some(inner) = pair.clone().into_inner().next() else {
            return self.unexpected(&pair);
        };
        let rule = inner.as_rule();
        // A measure word (`10-5人`) belongs to the number before it.
        let mut numbers: Vec<crate::ast::Number> = Vec::new();
        for p in inner.into_inner() {
            match p.as_rule() {
                Rule::number => numbers.push(self.number(p)?),
                Rule::zh_measure => {
                    if let Some(n) = numbers.last_mut() {
                        n.measure = Some(p.as_str().to_string());
                    }
                }
                _ => {}
            }
        }
        let kind = match (rule, numbers.as_slice()) {
            (Rule::zh_at_least, [n]) => BracketKind::AtLeast(n.clone()),
            (Rule::zh_at_most, [n]) => BracketKind::AtMost(n.clone()),
            (Rule::zh_below, [n]) => BracketKind::Below(n.clone()),
            (Rule::zh_above, [n]) => BracketKind::Above(n.clone()),
            // The documents write ranges either way round: `10-5人`.
            (Rule::zh_range, [a, b]) if a.value > b.value => {
                BracketKind::Range(b.clone(), a.clone())
            }
            (Rule::zh_range, [a, b]) => BracketKind::Range(a.clone(), b.clone()),
            _ => return self.unexpected(&pair),
        };
        Ok(Bracket { kind, span })
    }
}
