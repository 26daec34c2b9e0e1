//! Part of the check stage: `by` tables — values of a closed set, or numeric brackets without overlap or gap.

use rust_decimal::Decimal;

use super::rules::Worth;
use super::scope::Dim;
use super::Checker;
use crate::ast::{self, BracketKind, EntryKey, TableEntry};
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{self, Interval, Lookup, NumberKind};

impl Checker<'_> {
    pub(super) fn table(
        &mut self,
        field: Option<&ast::Ident>,
        fact: &ast::Ident,
        entries: &[TableEntry],
        worth: Worth,
    ) -> Option<ir::RuleKind> {
        let info = self.lookup(fact)?;
        let (field_name, dim, per_unit) = match field {
            Some(f) => match info.field(&f.name) {
                Some(dim) => {
                    let per_unit = f.name == "value"
                        && info.key().is_none()
                        && info.ir.shape != ir::Shape::Event;
                    (f.name.clone(), dim, per_unit)
                }
                None => {
                    let d = self.no_field(&info, f, &[]);
                    self.diags.push(d);
                    return None;
                }
            },
            // `by staff`: the unit's own value of the fact.
            None => {
                let dim = match info.ir.shape {
                    ir::Shape::Measure(k) => Dim::Number(k),
                    ir::Shape::Points { .. } => Dim::Number(NumberKind::Points),
                    ir::Shape::Event => Dim::Number(NumberKind::Count),
                    ir::Shape::Flag => Dim::Bool,
                };
                ("value".to_string(), dim, info.key().is_none())
            }
        };
        let amounts: Vec<Option<Decimal>> = entries
            .iter()
            .map(|e| self.table_amount(&e.amount, worth))
            .collect();
        let target = field.map_or_else(|| fact.name.clone(), |f| f.name.clone());
        let lookup = match &dim {
            Dim::Set(values) => {
                let mut rows: Vec<(String, Decimal)> = Vec::new();
                let mut seen: Vec<&ast::Ident> = Vec::new();
                for (entry, amount) in entries.iter().zip(&amounts) {
                    let EntryKey::Value(v) = &entry.key else {
                        self.diags.push(
                            Diagnostic::error(Code::TableKind, format!("`{target}` holds kinds, so its table lists kinds, not brackets"))
                                .with_label(entry.span, "a numeric bracket")
                                .with_help(format!("write one row per kind, e.g. `{} 2`", values.first().map_or("a", String::as_str)))
                                .zh(
                                    format!("`{target}` 是类别，分值表应逐类列出，不用分档"),
                                    &["这是数字分档"],
                                    Some(&format!("每类写一行，如 `{} 2分`", values.first().map_or("a", String::as_str))),
                                ),
                        );
                        return None;
                    };
                    if let Some(first) = seen.iter().find(|s| s.name == v.name) {
                        self.diags.push(
                            Diagnostic::error(
                                Code::RepeatedValue,
                                format!("`{}` appears twice in the table", v.name),
                            )
                            .with_label(v.span, "again here")
                            .with_label(first.span, "first here")
                            .with_help("give each kind one amount")
                            .zh(
                                format!("`{}` 在分值表中出现了两次", v.name),
                                &["再次出现", "首次出现"],
                                Some("每类只写一个分值"),
                            ),
                        );
                        continue;
                    }
                    seen.push(v);
                    self.check_value(v, values, &info, &target);
                    if let Some(a) = amount {
                        rows.push((v.name.clone(), *a));
                    }
                }
                let missing: Vec<&String> = values
                    .iter()
                    .filter(|v| !seen.iter().any(|s| s.name == **v))
                    .collect();
                if !missing.is_empty() {
                    let list = missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let span = entries
                        .first()
                        .map_or(fact.span, |f| f.span)
                        .to(entries.last().map_or(fact.span, |l| l.span));
                    self.diags.push(
                        Diagnostic::error(
                            Code::IncompleteTable,
                            format!("the table by `{target}` misses {list}"),
                        )
                        .with_label(span, format!("no amount for {list}"))
                        .with_label(
                            info.decl.span,
                            format!("`{target}` is declared with these kinds"),
                        )
                        .with_help(format!(
                            "add a row for each, e.g. `{} 0` if it costs nothing",
                            missing.first().map_or("", |m| m.as_str())
                        ))
                        .zh(
                            format!("按 `{target}` 的分值表缺少 {}", list.replace(", ", "、")),
                            &[
                                &format!("没有 {} 的分值", list.replace(", ", "、")),
                                &format!("`{target}` 在此声明了这些类别"),
                            ],
                            Some(&format!(
                                "请为每一类写一行，不扣分的写 `{} 0分`",
                                missing.first().map_or("", |m| m.as_str())
                            )),
                        ),
                    );
                }
                Lookup::Values(rows)
            }
            Dim::Number(kind) => {
                let mut rows = Vec::new();
                for (entry, amount) in entries.iter().zip(&amounts) {
                    let EntryKey::Bracket(b) = &entry.key else {
                        self.diags.push(
                            Diagnostic::error(Code::TableKind, format!("`{target}` is a number, so its table lists brackets, not names"))
                                .with_label(entry.span, "a name, not a bracket")
                                .with_help("write brackets such as `10 or more 2, 5 to 9 1, below 5 0.5`")
                                .zh(
                                    format!("`{target}` 是数字，分值表应分档列出，不用名称"),
                                    &["这是名称，不是分档"],
                                    Some("请写分档，如 `10人以上得2分；5-9人得1分；5人以下得0.5分`"),
                                ),
                        );
                        return None;
                    };
                    let interval = self.bracket(b, *kind)?;
                    rows.push((interval, b, *amount));
                }
                self.check_coverage(&rows, *kind, &target);
                Lookup::Brackets(
                    rows.into_iter()
                        .filter_map(|(i, _, a)| Some((i, a?)))
                        .collect(),
                )
            }
            other => {
                self.diags.push(
                    Diagnostic::error(
                        Code::TableKind,
                        format!(
                            "a table needs kinds or numbers, but `{target}` is {}",
                            other.describe()
                        ),
                    )
                    .with_label(field.map_or(fact.span, |f| f.span), other.describe())
                    .with_help("look up a field declared `in {…}`, or a number")
                    .zh(
                        format!(
                            "分值表需要类别或数字，但 `{target}` 是{}",
                            other.describe_zh()
                        ),
                        &[other.describe_zh()],
                        Some("请按 `取 {…}` 声明的字段或数字制表"),
                    ),
                );
                return None;
            }
        };
        if amounts.iter().any(Option::is_none) {
            return None;
        }
        Some(ir::RuleKind::Table {
            fact: fact.name.clone(),
            field: field_name,
            lookup,
            per_unit,
        })
    }

    /// A bracket as an interval; on whole numbers, with whole, inclusive bounds.
    fn bracket(&mut self, b: &ast::Bracket, kind: NumberKind) -> Option<Interval> {
        let numbers: Vec<&ast::Number> = match &b.kind {
            BracketKind::AtLeast(n)
            | BracketKind::AtMost(n)
            | BracketKind::Below(n)
            | BracketKind::Above(n) => vec![n],
            BracketKind::Range(a, z) => vec![a, z],
        };
        for n in &numbers {
            if kind == NumberKind::Percent && !n.percent {
                self.diags.push(super::conditions::percent_as_number(n));
                return None;
            }
            if n.percent != (kind == NumberKind::Percent) && n.percent {
                self.diags.push(
                    Diagnostic::error(
                        Code::DimensionMismatch,
                        "a percent bracket on a value that is not a percent",
                    )
                    .with_label(n.span, "written as a percent")
                    .with_help("write the bracket without `%`")
                    .zh(
                        "对非百分比的值用了百分比分档",
                        &["写成了百分比"],
                        Some("分档请去掉 `%`"),
                    ),
                );
                return None;
            }
        }
        let interval = match &b.kind {
            BracketKind::AtLeast(n) => Interval {
                low: Some(n.value),
                low_inclusive: true,
                high: None,
                high_inclusive: false,
            },
            BracketKind::Above(n) => Interval {
                low: Some(n.value),
                low_inclusive: false,
                high: None,
                high_inclusive: false,
            },
            BracketKind::AtMost(n) => Interval {
                low: None,
                low_inclusive: false,
                high: Some(n.value),
                high_inclusive: true,
            },
            BracketKind::Below(n) => Interval {
                low: None,
                low_inclusive: false,
                high: Some(n.value),
                high_inclusive: false,
            },
            BracketKind::Range(a, z) => {
                if z.value < a.value {
                    self.diags.push(
                        Diagnostic::error(
                            Code::BadRange,
                            format!("`{} to {}` ends before it starts", a.value, z.value),
                        )
                        .with_label(b.span, "the bracket")
                        .with_help("write the smaller number first")
                        .zh(
                            format!("`{} 至 {}` 终点小于起点", a.value, z.value),
                            &["此分档"],
                            Some("请先写较小的数"),
                        ),
                    );
                    return None;
                }
                Interval {
                    low: Some(a.value),
                    low_inclusive: true,
                    high: Some(z.value),
                    high_inclusive: true,
                }
            }
        };
        Some(if kind == NumberKind::Count {
            whole(interval)
        } else {
            interval
        })
    }

    /// Reports brackets that overlap, and values from zero up that no bracket covers.
    fn check_coverage(
        &mut self,
        rows: &[(Interval, &ast::Bracket, Option<Decimal>)],
        kind: NumberKind,
        target: &str,
    ) {
        for (i, (a, a_src, _)) in rows.iter().enumerate() {
            for (b, b_src, _) in rows.iter().take(i) {
                if let Some(w) = overlap(a, b) {
                    self.diags.push(
                        Diagnostic::error(
                            Code::OverlappingBrackets,
                            format!("brackets overlap: `{}` is in two of them", w.normalize()),
                        )
                        .with_label(a_src.span, "this bracket")
                        .with_label(b_src.span, "overlaps this one")
                        .with_help("make each value fall in exactly one bracket")
                        .zh(
                            format!("分档重叠：`{}` 落在两个分档中", w.normalize()),
                            &["此分档", "与此分档重叠"],
                            Some("每个值只能落在一个分档中"),
                        ),
                    );
                }
            }
        }
        let mut sorted: Vec<&(Interval, &ast::Bracket, Option<Decimal>)> = rows.iter().collect();
        sorted.sort_by(|x, y| cmp_low(&x.0, &y.0));
        let whole_numbers = kind == NumberKind::Count;
        // Everything below the frontier is covered; `inclusive`: the frontier itself is not yet.
        let mut frontier = Decimal::ZERO;
        let mut inclusive = true;
        for (interval, src, _) in sorted {
            let starts_after = match interval.low {
                None => false,
                Some(l) => l > frontier || (l == frontier && inclusive && !interval.low_inclusive),
            };
            if starts_after {
                let low = interval.low.unwrap_or(frontier);
                let witness = if inclusive || whole_numbers || low == frontier {
                    frontier
                } else {
                    (frontier + low) / Decimal::TWO
                };
                self.gap(target, witness, src.span);
                return;
            }
            match interval.high {
                None => return,
                Some(h)
                    if h > frontier || (h == frontier && inclusive && interval.high_inclusive) =>
                {
                    if whole_numbers {
                        frontier = h + Decimal::ONE;
                        inclusive = true;
                    } else {
                        frontier = h;
                        inclusive = !interval.high_inclusive;
                    }
                }
                Some(_) => {}
            }
        }
        let witness = if inclusive {
            frontier
        } else {
            frontier + Decimal::ONE
        };
        let last = rows.last().map(|(_, b, _)| b.span);
        if let Some(span) = last {
            self.gap(target, witness, span);
        }
    }

    fn gap(&mut self, target: &str, witness: Decimal, span: crate::span::Span) {
        self.diags.push(
            Diagnostic::error(Code::BracketGap, format!("the brackets of `{target}` leave a gap: `{}` is not covered", witness.normalize()))
                .with_label(span, format!("no bracket covers {}", witness.normalize()))
                .with_help("cover every value from zero up; add a bracket with amount 0 where nothing is scored")
                .zh(
                    format!("`{target}` 的分档有空缺：`{}` 未被覆盖", witness.normalize()),
                    &[&format!("没有分档覆盖 {}", witness.normalize())],
                    Some("分档须覆盖从零起的所有值；不得分的档写 0 分"),
                ),
        );
    }
}

/// A bracket over whole numbers, with whole, inclusive bounds (`below 5` is `4 or less`).
fn whole(i: Interval) -> Interval {
    let low = i.low.map(|l| {
        if i.low_inclusive {
            l.ceil()
        } else {
            l.floor() + Decimal::ONE
        }
    });
    let high = i.high.map(|h| {
        if i.high_inclusive {
            h.floor()
        } else {
            h.ceil() - Decimal::ONE
        }
    });
    Interval {
        low,
        low_inclusive: low.is_some(),
        high,
        high_inclusive: high.is_some(),
    }
}

fn cmp_low(a: &Interval, b: &Interval) -> std::cmp::Ordering {
    match (a.low, b.low) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(&y).then(b.low_inclusive.cmp(&a.low_inclusive)),
    }
}

/// A value both intervals contain, if any.
fn overlap(a: &Interval, b: &Interval) -> Option<Decimal> {
    let (low, low_inc) = match (a.low, b.low) {
        (None, None) => (None, false),
        (Some(x), None) => (Some(x), a.low_inclusive),
        (None, Some(y)) => (Some(y), b.low_inclusive),
        (Some(x), Some(y)) if x > y => (Some(x), a.low_inclusive),
        (Some(x), Some(y)) if y > x => (Some(y), b.low_inclusive),
        (Some(x), Some(_)) => (Some(x), a.low_inclusive && b.low_inclusive),
    };
    let (high, high_inc) = match (a.high, b.high) {
        (None, None) => (None, false),
        (Some(x), None) => (Some(x), a.high_inclusive),
        (None, Some(y)) => (Some(y), b.high_inclusive),
        (Some(x), Some(y)) if x < y => (Some(x), a.high_inclusive),
        (Some(x), Some(y)) if y < x => (Some(y), b.high_inclusive),
        (Some(x), Some(_)) => (Some(x), a.high_inclusive && b.high_inclusive),
    };
    match (low, high) {
        (Some(l), Some(h)) if l < h => Some(if low_inc {
            l
        } else if high_inc {
            h
        } else {
            (l + h) / Decimal::TWO
        }),
        (Some(l), Some(h)) if l == h && low_inc && high_inc => Some(l),
        (Some(_), Some(_)) => None,
        (Some(l), None) => Some(if low_inc { l } else { l + Decimal::ONE }),
        (None, Some(h)) => Some(if high_inc { h } else { h - Decimal::ONE }),
        (None, None) => Some(Decimal::ZERO),
    }
}
