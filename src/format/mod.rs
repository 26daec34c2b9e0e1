//! Stage 2′ of the pipeline, back to source: [`ast::Policy`] → canonical policy text, in English or Chinese.
//!
//! `kaohe fmt` writes every statement in one canonical form, keeping the
//! comments, so that parsing the output gives the same tree (spans aside).
//! `--to zh` and `--to en` choose the surface form; both parse to the same
//! AST. A form the Chinese surface cannot say (`per missing … where …`) is
//! written in English: a file may mix the two line by line.

use std::fmt::Write;

mod align;
mod compact;
mod rules;
mod terms;

use rules::*;
use terms::*;

use crate::ast::*;
use crate::parse::Comment;
use crate::span::Span;

/// The surface form to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// `deduct 0.1 per person per occurrence of late`.
    En,
    /// `late 每人每次扣0.1分`.
    Zh,
}

/// The form a file mostly uses: Chinese if its sections or facts are written in Chinese.
pub fn guess_lang(source: &str) -> Lang {
    let starting = |words: &[&str]| {
        source
            .lines()
            .map(str::trim_start)
            .filter(|l| words.iter().any(|k| l.starts_with(k)))
            .count()
    };
    if starting(&["板块", "加分板块", "事实", "项目", "考核方案"])
        > starting(&["section", "bonus section", "fact", "item", "policy"])
    {
        Lang::Zh
    } else {
        Lang::En
    }
}

/// Writes a policy in canonical form, with its comments.
pub fn format(policy: &Policy, comments: &[Comment], lang: Lang) -> String {
    let mut w = Writer {
        out: String::new(),
        comments,
        next: 0,
        lang,
        lines: 0,
        zh_rules: Vec::new(),
        hanging: Vec::new(),
    };
    for decl in &policy.decls {
        // The drafter's blank lines are kept (see `line`); every section and calendar has one
        // before it.
        if matches!(decl, Decl::Section(_) | Decl::Calendar(_)) {
            w.blank();
        }
        w.decl(decl);
    }
    w.rest();
    // One newline at the end, whatever blank lines the file ended with.
    while w.out.ends_with("\n\n") {
        w.out.pop();
    }
    let text = if w.zh_rules.is_empty() {
        w.out
    } else {
        compact::compact_rules(&w.out, &w.zh_rules)
    };
    align::align(&text, &w.hanging)
}

struct Writer<'c> {
    out: String,
    comments: &'c [Comment],
    next: usize,
    lang: Lang,
    /// Lines written so far.
    lines: usize,
    /// The lines (0-based) of rules written in Chinese, to compact.
    zh_rules: Vec<usize>,
    /// The lines (0-based) of comments that go on with the comment above them.
    hanging: Vec<usize>,
}

impl Writer<'_> {
    /// Writes one line: the comments above it first, then the line and its trailing comment;
    /// returns the line's index.
    fn line(&mut self, depth: usize, span: Span, text: &str) -> usize {
        let indent = "  ".repeat(depth);
        while let Some(c) = self
            .comments
            .get(self.next)
            .filter(|c| c.line < span.start_line)
        {
            self.own_line_comment(c, &indent);
            self.next += 1;
        }
        self.out.push_str(&indent);
        self.out.push_str(text);
        while let Some(c) = self
            .comments
            .get(self.next)
            .filter(|c| !c.own_line && c.line <= span.end_line)
        {
            self.out.push_str("  ");
            self.out.push_str(&c.text);
            self.next += 1;
        }
        self.out.push('\n');
        self.lines += 1;
        self.lines - 1
    }

    fn rest(&mut self) {
        let comments = self.comments;
        for c in comments.iter().skip(self.next) {
            self.own_line_comment(c, "");
        }
        self.next = self.comments.len();
    }

    /// A comment alone on its line (a blank line if it is one), at `indent`; one that goes on
    /// with the comment ending the line above is noted, to stay under it.
    fn own_line_comment(&mut self, c: &Comment, indent: &str) {
        if c.text.is_empty() {
            self.blank();
            return;
        }
        if c.hang {
            self.hanging.push(self.lines);
        }
        let _ = writeln!(self.out, "{indent}{}", c.text);
        self.lines += 1;
    }

    /// A blank line, unless the text is empty or already ends with one.
    fn blank(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
            self.lines += 1;
        }
    }

    fn zh(&self) -> bool {
        self.lang == Lang::Zh
    }

    fn decl(&mut self, decl: &Decl) {
        match decl {
            Decl::Policy(p) => {
                let word = if self.zh() { "考核方案" } else { "policy" };
                self.line(
                    0,
                    first_line(p.span),
                    &format!("{word} {}", text(&p.name.value)),
                );
                for s in &p.settings {
                    self.setting(1, s);
                }
            }
            Decl::Setting(s) => self.setting(0, s),
            Decl::Units(u) => {
                let t = if self.zh() {
                    format!("考核对象：{}", names(&u.units, "、"))
                } else {
                    format!("units {}", names(&u.units, ", "))
                };
                self.line(0, u.span, &t);
            }
            Decl::Assessors(u) => {
                let t = if self.zh() {
                    format!("考核主体：{}", names(&u.units, "、"))
                } else {
                    format!("assessors {}", names(&u.units, ", "))
                };
                self.line(0, u.span, &t);
            }
            Decl::Fact(f) => self.fact(f),
            Decl::Calendar(c) => self.calendar(c),
            Decl::Section(s) => self.section(s),
            Decl::Grade(g) => {
                let t = self.grade(g);
                self.line(0, g.span, &t);
            }
            Decl::Veto(v) => {
                let t = if self.zh() {
                    format!(
                        "一票否决：{} 的，等次为{}",
                        cond(&v.condition, Lang::Zh, 0),
                        name(&v.grade.name)
                    )
                } else {
                    format!(
                        "veto when {}, grade {}",
                        cond(&v.condition, Lang::En, 0),
                        name(&v.grade.name)
                    )
                };
                self.line(0, v.span, &t);
            }
            Decl::Prize(p) => {
                let t = self.prize(p);
                self.line(0, p.span, &t);
            }
        }
    }

    fn setting(&mut self, depth: usize, s: &Setting) {
        let (en, zh, n) = match &s.kind {
            SettingKind::Year(n) => ("year", "年度", n),
            SettingKind::Total(n) => ("total", "总分", n),
            SettingKind::Bonus(n) => ("bonus", "附加分", n),
        };
        let word = if self.zh() { zh } else { en };
        self.line(depth, s.span, &format!("{word} {}", number(n)));
    }

    fn fact(&mut self, f: &FactDecl) {
        let zh = self.zh();
        let shape = match (&f.shape.kind, zh) {
            (ShapeKind::Event, false) => "event".to_string(),
            (ShapeKind::Event, true) => "事件".to_string(),
            (ShapeKind::Flag, false) => "flag".to_string(),
            (ShapeKind::Flag, true) => "是否".to_string(),
            (ShapeKind::Measure(k), false) => format!("measure {}", measure_en(*k)),
            (ShapeKind::Measure(k), true) => format!("指标 {}", measure_zh(*k)),
            (ShapeKind::Points { from, to }, false) => {
                format!("points from {} to {}", number(from), number(to))
            }
            (ShapeKind::Points { from, to }, true) => {
                format!("酌情分 {} 至 {}", number(from), number(to))
            }
        };
        let fields: Vec<String> = f.fields.iter().map(|x| self.field(x)).collect();
        let mut t = if zh {
            format!("事实 {}：{shape}", name(&f.name.name))
        } else {
            format!("fact {}: {shape}", name(&f.name.name))
        };
        if !fields.is_empty() {
            if zh {
                let _ = write!(t, "，含 {}", fields.join("、"));
            } else {
                let _ = write!(t, " with {}", fields.join(", "));
            }
        }
        if let Some(d) = &f.description {
            let _ = write!(t, " {}", text(&d.value));
        }
        self.line(0, f.span, &t);
    }

    fn field(&self, f: &FieldDecl) -> String {
        let n = self.field_name(&f.name.name);
        match (&f.kind, self.zh()) {
            (FieldKind::Plain, _) => n,
            (FieldKind::Set(values), false) => format!("{n} in {}", set(values, ", ")),
            (FieldKind::Set(values), true) => format!("{n} 取 {}", set(values, "、")),
            (FieldKind::Typed(t), false) => format!("{n}: {}", field_type_en(*t)),
            (FieldKind::Typed(t), true) => format!("{n}：{}", field_type_zh(*t)),
        }
    }

    /// `persons` and `days` read `人数` and `天数` in Chinese.
    fn field_name(&self, n: &str) -> String {
        if self.zh() {
            zh_field(n)
        } else {
            name(n)
        }
    }

    fn calendar(&mut self, c: &Calendar) {
        let zh = self.zh();
        self.line(
            0,
            first_line(c.span),
            if zh { "工作日历" } else { "calendar" },
        );
        for (word_en, word_zh, days) in [
            ("holidays", "节假日", &c.holidays),
            ("workdays", "调休上班", &c.workdays),
        ] {
            // One line for each line the drafter wrote.
            for group in days.chunk_by(|a, b| a.span.start_line == b.span.start_line) {
                let (Some(first), Some(last)) = (group.first(), group.last()) else {
                    continue;
                };
                let list: Vec<String> = group.iter().map(|d| date_range(d, zh)).collect();
                let t = if zh {
                    format!("{word_zh} {}", list.join("、"))
                } else {
                    format!("{word_en} {}", list.join(", "))
                };
                self.line(1, first.span.to(last.span), &t);
            }
        }
    }

    fn section(&mut self, s: &Section) {
        let zh = self.zh();
        let mut t = match (s.bonus, zh) {
            (true, false) => format!("bonus section {}", text(&s.name.value)),
            (false, false) => format!("section {}", text(&s.name.value)),
            (true, true) => format!("加分板块 {}", text(&s.name.value)),
            (false, true) => format!("板块 {}", text(&s.name.value)),
        };
        t.push_str(&self.worth(s.worth.as_ref()));
        t.push_str(&self.responsible(s.responsible.as_ref()));
        self.line(0, first_line(s.span), &t);
        // Rules and items in the order written.
        let mut opened = None;
        let mut rules = s.rules.iter().peekable();
        for item in &s.items {
            while let Some(r) = rules.next_if(|r| r.span.start < item.span.start) {
                self.grouped_rule(1, r, &s.groups, &mut opened);
            }
            opened = None;
            self.item(item);
        }
        for r in rules {
            self.grouped_rule(1, r, &s.groups, &mut opened);
        }
    }

    fn grade(&self, g: &GradeDecl) -> String {
        let zh = self.zh();
        let mut terms: Vec<String> = Vec::new();
        if let Some(q) = &g.quota {
            let rounding = match (q.rounding, zh) {
                (Rounding::Down, _) => "",
                (Rounding::Up, false) => " rounded up",
                (Rounding::HalfUp, false) => " rounded half up",
                (Rounding::Up, true) => "向上取整",
                (Rounding::HalfUp, true) => "四舍五入",
            };
            terms.push(match (zh, q.limit.percent) {
                (false, _) => format!("top {}{rounding}", number(&q.limit)),
                (true, true) => format!("前{}{rounding}", number(&q.limit)),
                (true, false) => format!("前{}名{rounding}", number(&q.limit)),
            });
        }
        if let Some((n, inclusive)) = &g.threshold {
            terms.push(match (zh, inclusive) {
                (false, true) => format!("at least {}", number(n)),
                (false, false) => format!("above {}", number(n)),
                (true, true) => format!("不低于{}分", number(n)),
                (true, false) => format!("超过{}分", number(n)),
            });
        }
        let terms = match (terms.is_empty(), zh) {
            (true, false) => "otherwise".to_string(),
            (true, true) => "其余".to_string(),
            (false, false) => terms.join(" and "),
            (false, true) => terms.join("且"),
        };
        let ties = match (&g.ties_by, zh) {
            (None, _) => String::new(),
            (Some(t), false) => format!(", ties by {}", text(&t.value)),
            (Some(t), true) => format!("，同分按 {} 得分排序", text(&t.value)),
        };
        if zh {
            format!("等次 {}：{terms}{ties}", name(&g.name.name))
        } else {
            format!("grade {} {terms}{ties}", name(&g.name.name))
        }
    }

    fn prize(&self, p: &PrizeDecl) -> String {
        let title = text(&p.name.value);
        match (&p.to, self.zh()) {
            (PrizeTo::Top { count, section }, false) => {
                let section = section
                    .as_ref()
                    .map(|s| format!(" in section {}", text(&s.value)))
                    .unwrap_or_default();
                format!("prize {title} to the top {}{section}", number(count))
            }
            (PrizeTo::Top { count, section }, true) => {
                let section = section
                    .as_ref()
                    .map(|s| format!(" 在板块 {}", text(&s.value)))
                    .unwrap_or_default();
                format!("奖项 {title}：前{}名{section}", number(count))
            }
            (PrizeTo::MostImproved { each_section }, false) => {
                let each = if *each_section {
                    " in each section"
                } else {
                    ""
                };
                format!("prize {title} to the most improved{each} against previous")
            }
            (PrizeTo::MostImproved { each_section }, true) => {
                let each = if *each_section { "各板块" } else { "" };
                format!("奖项 {title}：{each}较上年进步最大")
            }
        }
    }

    /// A rule, with the line of its group before the group's first rule, and indented under it.
    fn grouped_rule(
        &mut self,
        depth: usize,
        r: &Rule,
        groups: &[RuleGroup],
        opened: &mut Option<usize>,
    ) {
        let Some(g) = r.group else {
            *opened = None;
            self.rule(depth, r);
            return;
        };
        if *opened != Some(g) {
            if let Some(group) = groups.get(g) {
                let t = match (&group.kind, self.zh()) {
                    (GroupKind::Highest, false) => "the highest of".to_string(),
                    (GroupKind::Highest, true) => "以下取最高一项".to_string(),
                    (GroupKind::Together { cap }, false) => {
                        format!("together, cap {}", number(cap))
                    }
                    (GroupKind::Together { cap }, true) => {
                        let verb = if r.verb == Verb::Deduct { "扣" } else { "得" };
                        format!("以下合计最多{verb}{}分", number(cap))
                    }
                };
                self.line(depth, group.span, &t);
            }
            *opened = Some(g);
        }
        self.rule(depth + 1, r);
    }

    fn item(&mut self, i: &Item) {
        let mut t = if self.zh() {
            format!("项目 {}", text(&i.name.value))
        } else {
            format!("item {}", text(&i.name.value))
        };
        t.push_str(&self.worth(i.worth.as_ref()));
        t.push_str(&self.responsible(i.responsible.as_ref()));
        self.line(1, first_line(i.span), &t);
        let mut opened = None;
        for r in &i.rules {
            self.grouped_rule(2, r, &i.groups, &mut opened);
        }
    }

    fn worth(&self, w: Option<&Number>) -> String {
        match (w, self.zh()) {
            (None, _) => String::new(),
            (Some(w), false) => format!(" worth {}", number(w)),
            (Some(w), true) => format!(" {}分", number(w)),
        }
    }

    fn responsible(&self, r: Option<&Responsible>) -> String {
        match (r, self.zh()) {
            (None, _) => String::new(),
            (Some(r), false) => format!(", responsible: {}", names(&r.units, ", ")),
            (Some(r), true) => format!("，考核部门：{}", names(&r.units, "、")),
        }
    }

    fn rule(&mut self, depth: usize, r: &Rule) {
        let zh = self.zh() && expressible_in_zh(r);
        let mut t = if zh { zh_rule(r) } else { en_rule(r) };
        let sep = if zh { "，" } else { ", " };
        let verb_zh = if r.verb == Verb::Deduct { "扣" } else { "得" };
        if let Some(c) = &r.cap {
            if zh {
                let word = if r.verb == Verb::Deduct {
                    "最多扣"
                } else {
                    "最高得"
                };
                let _ = write!(t, "{sep}{word}{}分", number(c));
            } else {
                let _ = write!(t, "{sep}cap {}", number(c));
            }
        }
        if let Some(k) = &r.once_per {
            if zh {
                let _ = write!(t, "{sep}同一 {} 不累计扣分", name(&k.name));
            } else {
                let _ = write!(t, "{sep}once per {}", name(&k.name));
            }
        }
        if let Some(o) = &r.otherwise {
            if zh {
                let _ = write!(t, "{sep}否则{verb_zh}{}分", number(o));
            } else {
                let _ = write!(t, "{sep}otherwise {}", number(o));
            }
        }
        if let Some(c) = &r.only_if {
            if zh {
                let _ = write!(t, "{sep}仅当 {}", cond(c, Lang::Zh, 0));
            } else {
                let _ = write!(t, "{sep}only if {}", cond(c, Lang::En, 0));
            }
        }
        if let Some(resp) = &r.responsible {
            if zh {
                let _ = write!(t, "{sep}考核部门：{}", names(&resp.units, "、"));
            } else {
                let _ = write!(t, "{sep}responsible: {}", names(&resp.units, ", "));
            }
        }
        let at = self.line(depth, r.span, &t);
        if zh {
            self.zh_rules.push(at);
        }
    }
}
