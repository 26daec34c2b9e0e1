//! Stage 2′ of the pipeline, back to source: [`ast::Policy`] → canonical policy text, in English or Chinese.
//!
//! `kaohe fmt` writes every statement in one canonical form, keeping the
//! comments, so that parsing the output gives the same tree (spans aside).
//! `--to zh` and `--to en` choose the surface form; both parse to the same
//! AST. A form the Chinese surface cannot say (`per missing … where …`) is
//! written in English: a file may mix the two line by line.

use std::fmt::Write;

use rust_decimal::Decimal;

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
    };
    let mut previous: Option<std::mem::Discriminant<Decl>> = None;
    for decl in &policy.decls {
        // A blank line between kinds of declaration, and before every section.
        let kind = std::mem::discriminant(decl);
        if previous
            .is_some_and(|p| p != kind || matches!(decl, Decl::Section(_) | Decl::Calendar(_)))
        {
            w.out.push('\n');
        }
        previous = Some(kind);
        w.decl(decl);
    }
    w.rest();
    w.out
}

struct Writer<'c> {
    out: String,
    comments: &'c [Comment],
    next: usize,
    lang: Lang,
}

impl Writer<'_> {
    /// Writes one line: the comments above it first, then the line and its trailing comment.
    fn line(&mut self, depth: usize, span: Span, text: &str) {
        let indent = "  ".repeat(depth);
        while let Some(c) = self
            .comments
            .get(self.next)
            .filter(|c| c.line < span.start_line)
        {
            let _ = writeln!(self.out, "{indent}{}", c.text);
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
    }

    fn rest(&mut self) {
        for c in &self.comments[self.next..] {
            let _ = writeln!(self.out, "{}", c.text);
        }
        self.next = self.comments.len();
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
            if let Some(first) = days.first() {
                let list: Vec<String> = days.iter().map(|d| date_range(d, zh)).collect();
                let span = days.last().map_or(first.span, |l| first.span.to(l.span));
                let t = if zh {
                    format!("{word_zh} {}", list.join("、"))
                } else {
                    format!("{word_en} {}", list.join(", "))
                };
                self.line(1, span, &t);
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
        self.line(depth, r.span, &t);
    }
}

/// Every rule form has a Chinese twin except `per missing … where …`.
fn expressible_in_zh(r: &Rule) -> bool {
    !matches!(
        r.body,
        RuleBody::Missing {
            filter: Some(_),
            ..
        }
    )
}

fn en_rule(r: &Rule) -> String {
    let verb = if r.verb == Verb::Deduct {
        "deduct"
    } else {
        "award"
    };
    match &r.body {
        RuleBody::Conditional {
            amount,
            unless,
            condition,
        } => {
            let word = if *unless { "unless" } else { "when" };
            format!(
                "{verb} {} {word} {}",
                number(amount),
                cond(condition, Lang::En, 0)
            )
        }
        RuleBody::Per {
            amount,
            per,
            fact,
            filter,
        } => {
            let pers: Vec<String> = per
                .iter()
                .map(|p| match p {
                    PerUnit::Person(_) => "per person".to_string(),
                    PerUnit::Day(_) => "per day".to_string(),
                    PerUnit::Occurrence(..) => "per occurrence".to_string(),
                    PerUnit::Key(k) => format!("per {}", name(&k.name)),
                })
                .collect();
            let mut t = format!(
                "{verb} {} {} of {}",
                number(amount),
                pers.join(" "),
                name(&fact.name)
            );
            if let Some(f) = filter {
                let _ = write!(t, " where {}", cond(f, Lang::En, 0));
            }
            t
        }
        RuleBody::Missing {
            amount,
            field,
            fact,
            from,
            filter,
        } => {
            let mut t = format!(
                "{verb} {} per missing {} of {}",
                number(amount),
                name(&field.name),
                name(&fact.name)
            );
            if let Some(values) = from {
                let _ = write!(t, " from {}", set(values, ", "));
            }
            if let Some(f) = filter {
                let _ = write!(t, " where {}", cond(f, Lang::En, 0));
            }
            t
        }
        RuleBody::Times { amount, fact } => {
            format!("{verb} {} times {}", number(amount), name(&fact.name))
        }
        RuleBody::Table {
            field,
            fact,
            entries,
        } => {
            let target = match field {
                Some(f) => format!("{} of {}", name(&f.name), name(&fact.name)),
                None => name(&fact.name),
            };
            let rows: Vec<String> = entries
                .iter()
                .map(|e| format!("{} {}", entry_key(&e.key, Lang::En), number(&e.amount)))
                .collect();
            format!("{verb} by {target}: {}", rows.join(", "))
        }
        RuleBody::Discretionary { fact } => format!("{verb} {}", name(&fact.name)),
    }
}

fn zh_rule(r: &Rule) -> String {
    let verb = if r.verb == Verb::Deduct { "扣" } else { "得" };
    match &r.body {
        RuleBody::Conditional {
            amount,
            unless,
            condition,
        } => {
            let not = if *unless { "未 " } else { "" };
            format!(
                "{not}{} 的，{verb}{}分",
                cond(condition, Lang::Zh, 0),
                number(amount)
            )
        }
        RuleBody::Per {
            amount,
            per,
            fact,
            filter,
        } => {
            let pers: String = per
                .iter()
                .map(|p| match p {
                    PerUnit::Person(_) => "每人".to_string(),
                    PerUnit::Day(_) => "每天".to_string(),
                    PerUnit::Occurrence(_, word) => {
                        format!("每{}", word.as_deref().unwrap_or("次"))
                    }
                    PerUnit::Key(k) => format!("每个 {} ", name(&k.name)),
                })
                .collect();
            let head = match filter {
                Some(f) => format!("{} 中 {} 的，", name(&fact.name), cond(f, Lang::Zh, 0)),
                None => format!("{} ", name(&fact.name)),
            };
            format!("{head}{pers}{verb}{}分", number(amount))
        }
        RuleBody::Missing {
            amount,
            field,
            fact,
            from,
            ..
        } => {
            let among = from
                .as_ref()
                .map(|v| format!(" 在 {} 中", set(v, "、")))
                .unwrap_or_default();
            format!(
                "{} 的 {}{among} 每少一类{verb}{}分",
                name(&fact.name),
                name(&field.name),
                number(amount)
            )
        }
        RuleBody::Times { amount, fact } => {
            format!("按 {} 的{}倍{verb}分", name(&fact.name), number(amount))
        }
        RuleBody::Table {
            field,
            fact,
            entries,
        } => {
            let target = match field {
                Some(f) => format!("{} 的 {}", name(&fact.name), zh_field(&f.name)),
                None => name(&fact.name),
            };
            let rows: Vec<String> = entries
                .iter()
                .map(|e| format!("{} {}分", entry_key(&e.key, Lang::Zh), number(&e.amount)))
                .collect();
            format!("按 {target} {verb}分：{}", rows.join("，"))
        }
        RuleBody::Discretionary { fact } => {
            let word = if r.verb == Verb::Deduct {
                "酌情扣分"
            } else {
                "酌情加分"
            };
            format!("{} {word}", name(&fact.name))
        }
    }
}

/// A built-in field in Chinese (`persons` is `人数`, `value` is `数值`, …); other names as they are.
fn zh_field(n: &str) -> String {
    match n {
        "persons" => "人数".into(),
        "days" => "天数".into(),
        "count" => "次数".into(),
        "value" => "数值".into(),
        "date" => "日期".into(),
        "note" => "备注".into(),
        _ => name(n),
    }
}

fn entry_key(k: &EntryKey, lang: Lang) -> String {
    match k {
        EntryKey::Value(v) => name(&v.name),
        EntryKey::Bracket(b) => match (&b.kind, lang) {
            (BracketKind::AtLeast(n), Lang::En) => format!("{} or more", number(n)),
            (BracketKind::AtMost(n), Lang::En) => format!("{} or less", number(n)),
            (BracketKind::Range(a, z), Lang::En) => format!("{} to {}", number(a), number(z)),
            (BracketKind::Below(n), Lang::En) => format!("below {}", number(n)),
            (BracketKind::Above(n), Lang::En) => format!("above {}", number(n)),
            (BracketKind::AtLeast(n), Lang::Zh) => format!("{}以上", number(n)),
            (BracketKind::AtMost(n), Lang::Zh) => format!("{}及以下", number(n)),
            (BracketKind::Range(a, z), Lang::Zh) => format!("{}至{}", number(a), number(z)),
            (BracketKind::Below(n), Lang::Zh) => format!("低于{}", number(n)),
            (BracketKind::Above(n), Lang::Zh) => format!("超过{}", number(n)),
        },
    }
}

/// A condition; `outer` is the binding strength around it (0 none, 1 `or`, 2 `and`, 3 `not`),
/// so that parentheses appear exactly where the tree needs them.
fn cond(c: &Condition, lang: Lang, outer: u8) -> String {
    let zh = lang == Lang::Zh;
    let (strength, s) = match &c.kind {
        ConditionKind::Or(a, b) => (
            1,
            format!(
                "{} {} {}",
                cond(a, lang, 1),
                if zh { "或" } else { "or" },
                cond(b, lang, 2)
            ),
        ),
        ConditionKind::And(a, b) => (
            2,
            format!(
                "{} {} {}",
                cond(a, lang, 2),
                if zh { "且" } else { "and" },
                cond(b, lang, 3)
            ),
        ),
        ConditionKind::Not(a) => (
            3,
            format!("{} {}", if zh { "非" } else { "not" }, cond(a, lang, 3)),
        ),
        ConditionKind::Name(n) => (4, name(&n.name)),
        ConditionKind::EachMonth { at_least, fact } => {
            let s = if zh {
                format!("每月 {} 不少于{}", name(&fact.name), number(at_least))
            } else {
                format!(
                    "each month has at least {} {}",
                    number(at_least),
                    name(&fact.name)
                )
            };
            (4, s)
        }
        ConditionKind::In {
            operand,
            negated,
            set: values,
        } => {
            let s = match (zh, negated) {
                (false, false) => {
                    format!("{} in {}", operand_text(operand, lang), set(values, ", "))
                }
                (false, true) => format!(
                    "{} not in {}",
                    operand_text(operand, lang),
                    set(values, ", ")
                ),
                (true, false) => {
                    format!("{} 属于 {}", operand_text(operand, lang), set(values, "、"))
                }
                (true, true) => format!(
                    "{} 不属于 {}",
                    operand_text(operand, lang),
                    set(values, "、")
                ),
            };
            (4, s)
        }
        ConditionKind::Compare { left, op, right } => {
            let word = match (op, zh) {
                (CompareOp::Lt, false) => "<",
                (CompareOp::Le, false) => "<=",
                (CompareOp::Gt, false) => ">",
                (CompareOp::Ge, false) => ">=",
                (CompareOp::Eq, false) => "=",
                (CompareOp::Ne, false) => "!=",
                (CompareOp::Lt, true) => "低于",
                (CompareOp::Le, true) => "不超过",
                (CompareOp::Gt, true) => "超过",
                (CompareOp::Ge, true) => "不低于",
                (CompareOp::Eq, true) => "为",
                (CompareOp::Ne, true) => "不为",
            };
            (
                4,
                format!(
                    "{} {word} {}",
                    operand_text(left, lang),
                    operand_text(right, lang)
                ),
            )
        }
    };
    if strength < outer {
        format!("({s})")
    } else {
        s
    }
}

fn operand_text(o: &Operand, lang: Lang) -> String {
    match &o.kind {
        OperandKind::Name(n) if lang == Lang::Zh => zh_field(&n.name),
        OperandKind::Name(n) => name(&n.name),
        OperandKind::Number(n) => number(n),
        OperandKind::Date(d) => d.value.to_string(),
        OperandKind::Shifted { base, by, unit } => {
            let sign = if by.value < Decimal::ZERO { "-" } else { "+" };
            let n = by.value.abs().normalize();
            let unit = match (unit, lang) {
                (DurationUnit::Workdays, Lang::En) => " workdays",
                (DurationUnit::Days, Lang::En) => " days",
                (DurationUnit::Workdays, Lang::Zh) => "个工作日",
                (DurationUnit::Days, Lang::Zh) => "天",
            };
            format!("{} {sign} {n}{unit}", operand_text(base, lang))
        }
    }
}

fn number(n: &Number) -> String {
    let pct = if n.percent { "%" } else { "" };
    format!("{}{pct}", n.value.normalize())
}

fn date_range(d: &DateRange, zh: bool) -> String {
    if d.from.value == d.to.value {
        d.from.value.to_string()
    } else if zh {
        format!("{} 至 {}", d.from.value, d.to.value)
    } else {
        format!("{} to {}", d.from.value, d.to.value)
    }
}

fn text(s: &str) -> String {
    if s.contains('"') {
        format!("“{s}”")
    } else {
        format!("\"{s}\"")
    }
}

/// A name as written: bare when the grammar reads it back as one name, else quoted.
fn name(n: &str) -> String {
    const RESERVED: &[&str] = &[
        "and",
        "or",
        "not",
        "of",
        "per",
        "where",
        "when",
        "unless",
        "times",
        "by",
        "cap",
        "once",
        "otherwise",
        "responsible",
        "worth",
        "with",
        "in",
        "from",
        "to",
    ];
    let mut chars = n.chars();
    let bare = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && n.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !RESERVED.contains(&n);
    if bare {
        n.to_string()
    } else {
        text(n)
    }
}

fn names(list: &[Ident], sep: &str) -> String {
    list.iter()
        .map(|i| name(&i.name))
        .collect::<Vec<_>>()
        .join(sep)
}

fn set(values: &[Ident], sep: &str) -> String {
    format!("{{{}}}", names(values, sep))
}

fn measure_en(k: MeasureKind) -> &'static str {
    match k {
        MeasureKind::Count => "count",
        MeasureKind::Number => "number",
        MeasureKind::Percent => "percent",
        MeasureKind::Points => "points",
    }
}

fn measure_zh(k: MeasureKind) -> &'static str {
    match k {
        MeasureKind::Count => "计数",
        MeasureKind::Number => "数值",
        MeasureKind::Percent => "百分比",
        MeasureKind::Points => "分值",
    }
}

fn field_type_en(t: FieldType) -> &'static str {
    match t {
        FieldType::Date => "date",
        FieldType::Number => "number",
        FieldType::Count => "count",
        FieldType::Percent => "percent",
        FieldType::Points => "points",
        FieldType::Text => "text",
    }
}

fn field_type_zh(t: FieldType) -> &'static str {
    match t {
        FieldType::Date => "日期",
        FieldType::Number => "数值",
        FieldType::Count => "计数",
        FieldType::Percent => "百分比",
        FieldType::Points => "分值",
        FieldType::Text => "文本",
    }
}

/// The span of the first line of a node (a section's header, not its rules).
fn first_line(span: Span) -> Span {
    Span {
        end_line: span.start_line,
        ..span
    }
}
