//! Diagnostics of every stage: one type, stable codes, rendered with ariadne in one place.

use std::fmt;

use ariadne::{
    Color, Config, FnCache, IndexType, Label as AriadneLabel, Report, ReportKind, Source,
};
use serde::Serialize;

use crate::span::{FileId, SourceMap, Span};

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The policy or facts cannot be used.
    Error,
    /// Probably a mistake, but the policy can run.
    Warning,
}

macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal, $title:literal;)*) => {
        /// The stable code of a diagnostic, listed in `docs/errors.md`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as written in messages and docs, e.g. `E001`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// A short title, the heading of the code in `docs/errors.md`.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }
        }
    };
}

codes! {
    /// A bug in kaohe itself: an input reached a state the compiler does not expect.
    Bug = "E000", "internal compiler error";
    /// A line does not follow the grammar.
    Syntax = "E001", "syntax error";
    /// A quoted string is not closed on its line.
    UnclosedString = "E002", "unclosed string";
    /// Indentation mixes tabs and spaces.
    MixedIndent = "E003", "indentation mixes tabs and spaces";
    /// A line is indented under a line that cannot contain it, or not indented where it must be.
    Misplaced = "E004", "line in the wrong place";
    /// A number cannot be represented exactly.
    InvalidNumber = "E005", "invalid number";
    /// A date does not exist in the calendar.
    InvalidDate = "E006", "invalid date";
    /// A line starts with a word that is no keyword.
    UnknownKeyword = "E007", "unknown keyword";
    /// A clause appears twice where it may appear once.
    DuplicateClause = "E008", "clause given twice";
    /// A file cannot be read.
    Io = "E009", "cannot read file";
    /// A rule or condition names a fact that is not declared.
    UndeclaredFact = "E010", "undeclared fact";
    /// `responsible:` names a unit that is neither a declared unit nor assessor.
    UndeclaredUnit = "E011", "undeclared unit";
    /// A rule uses a field its fact does not have.
    UnknownField = "E012", "fact has no such field";
    /// A rule form does not fit the fact's shape.
    WrongShape = "E013", "rule does not fit the fact";
    /// Values of different dimensions are compared, or a value is used where another is needed.
    DimensionMismatch = "E014", "mismatched dimensions";
    /// A working-day deadline without a `calendar`.
    NoCalendar = "E015", "working days without a calendar";
    /// A `by` table misses values of its closed set.
    IncompleteTable = "E016", "table misses values";
    /// A name is not one of its field's declared values.
    UnknownValue = "E017", "value outside its set";
    /// A value appears twice in a table or set.
    RepeatedValue = "E018", "value repeated";
    /// Two brackets of a table overlap.
    OverlappingBrackets = "E019", "brackets overlap";
    /// Brackets of a table leave values uncovered.
    BracketGap = "E020", "brackets leave a gap";
    /// Item worths do not add up to their section's worth.
    ItemWorths = "E021", "item worths do not add up";
    /// Section worths do not add up to the declared total or bonus.
    SectionWorths = "E022", "section worths do not add up";
    /// Two declarations share a name in one scope.
    Duplicate = "E023", "duplicate name";
    /// A discretionary range exceeds the worth of the item that uses it.
    RangeExceedsWorth = "E024", "discretionary range exceeds worth";
    /// An amount, worth or cap is negative, or an amount zero.
    NonPositive = "E025", "amount must be positive";
    /// A cap of zero: the rule could never count.
    ZeroCap = "E026", "cap of zero";
    /// A table of names used on numbers, or brackets on names.
    TableKind = "E027", "wrong kind of table";
    /// A discretionary range whose ends are reversed or negative.
    BadRange = "E028", "invalid range";
    /// `otherwise` on a rule without `when` or `unless`.
    StrayOtherwise = "E029", "`otherwise` without a condition";
    /// A `per` combination kaohe cannot count.
    BadPer = "E030", "invalid `per`";
    /// `each month` without a `year`.
    NoYear = "E032", "no year";
    /// A year that is not a plausible calendar year.
    InvalidYear = "E033", "invalid year";
    /// A bonus section without a worth.
    BonusWithoutWorth = "E034", "bonus section without worth";
    /// A sum or product of fact values too large for an exact decimal.
    Overflow = "E039", "arithmetic overflow";
    /// A fact-file row names a fact the policy does not declare.
    FactNotDeclared = "E040", "row of an undeclared fact";
    /// A fact-file row names a unit that is not assessed.
    UnknownUnit = "E041", "unknown unit";
    /// A fact-file cell that should be a number is not one.
    MalformedNumber = "E042", "malformed number";
    /// A fact-file cell that should be a date is not one.
    MalformedDate = "E043", "malformed date";
    /// A fact-file cell holds a value outside its field's declared set.
    ValueOutsideSet = "E044", "value outside its set";
    /// A discretionary value outside its declared range.
    OutOfRange = "E045", "value out of range";
    /// A fact-file row lacks a value its fact needs.
    MissingValue = "E046", "missing value";
    /// A fact file lacks a column its rows need.
    MissingColumn = "E047", "missing column";
    /// A measure or flag given twice for one unit.
    GivenTwice = "E048", "value given twice";
    /// A fact file that is not well-formed CSV or JSON Lines.
    MalformedFile = "E049", "malformed fact file";
    /// A cap larger than the worth it deducts from: it can never bind.
    CapNeverBinds = "E050", "cap never binds";
    /// A declared fact that no rule uses.
    UnusedFact = "E051", "unused fact";
    /// One amount is larger than the whole worth of its item.
    AmountExceedsWorth = "E052", "amount exceeds worth";
    /// A unit has no row for a flag or measure (an error under `--strict`).
    MissingFact = "E053", "unit without a flag or measure";
    /// A fact-file row dated outside the policy's year.
    OutsideYear = "E054", "row outside the year";
    /// Two discretionary-points entries identical in unit, fact, date and value (warning).
    RepeatedEntry = "E055", "entry made twice";
    /// A percent compared with a plain number.
    PercentAsNumber = "E056", "percent written as a plain number";
    /// An award in a section without a worth.
    AwardWithoutWorth = "E057", "award in a section without worth";
    /// A bonus section that awards nothing.
    BonusWithoutAward = "E058", "bonus section without an award";
    /// A negative value where none can be.
    NegativeValue = "E059", "negative value";
    /// A row with more or fewer cells than the header.
    RaggedRow = "E060", "row length differs from the header";
    /// A quote that never closes, swallowing the rows after it.
    UnclosedQuote = "E061", "unclosed quote";
    /// Two columns (or JSON keys) of one name.
    DuplicateColumn = "E062", "duplicate column";
    /// The same file given twice.
    SameFileTwice = "E063", "file given twice";
    /// An output path that is one of the command's inputs.
    OutputIsInput = "E064", "output would overwrite an input";
    /// A compiled policy that is stale, of another version, or inconsistent.
    BadCompiled = "E065", "invalid compiled policy";
    /// A policy without sections.
    NoSections = "E066", "policy without sections";
    /// A group of rules that mixes deductions and awards.
    MixedGroup = "E067", "group mixes deductions and awards";
    /// A quota over 100% of the units.
    QuotaOverAll = "E068", "quota over 100%";
    /// Grades whose thresholds overlap, or a grade after `otherwise`.
    GradesOverlap = "E069", "grades overlap";
    /// Grades that leave some totals without a grade.
    GradesGap = "E070", "grades leave a gap";
    /// A name that is no section of the policy.
    UnknownSection = "E071", "unknown section";
    /// A grade no `grade` line declares.
    UndeclaredGrade = "E072", "undeclared grade";
    /// Previous results that do not fit the policy.
    PreviousMismatch = "E073", "previous results do not match";
    /// A percent written as a bare fraction (`0.85`): 85% or 0.85%?
    AmbiguousPercent = "E074", "ambiguous percent";
    /// A file in a facts folder that is not a fact file, so was not read.
    NotRead = "E075", "file not read";
    /// A case's expected results (`expected.txt`) that cannot be read.
    BadExpected = "E076", "expected results cannot be read";
    /// A policy with no example cases to test, or a case that cannot run.
    NoCases = "E077", "no cases to test";
    /// A `value` on an event's row.
    ValueOnEvent = "E078", "value on an event";
    /// More units × (facts + rules) than one run keeps in memory.
    TooLarge = "E079", "too many units for one run";
    /// A clause `kaohe sql` cannot write as a query that scores exactly as `kaohe run`.
    NotInSql = "E080", "not expressible in sql";
    /// A `--facts` database table that cannot be read.
    DatabaseFacts = "E081", "cannot read a database table";
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in the source a diagnostic points at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there, if anything.
    pub message: Option<String>,
    /// The first label is the primary one; others add context.
    pub primary: bool,
}

/// An error or warning the user can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable code.
    pub code: Code,
    /// What is wrong: lowercase, no final period, user text in backticks.
    pub message: String,
    /// Where it is wrong; the primary label first.
    pub labels: Vec<Label>,
    /// How to fix it, where a fix is known.
    pub help: Option<String>,
    /// Further context.
    pub notes: Vec<String>,
    /// The same in Chinese, shown for a line written in the Chinese surface form.
    pub zh: Option<Box<Chinese>>,
}

/// A diagnostic's Chinese text: the code, spans and notes are shared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Chinese {
    /// The message.
    pub message: String,
    /// The label texts, in the order of the English labels.
    pub labels: Vec<String>,
    /// The help.
    pub help: Option<String>,
}

/// Which language diagnostics are shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    /// The language of the line each diagnostic points at.
    Auto,
    /// Always English.
    En,
    /// Chinese wherever a translation exists.
    Zh,
}

impl Diagnostic {
    /// A new error.
    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
            zh: None,
        }
    }

    /// Adds the Chinese message, label texts (in label order) and help.
    pub fn zh(
        mut self,
        message: impl Into<String>,
        labels: &[&str],
        help: Option<&str>,
    ) -> Diagnostic {
        self.zh = Some(Box::new(Chinese {
            message: message.into(),
            labels: labels.iter().map(|l| l.to_string()).collect(),
            help: help.map(str::to_string),
        }));
        self
    }

    /// A new warning.
    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// An internal error: the input reached a state the compiler does not expect.
    pub fn bug(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(
            Code::Bug,
            format!("internal compiler error: {}", message.into()),
        )
        .with_span(span)
        .with_note("this is a bug in kaohe; please report it with the policy that caused it")
    }

    /// Points the diagnostic at a span, with no label text.
    pub fn with_span(self, span: Span) -> Diagnostic {
        self.push_label(span, None)
    }

    /// Points the diagnostic at a span, with a label text.
    pub fn with_label(self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.push_label(span, Some(message.into()))
    }

    fn push_label(mut self, span: Span, message: Option<String>) -> Diagnostic {
        let primary = self.labels.is_empty();
        self.labels.push(Label {
            span,
            message,
            primary,
        });
        self
    }

    /// Adds how to fix it.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// The primary span, if the diagnostic has one.
    pub fn span(&self) -> Option<Span> {
        self.labels.first().map(|l| l.span)
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// How ariadne knows a source: by id, shown by name (snippets of one file share its name).
#[derive(Clone, PartialEq, Eq, Hash)]
struct SourceId(FileId, std::rc::Rc<str>);

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.1)
    }
}

impl fmt::Debug for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.1)
    }
}

/// Renders diagnostics for a terminal, each in the language of its line.
pub fn render(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    render_in(diagnostics, sources, color, Language::Auto)
}

/// Whether a diagnostic is shown in Chinese.
fn in_chinese(d: &Diagnostic, sources: &SourceMap, language: Language) -> bool {
    match language {
        Language::En => false,
        Language::Zh => d.zh.is_some(),
        Language::Auto => {
            d.zh.is_some()
                && d.span().is_some_and(|span| {
                    sources.get(span.file).is_some_and(|f| {
                        f.name.ends_with(".policy")
                            && crate::parse::is_chinese_line(f.line_text(span.start_line))
                    })
                })
        }
    }
}

/// Renders diagnostics for a terminal, with ariadne: the one place that does.
pub fn render_in(
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    color: bool,
    language: Language,
) -> String {
    let mut out = Vec::new();
    if diagnostics.is_empty() {
        return String::new();
    }
    let ids: Vec<SourceId> = sources
        .files()
        .map(|(id, f)| SourceId(id, f.name.as_str().into()))
        .collect();
    let mut cache = FnCache::new((|id: &SourceId| Err(format!("no source `{id}`"))) as fn(&_) -> _)
        .with_sources(
            sources
                .files()
                .zip(&ids)
                .map(|((_, f), id)| {
                    let source = Source::from(display_safe(&f.text).into_owned())
                        .with_display_line_offset(f.line_offset as usize);
                    (id.clone(), source)
                })
                .collect(),
        );
    let source_id = |span: Span| {
        ids.get(span.file.0 as usize)
            .cloned()
            .unwrap_or_else(|| SourceId(span.file, "".into()))
    };
    for d in diagnostics {
        let kind = match d.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
        };
        // A span into a file the map does not hold (a compiled policy's, read without its
        // source) cannot be shown: the diagnostic is said plainly.
        let Some(primary) = d.span().filter(|s| sources.get(s.file).is_some()) else {
            let zh = if in_chinese(d, sources, language) {
                d.zh.as_deref()
            } else {
                None
            };
            out.extend(plain(d, zh).into_bytes());
            continue;
        };
        let config = Config::default()
            .with_color(color)
            .with_index_type(IndexType::Byte);
        let zh = if in_chinese(d, sources, language) {
            d.zh.as_deref()
        } else {
            None
        };
        // A Chinese diagnostic says 错误 and 警告, as its plain form does.
        let kind = match (zh.is_some(), d.severity) {
            (false, _) => kind,
            (true, Severity::Error) => ReportKind::Custom("错误", Color::Red),
            (true, Severity::Warning) => ReportKind::Custom("警告", Color::Yellow),
        };
        let mut report = Report::build(kind, (source_id(primary), primary.range()))
            .with_config(config)
            .with_code(d.code)
            .with_message(escape_controls(zh.map_or(&d.message, |z| &z.message)));
        // ariadne starts a new snippet whenever a label is above the one before it.
        let mut labels: Vec<(usize, &Label)> = d.labels.iter().enumerate().collect();
        labels.sort_by_key(|(_, l)| (l.span.file, l.span.start));
        for (i, label) in labels {
            if sources.get(label.span.file).is_none() {
                continue;
            }
            let mut l = AriadneLabel::new((source_id(label.span), label.span.range()));
            let text = zh.and_then(|z| z.labels.get(i)).or(label.message.as_ref());
            if let Some(m) = text {
                l = l.with_message(escape_controls(m));
            }
            if color {
                l = l.with_color(match (label.primary, d.severity) {
                    (true, Severity::Error) => Color::Red,
                    (true, Severity::Warning) => Color::Yellow,
                    (false, _) => Color::Blue,
                });
            }
            report = report.with_label(l);
        }
        if let Some(help) = zh.map_or(d.help.as_ref(), |z| z.help.as_ref()) {
            report = report.with_help(escape_controls(help));
        }
        for note in &d.notes {
            report = report.with_note(escape_controls(note));
        }
        let mut one = Vec::new();
        if report.finish().write(&mut cache, &mut one).is_err() {
            out.extend(plain(d, zh).into_bytes());
            continue;
        }
        let text = String::from_utf8_lossy(&one);
        let text = match (zh.is_some(), color) {
            (false, _) => text,
            (true, true) => std::borrow::Cow::Owned(help_in_chinese(&text)),
            // ariadne colors a custom kind (错误) even with color off.
            (true, false) => std::borrow::Cow::Owned(help_in_chinese(&strip_ansi(&text))),
        };
        match sources.get(primary.file) {
            // ariadne 0.6 applies a snippet's line offset to the header but not to the margin.
            Some(f) if f.line_offset > 0 => {
                out.extend(renumber_margin(&text, primary.start_line).into_bytes())
            }
            _ => out.extend(text.as_bytes()),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Puts the real line number into the margin of a report on a one-line snippet
/// (rendered as line 1), widening the rest of the margin to match.
fn renumber_margin(report: &str, line: u32) -> String {
    let number = line.to_string();
    let extra = number.len().saturating_sub(1);
    let mut out = String::with_capacity(report.len() + 64);
    for (i, l) in report.split_inclusive('\n').enumerate() {
        let at = first_visible(l);
        let visible = &l[at..];
        if i == 0 {
            out.push_str(l);
        } else if let Some(rest) = visible.strip_prefix('1') {
            // The margin of the source line: ` 1 │ …`.
            out.push_str(&l[..at]);
            out.push_str(&number);
            out.push_str(rest);
        } else if visible.starts_with('─') {
            // The closing `───╯`.
            out.push_str(&l[..at]);
            out.push_str(&"─".repeat(extra));
            out.push_str(visible);
        } else {
            out.push_str(&" ".repeat(extra));
            out.push_str(l);
        }
    }
    out
}

/// Byte offset of the first character that is neither a space nor part of a color code.
fn first_visible(line: &str) -> usize {
    let mut at = 0;
    loop {
        let rest = &line[at..];
        if rest.starts_with(' ') {
            at += 1;
        } else if rest.starts_with("\u{1b}[") {
            at += rest.find('m').map_or(rest.len(), |m| m + 1);
        } else {
            return at;
        }
    }
}

/// A diagnostic without a source location, in the same shape ariadne uses.
/// User text as a terminal may show it: control characters other than a line break or tab
/// (a unit named `\x1b]0;…\x07` would retitle the terminal) written as `\u{1b}`.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    // Byte test first: a control is below 0x20, 0x7f, or (C1) a 0xc2 lead byte.
    if !text.bytes().any(|b| b < 0x20 || b == 0x7f || b == 0xc2)
        || !text.chars().any(is_unsafe_control)
    {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe_control(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.into()
}

fn is_unsafe_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\t' | '\r')
}

/// A source as a report shows it: control characters replaced by a visible character of
/// the same UTF-8 length, so every span still points where it did.
fn display_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe_control(c) || c == '\r') {
        return text.into();
    }
    text.chars()
        .map(|c| match c {
            '\r' => ' ',
            c if is_unsafe_control(c) && c.len_utf8() == 1 => '?',
            c if is_unsafe_control(c) => '¿',
            c => c,
        })
        .collect::<String>()
        .into()
}

/// ariadne writes `Help:` in English whatever the message's language: a Chinese diagnostic's
/// help line says `提示:` (the first `Help` of a line whose margin it follows).
fn help_in_chinese(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let visible: String = strip_ansi(line);
        if visible.trim_start().starts_with("│ Help: ") {
            out.push_str(&line.replacen("Help", "提示", 1));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Text without its color escape sequences (`ESC [ … m`).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn plain(d: &Diagnostic, zh: Option<&Chinese>) -> String {
    let kind = match (d.severity, zh.is_some()) {
        (Severity::Error, false) => "Error",
        (Severity::Warning, false) => "Warning",
        (Severity::Error, true) => "错误",
        (Severity::Warning, true) => "警告",
    };
    let message = zh.map_or(&d.message, |z| &z.message);
    let mut s = format!("[{}] {kind}: {message}\n", d.code);
    if let Some(help) = zh.map_or(d.help.as_ref(), |z| z.help.as_ref()) {
        let word = if zh.is_some() { "提示" } else { "help" };
        s.push_str(&format!("  {word}: {help}\n"));
    }
    for note in &d.notes {
        s.push_str(&format!("  note: {note}\n"));
    }
    escape_controls(&s).into_owned()
}

/// One diagnostic as data, for `--format json`.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    code: Code,
    severity: Severity,
    message: &'a str,
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    end_line: Option<u32>,
    end_column: Option<u32>,
    start: Option<u32>,
    end: Option<u32>,
    help: Option<&'a str>,
    notes: &'a [String],
    /// The message and help in Chinese, where the diagnostic has them.
    zh: Option<&'a Chinese>,
}

/// Diagnostics as data: code, severity, message, file, line, column and span offsets.
pub fn to_json<'a>(
    diagnostics: &'a [Diagnostic],
    sources: &'a SourceMap,
) -> Vec<JsonDiagnostic<'a>> {
    diagnostics
        .iter()
        .map(|d| {
            let span = d.span();
            JsonDiagnostic {
                code: d.code,
                severity: d.severity,
                message: &d.message,
                file: span
                    .and_then(|s| sources.get(s.file))
                    .map(|f| f.name.as_str()),
                line: span.map(|s| s.start_line),
                column: span.map(|s| s.start_col),
                end_line: span.map(|s| s.end_line),
                end_column: span.map(|s| s.end_col),
                start: span.map(|s| s.start),
                end: span.map(|s| s.end),
                help: d.help.as_deref(),
                notes: &d.notes,
                zh: d.zh.as_deref(),
            }
        })
        .collect()
}
