//! Stage 3 of the pipeline: [`ast::Policy`] → [`ir::Policy`], checking names, dimensions, tables and totals.
//!
//! Every mistake of a policy is reported in one run: each check reports and
//! goes on, and the compiled policy is returned only when no error was found.

mod compiled;
mod conditions;
mod outcomes;
mod rules;
mod scope;
mod tables;
mod totals;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::ast::{self, Decl, SettingKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::ir;
use crate::span::{SourceMap, Span};
use scope::{duplicate, Scope};

/// The name among `candidates` closest to `name`, if close enough to be a slip (used for fact files too).
pub fn suggest_name<'s>(
    name: &str,
    candidates: impl IntoIterator<Item = &'s str>,
) -> Option<&'s str> {
    scope::suggest(name, candidates)
}

/// The result of checking a policy.
#[derive(Debug)]
pub struct Checked {
    /// The compiled policy, when there are no errors.
    pub policy: Option<ir::Policy>,
    /// Every error and warning, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

pub use compiled::compiled;

/// Checks a parsed policy and compiles it.
pub fn check(policy: &ast::Policy, sources: &SourceMap) -> Checked {
    let mut cx = Checker {
        sources,
        diags: Vec::new(),
        scope: Scope::new(),
    };
    let header = cx.declarations(policy);
    let sections: Vec<ir::Section> = policy
        .decls
        .iter()
        .filter_map(|d| match d {
            Decl::Section(s) => Some(cx.section(s)),
            _ => None,
        })
        .collect();
    totals::check_totals(policy, &header, &mut cx.diags);
    let section_names: Vec<String> = sections.iter().map(|s| s.name.clone()).collect();
    let outcomes = cx.outcomes(policy, &section_names);
    cx.unused_facts();
    if sections.is_empty() {
        // An empty or truncated file would score every unit 0 without a word.
        let start = policy.span;
        let span = sources.span(start.file, start.start as usize, start.start as usize);
        cx.diags.push(
            Diagnostic::error(Code::NoSections, "the policy has no sections: it scores nothing")
                .with_label(span, "no `section` in this file")
                .with_help("add a section with its rules, e.g. `section \"Attendance\" worth 10`; if the file was cut short, restore the rest")
                .zh(
                    "方案中没有板块，无从计分",
                    &["此文件中没有 `板块`"],
                    Some("请添加板块及其规则，如 `板块 \"考勤\" 10分`；如果文件被截断，请补全"),
                ),
        );
    }

    let mut diagnostics = cx.diags;
    diagnostics.sort_by_key(|d| d.span().map(|s| (s.file, s.start)));
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Checked {
            policy: None,
            diagnostics,
        };
    }
    let text = sources
        .get(policy.span.file)
        .map_or("", |f| f.text.as_str());
    let compiled = ir::Policy {
        compiler: env!("CARGO_PKG_VERSION").to_string(),
        source: ir::Source {
            name: sources
                .get(policy.span.file)
                .map(|f| f.name.clone())
                .unwrap_or_default(),
            sha256: format!("{:x}", Sha256::digest(text.as_bytes())),
        },
        name: header.name,
        chinese: mostly_chinese(text),
        year: cx.scope.year,
        total: header.total.map(|(v, _)| v),
        bonus: header.bonus.map(|(v, _)| v),
        units: cx.scope.units.iter().map(|u| u.name.clone()).collect(),
        assessors: cx.scope.assessors.iter().map(|u| u.name.clone()).collect(),
        facts: cx.scope.facts.iter().map(|f| f.ir.clone()).collect(),
        calendar: cx.scope.calendar.clone(),
        sections,
        grades: outcomes.grades,
        vetoes: outcomes.vetoes,
        prizes: outcomes.prizes,
    };
    Checked {
        policy: Some(compiled),
        diagnostics,
    }
}

/// Whether most lines of code of a policy are written in the Chinese surface form.
fn mostly_chinese(text: &str) -> bool {
    let code: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let chinese = code
        .iter()
        .filter(|l| crate::parse::is_chinese_line(l))
        .count();
    chinese * 2 > code.len()
}

/// Policy-wide settings, for the totals check.
#[derive(Default)]
pub(crate) struct Header {
    name: Option<String>,
    total: Option<(Decimal, Span)>,
    bonus: Option<(Decimal, Span)>,
}

pub(crate) struct Checker<'a> {
    sources: &'a SourceMap,
    diags: Vec<Diagnostic>,
    scope: Scope<'a>,
}

impl<'a> Checker<'a> {
    fn declarations(&mut self, policy: &'a ast::Policy) -> Header {
        let mut header = Header::default();
        let mut year_span: Option<Span> = None;
        let mut calendar_span: Option<Span> = None;
        for decl in &policy.decls {
            match decl {
                Decl::Policy(p) => {
                    header.name = Some(p.name.value.clone());
                    for s in &p.settings {
                        self.setting(s, &mut header, &mut year_span);
                    }
                }
                Decl::Setting(s) => self.setting(s, &mut header, &mut year_span),
                Decl::Units(u) => {
                    let mut list = std::mem::take(&mut self.scope.units);
                    self.unit_list(&mut list, u, "unit");
                    self.scope.units = list;
                }
                Decl::Assessors(u) => {
                    let mut list = std::mem::take(&mut self.scope.assessors);
                    self.unit_list(&mut list, u, "assessor");
                    self.scope.assessors = list;
                }
                Decl::Fact(f) => self.scope.declare_fact(f, &mut self.diags),
                Decl::Calendar(c) => {
                    if let Some(first) = calendar_span {
                        self.diags
                            .push(duplicate("calendar", "calendar", c.span, first));
                        continue;
                    }
                    calendar_span = Some(c.span);
                    self.scope.calendar = Some(ir::Calendar {
                        holidays: self.dates(&c.holidays),
                        workdays: self.dates(&c.workdays),
                    });
                }
                Decl::Section(_) | Decl::Grade(_) | Decl::Veto(_) | Decl::Prize(_) => {}
            }
        }
        header
    }

    fn setting(&mut self, s: &ast::Setting, header: &mut Header, year_span: &mut Option<Span>) {
        let (word, slot) = match &s.kind {
            SettingKind::Year(n) => {
                if let Some(first) = *year_span {
                    self.diags.push(duplicate("setting", "year", s.span, first));
                    return;
                }
                *year_span = Some(s.span);
                match n.value.to_i32() {
                    Some(y) if n.value.fract().is_zero() && (1900..=2200).contains(&y) => {
                        self.scope.year = Some(y)
                    }
                    _ => self.diags.push(
                        Diagnostic::error(
                            Code::InvalidYear,
                            format!("`{}` is not a year", n.value),
                        )
                        .with_label(n.span, "expected a year such as 2021")
                        .with_help("write the assessed year in four digits")
                        .zh(
                            format!("`{}` 不是年份", n.value),
                            &["应为 2021 这样的年份"],
                            Some("请用四位数写考核年度"),
                        ),
                    ),
                }
                return;
            }
            SettingKind::Total(n) => ("total", (n, &mut header.total)),
            SettingKind::Bonus(n) => ("bonus", (n, &mut header.bonus)),
        };
        let (n, slot) = slot;
        if let Some((_, first)) = slot {
            let first = *first;
            self.diags.push(duplicate("setting", word, s.span, first));
            return;
        }
        if n.value <= Decimal::ZERO || n.percent {
            self.diags.push(
                Diagnostic::error(
                    Code::NonPositive,
                    format!("`{word}` must be a positive number of points"),
                )
                .with_label(n.span, "not a positive number of points")
                .zh(format!("`{word}` 必须是正的分值"), &["不是正的分值"], None),
            );
        }
        *slot = Some((n.value, n.span));
    }

    fn unit_list(&mut self, list: &mut Vec<ast::Ident>, decl: &ast::UnitsDecl, what: &str) {
        for u in &decl.units {
            if let Some(first) = list.iter().find(|f| f.name == u.name) {
                self.diags.push(
                    Diagnostic::error(
                        Code::Duplicate,
                        format!("{what} `{}` is listed twice", u.name),
                    )
                    .with_label(u.span, "listed again here")
                    .with_label(first.span, "first listed here")
                    .with_help("remove one of them")
                    .zh(
                        format!("`{}` 列出了两次", u.name),
                        &["再次列出", "首次列出"],
                        Some("请删去其中一个"),
                    ),
                );
            } else {
                list.push(u.clone());
            }
        }
    }

    fn dates(&mut self, ranges: &[ast::DateRange]) -> Vec<chrono::NaiveDate> {
        let mut out = Vec::new();
        for r in ranges {
            if r.to.value < r.from.value {
                self.diags.push(
                    Diagnostic::error(
                        Code::BadRange,
                        format!("`{} to {}` ends before it starts", r.from.value, r.to.value),
                    )
                    .with_label(r.span, "the range")
                    .with_help("write the earlier date first")
                    .zh(
                        format!("`{} 至 {}` 终点早于起点", r.from.value, r.to.value),
                        &["此范围"],
                        Some("请先写较早的日期"),
                    ),
                );
                continue;
            }
            out.extend(r.from.value.iter_days().take_while(|d| *d <= r.to.value));
        }
        out.sort();
        out.dedup();
        out
    }

    fn section(&mut self, s: &ast::Section) -> ir::Section {
        let worth = s.worth.as_ref().map(|w| self.worth(w));
        let responsible = self.responsible(s.responsible.as_ref());
        let items = s
            .items
            .iter()
            .map(|item| {
                let item_worth = item.worth.as_ref().map(|w| self.worth(w));
                let enclosing = item_worth.or(worth);
                ir::Item {
                    name: item.name.value.clone(),
                    worth: item_worth.map(|(v, _)| v),
                    responsible: self.responsible(item.responsible.as_ref()),
                    rules: item
                        .rules
                        .iter()
                        .filter_map(|r| self.rule(r, enclosing))
                        .collect(),
                    groups: self.groups(&item.groups, &item.rules),
                    span: item.span,
                }
            })
            .collect();
        ir::Section {
            name: s.name.value.clone(),
            bonus: s.bonus,
            worth: worth.map(|(v, _)| v),
            responsible,
            items,
            rules: s.rules.iter().filter_map(|r| self.rule(r, worth)).collect(),
            groups: self.groups(&s.groups, &s.rules),
            span: s.span,
        }
    }

    /// The groups of a section or item: a group's rules all deduct or all award, and a shared cap is positive.
    fn groups(&mut self, groups: &[ast::RuleGroup], rules: &[ast::Rule]) -> Vec<ir::Group> {
        groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let members: Vec<&ast::Rule> = rules.iter().filter(|r| r.group == Some(g)).collect();
                let verbs: Vec<ast::Verb> = members.iter().map(|r| r.verb).collect();
                if verbs.windows(2).any(|w| w.first() != w.last()) {
                    let mut d = Diagnostic::error(
                        Code::MixedGroup,
                        "a group mixes deductions and awards",
                    )
                    .with_label(group.span, "this group");
                    for r in &members {
                        d = d.with_label(r.span, if r.verb == ast::Verb::Deduct { "deducts" } else { "awards" });
                    }
                    let zh_labels: Vec<&str> = std::iter::once("此规则组")
                        .chain(members.iter().map(|r| if r.verb == ast::Verb::Deduct { "扣分" } else { "加分" }))
                        .collect();
                    self.diags.push(
                        d.with_help("the highest of, or a shared cap over, points that go opposite ways means nothing: make two groups")
                            .zh("同一规则组中既有扣分又有加分", &zh_labels, Some("扣分与加分取最高或合计封顶没有意义：请分成两组")),
                    );
                }
                let kind = match &group.kind {
                    ast::GroupKind::Highest => ir::GroupKind::Highest,
                    ast::GroupKind::Together { cap } => {
                        if cap.value <= Decimal::ZERO || cap.percent {
                            self.diags.push(
                                Diagnostic::error(Code::NonPositive, format!("a shared cap of `{}` is not a positive number of points", cap.value))
                                    .with_label(cap.span, "not a positive number of points")
                                    .with_help("write the most the group's rules may take or give together, e.g. `together, cap 3`")
                                    .zh(format!("合计封顶 `{}` 不是正的分值", cap.value), &["不是正的分值"], Some("请写明这组规则合计最多扣或得的分，如 `以下合计最多扣3分`")),
                            );
                        }
                        ir::GroupKind::Together { cap: cap.value }
                    }
                };
                ir::Group {
                    kind,
                    span: group.span,
                    clause: self.clause(group.span),
                }
            })
            .collect()
    }

    /// A worth's value; reports a non-positive one.
    fn worth(&mut self, n: &ast::Number) -> (Decimal, Span) {
        if n.value <= Decimal::ZERO || n.percent {
            self.diags.push(
                Diagnostic::error(
                    Code::NonPositive,
                    format!(
                        "a worth of `{}` is not a positive number of points",
                        n.value
                    ),
                )
                .with_label(n.span, "the worth")
                .with_help("leave `worth` out for a section that deducts from the total directly")
                .zh(
                    format!("分值 `{}` 不是正数", n.value),
                    &["此分值"],
                    Some("直接从总分扣分的板块请不写分值"),
                ),
            );
        }
        (n.value, n.span)
    }

    fn responsible(&mut self, r: Option<&ast::Responsible>) -> Vec<String> {
        let Some(r) = r else { return Vec::new() };
        let mut out: Vec<String> = Vec::new();
        for (i, u) in r.units.iter().enumerate() {
            if let Some(first) = r.units.iter().take(i).find(|f| f.name == u.name) {
                self.diags.push(
                    Diagnostic::error(
                        Code::Duplicate,
                        format!("unit `{}` is named twice in `responsible:`", u.name),
                    )
                    .with_label(u.span, "named again here")
                    .with_label(first.span, "first named here")
                    .with_help("remove one of them")
                    .zh(
                        format!("`{}` 在 `考核部门` 中列出了两次", u.name),
                        &["再次列出", "首次列出"],
                        Some("请删去其中一个"),
                    ),
                );
                continue;
            }
            if let Some(d) = self.scope.responsible_unit(u) {
                self.diags.push(d);
            }
            out.push(u.name.clone());
        }
        out
    }

    fn unused_facts(&mut self) {
        for f in &self.scope.facts {
            if !f.used.get() {
                self.diags.push(
                    Diagnostic::warning(
                        Code::UnusedFact,
                        format!("fact `{}` is declared but no rule uses it", f.name()),
                    )
                    .with_label(f.decl.name.span, "never used")
                    .with_help("use it in a rule, or remove the declaration")
                    .zh(
                        format!("事实 `{}` 已声明，但没有规则使用", f.name()),
                        &["未被使用"],
                        Some("请在规则中使用它，或删去这条声明"),
                    ),
                );
            }
        }
    }

    /// The source text of a span, for clauses quoted in explanations.
    fn clause(&self, span: Span) -> String {
        self.sources.slice(span).to_string()
    }
}
