//! Part of the check stage: the declarations a policy's rules refer to, and name lookup with suggestions.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use rust_decimal::Decimal;

use crate::ast::{self, FieldKind, FieldType, Ident, MeasureKind, ShapeKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{self, NumberKind};
use crate::span::Span;

/// What kind of value a field or operand holds, for comparisons.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Dim {
    /// A number of a kind.
    Number(NumberKind),
    /// A number written in the policy: fits any number kind; `percent` if written with `%`.
    Literal { percent: bool },
    /// A date.
    Date,
    /// One of a closed set of names.
    Set(Vec<String>),
    /// A key or free text.
    Text,
    /// Yes or no.
    Bool,
    /// A bare name that is not a field: a value of a set or key.
    Symbol,
}

impl Dim {
    /// How the dimension reads in a Chinese message.
    pub fn describe_zh(&self) -> &'static str {
        match self {
            Dim::Number(NumberKind::Count) => "计数",
            Dim::Number(NumberKind::Number) | Dim::Literal { percent: false } => "数值",
            Dim::Number(NumberKind::Percent) | Dim::Literal { percent: true } => "百分比",
            Dim::Number(NumberKind::Points) => "分值",
            Dim::Date => "日期",
            Dim::Set(_) => "类别",
            Dim::Text | Dim::Symbol => "名称",
            Dim::Bool => "是否值",
        }
    }

    /// How the dimension reads in a message: "a percent", "a date".
    pub fn describe(&self) -> &'static str {
        match self {
            Dim::Number(NumberKind::Count) => "a count",
            Dim::Number(NumberKind::Number) => "a number",
            Dim::Number(NumberKind::Percent) | Dim::Literal { percent: true } => "a percent",
            Dim::Number(NumberKind::Points) => "points",
            Dim::Literal { percent: false } => "a number",
            Dim::Date => "a date",
            Dim::Set(_) => "a kind",
            Dim::Text => "a name",
            Dim::Bool => "a yes/no value",
            Dim::Symbol => "a name",
        }
    }
}

/// A declared fact as the checker sees it.
pub(super) struct FactInfo<'a> {
    pub decl: &'a ast::FactDecl,
    pub ir: ir::Fact,
    pub used: Cell<bool>,
}

impl FactInfo<'_> {
    pub fn name(&self) -> &str {
        &self.decl.name.name
    }

    /// A field's dimension; `date` and `note` are implicit on every fact,
    /// `count` on events and `value` on measures, flags and points.
    pub fn field(&self, name: &str) -> Option<Dim> {
        if let Some(f) = self.ir.fields.iter().find(|f| f.name == name) {
            return Some(match &f.kind {
                ir::FieldKind::Persons => Dim::Number(NumberKind::Count),
                ir::FieldKind::Days => Dim::Number(NumberKind::Number),
                ir::FieldKind::Key | ir::FieldKind::Text => Dim::Text,
                ir::FieldKind::Set(values) => Dim::Set(values.clone()),
                ir::FieldKind::Date => Dim::Date,
                ir::FieldKind::Number(k) => Dim::Number(*k),
            });
        }
        match (name, &self.ir.shape) {
            ("date", _) => Some(Dim::Date),
            ("note", _) => Some(Dim::Text),
            ("count", ir::Shape::Event) => Some(Dim::Number(NumberKind::Count)),
            ("value", ir::Shape::Measure(k)) => Some(Dim::Number(*k)),
            ("value", ir::Shape::Flag) => Some(Dim::Bool),
            ("value", ir::Shape::Points { .. }) => Some(Dim::Number(NumberKind::Points)),
            _ => None,
        }
    }

    /// Every field name, implicit ones included, for suggestions.
    pub fn field_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.ir.fields.iter().map(|f| f.name.as_str()).collect();
        names.extend(["date", "note"]);
        match self.ir.shape {
            ir::Shape::Event => names.push("count"),
            _ => names.push("value"),
        }
        names
    }

    /// The key field a measure has one value per, if any.
    pub fn key(&self) -> Option<&str> {
        self.ir
            .fields
            .iter()
            .find(|f| f.kind == ir::FieldKind::Key)
            .map(|f| f.name.as_str())
    }

    pub fn shape_words(&self) -> &'static str {
        match self.ir.shape {
            ir::Shape::Event => "an event",
            ir::Shape::Measure(_) => "a measure",
            ir::Shape::Flag => "a flag",
            ir::Shape::Points { .. } => "a discretionary `points` fact",
        }
    }
}

/// The declarations of a policy.
pub(super) struct Scope<'a> {
    pub facts: Vec<Rc<FactInfo<'a>>>,
    by_name: HashMap<&'a str, usize>,
    pub units: Vec<Ident>,
    pub assessors: Vec<Ident>,
    pub year: Option<i32>,
    pub calendar: Option<ir::Calendar>,
}

impl<'a> Scope<'a> {
    pub fn new() -> Scope<'a> {
        Scope {
            facts: Vec::new(),
            by_name: HashMap::new(),
            units: Vec::new(),
            assessors: Vec::new(),
            year: None,
            calendar: None,
        }
    }

    /// Declares a fact; reports a name declared twice and bad ranges or sets.
    pub fn declare_fact(&mut self, decl: &'a ast::FactDecl, diags: &mut Vec<Diagnostic>) {
        let name = decl.name.name.as_str();
        if let Some(info) = self.by_name.get(name).and_then(|&i| self.facts.get(i)) {
            let first = info.decl.name.span;
            diags.push(duplicate("fact", name, decl.name.span, first));
            return;
        }
        let shape = match &decl.shape.kind {
            ShapeKind::Event => ir::Shape::Event,
            ShapeKind::Flag => ir::Shape::Flag,
            ShapeKind::Measure(k) => ir::Shape::Measure(number_kind(*k)),
            ShapeKind::Points { from, to } => {
                if from.value > to.value || from.value < Decimal::ZERO || from.percent || to.percent
                {
                    diags.push(
                        Diagnostic::error(
                            Code::BadRange,
                            format!("`points from {} to {}` is not a range of points", from.value, to.value),
                        )
                        .with_label(decl.shape.span, "the range")
                        .with_help("write the smaller, non-negative number first, e.g. `points from 0 to 2`")
                        .zh(
                            format!("`酌情分 {} 至 {}` 不是有效范围", from.value, to.value),
                            &["此范围"],
                            Some("请先写较小的非负数，如 `酌情分 0 至 2`"),
                        ),
                    );
                }
                ir::Shape::Points {
                    from: from.value,
                    to: to.value,
                }
            }
        };
        let mut fields: Vec<ir::Field> = Vec::new();
        let mut seen: Vec<&Ident> = Vec::new();
        for f in &decl.fields {
            if let Some(first) = seen.iter().find(|i| i.name == f.name.name) {
                diags.push(duplicate("field", &f.name.name, f.name.span, first.span));
                continue;
            }
            seen.push(&f.name);
            let kind = match &f.kind {
                FieldKind::Plain => match f.name.name.as_str() {
                    "persons" => ir::FieldKind::Persons,
                    "days" => ir::FieldKind::Days,
                    _ => ir::FieldKind::Key,
                },
                FieldKind::Set(values) => {
                    ir::FieldKind::Set(distinct_names(values, "kind", &f.name.name, diags))
                }
                FieldKind::Typed(t) => match t {
                    FieldType::Date => ir::FieldKind::Date,
                    FieldType::Text => ir::FieldKind::Text,
                    FieldType::Number => ir::FieldKind::Number(NumberKind::Number),
                    FieldType::Count => ir::FieldKind::Number(NumberKind::Count),
                    FieldType::Percent => ir::FieldKind::Number(NumberKind::Percent),
                    FieldType::Points => ir::FieldKind::Number(NumberKind::Points),
                },
            };
            fields.push(ir::Field {
                name: f.name.name.clone(),
                kind,
            });
        }
        let ir = ir::Fact {
            name: name.to_string(),
            shape,
            fields,
            description: decl.description.as_ref().map(|d| d.value.clone()),
            span: decl.span,
        };
        self.by_name.insert(name, self.facts.len());
        self.facts.push(Rc::new(FactInfo {
            decl,
            ir,
            used: Cell::new(false),
        }));
    }

    /// Looks a fact up and marks it used; an unknown name is an error with a suggestion.
    pub fn fact(&self, ident: &Ident) -> Result<Rc<FactInfo<'a>>, Diagnostic> {
        match self
            .by_name
            .get(ident.name.as_str())
            .and_then(|&i| self.facts.get(i))
        {
            Some(info) => {
                info.used.set(true);
                Ok(Rc::clone(info))
            }
            None => {
                let mut d = Diagnostic::error(
                    Code::UndeclaredFact,
                    format!("undeclared fact `{}`", ident.name),
                )
                .with_label(ident.span, "no `fact` declares this name");
                let (help, zh_help) =
                    match suggest(&ident.name, self.facts.iter().map(|f| f.name())) {
                        Some(s) => (format!("did you mean `{s}`?"), format!("是否想写 `{s}`？")),
                        None => (
                            format!("declare it, e.g. `fact {}: event`", ident.name),
                            format!("请先声明，如 `事实 {}：事件`", ident.name),
                        ),
                    };
                d = d.with_help(help).zh(
                    format!("未声明的事实 `{}`", ident.name),
                    &["没有 `事实` 声明这个名称"],
                    Some(&zh_help),
                );
                Err(d)
            }
        }
    }

    /// Whether `responsible:` names can be checked: the policy lists its units or assessors.
    pub fn knows_units(&self) -> bool {
        !self.units.is_empty() || !self.assessors.is_empty()
    }

    /// Checks one name of a `responsible:` list.
    pub fn responsible_unit(&self, ident: &Ident) -> Option<Diagnostic> {
        let known = self.units.iter().chain(&self.assessors);
        if !self.knows_units() || known.clone().any(|u| u.name == ident.name) {
            return None;
        }
        let d = Diagnostic::error(
            Code::UndeclaredUnit,
            format!("undeclared unit `{}`", ident.name),
        )
        .with_label(ident.span, "not in `units` or `assessors`");
        let (help, zh_help) = match suggest(&ident.name, known.map(|u| u.name.as_str())) {
            Some(s) => (format!("did you mean `{s}`?"), format!("是否想写 `{s}`？")),
            None => (
                format!("add `{}` to `units` (if it is assessed) or to `assessors` (if it only assesses)", ident.name),
                format!("请把 `{}` 加入 `考核对象`（被考核时）或 `考核主体`（只负责考核时）", ident.name),
            ),
        };
        Some(d.with_help(help).zh(
            format!("未声明的单位 `{}`", ident.name),
            &["不在 `考核对象` 或 `考核主体` 中"],
            Some(&zh_help),
        ))
    }
}

fn number_kind(k: MeasureKind) -> NumberKind {
    match k {
        MeasureKind::Count => NumberKind::Count,
        MeasureKind::Number => NumberKind::Number,
        MeasureKind::Percent => NumberKind::Percent,
        MeasureKind::Points => NumberKind::Points,
    }
}

/// The names of a set, each once; a repeated one is reported.
pub(super) fn distinct_names(
    values: &[Ident],
    what: &str,
    owner: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, v) in values.iter().enumerate() {
        if let Some(first) = values.iter().take(i).find(|f| f.name == v.name) {
            diags.push(
                Diagnostic::error(
                    Code::RepeatedValue,
                    format!("{what} `{}` is listed twice in `{owner}`", v.name),
                )
                .with_label(v.span, "listed again here")
                .with_label(first.span, "first listed here")
                .with_help("remove one of them")
                .zh(
                    format!("`{}` 在 `{owner}` 中重复列出", v.name),
                    &["再次列出", "首次列出"],
                    Some("请删去其中一个"),
                ),
            );
        } else {
            out.push(v.name.clone());
        }
    }
    out
}

/// "`x` declared twice", pointing at both.
pub(super) fn duplicate(what: &str, name: &str, again: Span, first: Span) -> Diagnostic {
    let help = match what {
        "setting" | "calendar" => format!("keep one `{name}`"),
        _ => format!("give each {what} a name of its own, or remove one"),
    };
    Diagnostic::error(
        Code::Duplicate,
        format!("{what} `{name}` is declared twice"),
    )
    .with_label(again, "declared again here")
    .with_label(first, "first declared here")
    .with_help(help)
    .zh(
        format!("`{name}` 重复声明"),
        &["再次声明", "首次声明"],
        Some("每个名称只能声明一次；请改名或删去一处"),
    )
}

/// The candidate closest to `name`, if it is close enough to be a slip.
pub(super) fn suggest<'s>(
    name: &str,
    candidates: impl IntoIterator<Item = &'s str>,
) -> Option<&'s str> {
    let len = name.chars().count();
    let limit = match len {
        0..=2 => 1,
        3..=5 => 2,
        _ => len / 3 + 1,
    };
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| {
            (
                strsim::levenshtein(&name.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(d, c)| *d <= limit && *d < c.chars().count())
        // On a tie, a name that contains the other wins: `财务处` is `计划财务处`, not `保卫处`.
        .min_by_key(|(d, c)| (*d, !(c.contains(name) || name.contains(*c))))
        .map(|(_, c)| c)
}
