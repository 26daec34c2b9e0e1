//! Part of the check stage: rules, with their amounts, `per` counting, caps and keys.

use std::rc::Rc;

use rust_decimal::Decimal;

use super::conditions::Ctx;
use super::scope::{suggest, Dim, FactInfo};
use super::Checker;
use crate::ast::{self, Number, PerUnit, RuleBody, Verb};
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{self, Per};
use crate::span::Span;

/// The worth a rule's points count against (its item's, else its section's), with its span.
pub(super) type Worth = Option<(Decimal, Span)>;

impl<'a> Checker<'a> {
    /// Checks a rule and compiles it; `None` when it has errors (already reported).
    pub(super) fn rule(&mut self, rule: &ast::Rule, worth: Worth) -> Option<ir::Rule> {
        let reported = self.diags.iter().filter(|d| d.is_error()).count();
        let kind = self.rule_kind(rule, worth);
        if let (Some(other), false) = (
            &rule.otherwise,
            matches!(rule.body, RuleBody::Conditional { .. }),
        ) {
            self.diags.push(
                Diagnostic::error(
                    Code::StrayOtherwise,
                    "`otherwise` needs a `when` or `unless` condition",
                )
                .with_label(other.span, "nothing to be otherwise to")
                .with_help("use `otherwise` only as in `award 2 when rate >= 80%, otherwise 1`")
                .zh(
                    "`否则` 只能用于有条件的规则",
                    &["没有可“否则”的条件"],
                    Some("写作 `rate 达 80% 以上 的，得2分，否则得1分`"),
                ),
            );
        }
        let cap = rule.cap.as_ref().map(|c| self.cap(c, worth));
        let once_per = rule
            .once_per
            .as_ref()
            .and_then(|k| self.once_per(k, &rule.body));
        let responsible = self.responsible(rule.responsible.as_ref());
        let only_if = rule
            .only_if
            .as_ref()
            .map(|c| self.condition(c, super::conditions::Ctx::Unit));
        let errors = self.diags.iter().filter(|d| d.is_error()).count();
        if errors > reported {
            return None;
        }
        Some(ir::Rule {
            verb: match rule.verb {
                Verb::Deduct => ir::Verb::Deduct,
                Verb::Award => ir::Verb::Award,
            },
            kind: kind?,
            cap: cap.flatten(),
            once_per,
            only_if: only_if.flatten(),
            group: rule.group,
            responsible,
            span: rule.span,
            clause: self.clause(rule.span),
        })
    }

    fn rule_kind(&mut self, rule: &ast::Rule, worth: Worth) -> Option<ir::RuleKind> {
        match &rule.body {
            RuleBody::Conditional {
                amount,
                unless,
                condition,
            } => {
                let amount = self.amount(amount, worth);
                let otherwise = rule.otherwise.as_ref().map(|o| self.table_amount(o, worth));
                let condition = self.condition(condition, Ctx::Unit)?;
                let condition = if *unless {
                    ir::Cond::Not(Box::new(condition))
                } else {
                    condition
                };
                Some(ir::RuleKind::When {
                    amount: amount?,
                    otherwise: otherwise.flatten(),
                    condition,
                })
            }
            RuleBody::Per {
                amount,
                per,
                fact,
                filter,
            } => {
                let rate = self.amount(amount, worth);
                let info = self.lookup(fact)?;
                let per = self.per(per, &info);
                let filter = match filter {
                    Some(f) => Some(self.condition(f, Ctx::Row(&info))?),
                    None => None,
                };
                Some(ir::RuleKind::Count {
                    rate: rate?,
                    fact: fact.name.clone(),
                    per: per?,
                    filter,
                })
            }
            RuleBody::Missing {
                amount,
                field,
                fact,
                from,
                filter,
            } => {
                let rate = self.amount(amount, worth);
                let info = self.lookup(fact)?;
                let values = match info.field(&field.name) {
                    Some(Dim::Set(values)) => values,
                    Some(dim) => {
                        self.diags.push(
                            Diagnostic::error(
                                Code::TableKind,
                                format!(
                                    "`per missing {}` needs a field with a closed set of kinds",
                                    field.name
                                ),
                            )
                            .with_label(field.span, format!("this field holds {}", dim.describe()))
                            .with_help(format!("declare it as `{} in {{a, b, …}}`", field.name)),
                        );
                        return None;
                    }
                    None => {
                        self.diags.push(self.no_field(&info, field, &[]));
                        return None;
                    }
                };
                let required = match from {
                    Some(list) => {
                        for v in list {
                            self.check_value(v, &values, &info, &field.name);
                        }
                        super::scope::distinct_names(list, "kind", &field.name, &mut self.diags)
                    }
                    None => values,
                };
                let filter = match filter {
                    Some(f) => Some(self.condition(f, Ctx::Row(&info))?),
                    None => None,
                };
                Some(ir::RuleKind::Missing {
                    rate: rate?,
                    fact: fact.name.clone(),
                    field: field.name.clone(),
                    required,
                    filter,
                })
            }
            RuleBody::Times { amount, fact } => {
                let factor = self.amount(amount, None);
                let info = self.lookup(fact)?;
                let fits = matches!(
                    info.ir.shape,
                    ir::Shape::Measure(ir::NumberKind::Points | ir::NumberKind::Number)
                );
                if !fits {
                    self.diags.push(
                        Diagnostic::error(
                            Code::WrongShape,
                            format!(
                                "`{} times {}` needs a measure of points or a number",
                                amount.value, fact.name
                            ),
                        )
                        .with_label(
                            fact.span,
                            format!("`{}` is {}", fact.name, describe_shape(&info)),
                        )
                        .with_label(info.decl.shape.span, "declared here")
                        .with_help(format!(
                            "declare it as `fact {}: measure points`",
                            fact.name
                        ))
                        .zh(
                            format!("`按 {} 的{}倍` 需要分值或数值指标", fact.name, amount.value),
                            &[
                                &format!("`{}` 是{}", fact.name, shape_zh(&info)),
                                "在此声明",
                            ],
                            Some(&format!("请声明为 `事实 {}：指标 分值`", fact.name)),
                        ),
                    );
                    return None;
                }
                Some(ir::RuleKind::Times {
                    factor: factor?,
                    fact: fact.name.clone(),
                })
            }
            RuleBody::Table {
                field,
                fact,
                entries,
            } => self.table(field.as_ref(), fact, entries, worth),
            RuleBody::Discretionary { fact } => {
                let info = self.lookup(fact)?;
                let ir::Shape::Points { to, .. } = info.ir.shape else {
                    self.diags.push(
                        Diagnostic::error(
                            Code::WrongShape,
                            format!("`{}` alone needs a discretionary `points from … to …` fact", fact.name),
                        )
                        .with_label(fact.span, format!("`{}` is {}", fact.name, describe_shape(&info)))
                        .with_label(info.decl.shape.span, "declared here")
                        .with_help("give an amount, e.g. `deduct 1 when …` or `deduct 0.5 per occurrence of …`")
                        .zh(
                            format!("只有 `酌情分` 事实才能单独写作 `{} 酌情扣分`", fact.name),
                            &[&format!("`{}` 是{}", fact.name, shape_zh(&info)), "在此声明"],
                            Some("请写出分值，如 `… 的，扣1分` 或 `… 每次扣0.5分`"),
                        ),
                    );
                    return None;
                };
                if let Some((w, w_span)) = worth {
                    if to > w {
                        self.diags.push(
                            Diagnostic::error(
                                Code::RangeExceedsWorth,
                                format!("`{}` can reach {to} points, more than the worth of {w} it counts against", fact.name),
                            )
                            .with_label(fact.span, "used here")
                            .with_label(info.decl.shape.span, format!("up to {to}"))
                            .with_label(w_span, format!("worth {w}"))
                            .with_help(format!("narrow the range to at most {w}, or raise the worth"))
                            .zh(
                                format!("`{}` 最多可达 {to} 分，超过了所计入的分值 {w}", fact.name),
                                &["在此使用", &format!("最多 {to}"), &format!("分值 {w}")],
                                Some(&format!("请把范围缩小到不超过 {w}，或提高分值")),
                            ),
                        );
                    }
                }
                Some(ir::RuleKind::Discretionary {
                    fact: fact.name.clone(),
                })
            }
        }
    }

    pub(super) fn lookup(&mut self, fact: &ast::Ident) -> Option<Rc<FactInfo<'a>>> {
        self.scope.fact(fact).map_err(|d| self.diags.push(d)).ok()
    }

    fn per(&mut self, per: &[PerUnit], info: &FactInfo) -> Option<Vec<Per>> {
        let mut out: Vec<(Per, Span)> = Vec::new();
        let mut ok = true;
        for p in per {
            let (compiled, span) = match p {
                PerUnit::Person(span) => (
                    self.needs_field(info, "persons", *span)
                        .then_some(Per::Person),
                    *span,
                ),
                PerUnit::Day(span) => (
                    self.needs_field(info, "days", *span).then_some(Per::Day),
                    *span,
                ),
                PerUnit::Occurrence(span, _) => {
                    if info.ir.shape != ir::Shape::Event {
                        self.diags.push(
                            Diagnostic::error(
                                Code::WrongShape,
                                format!(
                                    "`per occurrence` counts events, but `{}` is {}",
                                    info.name(),
                                    describe_shape(info)
                                ),
                            )
                            .with_label(*span, "counts occurrences")
                            .with_label(info.decl.shape.span, "declared here")
                            .zh(
                                format!(
                                    "`每次` 计的是事件，但 `{}` 是{}",
                                    info.name(),
                                    shape_zh(info)
                                ),
                                &["按次计数", "在此声明"],
                                None,
                            ),
                        );
                        (None, *span)
                    } else {
                        (Some(Per::Occurrence), *span)
                    }
                }
                PerUnit::Key(k) => match info.field(&k.name) {
                    Some(Dim::Set(_) | Dim::Text | Dim::Date) => {
                        (Some(Per::Distinct(k.name.clone())), k.span)
                    }
                    Some(dim) => {
                        self.diags.push(
                            Diagnostic::error(Code::BadPer, format!("`per {}` would count distinct numbers", k.name))
                                .with_label(k.span, format!("`{}` holds {}", k.name, dim.describe()))
                                .with_help("count per a key such as `case` or `project`, or per `person`, `day` or `occurrence`")
                                .zh(
                                    format!("`每个 {}` 会按不同的数值计数", k.name),
                                    &[&format!("`{}` 是{}", k.name, dim.describe_zh())],
                                    Some("请按 `case`、`project` 这样的键计数，或按 `每人`、`每天`、`每次`"),
                                ),
                        );
                        (None, k.span)
                    }
                    None => {
                        self.diags
                            .push(self.no_field(info, k, &["person", "day", "occurrence"]));
                        (None, k.span)
                    }
                },
            };
            match compiled {
                Some(c) => {
                    if let Some((_, first)) = out.iter().find(|(o, _)| *o == c) {
                        self.diags.push(
                            Diagnostic::error(Code::BadPer, "the same `per` is given twice")
                                .with_label(span, "given again here")
                                .with_label(*first, "first given here")
                                .zh("同一个 `每…` 写了两次", &["再次出现", "首次出现"], None),
                        );
                        ok = false;
                    }
                    out.push((c, span));
                }
                None => ok = false,
            }
        }
        let distinct = out.iter().find(|(p, _)| matches!(p, Per::Distinct(_)));
        if let (Some((Per::Distinct(k), span)), true) = (distinct, out.len() > 1) {
            self.diags.push(
                Diagnostic::error(Code::BadPer, format!("`per {k}` counts each `{k}` once and cannot be combined with another `per`"))
                    .with_label(*span, "counts distinct values")
                    .with_help(format!("write `per {k}` alone, or count rows with `per occurrence`"))
                    .zh(
                        format!("`每个 {k}` 对每个 `{k}` 只计一次，不能与其他 `每…` 同用"),
                        &["按不同值计数"],
                        Some(&format!("请单独写 `每个 {k}`，或用 `每次` 按行计数")),
                    ),
            );
            ok = false;
        }
        ok.then(|| out.into_iter().map(|(p, _)| p).collect())
    }

    /// Reports `per person` / `per day` on a fact without that field.
    fn needs_field(&mut self, info: &FactInfo, field: &str, span: Span) -> bool {
        if info.ir.fields.iter().any(|f| f.name == field) {
            return true;
        }
        let word = if field == "persons" { "person" } else { "day" };
        self.diags.push(
            Diagnostic::error(
                Code::UnknownField,
                format!(
                    "`per {word}` needs a `{field}` field, but `{}` has none",
                    info.name()
                ),
            )
            .with_label(span, format!("counts {field}"))
            .with_label(info.decl.span, "declared without it")
            .with_help(format!(
                "declare it: `fact {}: event with {field}`",
                info.name()
            ))
            .zh(
                format!(
                    "`{}` 需要 `{}` 字段，但 `{}` 没有",
                    if field == "persons" {
                        "每人"
                    } else {
                        "每天"
                    },
                    if field == "persons" {
                        "人数"
                    } else {
                        "天数"
                    },
                    info.name()
                ),
                &[
                    &format!(
                        "按{}计",
                        if field == "persons" {
                            "人数"
                        } else {
                            "天数"
                        }
                    ),
                    "声明中没有此字段",
                ],
                Some(&format!(
                    "请声明：`事实 {}：事件，含{}`",
                    info.name(),
                    if field == "persons" {
                        "人数"
                    } else {
                        "天数"
                    }
                )),
            ),
        );
        false
    }

    /// "fact `x` has no field `y`", with a suggestion among its fields and `extra` words.
    pub(super) fn no_field(
        &self,
        info: &FactInfo,
        field: &ast::Ident,
        extra: &[&str],
    ) -> Diagnostic {
        let names = info.field_names();
        let mut d = Diagnostic::error(
            Code::UnknownField,
            format!("fact `{}` has no field `{}`", info.name(), field.name),
        )
        .with_label(field.span, "no such field")
        .with_label(info.decl.span, "declared here");
        d = match suggest(
            &field.name,
            names.iter().copied().chain(extra.iter().copied()),
        ) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!(
                "`{}` has the fields {}",
                info.name(),
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        let zh_help = match suggest(
            &field.name,
            names.iter().copied().chain(extra.iter().copied()),
        ) {
            Some(s) => format!("是否想写 `{s}`？"),
            None => format!(
                "`{}` 的字段有 {}",
                info.name(),
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        };
        d.zh(
            format!("事实 `{}` 没有字段 `{}`", info.name(), field.name),
            &["没有这个字段", "在此声明"],
            Some(&zh_help),
        )
    }

    /// A rule's amount: positive points; warns when it alone exceeds the worth.
    fn amount(&mut self, n: &Number, worth: Worth) -> Option<Decimal> {
        if n.percent {
            self.diags.push(
                Diagnostic::error(
                    Code::DimensionMismatch,
                    "an amount is points, not a percent",
                )
                .with_label(n.span, "written as a percent")
                .with_help(format!("write the points without `%`, e.g. `{}`", n.value))
                .zh(
                    "分值是分，不是百分比",
                    &["写成了百分比"],
                    Some(&format!("请去掉 `%`，如 `{}分`", n.value)),
                ),
            );
            return None;
        }
        if n.value <= Decimal::ZERO {
            self.diags.push(
                Diagnostic::error(
                    Code::NonPositive,
                    format!("an amount of `{}` points", n.value),
                )
                .with_label(n.span, "not a positive number of points")
                .with_help(
                    "`deduct` and `award` take positive amounts; the verb gives the direction",
                )
                .zh(
                    format!("分值 `{}` 不是正数", n.value),
                    &["应为正的分值"],
                    Some("`扣` 和 `得` 后写正数，方向由动词决定"),
                ),
            );
            return None;
        }
        self.warn_if_exceeds(n, worth);
        Some(n.value)
    }

    /// A table or `otherwise` amount: zero is allowed, negative is not.
    pub(super) fn table_amount(&mut self, n: &Number, worth: Worth) -> Option<Decimal> {
        if n.value < Decimal::ZERO || n.percent {
            self.diags.push(
                Diagnostic::error(
                    Code::NonPositive,
                    format!(
                        "an amount of `{}{}` points",
                        n.value,
                        if n.percent { "%" } else { "" }
                    ),
                )
                .with_label(n.span, "amounts here are zero or more points")
                .with_help("amounts are points: zero or more, without `%`")
                .zh(
                    format!("分值 `{}` 有误", n.value),
                    &["此处应为零或正的分值"],
                    Some("分值为零或正数，不带 `%`"),
                ),
            );
            return None;
        }
        self.warn_if_exceeds(n, worth);
        Some(n.value)
    }

    fn warn_if_exceeds(&mut self, n: &Number, worth: Worth) {
        if let Some((w, w_span)) = worth {
            // A worth of zero or less is already an error.
            if n.value > w && w > Decimal::ZERO {
                self.diags.push(
                    Diagnostic::warning(
                        Code::AmountExceedsWorth,
                        format!(
                            "an amount of {} is more than the whole worth of {w}",
                            n.value
                        ),
                    )
                    .with_label(n.span, "this amount")
                    .with_label(w_span, "the worth it counts against")
                    .with_help("one occurrence already takes all the points; check the amount")
                    .zh(
                        format!("分值 {} 超过了全部分值 {w}", n.value),
                        &["此分值", "所计入的分值"],
                        Some("一次就会扣完全部分值；请核对分值"),
                    ),
                );
            }
        }
    }

    fn cap(&mut self, c: &Number, worth: Worth) -> Option<Decimal> {
        if c.percent || c.value < Decimal::ZERO {
            self.diags.push(
                Diagnostic::error(
                    Code::NonPositive,
                    "a cap must be a positive number of points",
                )
                .with_label(c.span, "not a positive number of points")
                .zh("封顶分值必须是正数", &["不是正的分值"], None),
            );
            return None;
        }
        if c.value.is_zero() {
            self.diags.push(
                Diagnostic::error(Code::ZeroCap, "a cap of zero: the rule can never count")
                    .with_label(c.span, "cap 0")
                    .with_help("remove the rule, or give the most it may count")
                    .zh(
                        "封顶为零：这条规则永远不计分",
                        &["封顶 0"],
                        Some("请删去这条规则，或写出最多可计的分值"),
                    ),
            );
            return None;
        }
        if let Some((w, w_span)) = worth {
            if c.value > w && w > Decimal::ZERO {
                self.diags.push(
                    Diagnostic::warning(
                        Code::CapNeverBinds,
                        format!("a cap of {} can never bind: the worth is {w}", c.value),
                    )
                    .with_label(c.span, "this cap")
                    .with_label(w_span, "the worth is reached first")
                    .with_help(format!("lower the cap to at most {w}, or remove it"))
                    .zh(
                        format!("封顶 {} 永远用不上：分值只有 {w}", c.value),
                        &["此封顶", "先达到此分值"],
                        Some(&format!("请把封顶降到不超过 {w}，或删去")),
                    ),
                );
            }
        }
        Some(c.value)
    }

    fn once_per(&mut self, key: &ast::Ident, body: &RuleBody) -> Option<String> {
        let fact = match body {
            RuleBody::Per { fact, .. }
            | RuleBody::Missing { fact, .. }
            | RuleBody::Table { fact, .. } => fact,
            _ => {
                self.diags.push(
                    Diagnostic::error(
                        Code::BadPer,
                        "`once per` applies only to rules that count rows",
                    )
                    .with_label(key.span, "nothing to count once")
                    .with_help("use it on `per …` and `by …` rules")
                    .zh(
                        "`不累计` 只用于按行计数的规则",
                        &["没有可只计一次的内容"],
                        Some("请用于 `每…` 和 `按 … 扣分` 规则"),
                    ),
                );
                return None;
            }
        };
        let info = self.scope.fact(fact).ok()?;
        match info.field(&key.name) {
            Some(Dim::Set(_) | Dim::Text) => Some(key.name.clone()),
            Some(dim) => {
                let d = Diagnostic::error(
                    Code::BadPer,
                    format!("`once per {}` needs a key such as `case`", key.name),
                )
                .with_label(key.span, format!("`{}` holds {}", key.name, dim.describe()))
                .zh(
                    format!("`同一 {} 不累计` 需要 `case` 这样的键", key.name),
                    &[&format!("`{}` 是{}", key.name, dim.describe_zh())],
                    None,
                );
                self.diags.push(d);
                None
            }
            None => {
                let d = self.no_field(&info, key, &[]);
                self.diags.push(d);
                None
            }
        }
    }
}

/// The shape of a fact, in a Chinese message.
pub(super) fn shape_zh(info: &FactInfo) -> &'static str {
    match info.ir.shape {
        ir::Shape::Event => "事件",
        ir::Shape::Measure(_) => "指标",
        ir::Shape::Flag => "是否值",
        ir::Shape::Points { .. } => "酌情分",
    }
}

pub(super) fn describe_shape(info: &FactInfo) -> &'static str {
    info.shape_words()
}
