//! Part of the parse stage: nests the statements of a file by indentation into an [`ast::Policy`].

use crate::ast::{self, Calendar, DateRange, Decl, Item, PolicyHeader, Responsible, Section};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;

/// What one logical line says, before it is placed in the tree.
// Statements live for one line each; boxing the large ones would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(super) enum Stmt {
    Policy(PolicyHeader),
    Setting(ast::Setting),
    Units(ast::UnitsDecl),
    Assessors(ast::UnitsDecl),
    Fact(ast::FactDecl),
    Calendar(Span),
    Holidays(Vec<DateRange>, Span),
    Workdays(Vec<DateRange>, Span),
    Section(Section),
    Item(Item),
    Responsible(Responsible),
    Rule(ast::Rule),
    Group(ast::RuleGroup),
    Grade(ast::GradeDecl),
    Veto(ast::VetoDecl),
    Prize(ast::PrizeDecl),
}

/// A line that may still receive indented lines.
#[allow(clippy::large_enum_variant)]
enum Open {
    Policy(PolicyHeader),
    Calendar(Calendar),
    Section(Section),
    Item(Item),
    Rule(ast::Rule),
    /// A group line and the rules indented under it so far.
    Group(ast::RuleGroup, Vec<ast::Rule>),
    /// A line that takes no children; `what` names it in messages.
    Leaf {
        what: &'static str,
        span: Span,
    },
    /// A line that was reported; lines under it are dropped silently.
    Broken,
}

struct Builder<'d> {
    decls: Vec<Decl>,
    stack: Vec<(usize, Open)>,
    diags: &'d mut Vec<Diagnostic>,
}

/// Builds the policy from `(indent, statement)` pairs; `None` marks a line that failed to parse.
pub(super) fn build(
    lines: Vec<(usize, Option<Stmt>)>,
    whole: Span,
    diags: &mut Vec<Diagnostic>,
) -> ast::Policy {
    let mut b = Builder {
        decls: Vec::new(),
        stack: Vec::new(),
        diags,
    };
    for (indent, stmt) in lines {
        while b.stack.last().is_some_and(|(i, _)| *i >= indent) {
            b.close();
        }
        match stmt {
            Some(stmt) => b.place(indent, stmt),
            None => b.stack.push((indent, Open::Broken)),
        }
    }
    while !b.stack.is_empty() {
        b.close();
    }
    ast::Policy {
        decls: b.decls,
        span: whole,
    }
}

impl Builder<'_> {
    /// Pops the innermost open line and attaches it to its parent.
    fn close(&mut self) {
        let Some((_, open)) = self.stack.pop() else {
            return;
        };
        match open {
            Open::Policy(p) => self.decls.push(Decl::Policy(p)),
            Open::Calendar(c) => self.decls.push(Decl::Calendar(c)),
            Open::Section(s) => self.decls.push(Decl::Section(s)),
            Open::Item(item) => {
                if let Some((_, Open::Section(s))) = self.stack.last_mut() {
                    s.span = s.span.to(item.span);
                    s.items.push(item);
                }
            }
            Open::Rule(rule) => match self.stack.last_mut() {
                Some((_, Open::Section(s))) => {
                    s.span = s.span.to(rule.span);
                    s.rules.push(rule);
                }
                Some((_, Open::Item(i))) => {
                    i.span = i.span.to(rule.span);
                    i.rules.push(rule);
                }
                // The group's span stays its header line: it is the clause explanations quote.
                Some((_, Open::Group(_, rules))) => rules.push(rule),
                _ => {}
            },
            Open::Group(group, rules) => {
                let (groups, owner_rules, span) = match self.stack.last_mut() {
                    Some((_, Open::Section(s))) => (&mut s.groups, &mut s.rules, &mut s.span),
                    Some((_, Open::Item(i))) => (&mut i.groups, &mut i.rules, &mut i.span),
                    _ => return,
                };
                *span = rules.iter().fold(span.to(group.span), |s, r| s.to(r.span));
                let index = groups.len();
                groups.push(group);
                owner_rules.extend(rules.into_iter().map(|mut r| {
                    r.group = Some(index);
                    r
                }));
            }
            Open::Leaf { .. } | Open::Broken => {}
        }
    }

    fn place(&mut self, indent: usize, stmt: Stmt) {
        // Top-level lines may be indented under `policy` or `calendar`: close those first.
        let top_level = matches!(
            stmt,
            Stmt::Policy(_)
                | Stmt::Units(_)
                | Stmt::Assessors(_)
                | Stmt::Fact(_)
                | Stmt::Calendar(_)
                | Stmt::Section(_)
                | Stmt::Grade(_)
                | Stmt::Veto(_)
                | Stmt::Prize(_)
        );
        while top_level
            && matches!(
                self.stack.last(),
                Some((_, Open::Policy(_) | Open::Calendar(_)))
            )
        {
            self.close();
        }
        if matches!(self.stack.last(), Some((_, Open::Broken))) {
            self.stack.push((indent, Open::Broken));
            return;
        }
        if let Some((_, Open::Leaf { what, span })) = self.stack.last() {
            let (what, parent) = (*what, *span);
            let span = stmt_span(&stmt);
            self.diags.push(
                Diagnostic::error(Code::Misplaced, "unexpected indentation")
                    .with_label(span, "this line is indented further than the line above")
                    .with_label(parent, format!("{what} cannot contain other lines"))
                    .with_help("indent this line like the line above it")
                    .zh(
                        "缩进有误",
                        &["此行比上一行缩进更深", "上一行之下不能包含其他行"],
                        Some("请与上一行对齐缩进"),
                    ),
            );
            self.stack.push((indent, Open::Broken));
            return;
        }
        let parent = self.stack.last_mut().map(|(_, open)| open);
        let open = match (parent, stmt) {
            (None, Stmt::Policy(p)) => Open::Policy(p),
            (None | Some(Open::Policy(_)), Stmt::Setting(s)) => {
                let span = s.span;
                match self.stack.last_mut() {
                    Some((_, Open::Policy(p))) => {
                        p.span = p.span.to(span);
                        p.settings.push(s);
                    }
                    _ => self.decls.push(Decl::Setting(s)),
                }
                Open::Leaf {
                    what: "a setting",
                    span,
                }
            }
            (None, Stmt::Assessors(u)) => {
                let span = u.span;
                self.decls.push(Decl::Assessors(u));
                Open::Leaf {
                    what: "an `assessors` line",
                    span,
                }
            }
            (None, Stmt::Units(u)) => {
                let span = u.span;
                self.decls.push(Decl::Units(u));
                Open::Leaf {
                    what: "a `units` line",
                    span,
                }
            }
            (None, Stmt::Fact(f)) => {
                let span = f.span;
                self.decls.push(Decl::Fact(f));
                Open::Leaf {
                    what: "a fact declaration",
                    span,
                }
            }
            (None, Stmt::Grade(g)) => {
                let span = g.span;
                self.decls.push(Decl::Grade(g));
                Open::Leaf {
                    what: "a grade",
                    span,
                }
            }
            (None, Stmt::Veto(v)) => {
                let span = v.span;
                self.decls.push(Decl::Veto(v));
                Open::Leaf {
                    what: "a veto",
                    span,
                }
            }
            (None, Stmt::Prize(p)) => {
                let span = p.span;
                self.decls.push(Decl::Prize(p));
                Open::Leaf {
                    what: "a prize",
                    span,
                }
            }
            (None, Stmt::Calendar(span)) => Open::Calendar(Calendar {
                holidays: Vec::new(),
                workdays: Vec::new(),
                span,
            }),
            (Some(Open::Calendar(c)), Stmt::Holidays(dates, span)) => {
                c.span = c.span.to(span);
                c.holidays.extend(dates);
                Open::Leaf {
                    what: "a `holidays` line",
                    span,
                }
            }
            (Some(Open::Calendar(c)), Stmt::Workdays(dates, span)) => {
                c.span = c.span.to(span);
                c.workdays.extend(dates);
                Open::Leaf {
                    what: "a `workdays` line",
                    span,
                }
            }
            (None, Stmt::Section(s)) => Open::Section(s),
            (Some(Open::Section(_)), Stmt::Item(i)) => Open::Item(i),
            (Some(Open::Section(_) | Open::Item(_) | Open::Group(..)), Stmt::Rule(r)) => {
                Open::Rule(r)
            }
            (Some(Open::Section(_) | Open::Item(_)), Stmt::Group(g)) => Open::Group(g, Vec::new()),
            (
                Some(parent @ (Open::Section(_) | Open::Item(_) | Open::Rule(_))),
                Stmt::Responsible(r),
            ) => {
                let span = r.span;
                let (slot, owner_span) = match parent {
                    Open::Section(s) => (&mut s.responsible, &mut s.span),
                    Open::Item(i) => (&mut i.responsible, &mut i.span),
                    Open::Rule(rule) => (&mut rule.responsible, &mut rule.span),
                    _ => return,
                };
                if let Some(first) = slot {
                    let first = first.span;
                    self.diags.push(
                        Diagnostic::error(Code::DuplicateClause, "`responsible:` given twice")
                            .with_label(span, "given again here")
                            .with_label(first, "first given here")
                            .with_help("list every responsible unit in one `responsible:`")
                            .zh(
                                "`考核部门：` 写了两次",
                                &["再次出现", "首次出现"],
                                Some("请把所有考核部门写在一个 `考核部门：` 中"),
                            ),
                    );
                } else {
                    *owner_span = owner_span.to(span);
                    *slot = Some(r);
                }
                Open::Leaf {
                    what: "a `responsible:` line",
                    span,
                }
            }
            (parent, stmt) => {
                let in_section = matches!(
                    parent,
                    Some(Open::Section(_) | Open::Item(_) | Open::Rule(_))
                );
                self.diags.push(misplaced(&stmt, in_section));
                Open::Broken
            }
        };
        self.stack.push((indent, open));
    }
}

fn misplaced(stmt: &Stmt, nested: bool) -> Diagnostic {
    let span = stmt_span(stmt);
    // English message, label, help; then the Chinese.
    let [message, label, help, zh_message, zh_label, zh_help] = match stmt {
        Stmt::Rule(_) if nested => [
            "a rule cannot be indented under another rule",
            "indented under the rule above",
            "indent this rule like the rule above it",
            "规则不能缩进在另一条规则之下",
            "缩进在上一条规则之下",
            "请与上一条规则对齐缩进",
        ],
        Stmt::Rule(_) => [
            "a rule must be inside a section or an item",
            "this rule belongs to no section",
            "indent it under a `section` or `item` line",
            "规则必须位于板块或项目之内",
            "此规则不属于任何板块",
            "请将其缩进到 `板块` 或 `项目` 行之下",
        ],
        Stmt::Item(_) if nested => [
            "an item cannot be inside an item or a rule",
            "indented too far",
            "indent `item` lines one step under their `section`",
            "项目不能位于项目或规则之内",
            "缩进过深",
            "`项目` 行应比其 `板块` 行多缩进一级",
        ],
        Stmt::Item(_) => [
            "an item must be inside a section",
            "this item belongs to no section",
            "indent it under a `section` line",
            "项目必须位于板块之内",
            "此项目不属于任何板块",
            "请将其缩进到 `板块` 行之下",
        ],
        Stmt::Section(_) => [
            "a section cannot be inside another section",
            "indented under a section",
            "start `section` lines at the left margin; use `item` for a part of a section",
            "板块不能位于另一个板块之内",
            "缩进在板块之下",
            "`板块` 行应顶格书写；板块的组成部分请用 `项目`",
        ],
        Stmt::Holidays(..) | Stmt::Workdays(..) => [
            "`holidays` and `workdays` must be under a `calendar` line",
            "no `calendar` above",
            "add a `calendar` line above and indent this line under it",
            "`节假日` 和 `调休上班` 必须位于 `工作日历` 之下",
            "上方没有 `工作日历`",
            "请在上方加一行 `工作日历`，并将此行缩进到其下",
        ],
        Stmt::Group(_) => [
            "a group line must be directly under a section or an item",
            "not under a section or an item",
            "indent `the highest of` or `together, cap N` under a `section` or `item`, and its rules under it",
            "规则组必须直接位于板块或项目之下",
            "不在板块或项目之下",
            "请把 `以下取最高一项` 或 `以下合计最多扣N分` 缩进到 `板块` 或 `项目` 之下，再把规则缩进到其下",
        ],
        Stmt::Responsible(_) => [
            "`responsible:` must be under a section, an item or a rule",
            "nothing to be responsible for here",
            "put it on the `section`, `item` or rule line, or indent it under one",
            "`考核部门：` 必须位于板块、项目或规则之下",
            "此处没有可负责的内容",
            "请写在 `板块`、`项目` 或规则行上，或缩进到其下",
        ],
        Stmt::Policy(_)
        | Stmt::Setting(_)
        | Stmt::Units(_)
        | Stmt::Assessors(_)
        | Stmt::Fact(_)
        | Stmt::Grade(_)
        | Stmt::Veto(_)
        | Stmt::Prize(_)
        | Stmt::Calendar(_) => [
            "a declaration cannot be inside a section",
            "indented under a section",
            "start declarations at the left margin, before the sections",
            "声明不能位于板块之内",
            "缩进在板块之下",
            "声明应顶格书写，放在各板块之前",
        ],
    };
    Diagnostic::error(Code::Misplaced, message)
        .with_label(span, label)
        .with_help(help)
        .zh(zh_message, &[zh_label], Some(zh_help))
}

fn stmt_span(stmt: &Stmt) -> Span {
    match stmt {
        Stmt::Policy(p) => p.span,
        Stmt::Setting(s) => s.span,
        Stmt::Units(u) | Stmt::Assessors(u) => u.span,
        Stmt::Fact(f) => f.span,
        Stmt::Calendar(span) | Stmt::Holidays(_, span) | Stmt::Workdays(_, span) => *span,
        Stmt::Section(s) => s.span,
        Stmt::Item(i) => i.span,
        Stmt::Responsible(r) => r.span,
        Stmt::Rule(r) => r.span,
        Stmt::Group(g) => g.span,
        Stmt::Grade(g) => g.span,
        Stmt::Veto(v) => v.span,
        Stmt::Prize(p) => p.span,
    }
}
