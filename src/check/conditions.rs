//! Part of the check stage: conditions of `when`, `unless` and `where`, typed by dimension.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::scope::{suggest, Dim, FactInfo};
use super::Checker;
use crate::ast::{self, CompareOp, ConditionKind, DurationUnit, OperandKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{self, NumberKind};

/// What names in a condition refer to.
#[derive(Clone, Copy)]
pub(super) enum Ctx<'f, 'a> {
    /// `where`: fields of the fact's row.
    Row(&'f FactInfo<'a>),
    /// `when` / `unless`: facts of the unit.
    Unit,
}

impl<'a> Checker<'a> {
    pub(super) fn condition(&mut self, c: &ast::Condition, ctx: Ctx<'_, 'a>) -> Option<ir::Cond> {
        match &c.kind {
            ConditionKind::And(l, r) | ConditionKind::Or(l, r) => {
                let (l, r) = (self.condition(l, ctx), self.condition(r, ctx));
                let (l, r) = (Box::new(l?), Box::new(r?));
                Some(if matches!(c.kind, ConditionKind::And(..)) {
                    ir::Cond::And(l, r)
                } else {
                    ir::Cond::Or(l, r)
                })
            }
            ConditionKind::Not(inner) => Some(ir::Cond::Not(Box::new(self.condition(inner, ctx)?))),
            ConditionKind::Name(name) => self.bare_name(name, ctx),
            ConditionKind::EachMonth { at_least, fact } => {
                if let Ctx::Row(info) = ctx {
                    self.diags.push(
                        Diagnostic::error(Code::WrongShape, "`each month` is a condition on the unit, not on a row")
                            .with_label(c.span, format!("inside a `where` on `{}`", info.name()))
                            .with_help("use it with `when`, e.g. `award 4 when each month has at least 4 info_report`")
                            .zh("`每月` 是对单位的条件，不是对某一行的", &["写在了 `中 … 的` 里"], Some("写作 `每月 info_report 不少于4篇 的，得4分`")),
                    );
                    return None;
                }
                let info = self.lookup(fact)?;
                if info.ir.shape != ir::Shape::Event {
                    self.diags.push(
                        Diagnostic::error(
                            Code::WrongShape,
                            format!(
                                "`each month` counts events, but `{}` is {}",
                                fact.name,
                                info.shape_words()
                            ),
                        )
                        .with_label(fact.span, "not an event")
                        .with_label(info.decl.shape.span, "declared here")
                        .zh(
                            format!("`每月` 计的是事件，但 `{}` 不是事件", fact.name),
                            &["不是事件", "在此声明"],
                            None,
                        ),
                    );
                    return None;
                }
                if self.scope.year.is_none() {
                    self.diags.push(
                        Diagnostic::error(Code::NoYear, "`each month` needs the policy's `year`")
                            .with_label(c.span, "which twelve months?")
                            .with_help(
                                "add `year 2021` (the assessed year) under the `policy` line",
                            )
                            .zh(
                                "`每月` 需要方案的 `年度`",
                                &["哪十二个月？"],
                                Some("请在 `考核方案` 行下加 `年度 2021`"),
                            ),
                    );
                    return None;
                }
                if at_least.percent
                    || at_least.value < rust_decimal::Decimal::ZERO
                    || !at_least.value.fract().is_zero()
                {
                    self.diags.push(
                        Diagnostic::error(
                            Code::DimensionMismatch,
                            "`at least` takes a whole number of occurrences",
                        )
                        .with_label(at_least.span, "not a whole number")
                        .zh(
                            "`不少于` 之后应为整数次数",
                            &["不是整数"],
                            None,
                        ),
                    );
                    return None;
                }
                Some(ir::Cond::EachMonth {
                    fact: fact.name.clone(),
                    at_least: at_least.value,
                })
            }
            ConditionKind::In {
                operand,
                negated,
                set,
            } => {
                let (expr, dim) = self.operand(operand, ctx)?;
                let values = match dim {
                    Dim::Set(values) => Some(values),
                    Dim::Text => None,
                    Dim::Symbol => {
                        self.report_unresolved(operand, ctx);
                        return None;
                    }
                    other => {
                        self.diags.push(
                            Diagnostic::error(
                                Code::DimensionMismatch,
                                format!("`in {{…}}` tests names, but this is {}", other.describe()),
                            )
                            .with_label(operand.span, other.describe())
                            .with_help("compare numbers and dates with `<`, `<=`, `>`, `>=`, `=`")
                            .zh(
                                format!("`属于 {{…}}` 检验的是名称，但这是{}", other.describe_zh()),
                                &[other.describe_zh()],
                                Some("数字和日期请用 `低于`、`超过`、`不低于` 等比较"),
                            ),
                        );
                        return None;
                    }
                };
                let owner = operand_name(operand);
                if let (Some(values), Ctx::Row(info)) = (&values, ctx) {
                    for v in set {
                        self.check_value(v, values, info, &owner);
                    }
                }
                let names = super::scope::distinct_names(set, "value", &owner, &mut self.diags);
                let cond = ir::Cond::In { expr, set: names };
                Some(if *negated {
                    ir::Cond::Not(Box::new(cond))
                } else {
                    cond
                })
            }
            ConditionKind::Compare {
                left, op, right, ..
            } => self.compare(left, *op, right, ctx),
        }
    }

    fn bare_name(&mut self, name: &ast::Ident, ctx: Ctx<'_, 'a>) -> Option<ir::Cond> {
        match ctx {
            Ctx::Unit => {
                let info = self.lookup(name)?;
                match info.ir.shape {
                    ir::Shape::Flag => Some(ir::Cond::Flag(name.name.clone())),
                    ir::Shape::Event => Some(ir::Cond::Happened(name.name.clone())),
                    _ => {
                        self.diags.push(
                            Diagnostic::error(
                                Code::WrongShape,
                                format!(
                                    "`{}` is {}, not a yes/no value",
                                    name.name,
                                    info.shape_words()
                                ),
                            )
                            .with_label(name.span, "used as a condition")
                            .with_label(info.decl.shape.span, "declared here")
                            .with_help(format!("compare it, e.g. `{} > 0`", name.name))
                            .zh(
                                format!("`{}` 不是是否值，不能直接作条件", name.name),
                                &["用作条件", "在此声明"],
                                Some(&format!("请加比较，如 `{} 超过 0`", name.name)),
                            ),
                        );
                        None
                    }
                }
            }
            Ctx::Row(info) => {
                let d = match info.field(&name.name) {
                    Some(dim) => Diagnostic::error(
                        Code::DimensionMismatch,
                        format!(
                            "field `{}` is {}, not a yes/no value",
                            name.name,
                            dim.describe()
                        ),
                    )
                    .with_label(name.span, "used as a condition")
                    .with_help(format!("compare it, e.g. `{} = …`", name.name))
                    .zh(
                        format!("字段 `{}` 是{}，不是是否值", name.name, dim.describe_zh()),
                        &["用作条件"],
                        Some(&format!("请加比较，如 `{} 为 …`", name.name)),
                    ),
                    None => self.no_field(info, name, &[]),
                };
                self.diags.push(d);
                None
            }
        }
    }

    fn compare(
        &mut self,
        left: &ast::Operand,
        op: CompareOp,
        right: &ast::Operand,
        ctx: Ctx<'_, 'a>,
    ) -> Option<ir::Cond> {
        let (l, r) = (self.operand(left, ctx), self.operand(right, ctx));
        let ((le, ld), (re, rd)) = (l?, r?);
        let names_only = |d: &Dim| matches!(d, Dim::Set(_) | Dim::Text | Dim::Symbol);
        let ordering = !matches!(op, CompareOp::Eq | CompareOp::Ne);
        match (&ld, &rd) {
            (Dim::Symbol, Dim::Symbol) => {
                self.report_unresolved(left, ctx);
                return None;
            }
            (Dim::Symbol, other) | (other, Dim::Symbol) if !names_only(other) => {
                let unresolved = if ld == Dim::Symbol { left } else { right };
                self.report_unresolved(unresolved, ctx);
                return None;
            }
            _ => {}
        }
        if names_only(&ld) && names_only(&rd) {
            if ordering {
                self.diags.push(
                    Diagnostic::error(Code::DimensionMismatch, "names cannot be ordered")
                        .with_label(left.span.to(right.span), "compares names with an order")
                        .with_help("compare names with `=` or `!=`, or test `in {…}`")
                        .zh(
                            "名称不能比较大小",
                            &["对名称用了大小比较"],
                            Some("名称请用 `为`、`不为` 或 `属于 {…}`"),
                        ),
                );
                return None;
            }
            // A name compared with a closed-set field must be one of its values.
            if let (Ctx::Row(info), Dim::Set(values), Dim::Symbol) = (ctx, &ld, &rd) {
                self.check_value(operand_ident(right)?, values, info, &operand_name(left));
            }
            if let (Ctx::Row(info), Dim::Symbol, Dim::Set(values)) = (ctx, &ld, &rd) {
                self.check_value(operand_ident(left)?, values, info, &operand_name(right));
            }
        } else if let Some(n) = plain_number_against_percent(left, &ld, right, &rd) {
            self.diags.push(percent_as_number(n));
            return None;
        } else if !compatible(&ld, &rd) {
            self.diags.push(
                Diagnostic::error(
                    Code::DimensionMismatch,
                    format!("comparing {} with {}", ld.describe(), rd.describe()),
                )
                .with_label(left.span, ld.describe())
                .with_label(right.span, rd.describe())
                .with_help(mismatch_help(&ld, &rd))
                .zh(
                    format!("{}不能与{}比较", ld.describe_zh(), rd.describe_zh()),
                    &[ld.describe_zh(), rd.describe_zh()],
                    Some("只能比较同类的值：百分比与百分比、日期与日期，如 `value 低于 80%`"),
                ),
            );
            return None;
        }
        let op = match op {
            CompareOp::Lt => ir::CompareOp::Lt,
            CompareOp::Le => ir::CompareOp::Le,
            CompareOp::Gt => ir::CompareOp::Gt,
            CompareOp::Ge => ir::CompareOp::Ge,
            CompareOp::Eq => ir::CompareOp::Eq,
            CompareOp::Ne => ir::CompareOp::Ne,
        };
        Some(ir::Cond::Compare {
            left: le,
            op,
            right: re,
        })
    }

    fn operand(&mut self, o: &ast::Operand, ctx: Ctx<'_, 'a>) -> Option<(ir::Expr, Dim)> {
        match &o.kind {
            OperandKind::Number(n) => Some((
                ir::Expr::Number(n.value),
                Dim::Literal { percent: n.percent },
            )),
            OperandKind::Date(d) => Some((ir::Expr::Date(d.value), Dim::Date)),
            OperandKind::Name(name) => match ctx {
                Ctx::Row(info) => Some(match info.field(&name.name) {
                    Some(dim) => (ir::Expr::Field(name.name.clone()), dim),
                    None => (ir::Expr::Symbol(name.name.clone()), Dim::Symbol),
                }),
                Ctx::Unit => {
                    let info = self.lookup(name)?;
                    let dim = match info.ir.shape {
                        ir::Shape::Measure(k) => {
                            if let Some(key) = info.key() {
                                self.diags.push(
                                    Diagnostic::error(
                                        Code::WrongShape,
                                        format!(
                                            "`{}` has one value per `{key}`, not one per unit",
                                            name.name
                                        ),
                                    )
                                    .with_label(name.span, "which value?")
                                    .with_label(info.decl.span, "declared here")
                                    .with_help(format!(
                                        "count the values with `per {key} of {} where value …`",
                                        name.name
                                    ))
                                    .zh(
                                        format!(
                                            "`{}` 每个 `{key}` 有一个值，不是每个单位一个",
                                            name.name
                                        ),
                                        &["哪一个值？", "在此声明"],
                                        Some(&format!(
                                            "请按值计数：`{} 中 value … 的，每个 {key} 扣…分`",
                                            name.name
                                        )),
                                    ),
                                );
                                return None;
                            }
                            Dim::Number(k)
                        }
                        ir::Shape::Points { .. } => Dim::Number(NumberKind::Points),
                        ir::Shape::Event => Dim::Number(NumberKind::Count),
                        ir::Shape::Flag => Dim::Bool,
                    };
                    Some((ir::Expr::Fact(name.name.clone()), dim))
                }
            },
            OperandKind::Shifted { base, by, unit } => {
                let (base_expr, dim) = self.operand(base, ctx)?;
                if dim != Dim::Date {
                    self.diags.push(
                        Diagnostic::error(
                            Code::DimensionMismatch,
                            format!(
                                "only dates can be moved by days, but this is {}",
                                dim.describe()
                            ),
                        )
                        .with_label(base.span, dim.describe())
                        .zh(
                            format!("只有日期能加减天数，但这是{}", dim.describe_zh()),
                            &[dim.describe_zh()],
                            None,
                        ),
                    );
                    return None;
                }
                let days = match (by.percent, by.value.fract().is_zero(), by.value.to_i64()) {
                    (false, true, Some(d)) if d.abs() <= 3660 => d,
                    _ => {
                        self.diags.push(
                            Diagnostic::error(
                                Code::DimensionMismatch,
                                "a date moves by a whole number of days",
                            )
                            .with_label(by.span, "not a whole number of days (up to ten years)")
                            .zh(
                                "日期只能加减整数天",
                                &["不是整数天（最多十年）"],
                                None,
                            ),
                        );
                        return None;
                    }
                };
                let workdays = *unit == DurationUnit::Workdays;
                if workdays && self.scope.calendar.is_none() {
                    self.diags.push(
                        Diagnostic::error(Code::NoCalendar, "working days need a `calendar`")
                            .with_label(o.span, "counts working days")
                            .with_help("declare the year's holidays and make-up workdays:\ncalendar\n  holidays 2021-10-01 to 2021-10-07\n  workdays 2021-10-09")
                            .zh(
                                "工作日需要 `工作日历`",
                                &["按工作日计"],
                                Some("请声明当年的节假日和调休上班日：\n工作日历\n  节假日 2021-10-01 至 2021-10-07\n  调休上班 2021-10-09"),
                            ),
                    );
                    return None;
                }
                Some((
                    ir::Expr::Shift {
                        base: Box::new(base_expr),
                        days,
                        workdays,
                    },
                    Dim::Date,
                ))
            }
        }
    }

    /// A bare name that is no field (in `where`) or no fact (in `when`).
    fn report_unresolved(&mut self, o: &ast::Operand, ctx: Ctx<'_, 'a>) {
        if let (OperandKind::Name(name), Ctx::Row(info)) = (&o.kind, ctx) {
            let d = self.no_field(info, name, &[]);
            self.diags.push(d);
        }
    }

    /// Reports a name that is not one of a closed set's values.
    pub(super) fn check_value(
        &mut self,
        v: &ast::Ident,
        values: &[String],
        info: &FactInfo,
        field: &str,
    ) {
        if values.contains(&v.name) {
            return;
        }
        let mut d = Diagnostic::error(
            Code::UnknownValue,
            format!("`{}` is not a {field} of `{}`", v.name, info.name()),
        )
        .with_label(v.span, "not in the declared set")
        .with_label(info.decl.span, "declared here");
        d = match suggest(&v.name, values.iter().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!(
                "the {field}s of `{}` are {}",
                info.name(),
                values
                    .iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        let zh_help = match suggest(&v.name, values.iter().map(String::as_str)) {
            Some(s) => format!("是否想写 `{s}`？"),
            None => format!(
                "`{}` 的可选值为 {}",
                info.name(),
                values
                    .iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        };
        let d = d.zh(
            format!("`{}` 不是 `{}` 的 {field} 可选值", v.name, info.name()),
            &["不在声明的集合中", "在此声明"],
            Some(&zh_help),
        );
        self.diags.push(d);
    }
}

/// The plain number (`0.8`, `80`) of a comparison whose other side is a percent.
fn plain_number_against_percent<'o>(
    left: &'o ast::Operand,
    ld: &Dim,
    right: &'o ast::Operand,
    rd: &Dim,
) -> Option<&'o ast::Number> {
    let percent = |d: &Dim| matches!(d, Dim::Number(NumberKind::Percent));
    let plain = |o: &'o ast::Operand| match &o.kind {
        OperandKind::Number(n) if !n.percent => Some(n),
        _ => None,
    };
    match (percent(ld), percent(rd)) {
        (true, false) => plain(right),
        (false, true) => plain(left),
        _ => None,
    }
}

/// A plain number where a percent is meant: `0.8` may mean 80% or 0.8%, so it is
/// refused with the percent it most likely means written out.
pub(super) fn percent_as_number(n: &ast::Number) -> Diagnostic {
    let v = n.value;
    let likely = if v > Decimal::ZERO && v <= Decimal::ONE {
        v * Decimal::ONE_HUNDRED
    } else {
        v
    };
    let written = format!("{}%", likely.normalize());
    Diagnostic::error(
        Code::PercentAsNumber,
        format!("`{}` is compared with a percent but has no `%`", n.value),
    )
    .with_label(n.span, "a plain number")
    .with_help(format!(
        "write percents with `%`: `{written}`{}",
        if likely != v {
            format!(
                " (or `{}%` if you mean {} percent)",
                v.normalize(),
                v.normalize()
            )
        } else {
            String::new()
        }
    ))
    .zh(
        format!("`{}` 与百分比比较，但没有写 `%`", n.value),
        &["没有 `%` 的数"],
        Some(&format!("百分比请带 `%`，如 `{written}`")),
    )
}

/// Whether two non-name dimensions may be compared.
fn compatible(a: &Dim, b: &Dim) -> bool {
    use Dim::*;
    match (a, b) {
        (Date, Date) => true,
        (Literal { .. }, Literal { .. }) => true,
        // A plain number against a percent is refused before this (`percent_as_number`).
        (Literal { percent: false }, Number(k)) | (Number(k), Literal { percent: false }) => {
            *k != NumberKind::Percent
        }
        (Literal { percent: true }, Number(NumberKind::Percent))
        | (Number(NumberKind::Percent), Literal { percent: true }) => true,
        (Number(x), Number(y)) => {
            let plain = |k: &NumberKind| matches!(k, NumberKind::Count | NumberKind::Number);
            x == y || (plain(x) && plain(y))
        }
        _ => false,
    }
}

fn mismatch_help(a: &Dim, b: &Dim) -> String {
    match (a, b) {
        (Dim::Date, _) | (_, Dim::Date) => {
            "compare a date with a date, e.g. `date > 2021-12-20`".into()
        }
        (Dim::Number(NumberKind::Percent), _) | (_, Dim::Number(NumberKind::Percent)) => {
            "a percent compares with a percent, e.g. `value < 80%`".into()
        }
        _ => "compare values of the same kind".into(),
    }
}

fn operand_ident(o: &ast::Operand) -> Option<&ast::Ident> {
    match &o.kind {
        OperandKind::Name(n) => Some(n),
        _ => None,
    }
}

fn operand_name(o: &ast::Operand) -> String {
    operand_ident(o).map_or_else(|| "value".to_string(), |n| n.name.clone())
}
