//! Part of the parse stage: turns pest errors into diagnostics that speak of the language, not the grammar.

use pest::error::{Error, ErrorVariant, InputLocation};

use super::lower::Cx;
use super::names::Names;
use super::Rule;
use crate::diagnostic::{Code, Diagnostic};

/// One syntax error of a line whose text is `line`.
pub(super) fn syntax(cx: &Cx, line: &str, names: &Names, err: Error<Rule>) -> Diagnostic {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let positives = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { message } => {
            return Diagnostic::error(Code::Syntax, message.to_lowercase())
                .with_span(cx.span_at(pos, pos + token_len(&line[pos..])));
        }
    };
    // On a Chinese line, a drafter's mistake is recognized and explained with an example.
    if super::is_chinese_line(line) {
        if let Some(reading) = super::error_zh::read(cx, line, names, pos) {
            return reading.diagnostic();
        }
    }
    let first_word = &line[..token_len(line)];
    // Every English statement starts with a keyword; a Chinese rule starts with
    // a fact name. So a line without Chinese whose first word is no keyword is
    // an unknown keyword, however far the Chinese forms got in reading it.
    let english = !line
        .chars()
        .any(|c| super::CHINESE_RULE_MARKERS.contains(c));
    if !super::STATEMENT_KEYWORDS.contains(&first_word) && (pos == 0 || english) {
        return unknown_keyword(cx, line);
    }

    let found = &line[pos..];
    let found_len = token_len(found);
    let mut expected: Vec<&str> = Vec::new();
    for rule in positives {
        for d in describe(rule) {
            if !expected.contains(d) {
                expected.push(d);
            }
        }
    }
    // In `每人每次扣` the word that matters is the verb at its end.
    let prev = previous_token(&line[..pos]).map(|p| match p.chars().last() {
        Some(c @ ('扣' | '得' | '加')) if p.chars().count() > 1 => &p[p.len() - c.len_utf8()..],
        _ => p,
    });
    let what = match prev.and_then(expected_after) {
        Some(phrase) => phrase.to_string(),
        None if expected.is_empty() => "something else".to_string(),
        None => join_or(&expected),
    };
    let message = match prev {
        Some(prev) => format!("expected {what} after `{prev}`"),
        None => format!("expected {what}"),
    };
    let (span, label) = if found_len == 0 {
        let end = line.trim_end().len().max(1);
        let at = line[..end].char_indices().last().map_or(0, |(i, _)| i);
        (cx.span_at(at, end), "the line ends here".to_string())
    } else {
        let token = &found[..found_len];
        (cx.span_at(pos, pos + found_len), format!("found `{token}`"))
    };
    let mut d = Diagnostic::error(Code::Syntax, message).with_label(span, label);
    let help = help_for(&expected, &found[..found_len]);
    if let Some(help) = &help {
        d = d.with_help(help);
    }
    // The Chinese text: English-only keywords are no help on a Chinese line.
    let zh_expected: Vec<&str> =
        expected
            .iter()
            .filter_map(|e| zh_phrase(e))
            .fold(Vec::new(), |mut acc, p| {
                if !acc.contains(&p) {
                    acc.push(p);
                }
                acc
            });
    let zh_what = match prev.and_then(expected_after_zh) {
        Some(phrase) => phrase.to_string(),
        None if zh_expected.is_empty() => "其他内容".to_string(),
        None => join_zh(&zh_expected),
    };
    let zh_message = match prev {
        Some(prev) => format!("`{prev}` 之后应为{zh_what}"),
        None => format!("此处应为{zh_what}"),
    };
    let zh_label = if found_len == 0 {
        "此行到此结束".to_string()
    } else {
        format!("发现 `{}`", &found[..found_len])
    };
    let zh_help = help.as_deref().and_then(help_zh);
    d.zh(zh_message, &[&zh_label], zh_help)
}

/// The Chinese for what a grammar rule expects; `None` for English-only keywords.
fn zh_phrase(en: &str) -> Option<&'static str> {
    Some(match en {
        "a number of points" => "分值（如 `0.5分`）",
        "a number" => "数字",
        "a date such as `2021-12-20`" => "日期（如 `2021-12-20`）",
        "a quoted name" => "带引号的名称",
        "a name" => "名称",
        "a fact shape (`event`, `measure`, `flag` or `points from … to …`)" => {
            "事实类型（`事件`、`指标`、`是否` 或 `酌情分 … 至 …`）"
        }
        "`count`, `number`, `percent` or `points`" => "`计数`、`数值`、`百分比` 或 `分值`",
        "a field name" => "字段名",
        "a set such as `{a, b}`" => "集合（如 `{a、b}`）",
        "a table row such as `light 3` or `10 or more 2`" => {
            "分值表的一行（如 `light 3分` 或 `10人以上 2分`）"
        }
        "a condition" => "条件",
        "a value" => "值",
        "a comparison (`<`, `<=`, `>`, `>=`, `=`, `!=`)" => {
            "比较（`低于`、`不超过`、`超过`、`不低于`、`为` 或 `<`、`>`、`=` 等）"
        }
        "`,`" => "`，`",
        "`:`" => "`：`",
        "`{`" => "`{`",
        "`}`" => "`}`",
        "`(`" => "`（`",
        "`)`" => "`）`",
        "the end of the line" => "行尾",
        "`workdays` or `days`" => "`个工作日` 或 `天`",
        "`and` or `or`" => "`且` 或 `或`",
        _ => return None,
    })
}

fn expected_after_zh(keyword: &str) -> Option<&'static str> {
    Some(match keyword {
        "扣" | "得" | "加" => "分值（如 `0.5分`）",
        "板块" | "项目" | "考核方案" => "带引号的名称",
        "年度" => "年份（如 `2021`）",
        "总分" | "附加分" | "最多扣" | "最高得" | "共" | "否则" => "分值",
        _ => return None,
    })
}

fn help_zh(en: &str) -> Option<&'static str> {
    Some(match en {
        "separate the clauses of a line with a comma (`,` or `，`)" => "同一行的各子句之间请用逗号（`，`）分隔",
        "comparisons are written `<`, `<=`, `>`, `>=`, `=` and `!=`" => "比较请写作 `低于`、`不超过`、`超过`、`不低于`、`为`、`不为`，或 `<`、`<=`、`>`、`>=`、`=`、`!=`",
        "write the points as a decimal number, e.g. `0.5`" => "请用数字写出分值，如 `0.5分`",
        _ => return None,
    })
}

fn join_zh(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} 或 {last}", init.join("、")),
    }
}

fn unknown_keyword(cx: &Cx, line: &str) -> Diagnostic {
    let len = token_len(line).max(line.chars().next().map_or(0, char::len_utf8));
    let word = &line[..len];
    let span = cx.span_at(0, len);
    let mut d = Diagnostic::error(Code::UnknownKeyword, format!("unknown keyword `{word}`"))
        .with_label(
            span,
            "a line starts with a keyword such as `deduct`, `item` or `fact`",
        );
    let best = super::STATEMENT_KEYWORDS
        .iter()
        .map(|k| (strsim::levenshtein(k, &word.to_lowercase()), *k))
        .min();
    let suggestion = match best {
        // A Chinese keyword is two or four characters: one slip is still a suggestion.
        Some((dist, kw))
            if dist <= 2
                && dist < word.chars().count()
                && (word.chars().count() > 2 || !word.is_ascii()) =>
        {
            Some(kw)
        }
        _ => None,
    };
    d = match suggestion {
        Some(kw) => d.with_help(format!("did you mean `{kw}`?")),
        None => d.with_help(format!(
            "the line keywords are {}",
            super::STATEMENT_KEYWORDS
                .iter()
                .filter(|k| k.is_ascii())
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    };
    let zh_help = suggestion.map(|kw| format!("是否想写 `{kw}`？"));
    d = d.zh(
        format!("未知关键字 `{word}`"),
        &["每行以 `板块`、`项目`、`事实` 等关键字开头，规则以事实名称开头"],
        Some(zh_help.as_deref().unwrap_or(
            "规则写作 `事实名称 每次扣0.1分` 或 `deduct 0.1 per occurrence of 事实名称`",
        )),
    );
    d
}

/// What follows a keyword, said better than the grammar's alternatives can say it.
fn expected_after(keyword: &str) -> Option<&'static str> {
    Some(match keyword {
        "deduct" | "award" => "a number of points, `by …` or a discretionary fact",
        "worth" | "cap" | "total" | "otherwise" => "a number of points",
        "policy" | "section" | "item" => "a quoted name",
        "year" => "a year such as `2021`",
        "of" | "times" => "a fact name",
        _ => return None,
    })
}

/// Extra advice for mistakes drafters often make.
fn help_for(expected: &[&str], found: &str) -> Option<String> {
    if matches!(found, ";" | "；" | "。") {
        return Some("separate the clauses of a line with a comma (`,` or `，`)".into());
    }
    if found.starts_with(['<', '>', '=', '!']) {
        return Some("comparisons are written `<`, `<=`, `>`, `>=`, `=` and `!=`".into());
    }
    if expected.contains(&"`of`") {
        return Some("a counted rule reads `deduct 0.1 per occurrence of late`: `per …` then `of` and the fact".into());
    }
    if expected.iter().any(|e| e.starts_with("a number")) && found.is_empty() {
        return Some("write the points as a decimal number, e.g. `0.5`".into());
    }
    None
}

/// Friendly names for what a grammar rule expects: these are what users read.
fn describe(rule: Rule) -> &'static [&'static str] {
    use Rule::*;
    match rule {
        amount | amount_rule => &["a number of points"],
        number | decimal | integer => &["a number"],
        date | date_range | date_list => &["a date such as `2021-12-20`"],
        text | policy_decl => &["a quoted name"],
        ident | discretionary_rule | flag_ref => &["a name"],
        name | name_list => &["a name"],
        table_rule | k_by => &["`by`"],
        missing_tail | per_tail | k_per => &["`per`"],
        per_unit => &["`person`, `day`, `occurrence` or a field name"],
        times_tail | k_times => &["`times`"],
        when_tail | k_when => &["`when`"],
        unless_tail | k_unless => &["`unless`"],
        filter | k_where => &["`where`"],
        k_of => &["`of`"],
        k_from => &["`from`"],
        k_to => &["`to`"],
        k_in | field_set => &["`in`"],
        k_with => &["`with`"],
        k_worth | worth => &["`worth`"],
        responsible | k_responsible => &["`responsible:`"],
        cap | k_cap => &["`cap`"],
        once_per | k_once => &["`once per`"],
        otherwise | k_otherwise => &["`otherwise`"],
        k_section => &["`section`"],
        k_or => &["`or more` / `or less`"],
        k_more | k_less => &["`more` or `less`"],
        shape | shape_event | shape_measure | shape_flag | shape_points => {
            &["a fact shape (`event`, `measure`, `flag` or `points from … to …`)"]
        }
        measure_kind => &["`count`, `number`, `percent` or `points`"],
        field_list | field => &["a field name"],
        field_type => &["a field type (`date`, `number`, `count`, `percent`, `points` or `text`)"],
        set => &["a set such as `{a, b}`"],
        entry | bracket | at_least | at_most | range | below | above => {
            &["a table row such as `light 3` or `10 or more 2`"]
        }
        condition | comparison | membership | each_month => &["a condition"],
        operand => &["a value"],
        cmp_op => &["a comparison (`<`, `<=`, `>`, `>=`, `=`, `!=`)"],
        cond_and | cond_or => &["`and` or `or`"],
        shift_op => &["`+` or `-`"],
        duration | k_workdays | k_days => &["`workdays` or `days`"],
        k_missing => &["`missing`"],
        comma => &["`,`"],
        colon => &["`:`"],
        open_brace => &["`{`"],
        close_brace => &["`}`"],
        open_paren => &["`(`"],
        close_paren => &["`)`"],
        k_month => &["`month`"],
        k_has => &["`has`"],
        k_at => &["`at`"],
        k_least => &["`least`"],
        EOI => &["the end of the line"],
        _ => &[],
    }
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Length in bytes of the token at the start of `s`: a word, a number, or one punctuation character.
fn token_len(s: &str) -> usize {
    let mut chars = s.char_indices();
    let Some((_, first)) = chars.next() else {
        return 0;
    };
    if first.is_whitespace() {
        return 0;
    }
    if !is_word_char(first) {
        return first.len_utf8();
    }
    s.char_indices()
        .find(|&(_, c)| !is_word_char(c))
        .map_or(s.len(), |(i, _)| i)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.' || c == '%'
}

/// The last token before the error, for "after `deduct`".
fn previous_token(before: &str) -> Option<&str> {
    let trimmed = before.trim_end();
    let last = trimmed.chars().last()?;
    if !is_word_char(last) {
        return Some(&trimmed[trimmed.len() - last.len_utf8()..]);
    }
    let start = trimmed
        .char_indices()
        .rev()
        .find(|&(_, c)| !is_word_char(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    Some(&trimmed[start..])
}
