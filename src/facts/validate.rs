//! Part of the facts stage: one raw row → a typed [`Row`], or diagnostics naming file, line and column.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::problem::{
    self, bad_date, bad_number, kind_words, missing, negative, outside_year, short, shown, Problem,
    Reported,
};
use super::read::FileContext;
use super::{Row, Value};
use crate::check::suggest_name;
use crate::diagnostic::Code;
use crate::ir::{self, FieldKind, NumberKind, Shape};

/// The cells of one raw row, from CSV, JSON Lines or a spreadsheet.
pub(super) struct Cells<'a> {
    /// Column name and value, in file order.
    cells: Vec<(&'a str, std::borrow::Cow<'a, str>)>,
    /// The row's text as written (JSON Lines) or as CSV would write it.
    text: Option<&'a str>,
    /// Columns whose cell is a spreadsheet number (Excel stores 85% as 0.85).
    numbers: Vec<&'a str>,
}

impl<'a> Cells<'a> {
    pub fn csv(header: &'a [String], record: &'a csv::StringRecord) -> Cells<'a> {
        let cells = header
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.as_str(), v.into()))
            .collect();
        Cells {
            cells,
            text: None,
            numbers: Vec::new(),
        }
    }

    /// A spreadsheet row: `numbers` names the columns whose cell is a number, not text.
    pub fn sheet(header: &'a [String], values: &'a [String], numbers: Vec<&'a str>) -> Cells<'a> {
        let cells = header
            .iter()
            .zip(values)
            .map(|(h, v)| (h.as_str(), v.as_str().into()))
            .collect();
        Cells {
            cells,
            text: None,
            numbers,
        }
    }

    /// Whether a column's cell is a spreadsheet number.
    fn is_number(&self, column: &str) -> bool {
        self.numbers.contains(&column)
    }

    pub fn json(text: &'a str, object: &'a [(String, serde_json::Value)]) -> Cells<'a> {
        let cells = object
            .iter()
            .map(|(k, v)| {
                let value: std::borrow::Cow<str> = match v {
                    serde_json::Value::String(s) => s.as_str().into(),
                    serde_json::Value::Null => "".into(),
                    other => other.to_string().into(),
                };
                (super::canonical_column(k), value)
            })
            .collect();
        Cells {
            cells,
            text: Some(text),
            numbers: Vec::new(),
        }
    }

    /// A cell's trimmed value; an empty cell is `None`.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.cells
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn has_column(&self, column: &str) -> bool {
        self.text.is_some() || self.cells.iter().any(|(c, _)| *c == column)
    }

    /// The row's text and the byte range of each cell in it.
    fn layout(&self) -> (String, Vec<(usize, usize)>) {
        // A JSON line is shown as written, unless it is too long to show whole.
        if let Some(text) = self.text.filter(|t| t.len() <= 400) {
            let ranges = self
                .cells
                .iter()
                .map(|(c, _)| {
                    let key = format!("\"{c}\"");
                    match text.find(&key) {
                        Some(start) => {
                            let rest = &text[start..];
                            let end = rest.find([',', '}']).map_or(text.len(), |e| start + e);
                            (start, end)
                        }
                        None => (0, text.len()),
                    }
                })
                .collect();
            return (text.to_string(), ranges);
        }
        let mut line = String::new();
        let mut ranges = Vec::new();
        for (i, (_, v)) in self.cells.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            let start = line.len();
            // A 10 MB cell is shown by its first few dozen characters.
            let v = shown(&short(v)).into_owned();
            if v.contains([',', '"', '\n', '\r']) {
                line.push('"');
                line.push_str(&v.replace('"', "\"\"").replace(['\n', '\r'], " "));
                line.push('"');
            } else {
                line.push_str(&v);
            }
            ranges.push((start, line.len()));
        }
        (line, ranges)
    }

    fn index(&self, column: &str) -> Option<usize> {
        self.cells.iter().position(|(c, _)| *c == column)
    }
}

/// Validates rows against a compiled policy.
pub(crate) struct Validator<'p> {
    policy: &'p ir::Policy,
    facts: HashMap<&'p str, usize>,
    units: Option<&'p HashMap<String, usize>>,
    needs_date: Vec<bool>,
    /// Facts multiplied by `times`: a negative value would turn a deduction into an award.
    times_base: Vec<bool>,
    /// How bare percents (`0.85`, `85`) are read.
    percents: Percents,
}

/// How a percent written without `%` is read (`--percent`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Percents {
    /// `85` is 85%; `0.85` (between 0 and 1) is ambiguous, an error naming the row.
    #[default]
    Written,
    /// Every bare value is a fraction: `0.85` is 85%.
    Fraction,
}

impl<'p> Validator<'p> {
    /// A percent as the row means it. `85%` and `85` are 85%; a spreadsheet number at most 1
    /// is the fraction Excel stores (0.85 is 85%); a bare `0.85` in a text file could be 85%
    /// or 0.85%, so it is an error unless `--percent fraction` says bare values are fractions.
    /// `Err(Reported)` when ambiguous: the problem is pushed already.
    fn percent(
        &self,
        text: &str,
        n: Decimal,
        kind: NumberKind,
        spreadsheet: bool,
        column: &str,
        problems: &mut Vec<Problem>,
    ) -> Result<Decimal, Reported> {
        if kind != NumberKind::Percent || text.trim_end().ends_with(['%', '％']) {
            return Ok(n);
        }
        let fraction = n > Decimal::ZERO && n <= Decimal::ONE;
        if (spreadsheet && fraction) || self.percents == Percents::Fraction {
            // INVARIANT: a parsed cell has at most 28 digits; ×100 of a value ≤ 1 (or of a
            // bare fraction, at most 28 digits) stays within range, else it is reported.
            return n.checked_mul(Decimal::ONE_HUNDRED).ok_or(Reported);
        }
        if fraction {
            let as_percent = (n * Decimal::ONE_HUNDRED).normalize();
            problems.push(problem::ambiguous_percent(column, text, n, as_percent));
            return Err(Reported);
        }
        Ok(n)
    }

    /// Counts, percents and points are never negative; a number only when `times` multiplies it.
    fn may_not_be_negative(&self, decl: &ir::Fact, kind: NumberKind) -> bool {
        kind != NumberKind::Number
            || self
                .facts
                .get(decl.name.as_str())
                .is_some_and(|&i| self.times_base.get(i) == Some(&true))
    }

    pub fn new(
        policy: &'p ir::Policy,
        units: Option<&'p HashMap<String, usize>>,
        percents: Percents,
    ) -> Validator<'p> {
        let facts = policy
            .facts
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.as_str(), i))
            .collect();
        let needs_date = dates_needed(policy);
        let times_base = policy
            .facts
            .iter()
            .map(|f| {
                policy
                    .rules()
                    .any(|r| matches!(&r.kind, ir::RuleKind::Times { fact, .. } if *fact == f.name))
            })
            .collect();
        Validator {
            policy,
            facts,
            units,
            needs_date,
            times_base,
            percents,
        }
    }

    /// Validates one row; a good row goes to `sink`, a bad one to the file's problems.
    pub fn row(
        &self,
        cells: &Cells,
        line: u64,
        file: &mut FileContext,
        sink: &mut impl FnMut(Row),
    ) {
        file.rows += 1;
        match self.typed(cells, line, file) {
            Ok(Some(row)) => {
                if file.input.only_unit.is_none_or(|u| u == row.unit) {
                    // A database row of a state or of discretionary points may be named in a
                    // message about two rows (E048, E055): by its key, kept for it.
                    let named = !file.keys.is_empty()
                        && self
                            .policy
                            .facts
                            .get(row.fact)
                            .is_some_and(|f| !matches!(f.shape, Shape::Event));
                    if named {
                        let key = key_of(&file.keys, cells);
                        file.places.insert(row.line, key);
                    }
                    sink(row);
                }
            }
            Ok(None) => {}
            Err(mut problems) => {
                // A missing column is reported at its first row; later rows only fail.
                problems.retain(|p| match (&p.code, &p.missing_column) {
                    (Code::MissingColumn, Some(c)) => file.missing_columns.insert(c.clone()),
                    _ => true,
                });
                if problems.is_empty() {
                    file.problems.count_silent_error();
                } else {
                    self.report(cells, line, problems, file);
                }
            }
        }
    }

    fn typed(
        &self,
        cells: &Cells,
        line: u64,
        file: &FileContext,
    ) -> Result<Option<Row>, Vec<Problem>> {
        let mut problems = Vec::new();
        let unit = cells.get("unit");
        let fact_name = cells.get("fact");
        if unit.is_none() {
            problems.push(missing("unit", "every row names the unit it is about"));
        }
        let fact = match fact_name {
            None => {
                problems.push(missing(
                    "fact",
                    "every row names its fact, as the policy declares it",
                ));
                None
            }
            Some(name) => match self.facts.get(name) {
                Some(&i) => Some(i),
                None => {
                    let suggestion =
                        suggest_name(name, self.policy.facts.iter().map(|f| f.name.as_str()));
                    problems.push(problem::undeclared_fact(name, suggestion));
                    None
                }
            },
        };
        let mut unit_id = None;
        if let (Some(unit), Some(allowed)) = (unit, self.units) {
            unit_id = allowed.get(unit).copied();
            if unit_id.is_none() {
                let suggestion = suggest_name(unit, allowed.keys().map(String::as_str));
                problems.push(problem::unknown_unit(unit, suggestion));
            }
        }
        let (Some(unit), Some(fact)) = (unit, fact) else {
            return Err(problems);
        };
        let Some(decl) = self.policy.facts.get(fact) else {
            return Err(problems);
        };
        let date = match cells.get("date") {
            Some(text) => match (parse_date(text), self.policy.year) {
                // A row of another year belongs to that year's assessment (LANGUAGE.md §6).
                (Some(d), Some(year)) if d.year() != year => {
                    problems.push(outside_year(text, year));
                    None
                }
                (Some(d), _) => Some(d),
                (None, _) => {
                    problems.push(bad_date("date", text));
                    None
                }
            },
            None => {
                if self.needs_date.get(fact) == Some(&true) {
                    problems.push(missing(
                        "date",
                        &format!("the policy counts `{}` by its date", decl.name),
                    ));
                }
                None
            }
        };
        let count = match (&decl.shape, cells.get("count")) {
            (Shape::Event, Some(text)) => match parse_number(text, false) {
                Some(n) if n >= Decimal::ZERO && n.fract().is_zero() => n,
                _ => {
                    problems.push(bad_number("count", text, "a whole number of occurrences"));
                    Decimal::ONE
                }
            },
            _ => Decimal::ONE,
        };
        let value = self.value(decl, cells, &mut problems);
        let mut fields = Vec::with_capacity(decl.fields.len());
        for f in &decl.fields {
            fields.push(self.field(f, cells, file, &mut problems));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let extra = if file.input.keep_extra {
            let known = |c: &str| {
                matches!(c, "unit" | "fact" | "date" | "count" | "value" | "note")
                    || decl.fields.iter().any(|f| f.name == c)
            };
            cells
                .cells
                .iter()
                .filter(|(c, v)| !known(c) && !v.trim().is_empty())
                .map(|(c, v)| (c.to_string(), v.trim().to_string()))
                .collect()
        } else {
            Vec::new()
        };
        Ok(Some(Row {
            unit: unit.to_string(),
            unit_id,
            fact,
            file: file.index,
            line,
            date,
            count,
            value,
            note: cells.get("note").map(str::to_string),
            fields,
            extra,
        }))
    }

    fn value(&self, decl: &ir::Fact, cells: &Cells, problems: &mut Vec<Problem>) -> Option<Value> {
        let text = cells.get("value");
        let need = |problems: &mut Vec<Problem>| {
            problems.push(missing(
                "value",
                &format!("a row of `{}` gives its value", decl.name),
            ));
            None
        };
        match &decl.shape {
            // An event's rows are occurrences: a number in `value` is no part of them, and
            // left unread it would be lost without a word (was it a count?).
            Shape::Event => {
                if let Some(t) = text {
                    problems.push(problem::value_on_event(&decl.name, t));
                }
                None
            }
            Shape::Flag => match text {
                None => need(problems),
                Some(t) => match parse_bool(t) {
                    Some(b) => Some(Value::Bool(b)),
                    None => {
                        problems.push(problem::not_yes_or_no(t));
                        None
                    }
                },
            },
            Shape::Measure(kind) => match text {
                None => need(problems),
                Some(t) => match number_of_kind(t, *kind)
                    .map(|n| self.percent(t, n, *kind, cells.is_number("value"), "value", problems))
                {
                    Some(Err(Reported)) => None,
                    Some(Ok(n))
                        if n.is_sign_negative()
                            && !n.is_zero()
                            && self.may_not_be_negative(decl, *kind) =>
                    {
                        problems.push(negative("value", t, decl, *kind));
                        None
                    }
                    Some(Ok(n)) => Some(Value::Number(n)),
                    None => {
                        problems.push(bad_number("value", t, kind_words(*kind)));
                        None
                    }
                },
            },
            Shape::Points { from, to } => match text {
                None => need(problems),
                Some(t) => match parse_number(t, false) {
                    Some(n) if n >= *from && n <= *to => Some(Value::Number(n)),
                    Some(n) => {
                        problems.push(problem::out_of_range(n, &decl.name, *from, *to));
                        None
                    }
                    None => {
                        problems.push(bad_number("value", t, "a number of points"));
                        None
                    }
                },
            },
        }
    }

    fn field(
        &self,
        f: &ir::Field,
        cells: &Cells,
        file: &FileContext,
        problems: &mut Vec<Problem>,
    ) -> Option<Value> {
        let text = cells.get(&f.name);
        if text.is_none() && !cells.has_column(&f.name) {
            problems.push(problem::missing_column(file.name, &f.name));
            return None;
        }
        match (&f.kind, text) {
            (FieldKind::Persons, None) | (FieldKind::Days, None) => {
                problems.push(missing(
                    &f.name,
                    &format!("the policy counts `{}` of each row", f.name),
                ));
                None
            }
            (FieldKind::Set(values), None) => {
                let list = values
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                problems.push(missing(&f.name, &format!("one of {list}")));
                None
            }
            (_, None) => None,
            (FieldKind::Persons, Some(t)) => match parse_number(t, false) {
                Some(n) if n >= Decimal::ZERO && n.fract().is_zero() => Some(Value::Number(n)),
                _ => {
                    problems.push(bad_number(&f.name, t, "a whole number of persons"));
                    None
                }
            },
            (FieldKind::Days, Some(t)) => match parse_number(t, false) {
                Some(n) if n >= Decimal::ZERO => Some(Value::Number(n)),
                _ => {
                    problems.push(bad_number(&f.name, t, "a number of days"));
                    None
                }
            },
            (FieldKind::Number(kind), Some(t)) => match number_of_kind(t, *kind)
                .map(|n| self.percent(t, n, *kind, cells.is_number(&f.name), &f.name, problems))
            {
                Some(Err(Reported)) => None,
                Some(Ok(n))
                    if n.is_sign_negative() && !n.is_zero() && *kind != NumberKind::Number =>
                {
                    problems.push(bad_number(
                        &f.name,
                        t,
                        &format!("{} of zero or more", kind_words(*kind)),
                    ));
                    None
                }
                Some(Ok(n)) => Some(Value::Number(n)),
                None => {
                    problems.push(bad_number(&f.name, t, kind_words(*kind)));
                    None
                }
            },
            (FieldKind::Date, Some(t)) => match parse_date(t) {
                Some(d) => Some(Value::Date(d)),
                None => {
                    problems.push(bad_date(&f.name, t));
                    None
                }
            },
            (FieldKind::Set(values), Some(t)) => {
                if values.iter().any(|v| v == t) {
                    Some(Value::Text(t.to_string()))
                } else {
                    let suggestion = suggest_name(t, values.iter().map(String::as_str));
                    problems.push(problem::outside_set(t, &f.name, values, suggestion));
                    None
                }
            }
            (FieldKind::Key | FieldKind::Text, Some(t)) => Some(Value::Text(t.to_string())),
        }
    }

    fn report(&self, cells: &Cells, line: u64, problems: Vec<Problem>, file: &mut FileContext) {
        if file.problems.full() {
            for p in problems {
                file.problems.push(p.diagnostic(None));
            }
            return;
        }
        let (text, ranges) = cells.layout();
        let snippet = if file.keys.is_empty() {
            file.sources
                .add_snippet(file.name, text.clone(), line as u32)
        } else {
            // A database row has no line: its primary key names it.
            let name = format!("{} ({})", file.name, key_of(&file.keys, cells));
            file.sources.add_snippet(name, text.clone(), 1)
        };
        for p in problems {
            let (start, end) = p
                .column
                .as_deref()
                .and_then(|c| cells.index(c))
                .and_then(|i| ranges.get(i).copied())
                .unwrap_or((0, text.len()));
            let span = file.sources.span(snippet, start, end);
            file.problems.push(p.diagnostic(Some(span)));
        }
    }
}

/// A database row's primary key as messages show it: `id = 7`, `unit = A, seq = 2`.
fn key_of(keys: &[String], cells: &Cells) -> String {
    keys.iter()
        .map(|k| format!("{k} = {}", cells.get(k).unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A number of a kind: a percent may be written `76.5%` or `76.5`; a count is whole.
fn number_of_kind(text: &str, kind: NumberKind) -> Option<Decimal> {
    let n = parse_number(text, kind == NumberKind::Percent)?;
    // A negative count is whole but negative: the caller says so (E059), not "not a whole number".
    (kind != NumberKind::Count || n.fract().is_zero()).then_some(n)
}

/// An exact decimal; with `percent`, a trailing `%` is allowed. Excel's and WPS's export
/// quirks are read: full-width digits and signs (`８５．５％`), and thousands separators
/// (`1,234.5`, only in groups of three).
pub(crate) fn parse_number(text: &str, percent: bool) -> Option<Decimal> {
    let half: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            '－' | '−' => '-',
            '＋' => '+',
            '，' => ',',
            c => c,
        })
        .collect();
    let t = without_thousands(&half)?;
    let t = t.as_str();
    let t = match t.strip_suffix(['%', '％']) {
        Some(number) if percent => number.trim_end(),
        _ => t,
    };
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return None;
    }
    // Exactly, or not at all: `from_str` would round a long value without a word.
    Decimal::from_str_exact(t).ok()
}

/// `1,234,567.5` as `1234567.5`; a comma anywhere else (`1,23`) is no number.
fn without_thousands(text: &str) -> Option<String> {
    if !text.contains(',') {
        return Some(text.to_string());
    }
    let (sign, rest) = match text.strip_prefix(['-', '+']) {
        Some(r) => (&text[..1], r),
        None => ("", text),
    };
    let (whole, tail) = match rest.find(['.', '%', '％']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let groups: Vec<&str> = whole.split(',').collect();
    let ok = groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
        && groups.iter().skip(1).all(|g| g.len() == 3)
        && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()));
    ok.then(|| format!("{sign}{}{tail}", groups.concat()))
}

/// `2021-03-04`, `2021/3/4`, `2021.3.4` or `2021年3月4日`, optionally followed by a time.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.trim().splitn(2, [' ', 'T']);
    let day = parts.next()?.trim();
    // A time after the date must be a time of day (`2021-03-04T25:99:00` is no date).
    if let Some(time) = parts.next() {
        let time = time.trim();
        let ok = ["%H:%M:%S", "%H:%M", "%H:%M:%S%.f"]
            .iter()
            .any(|f| chrono::NaiveTime::parse_from_str(time, f).is_ok());
        if !ok {
            return None;
        }
    }
    let parts: Vec<&str> = day
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|p| !p.is_empty())
        .collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    if y.len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "yes" | "y" | "t" | "1" | "是" | "有" | "已" | "√" | "✓" => Some(true),
        "false" | "no" | "n" | "f" | "0" | "否" | "无" | "未" | "×" | "✗" => Some(false),
        _ => None,
    }
}

/// For each fact, whether some rule looks at the dates of its rows (a row must then give one).
pub(crate) fn dates_needed(policy: &ir::Policy) -> Vec<bool> {
    policy
        .facts
        .iter()
        .map(|f| fact_needs_date(policy, &f.name))
        .collect()
}

/// Whether some rule looks at the dates of a fact's rows.
fn fact_needs_date(policy: &ir::Policy, fact: &str) -> bool {
    let mut needs = false;
    for rule in policy.rules() {
        match &rule.kind {
            ir::RuleKind::When { condition, .. } => needs |= cond_needs_date(condition, None, fact),
            ir::RuleKind::Count {
                fact: f,
                filter: Some(c),
                ..
            }
            | ir::RuleKind::Missing {
                fact: f,
                filter: Some(c),
                ..
            } => {
                needs |= cond_needs_date(c, Some(f), fact);
            }
            _ => {}
        }
    }
    needs
}

fn cond_needs_date(c: &ir::Cond, row_fact: Option<&str>, fact: &str) -> bool {
    match c {
        ir::Cond::And(a, b) | ir::Cond::Or(a, b) => {
            cond_needs_date(a, row_fact, fact) || cond_needs_date(b, row_fact, fact)
        }
        ir::Cond::Not(a) => cond_needs_date(a, row_fact, fact),
        ir::Cond::EachMonth { fact: f, .. } => f == fact,
        ir::Cond::Compare { left, right, .. } => {
            row_fact == Some(fact) && (expr_is_date(left) || expr_is_date(right))
        }
        ir::Cond::In { .. } | ir::Cond::Flag(_) | ir::Cond::Happened(_) => false,
    }
}

fn expr_is_date(e: &ir::Expr) -> bool {
    match e {
        ir::Expr::Field(name) => name == "date",
        ir::Expr::Shift { base, .. } => expr_is_date(base),
        _ => false,
    }
}
