//! Part of the parse stage: lowers the pest pairs of one line into an AST statement.
//!
//! One function per grammar rule. A pair of a shape the grammar cannot
//! produce is reported as [`Diagnostic::bug`], never unwrapped.

use std::sync::OnceLock;

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::lower_tokens::canonical_field;
use super::tree::Stmt;
use super::Rule;
use crate::ast::{self, *};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, SourceMap, Span};

pub(super) type Result<T> = std::result::Result<T, Diagnostic>;

/// Where the line being lowered sits in its file.
pub(super) struct Cx<'a> {
    pub sources: &'a SourceMap,
    pub file: FileId,
    /// Byte offset of the line in the file: pest positions are relative to the line.
    pub base: usize,
}

/// Keywords and punctuation are matched as rules (so errors can name them) but carry nothing.
fn is_keyword(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        comma
            | colon
            | open_brace
            | close_brace
            | open_paren
            | close_paren
            | k_policy
            | k_year
            | k_total
            | k_bonus
            | k_units
            | k_assessors
            | k_fact
            | k_with
            | k_event
            | k_measure
            | k_flag
            | k_points
            | k_point
            | k_count
            | k_number
            | k_percent
            | k_date
            | k_text
            | k_from
            | k_to
            | k_in
            | k_calendar
            | k_holidays
            | k_workdays
            | k_days
            | k_section
            | k_item
            | k_worth
            | k_responsible
            | k_deduct
            | k_award
            | k_by
            | k_of
            | k_or
            | k_more
            | k_less
            | k_below
            | k_above
            | k_per
            | k_missing
            | k_person
            | k_day
            | k_occurrence
            | k_times
            | k_when
            | k_unless
            | k_where
            | k_cap
            | k_once
            | k_otherwise
            | k_each
            | k_month
            | k_has
            | k_at
            | k_least
            | k_not
            | k_bonus_section
            | k_discretionary
            | zh_fen
            | zh_among
            | zh_de
            | zh_time
            | zh_by
            | zh_times
            | zh_discretion
            | zh_unless
            | zh_when
            | zh_cap
            | zh_same
            | zh_same_unit
            | k_only
            | k_if
            | k_the
            | k_highest
            | k_together
            | k_grade
            | k_veto
            | k_prize
            | k_top
            | k_and
            | k_rounded
            | k_up
            | k_down
            | k_half
            | k_ties
            | k_most
            | k_improved
            | k_against
            | k_previous
            | zh_rest
            | zh_not_below
            | zh_top
            | zh_unit_word
            | zh_inclusive_or_more
            | zh_ties
            | zh_ties_end
            | zh_veto
            | zh_grade_is
            | zh_prize
            | zh_in_section
            | zh_improved
            | zh_only_if
            | zh_period
            | zh_not_cumulative
            | zh_measure
            | zh_or_more
            | zh_each_month
            | zh_at_least_words
            | zh_one_of
            | zh_semicolon
            | zh_each_missing
            | EOI
    )
}

type Meaningful<'i> = std::iter::Filter<Pairs<'i, Rule>, fn(&Pair<'i, Rule>) -> bool>;

/// The meaningful children of a pair, in order, keywords skipped.
pub(super) struct Kids<'i> {
    pub(super) pairs: std::iter::Peekable<Meaningful<'i>>,
    parent: Span,
}

impl<'i> Kids<'i> {
    pub(super) fn peek(&mut self) -> Option<Rule> {
        self.pairs.peek().map(Pair::as_rule)
    }

    pub(super) fn next(&mut self) -> Option<Pair<'i, Rule>> {
        self.pairs.next()
    }

    /// The next child if it is a `rule`.
    pub(super) fn take(&mut self, rule: Rule) -> Option<Pair<'i, Rule>> {
        if self.peek() == Some(rule) {
            self.pairs.next()
        } else {
            None
        }
    }

    /// The next child, which must be a `rule`.
    pub(super) fn expect(&mut self, rule: Rule) -> Result<Pair<'i, Rule>> {
        match self.pairs.next() {
            Some(p) if p.as_rule() == rule => Ok(p),
            Some(p) => Err(Diagnostic::bug(
                self.parent,
                format!("expected {rule:?}, found {:?}", p.as_rule()),
            )),
            None => Err(Diagnostic::bug(
                self.parent,
                format!("expected {rule:?}, found nothing"),
            )),
        }
    }
}

impl<'a> Cx<'a> {
    /// A span for a byte range of the line.
    pub fn span_at(&self, start: usize, end: usize) -> Span {
        self.sources
            .span(self.file, self.base + start, self.base + end)
    }

    /// The span of a pair, without the whitespace and comments pest skips
    /// before an optional part that turns out to be absent.
    pub(super) fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        self.span_at(s.start(), s.start() + code_len(s.as_str()))
    }

    pub(super) fn kids<'i>(&self, pair: Pair<'i, Rule>) -> Kids<'i> {
        let parent = self.span(&pair);
        let keep: fn(&Pair<'i, Rule>) -> bool = |p| !is_keyword(p.as_rule());
        Kids {
            pairs: pair.into_inner().filter(keep).peekable(),
            parent,
        }
    }

    pub(super) fn unexpected<T>(&self, pair: &Pair<Rule>) -> Result<T> {
        Err(Diagnostic::bug(
            self.span(pair),
            format!("unexpected {:?}", pair.as_rule()),
        ))
    }

    /// The statement of one logical line.
    pub fn line(&self, mut pairs: Pairs<Rule>) -> std::result::Result<Stmt, Vec<Diagnostic>> {
        let Some(line) = pairs.next() else {
            return Err(vec![Diagnostic::bug(self.span_at(0, 0), "empty parse")]);
        };
        let mut kids = self.kids(line);
        let Some(stmt) = kids.next() else {
            return Err(vec![Diagnostic::bug(
                kids.parent,
                "a line without a statement",
            )]);
        };
        self.statement(stmt).map_err(|d| vec![d])
    }

    fn statement(&self, pair: Pair<Rule>) -> Result<Stmt> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::policy_decl => {
                let name = self.text(self.kids(pair).expect(Rule::text)?)?;
                Stmt::Policy(PolicyHeader {
                    name,
                    settings: Vec::new(),
                    span,
                })
            }
            Rule::setting => Stmt::Setting(self.setting(pair)?),
            Rule::units_decl => {
                let units = self.name_list(self.kids(pair).expect(Rule::name_list)?)?;
                Stmt::Units(UnitsDecl { units, span })
            }
            Rule::assessors_decl => {
                let units = self.name_list(self.kids(pair).expect(Rule::name_list)?)?;
                Stmt::Assessors(UnitsDecl { units, span })
            }
            Rule::fact_decl => Stmt::Fact(self.fact(pair)?),
            Rule::calendar_decl => Stmt::Calendar(span),
            Rule::holidays_decl => Stmt::Holidays(
                self.date_list(self.kids(pair).expect(Rule::date_list)?)?,
                span,
            ),
            Rule::workdays_decl => Stmt::Workdays(
                self.date_list(self.kids(pair).expect(Rule::date_list)?)?,
                span,
            ),
            Rule::section_decl => Stmt::Section(self.section(pair)?),
            Rule::item_decl => Stmt::Item(self.item(pair)?),
            Rule::responsible_decl => {
                Stmt::Responsible(self.responsible(self.kids(pair).expect(Rule::responsible)?)?)
            }
            Rule::rule_decl => Stmt::Rule(self.rule(pair)?),
            Rule::group_decl => Stmt::Group(self.group(pair)?),
            Rule::grade_decl => Stmt::Grade(self.grade(pair)?),
            Rule::veto_decl => Stmt::Veto(self.veto(pair)?),
            Rule::prize_decl => Stmt::Prize(self.prize(pair)?),
            _ => return self.unexpected(&pair),
        })
    }

    fn setting(&self, pair: Pair<Rule>) -> Result<Setting> {
        let span = self.span(&pair);
        let Some(inner) = self.kids(pair).next() else {
            return Err(Diagnostic::bug(span, "empty setting"));
        };
        let kind = match inner.as_rule() {
            Rule::year => SettingKind::Year(self.integer(self.kids(inner).expect(Rule::integer)?)?),
            Rule::total => SettingKind::Total(self.amount(self.kids(inner).expect(Rule::amount)?)?),
            Rule::bonus_total => {
                SettingKind::Bonus(self.amount(self.kids(inner).expect(Rule::amount)?)?)
            }
            _ => return self.unexpected(&inner),
        };
        Ok(Setting { kind, span })
    }

    fn fact(&self, pair: Pair<Rule>) -> Result<FactDecl> {
        let span = self.span(&pair);
        let mut kids = self.kids(pair);
        let name = self.ident(kids.expect(Rule::ident)?);
        let shape = self.shape(kids.expect(Rule::shape)?)?;
        let fields = match kids.take(Rule::field_list) {
            Some(list) => self
                .kids(list)
                .pairs
                .map(|f| self.field(f))
                .collect::<Result<_>>()?,
            None => Vec::new(),
        };
        let description = kids.take(Rule::text).map(|t| self.text(t)).transpose()?;
        Ok(FactDecl {
            name,
            shape,
            fields,
            description,
            span,
        })
    }

    fn shape(&self, pair: Pair<Rule>) -> Result<Shape> {
        let span = self.span(&pair);
        let Some(inner) = self.kids(pair).next() else {
            return Err(Diagnostic::bug(span, "empty shape"));
        };
        let kind = match inner.as_rule() {
            Rule::shape_event => ShapeKind::Event,
            Rule::shape_flag => ShapeKind::Flag,
            Rule::shape_measure => {
                let kind = self.kids(inner).expect(Rule::measure_kind)?;
                let word = first_inner_rule(&kind);
                ShapeKind::Measure(match word {
                    Some(Rule::k_count) => MeasureKind::Count,
                    Some(Rule::k_number) => MeasureKind::Number,
                    Some(Rule::k_percent) => MeasureKind::Percent,
                    Some(Rule::k_points) => MeasureKind::Points,
                    _ => return self.unexpected(&kind),
                })
            }
            Rule::shape_points => {
                let mut kids = self.kids(inner);
                let from = self.number(kids.expect(Rule::number)?)?;
                let to = self.number(kids.expect(Rule::number)?)?;
                ShapeKind::Points { from, to }
            }
            _ => return self.unexpected(&inner),
        };
        Ok(Shape { kind, span })
    }

    fn field(&self, pair: Pair<Rule>) -> Result<FieldDecl> {
        let span = self.span(&pair);
        let mut kids = self.kids(pair);
        let name = canonical_field(self.ident(kids.expect(Rule::ident)?));
        let kind = if let Some(set) = kids.take(Rule::field_set) {
            FieldKind::Set(self.set(self.kids(set).expect(Rule::set)?)?)
        } else if let Some(ty) = kids.take(Rule::field_type) {
            FieldKind::Typed(match first_inner_rule(&ty) {
                Some(Rule::k_date) => FieldType::Date,
                Some(Rule::k_number) => FieldType::Number,
                Some(Rule::k_count) => FieldType::Count,
                Some(Rule::k_percent) => FieldType::Percent,
                Some(Rule::k_points) => FieldType::Points,
                Some(Rule::k_text) => FieldType::Text,
                _ => return self.unexpected(&ty),
            })
        } else {
            FieldKind::Plain
        };
        Ok(FieldDecl { name, kind, span })
    }

    fn date_list(&self, pair: Pair<Rule>) -> Result<Vec<DateRange>> {
        self.kids(pair)
            .pairs
            .map(|range| {
                let span = self.span(&range);
                let mut kids = self.kids(range);
                let from = self.date(kids.expect(Rule::date)?)?;
                let to = match kids.take(Rule::date) {
                    Some(d) => self.date(d)?,
                    None => from.clone(),
                };
                Ok(DateRange { from, to, span })
            })
            .collect()
    }

    fn section(&self, pair: Pair<Rule>) -> Result<Section> {
        let span = self.span(&pair);
        let bonus = matches!(
            first_inner_rule(&pair),
            Some(Rule::k_bonus | Rule::k_bonus_section)
        );
        let mut kids = self.kids(pair);
        let name = self.text(kids.expect(Rule::text)?)?;
        let worth = kids.take(Rule::worth).map(|w| self.worth(w)).transpose()?;
        let responsible = kids
            .take(Rule::responsible)
            .map(|r| self.responsible(r))
            .transpose()?;
        Ok(Section {
            bonus,
            name,
            worth,
            responsible,
            items: Vec::new(),
            rules: Vec::new(),
            groups: Vec::new(),
            span,
        })
    }

    fn item(&self, pair: Pair<Rule>) -> Result<Item> {
        let span = self.span(&pair);
        let mut kids = self.kids(pair);
        let name = self.text(kids.expect(Rule::text)?)?;
        let worth = kids.take(Rule::worth).map(|w| self.worth(w)).transpose()?;
        let responsible = kids
            .take(Rule::responsible)
            .map(|r| self.responsible(r))
            .transpose()?;
        Ok(Item {
            name,
            worth,
            responsible,
            rules: Vec::new(),
            groups: Vec::new(),
            span,
        })
    }

    fn worth(&self, pair: Pair<Rule>) -> Result<Number> {
        self.amount(self.kids(pair).expect(Rule::amount)?)
    }

    fn responsible(&self, pair: Pair<Rule>) -> Result<Responsible> {
        let span = self.span(&pair);
        let units = self.name_list(self.kids(pair).expect(Rule::name_list)?)?;
        Ok(Responsible { units, span })
    }

    fn rule(&self, pair: Pair<Rule>) -> Result<ast::Rule> {
        let span = self.span(&pair);
        let mut kids = self.kids(pair);
        let Some(first) = kids.next() else {
            return Err(Diagnostic::bug(span, "an empty rule"));
        };
        let (verb, body) = if first.as_rule() == Rule::verb {
            let verb = match first_inner_rule(&first) {
                Some(Rule::k_deduct) => Verb::Deduct,
                Some(Rule::k_award) => Verb::Award,
                _ => return self.unexpected(&first),
            };
            let Some(body_pair) = kids.next() else {
                return Err(Diagnostic::bug(span, "a rule without a body"));
            };
            let body = match body_pair.as_rule() {
                Rule::table_rule => self.table(body_pair)?,
                Rule::amount_rule => self.amount_rule(body_pair)?,
                Rule::discretionary_rule => RuleBody::Discretionary {
                    fact: self.ident(self.kids(body_pair).expect(Rule::ident)?),
                },
                _ => return self.unexpected(&body_pair),
            };
            (verb, body)
        } else {
            self.zh_rule(first)?
        };
        let mut rule = ast::Rule {
            verb,
            body,
            cap: None,
            once_per: None,
            otherwise: None,
            only_if: None,
            group: None,
            responsible: None,
            span,
        };
        let mut seen: Vec<(&str, Span)> = Vec::new();
        for m in kids.pairs {
            let m_span = self.span(&m);
            let word = match m.as_rule() {
                Rule::cap => "cap",
                Rule::once_per => "once per",
                Rule::otherwise => "otherwise",
                Rule::only_if => "only if",
                Rule::responsible => "responsible:",
                _ => return self.unexpected(&m),
            };
            if let Some((_, first)) = seen.iter().find(|(w, _)| *w == word) {
                return Err(Diagnostic::error(
                    Code::DuplicateClause,
                    format!("`{word}` given twice in one rule"),
                )
                .with_label(m_span, "given again here")
                .with_label(*first, "first given here")
                .with_help(format!("keep one `{word}`"))
                .zh(
                    format!("一条规则中 `{}` 出现了两次", zh_clause(word)),
                    &["再次出现", "首次出现"],
                    Some("请只保留一个"),
                ));
            }
            seen.push((word, m_span));
            match m.as_rule() {
                Rule::cap => rule.cap = Some(self.amount(self.kids(m).expect(Rule::amount)?)?),
                Rule::once_per => {
                    rule.once_per = Some(self.ident(self.kids(m).expect(Rule::ident)?))
                }
                Rule::otherwise => {
                    let mut kids = self.kids(m);
                    kids.take(Rule::zh_verb);
                    rule.otherwise = Some(self.amount(kids.expect(Rule::amount)?)?);
                }
                Rule::only_if => {
                    rule.only_if = Some(self.top_condition(self.kids(m).expect(Rule::condition)?)?)
                }
                _ => rule.responsible = Some(self.responsible(m)?),
            }
        }
        Ok(rule)
    }

    fn table(&self, pair: Pair<Rule>) -> Result<RuleBody> {
        let mut kids = self.kids(pair);
        let first = self.ident(kids.expect(Rule::ident)?);
        let (field, fact) = match kids.take(Rule::ident) {
            Some(fact) => (Some(first), self.ident(fact)),
            None => (None, first),
        };
        let entries = kids.pairs.map(|e| self.entry(e)).collect::<Result<_>>()?;
        Ok(RuleBody::Table {
            field,
            fact,
            entries,
        })
    }

    fn entry(&self, pair: Pair<Rule>) -> Result<TableEntry> {
        let span = self.span(&pair);
        let mut kids = self.kids(pair);
        let key = match kids.next() {
            Some(b) if b.as_rule() == Rule::bracket => EntryKey::Bracket(self.bracket(b)?),
            Some(n) if n.as_rule() == Rule::name => EntryKey::Value(self.name(n)?),
            Some(other) => return self.unexpected(&other),
            None => return Err(Diagnostic::bug(span, "an empty table entry")),
        };
        let amount = self.amount(kids.expect(Rule::amount)?)?;
        Ok(TableEntry { key, amount, span })
    }

    fn bracket(&self, pair: Pair<Rule>) -> Result<Bracket> {
        let span = self.span(&pair);
        let Some(inner) = self.kids(pair).next() else {
            return Err(Diagnostic::bug(span, "an empty bracket"));
        };
        let rule = inner.as_rule();
        let mut kids = self.kids(inner);
        let n = self.number(kids.expect(Rule::number)?)?;
        let kind = match rule {
            Rule::at_least => BracketKind::AtLeast(n),
            Rule::at_most => BracketKind::AtMost(n),
            Rule::range => BracketKind::Range(n, self.number(kids.expect(Rule::number)?)?),
            Rule::below => BracketKind::Below(n),
            Rule::above => BracketKind::Above(n),
            _ => {
                return Err(Diagnostic::bug(
                    span,
                    format!("unexpected bracket {rule:?}"),
                ))
            }
        };
        Ok(Bracket { kind, span })
    }

    fn amount_rule(&self, pair: Pair<Rule>) -> Result<RuleBody> {
        let span = self.span(&pair);
        let mut kids = self.kids(pair);
        let amount = self.amount(kids.expect(Rule::amount)?)?;
        let Some(tail) = kids.next() else {
            return Err(Diagnostic::bug(span, "an amount without a source"));
        };
        let rule = tail.as_rule();
        let mut kids = self.kids(tail);
        Ok(match rule {
            Rule::missing_tail => {
                let field = self.ident(kids.expect(Rule::ident)?);
                let fact = self.ident(kids.expect(Rule::ident)?);
                let from = kids.take(Rule::set).map(|s| self.set(s)).transpose()?;
                let filter = kids
                    .take(Rule::filter)
                    .map(|f| self.filter(f))
                    .transpose()?;
                RuleBody::Missing {
                    amount,
                    field,
                    fact,
                    from,
                    filter,
                }
            }
            Rule::per_tail => {
                let mut per = Vec::new();
                while let Some(unit) = kids.take(Rule::per_unit) {
                    per.push(self.per_unit(unit));
                }
                let fact = self.ident(kids.expect(Rule::ident)?);
                let filter = kids
                    .take(Rule::filter)
                    .map(|f| self.filter(f))
                    .transpose()?;
                RuleBody::Per {
                    amount,
                    per,
                    fact,
                    filter,
                }
            }
            Rule::times_tail => RuleBody::Times {
                amount,
                fact: self.ident(kids.expect(Rule::ident)?),
            },
            Rule::when_tail | Rule::unless_tail => RuleBody::Conditional {
                amount,
                unless: rule == Rule::unless_tail,
                condition: self.top_condition(kids.expect(Rule::condition)?)?,
            },
            _ => {
                return Err(Diagnostic::bug(
                    span,
                    format!("unexpected rule tail {rule:?}"),
                ))
            }
        })
    }

    fn per_unit(&self, pair: Pair<Rule>) -> PerUnit {
        let span = self.span(&pair);
        match pair.clone().into_inner().next() {
            Some(p) if p.as_rule() == Rule::k_person => PerUnit::Person(span),
            Some(p) if p.as_rule() == Rule::k_day => PerUnit::Day(span),
            Some(p) if p.as_rule() == Rule::k_occurrence => PerUnit::Occurrence(span, None),
            Some(p) => PerUnit::Key(self.ident(p)),
            None => PerUnit::Key(Ident {
                name: pair.as_str().to_string(),
                span,
            }),
        }
    }

    fn filter(&self, pair: Pair<Rule>) -> Result<Condition> {
        self.top_condition(self.kids(pair).expect(Rule::condition)?)
    }

    /// A whole condition; one too large to be a person's is refused before
    /// the recursive stages see it (and run out of stack).
    pub(super) fn top_condition(&self, pair: Pair<Rule>) -> Result<Condition> {
        const MAX_OPERATORS: usize = 64;
        let operators = pair
            .clone()
            .into_inner()
            .flatten()
            .filter(|p| {
                matches!(
                    p.as_rule(),
                    Rule::cond_and | Rule::cond_or | Rule::cond_not | Rule::open_paren
                )
            })
            .count();
        if operators > MAX_OPERATORS {
            return Err(Diagnostic::error(
                Code::Syntax,
                format!("a condition with {operators} operators is too complex (at most {MAX_OPERATORS})"),
            )
            .with_label(self.span(&pair), "this condition")
            .with_help("split it into several rules"));
        }
        self.condition(pair)
    }

    fn condition(&self, pair: Pair<Rule>) -> Result<Condition> {
        static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
        let pratt = PRATT.get_or_init(|| {
            PrattParser::new()
                .op(Op::infix(Rule::cond_or, Assoc::Left))
                .op(Op::infix(Rule::cond_and, Assoc::Left))
                .op(Op::prefix(Rule::cond_not))
        });
        pratt
            .map_primary(|p| self.condition_atom(p))
            .map_prefix(|op, rhs| {
                let rhs = rhs?;
                let span = self.span(&op).to(rhs.span);
                Ok(Condition {
                    kind: ConditionKind::Not(Box::new(rhs)),
                    span,
                })
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, rhs) = (lhs?, rhs?);
                let span = lhs.span.to(rhs.span);
                let kind = match op.as_rule() {
                    Rule::cond_and => ConditionKind::And(Box::new(lhs), Box::new(rhs)),
                    _ => ConditionKind::Or(Box::new(lhs), Box::new(rhs)),
                };
                Ok(Condition { kind, span })
            })
            // INVARIANT: with tokens filtered out, `condition` alternates operators
            // and atoms as the grammar guarantees; pest's Pratt parser panics otherwise.
            .parse(pair.into_inner().filter(|p| !is_keyword(p.as_rule())))
    }

    fn condition_atom(&self, pair: Pair<Rule>) -> Result<Condition> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        if rule == Rule::condition {
            return self.condition(pair);
        }
        // `不少于2篇`: the measure word (a token the kids skip) stays with its number.
        let measure = pair
            .clone()
            .into_inner()
            .find(|p| p.as_rule() == Rule::zh_measure)
            .map(|p| p.as_str().to_string());
        let mut kids = self.kids(pair.clone());
        let kind = match rule {
            Rule::at_least_fact => self.at_least_fact(kids.pairs, span)?,
            Rule::each_month => {
                // `each month has at least 4 info_report` / `每月 info_report 不少于4篇`
                let (mut at_least, mut fact) = (None, None);
                for kid in kids.pairs {
                    match kid.as_rule() {
                        Rule::number => at_least = Some(self.number(kid)?),
                        Rule::ident => fact = Some(self.ident(kid)),
                        _ => {}
                    }
                }
                match (at_least, fact) {
                    (Some(mut at_least), Some(fact)) => {
                        at_least.measure = measure;
                        ConditionKind::EachMonth { at_least, fact }
                    }
                    _ => {
                        return Err(Diagnostic::bug(
                            span,
                            "`each month` without its number or fact",
                        ))
                    }
                }
            }
            Rule::membership => {
                let operand = self.operand(kids.expect(Rule::operand)?)?;
                let negated = kids.take(Rule::negation).is_some();
                let set = self.set(kids.expect(Rule::set)?)?;
                ConditionKind::In {
                    operand,
                    negated,
                    set,
                }
            }
            Rule::comparison => {
                let left = self.operand(kids.expect(Rule::operand)?)?;
                let op_pair = kids.expect(Rule::cmp_op)?;
                // `不少于2` counts, as `at least 2 article` does.
                let worded = matches!(op_pair.as_str(), "不少于" | "少于" | "多于" | "不多于");
                let op = match op_pair.as_str() {
                    "<" | "＜" | "低于" | "不足" | "少于" | "早于" | "小于" | "未达到" | "未达"
                    | "不到" => CompareOp::Lt,
                    "<=" | "≤" | "不超过" | "不高于" | "不多于" | "小于等于" | "不大于" => {
                        CompareOp::Le
                    }
                    ">" | "＞" | "高于" | "超过" | "多于" | "晚于" | "大于" => {
                        CompareOp::Gt
                    }
                    ">=" | "≥" | "不低于" | "不少于" | "达到" | "达" | "大于等于" | "不小于" => {
                        CompareOp::Ge
                    }
                    "=" | "==" | "＝" | "等于" | "为" => CompareOp::Eq,
                    "!=" | "≠" | "不等于" | "不为" => CompareOp::Ne,
                    _ => return self.unexpected(&op_pair),
                };
                let mut right = self.operand(kids.expect(Rule::operand)?)?;
                if let OperandKind::Number(n) = &mut right.kind {
                    n.measure = measure;
                }
                ConditionKind::Compare {
                    left,
                    op,
                    right,
                    worded,
                }
            }
            Rule::flag_ref => ConditionKind::Name(self.ident(kids.expect(Rule::ident)?)),
            _ => return self.unexpected(&pair),
        };
        Ok(Condition { kind, span })
    }

    fn operand(&self, pair: Pair<Rule>) -> Result<Operand> {
        let span = self.span(&pair);
        let mut kids = self.kids(pair);
        let Some(value) = kids.next() else {
            return Err(Diagnostic::bug(span, "an empty operand"));
        };
        let value_span = self.span(&value);
        let kind = match value.as_rule() {
            Rule::date => OperandKind::Date(self.date(value)?),
            Rule::number => OperandKind::Number(self.number(value)?),
            Rule::ident => {
                let ident = self.ident(value);
                // `低于百分之八十`: a number in words reads as a name; say what it is.
                if let Some(reading) = super::error_zh::numeral_name(self, &ident) {
                    return Err(reading.diagnostic());
                }
                OperandKind::Name(canonical_field(ident))
            }
            _ => return self.unexpected(&value),
        };
        // `+ 5 workdays`, `- 5 days`, or `后5个工作日` (after: plus).
        let Some(sign) = kids
            .take(Rule::shift_op)
            .or_else(|| kids.take(Rule::zh_after))
        else {
            return Ok(Operand { kind, span });
        };
        let mut by = self.number(kids.expect(Rule::number)?)?;
        if sign.as_str() == "-" {
            by.value = -by.value;
        }
        let unit_pair = kids.expect(Rule::duration)?;
        let unit = match first_inner_rule(&unit_pair) {
            Some(Rule::k_workdays | Rule::zh_workdays) => DurationUnit::Workdays,
            Some(Rule::k_days | Rule::zh_days) => DurationUnit::Days,
            _ => return self.unexpected(&unit_pair),
        };
        let base = Box::new(Operand {
            kind,
            span: value_span,
        });
        Ok(Operand {
            kind: OperandKind::Shifted { base, by, unit },
            span,
        })
    }
}

/// A clause's Chinese words, for messages about Chinese lines.
fn zh_clause(word: &str) -> &str {
    match word {
        "cap" => "最多扣 / 最高得",
        "once per" => "同一 … 不累计",
        "otherwise" => "否则",
        "only if" => "仅当",
        "responsible:" => "考核部门：",
        other => other,
    }
}

/// Length of `text` up to the end of its last character of code (not blank, not in a comment).
fn code_len(text: &str) -> usize {
    let mut end = 0;
    let mut closing: Option<char> = None;
    let mut in_comment = false;
    for (i, c) in text.char_indices() {
        if in_comment {
            in_comment = c != '\n';
            continue;
        }
        match closing {
            Some(close) if c == close => closing = None,
            Some(_) => {}
            None => match c {
                '#' => {
                    in_comment = true;
                    continue;
                }
                '"' => closing = Some('"'),
                '“' => closing = Some('”'),
                '「' => closing = Some('」'),
                _ => {}
            },
        }
        if !c.is_whitespace() {
            end = i + c.len_utf8();
        }
    }
    end
}

/// The rule of a pair's first child that is not punctuation, keywords
/// included: for rules whose meaning is the keyword chosen.
fn first_inner_rule(pair: &Pair<Rule>) -> Option<Rule> {
    use Rule::*;
    pair.clone().into_inner().map(|p| p.as_rule()).find(|r| {
        !matches!(
            r,
            comma | colon | open_brace | close_brace | open_paren | close_paren
        )
    })
}
