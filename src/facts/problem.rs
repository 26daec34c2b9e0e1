//! Part of the facts stage: what can be wrong with a row, said in English and in Chinese.
//!
//! A problem names the column it is about; the validator turns it into a diagnostic on a
//! one-line snippet of the row. The Chinese text is shown when the policy is written in
//! Chinese (or `--lang zh`).

use rust_decimal::Decimal;

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{self, NumberKind};
use crate::span::Span;

/// One problem of a row, before it is turned into a diagnostic.
pub(super) struct Problem {
    pub code: Code,
    /// For a missing column: its name.
    pub missing_column: Option<String>,
    pub column: Option<String>,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    /// The message, label and help in Chinese.
    pub zh: (String, String, Option<String>),
}

/// A problem already pushed to the row's list.
pub(super) struct Reported;

impl Problem {
    fn new(code: Code, column: &str, en: [String; 3], zh: [String; 3]) -> Problem {
        let [message, label, help] = en;
        let [zh_message, zh_label, zh_help] = zh;
        Problem {
            code,
            missing_column: None,
            column: Some(column.to_string()),
            message,
            label,
            help: (!help.is_empty()).then_some(help),
            zh: (
                zh_message,
                zh_label,
                (!zh_help.is_empty()).then_some(zh_help),
            ),
        }
    }

    /// The diagnostic, pointing at `span` (the cell, or the whole row).
    pub fn diagnostic(self, span: Option<Span>) -> Diagnostic {
        let mut d = Diagnostic::error(self.code, self.message);
        if let Some(span) = span {
            d = d.with_label(span, self.label);
        }
        if let Some(help) = self.help {
            d = d.with_help(help);
        }
        let (message, label, help) = self.zh;
        d.zh(message, &[&label], help.as_deref())
    }
}

/// A cell as a snippet shows it: control characters (a terminal's escape sequences) as `\u{…}`.
pub(crate) fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    crate::diagnostic::escape_controls(text)
}

/// At most a few dozen characters of a value, for messages: a 10 MB cell is not quoted whole.
pub(crate) fn short(text: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &text[..i]).into(),
        None => text.into(),
    }
}

pub(super) fn kind_words(kind: NumberKind) -> &'static str {
    match kind {
        NumberKind::Count => "a whole number",
        NumberKind::Number => "a number",
        NumberKind::Percent => "a percent",
        NumberKind::Points => "a number of points",
    }
}

fn kind_words_zh(expected: &str) -> String {
    match expected {
        "a whole number" => "整数".into(),
        "a number" => "数".into(),
        "a percent" => "百分比".into(),
        "a number of points" => "分值".into(),
        "a whole number of occurrences" => "发生次数（整数）".into(),
        "a whole number of persons" => "人数（整数）".into(),
        "a number of days" => "天数".into(),
        other if other.ends_with(" of zero or more") => {
            format!(
                "不小于零的{}",
                kind_words_zh(other.trim_end_matches(" of zero or more"))
            )
        }
        other => other.to_string(),
    }
}

fn did_you_mean(suggestion: Option<&str>, otherwise: &str, zh_otherwise: &str) -> (String, String) {
    match suggestion {
        Some(s) => (format!("did you mean `{s}`?"), format!("是否想写 `{s}`？")),
        None => (otherwise.to_string(), zh_otherwise.to_string()),
    }
}

pub(super) fn missing(column: &str, why: &str) -> Problem {
    Problem::new(
        Code::MissingValue,
        column,
        [
            format!("the row has no `{column}`"),
            format!("`{column}` is empty"),
            why.to_string(),
        ],
        [
            format!("此行缺少 `{column}`"),
            format!("`{column}` 为空"),
            String::new(),
        ],
    )
}

pub(super) fn value_on_event(fact: &str, text: &str) -> Problem {
    Problem::new(
        Code::ValueOnEvent,
        "value",
        [
            format!("`{fact}` is an event: its rows are occurrences, not a `value` (`{}`)", short(text)),
            "an event has no value".into(),
            "for several occurrences in one row write their number in `count`; otherwise leave `value` empty".into(),
        ],
        [
            format!("`{fact}` 是事件：每行记一次（或若干次）发生，没有 `value`（`{}`）", short(text)),
            "事件没有数值".into(),
            "一行记多次发生时，把次数写在 `count`（次数）列；否则请清空 `value`".into(),
        ],
    )
}

pub(super) fn bad_number(column: &str, text: &str, expected: &str) -> Problem {
    let zh = kind_words_zh(expected);
    Problem::new(
        Code::MalformedNumber,
        column,
        [
            format!("`{}` is not {expected}", short(text)),
            format!("expected {expected}"),
            "write numbers with digits and a decimal point, e.g. `2` or `76.5`".into(),
        ],
        [
            format!("`{}` 不是{zh}", short(text)),
            format!("此处应为{zh}"),
            "请用阿拉伯数字和小数点书写，如 `2` 或 `76.5`".into(),
        ],
    )
}

pub(super) fn bad_date(column: &str, text: &str) -> Problem {
    Problem::new(
        Code::MalformedDate,
        column,
        [
            format!("`{}` is not a date", short(text)),
            "expected a date such as 2021-03-04".into(),
            "write dates as year-month-day: `2021-03-04` (or `2021/3/4`)".into(),
        ],
        [
            format!("`{}` 不是日期", short(text)),
            "此处应为日期，如 2021-03-04".into(),
            "日期请写作 年-月-日：`2021-03-04`（或 `2021/3/4`、`2021年3月4日`）".into(),
        ],
    )
}

pub(super) fn outside_year(text: &str, year: i32) -> Problem {
    Problem::new(
        Code::OutsideYear,
        "date",
        [
            format!("`{}` is outside the policy's year {year}", short(text)),
            format!("not in {year}"),
            format!("a row of another year belongs to that year's assessment: remove it, or correct its date to {year}"),
        ],
        [
            format!("`{}` 不在考核年度 {year} 之内", short(text)),
            format!("不是 {year} 年"),
            format!("其他年度的记录属于该年度的考核：请删去，或把日期改为 {year} 年"),
        ],
    )
}

/// A negative value where none can be: a count, a percent, points, or a number multiplied by `times`.
pub(super) fn negative(column: &str, text: &str, decl: &ir::Fact, kind: NumberKind) -> Problem {
    let (why, zh_why) = if kind == NumberKind::Number {
        (
            format!("`{}` is multiplied by `times`: a negative value would turn a deduction into an award", decl.name),
            format!("`{}` 按倍数扣分：负值会把扣分变成加分", decl.name),
        )
    } else {
        (
            format!("{} cannot be negative", kind_words(kind)),
            format!("{}不能为负", kind_words_zh(kind_words(kind))),
        )
    };
    Problem::new(
        Code::NegativeValue,
        column,
        [
            format!("`{}` is negative", short(text)),
            "a negative value".into(),
            format!("{why}; check the sign of the value"),
        ],
        [
            format!("`{}` 是负数", short(text)),
            "负值".into(),
            format!("{zh_why}；请检查符号"),
        ],
    )
}

pub(super) fn ambiguous_percent(
    column: &str,
    text: &str,
    n: Decimal,
    as_percent: Decimal,
) -> Problem {
    Problem::new(
        Code::AmbiguousPercent,
        column,
        [
            format!("`{}` is a percent without `%`: {as_percent}% or {}%?", short(text), n.normalize()),
            "ambiguous".into(),
            format!("write `{as_percent}%`; or, if every bare percent of the file is a fraction (as spreadsheets store them), run with `--percent fraction`"),
        ],
        [
            format!("`{}` 是没有 `%` 的百分比：{as_percent}% 还是 {}%？", short(text), n.normalize()),
            "含义不明".into(),
            format!("请写作 `{as_percent}%`；如果文件中不带 % 的百分比都是小数（电子表格的存法），请加 `--percent fraction`"),
        ],
    )
}

pub(super) fn undeclared_fact(name: &str, suggestion: Option<&str>) -> Problem {
    let (help, zh_help) = did_you_mean(
        suggestion,
        "the policy must declare every fact its fact files use",
        "事实文件中用到的每个事实都须在方案中声明",
    );
    Problem::new(
        Code::FactNotDeclared,
        "fact",
        [
            format!("the policy declares no fact `{}`", short(name)),
            "undeclared fact".into(),
            help,
        ],
        [
            format!("方案中没有声明事实 `{}`", short(name)),
            "未声明的事实".into(),
            zh_help,
        ],
    )
}

pub(super) fn unknown_unit(unit: &str, suggestion: Option<&str>) -> Problem {
    let (help, zh_help) = did_you_mean(
        suggestion,
        "assessed units are those of the policy's `units` or of `--units`",
        "考核对象为方案中的 `考核对象` 或 `--units` 文件中的单位",
    );
    Problem::new(
        Code::UnknownUnit,
        "unit",
        [
            format!("`{}` is not an assessed unit", short(unit)),
            "unknown unit".into(),
            help,
        ],
        [
            format!("`{}` 不是考核对象", short(unit)),
            "未知单位".into(),
            zh_help,
        ],
    )
}

pub(super) fn not_yes_or_no(text: &str) -> Problem {
    Problem::new(
        Code::MalformedNumber,
        "value",
        [
            format!("`{}` is not yes or no", short(text)),
            "expected true/false, yes/no or 是/否".into(),
            String::new(),
        ],
        [
            format!("`{}` 不是“是”或“否”", short(text)),
            "此处应为 是/否（或 true/false、yes/no）".into(),
            String::new(),
        ],
    )
}

pub(super) fn out_of_range(n: Decimal, fact: &str, from: Decimal, to: Decimal) -> Problem {
    Problem::new(
        Code::OutOfRange,
        "value",
        [
            format!("{n} is outside `{fact}`'s range of {from} to {to}"),
            format!("expected {from} to {to} points"),
            "the policy declares the range an assessor may give".into(),
        ],
        [
            format!("{n} 超出 `{fact}` 的范围 {from} 至 {to}"),
            format!("应为 {from} 至 {to} 分"),
            "方案规定了考核人可给分的范围".into(),
        ],
    )
}

pub(super) fn missing_column(file: &str, column: &str) -> Problem {
    let mut p = Problem::new(
        Code::MissingColumn,
        column,
        [
            format!("`{file}` has no `{column}` column"),
            "this row needs it".into(),
            format!("add a `{column}` column to the file's header"),
        ],
        [
            format!("`{file}` 没有 `{column}` 列"),
            "此行需要这一列".into(),
            format!("请在表头中加上 `{column}` 列"),
        ],
    );
    p.missing_column = Some(column.to_string());
    p.column = None;
    p
}

pub(super) fn outside_set(
    text: &str,
    field: &str,
    values: &[String],
    suggestion: Option<&str>,
) -> Problem {
    let list = values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>();
    let (help, zh_help) = did_you_mean(
        suggestion,
        &format!("`{field}` is one of {}", list.join(", ")),
        &format!("`{field}` 的可选值为 {}", list.join("、")),
    );
    Problem::new(
        Code::ValueOutsideSet,
        field,
        [
            format!("`{}` is not a declared {field}", short(text)),
            "outside the declared set".into(),
            help,
        ],
        [
            format!("`{}` 不是声明过的 {field}", short(text)),
            "不在声明的集合中".into(),
            zh_help,
        ],
    )
}
