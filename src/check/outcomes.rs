//! Part of the check stage: grades, vetoes and prizes — the outcome lines, checked and compiled.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::conditions::Ctx;
use super::scope::{duplicate, suggest};
use super::Checker;
use crate::ast::{self, Decl, PrizeTo, Rounding};
use crate::diagnostic::{Code, Diagnostic};
use crate::ir;
use crate::span::Span;

/// The compiled outcome lines of a policy.
pub(super) struct Outcomes {
    pub grades: Vec<ir::Grade>,
    pub vetoes: Vec<ir::Veto>,
    pub prizes: Vec<ir::Prize>,
}

impl Checker<'_> {
    pub(super) fn outcomes(&mut self, policy: &ast::Policy, sections: &[String]) -> Outcomes {
        let grades: Vec<&ast::GradeDecl> = decls(policy, |d| match d {
            Decl::Grade(g) => Some(g),
            _ => None,
        });
        let compiled = grades.iter().map(|g| self.grade(g, sections)).collect();
        self.grade_order(&grades);
        let names: Vec<&str> = grades.iter().map(|g| g.name.name.as_str()).collect();
        let vetoes = decls(policy, |d| match d {
            Decl::Veto(v) => Some(v),
            _ => None,
        })
        .into_iter()
        .filter_map(|v| self.veto(v, &names))
        .collect();
        let prizes = decls(policy, |d| match d {
            Decl::Prize(p) => Some(p),
            _ => None,
        })
        .into_iter()
        .filter_map(|p| self.prize(p, sections))
        .collect();
        Outcomes {
            grades: compiled,
            vetoes,
            prizes,
        }
    }

    fn grade(&mut self, g: &ast::GradeDecl, sections: &[String]) -> ir::Grade {
        let quota = g.quota.as_ref().map(|q| {
            let n = &q.limit;
            if n.value <= Decimal::ZERO || (!n.percent && !n.value.fract().is_zero()) {
                self.diags.push(
                    Diagnostic::error(
                        Code::NonPositive,
                        format!("a quota of `{}` is not a number of units", n.value),
                    )
                    .with_label(n.span, "a quota is a positive whole count or a percent")
                    .with_help("write e.g. `top 3` or `top 15%`")
                    .zh(
                        format!("名额 `{}` 不是单位数", n.value),
                        &["名额须为正整数或百分比"],
                        Some("请写作 `前3名` 或 `前15%`"),
                    ),
                );
            }
            if n.percent && n.value > Decimal::ONE_HUNDRED {
                self.diags.push(
                    Diagnostic::error(
                        Code::QuotaOverAll,
                        format!(
                            "a quota of {}% is more than all the units",
                            n.value.normalize()
                        ),
                    )
                    .with_label(n.span, "over 100%")
                    .with_help("a quota is at most 100% of the units of a ranking group")
                    .zh(
                        format!("名额 {}% 超过了全部单位", n.value.normalize()),
                        &["超过 100%"],
                        Some("名额最多为同组单位的 100%"),
                    ),
                );
            }
            ir::Quota {
                limit: n.value,
                percent: n.percent,
                rounding: match q.rounding {
                    Rounding::Down => ir::Rounding::Down,
                    Rounding::Up => ir::Rounding::Up,
                    Rounding::HalfUp => ir::Rounding::HalfUp,
                },
            }
        });
        if let Some(t) = &g.ties_by {
            self.section_name(t, sections);
        }
        if let Some((n, _)) = &g.threshold {
            if n.percent {
                self.diags.push(
                    Diagnostic::error(
                        Code::DimensionMismatch,
                        "a grade's threshold is points, not a percent",
                    )
                    .with_label(n.span, "written as a percent")
                    .with_help("write the least total in points, e.g. `at least 90`")
                    .zh(
                        "等次的分数线是分值，不是百分比",
                        &["写成了百分比"],
                        Some("请写分数线，如 `不低于90分`"),
                    ),
                );
            }
        }
        ir::Grade {
            name: g.name.name.clone(),
            min: g.threshold.as_ref().map(|(n, _)| n.value),
            inclusive: g.threshold.as_ref().is_none_or(|(_, i)| *i),
            quota,
            ties_by: g.ties_by.as_ref().map(|t| t.value.clone()),
            span: g.span,
            clause: self.clause(g.span),
        }
    }

    /// Grades best first: thresholds fall, a grade for any total comes last, and every total has a grade.
    fn grade_order(&mut self, grades: &[&ast::GradeDecl]) {
        for (i, g) in grades.iter().enumerate() {
            if let Some(first) = grades.iter().take(i).find(|f| f.name.name == g.name.name) {
                self.diags.push(duplicate(
                    "grade",
                    &g.name.name,
                    g.name.span,
                    first.name.span,
                ));
            }
        }
        let mut lowest: Option<(&ast::Number, Span)> = None;
        for (i, g) in grades.iter().enumerate() {
            let catch_all = g.threshold.is_none() && g.quota.is_none();
            if let Some(next) = grades.get(i + 1).filter(|_| catch_all) {
                self.diags.push(
                    Diagnostic::error(
                        Code::GradesOverlap,
                        format!(
                            "grade `{}` takes every unit left, so `{}` after it is never given",
                            g.name.name, next.name.name
                        ),
                    )
                    .with_label(g.span, "every total left")
                    .with_label(next.span, "never reached")
                    .with_help("put the `otherwise` grade last")
                    .zh(
                        format!(
                            "等次 `{}` 已包括其余所有单位，其后的 `{}` 永远用不上",
                            g.name.name, next.name.name
                        ),
                        &["其余所有分数", "永远用不上"],
                        Some("请把“其余”等次放在最后"),
                    ),
                );
                return;
            }
            if let Some((n, _)) = &g.threshold {
                if let Some((above, span)) = lowest {
                    if n.value >= above.value {
                        self.diags.push(
                            Diagnostic::error(Code::GradesOverlap, format!("grade `{}` starts at {}, not below the grade above it ({})", g.name.name, n.value.normalize(), above.value.normalize()))
                                .with_label(n.span, "not lower")
                                .with_label(span, "the grade above starts here")
                                .with_help("list grades best first, each with a lower threshold than the one before")
                                .zh(format!("等次 `{}` 的分数线 {} 不低于上一等次（{}）", g.name.name, n.value.normalize(), above.value.normalize()), &["没有更低", "上一等次的分数线"], Some("等次应从高到低排列，分数线逐级降低")),
                        );
                    }
                }
                lowest = Some((n, n.span));
            }
        }
        if let Some(last) = grades.last() {
            if last.threshold.is_some() || last.quota.is_some() {
                let below = last.threshold.as_ref().map_or_else(
                    || "outside its quota".to_string(),
                    |(n, _)| format!("below {}", n.value.normalize()),
                );
                self.diags.push(
                    Diagnostic::error(Code::GradesGap, format!("a unit {below} gets no grade"))
                        .with_label(last.span, "the last grade")
                        .with_help("end the grades with one for every unit left, e.g. `grade 不合格 otherwise`")
                        .zh(format!("低于最后一个等次的单位没有等次（{below}）"), &["最后一个等次"], Some("请以“其余”等次结尾，如 `等次 不合格：其余`")),
                );
            }
        }
    }

    fn veto(&mut self, v: &ast::VetoDecl, grades: &[&str]) -> Option<ir::Veto> {
        let condition = self.condition(&v.condition, Ctx::Unit);
        if !grades.contains(&v.grade.name.as_str()) {
            let help = match suggest(&v.grade.name, grades.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None if grades.is_empty() => {
                    "declare the grades first, e.g. `grade 不合格 otherwise`".to_string()
                }
                None => format!(
                    "the grades are {}",
                    grades
                        .iter()
                        .map(|g| format!("`{g}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let zh_help = match suggest(&v.grade.name, grades.iter().copied()) {
                Some(s) => format!("是否想写 `{s}`？"),
                None => "请先声明等次，如 `等次 不合格：其余`".to_string(),
            };
            self.diags.push(
                Diagnostic::error(
                    Code::UndeclaredGrade,
                    format!("no grade `{}` is declared", v.grade.name),
                )
                .with_label(v.grade.span, "not a declared grade")
                .with_help(help)
                .zh(
                    format!("没有声明等次 `{}`", v.grade.name),
                    &["不是已声明的等次"],
                    Some(&zh_help),
                ),
            );
            return None;
        }
        Some(ir::Veto {
            condition: condition?,
            grade: v.grade.name.clone(),
            span: v.span,
            clause: self.clause(v.span),
        })
    }

    fn prize(&mut self, p: &ast::PrizeDecl, sections: &[String]) -> Option<ir::Prize> {
        let to = match &p.to {
            PrizeTo::Top { count, section } => {
                if let Some(s) = section {
                    self.section_name(s, sections)?;
                }
                let n = count
                    .value
                    .to_u32()
                    .filter(|n| *n > 0 && count.value.fract().is_zero() && !count.percent);
                let Some(n) = n else {
                    self.diags.push(
                        Diagnostic::error(
                            Code::NonPositive,
                            format!("`top {}` is not a number of ranks", count.value),
                        )
                        .with_label(count.span, "a positive whole number")
                        .with_help("write e.g. `prize \"…\" to the top 3`")
                        .zh(
                            format!("`前{}名` 不是名次数", count.value),
                            &["须为正整数"],
                            Some("请写作 `奖项 \"…\"：前3名`"),
                        ),
                    );
                    return None;
                };
                ir::PrizeTo::Top {
                    count: n,
                    section: section.as_ref().map(|s| s.value.clone()),
                }
            }
            PrizeTo::MostImproved { each_section } => ir::PrizeTo::MostImproved {
                each_section: *each_section,
            },
        };
        Some(ir::Prize {
            name: p.name.value.clone(),
            to,
            span: p.span,
            clause: self.clause(p.span),
        })
    }

    /// A quoted section name must be one of the policy's sections.
    fn section_name(&mut self, t: &ast::Text, sections: &[String]) -> Option<()> {
        if sections.contains(&t.value) {
            return Some(());
        }
        let suggestion = suggest(&t.value, sections.iter().map(String::as_str));
        let help = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => "name a section of this policy, as its `section` line quotes it".to_string(),
        };
        let zh_help = match suggestion {
            Some(s) => format!("是否想写 `{s}`？"),
            None => "请写本方案中某个板块的名称".to_string(),
        };
        self.diags.push(
            Diagnostic::error(
                Code::UnknownSection,
                format!("no section `{}` in this policy", t.value),
            )
            .with_label(t.span, "not a section")
            .with_help(help)
            .zh(
                format!("本方案中没有板块 `{}`", t.value),
                &["不是板块"],
                Some(&zh_help),
            ),
        );
        None
    }
}

fn decls<'p, T>(policy: &'p ast::Policy, pick: impl Fn(&'p Decl) -> Option<&'p T>) -> Vec<&'p T> {
    policy.decls.iter().filter_map(pick).collect()
}
