//! Part of the parse stage: syntax errors on Chinese lines, said in Chinese with an example of the accepted form.
//!
//! The grammar's alternatives say little to a drafter who wrote a clause as
//! the document words it. Here the line is read as a drafter would: an
//! unknown name at the start of a rule, a verb without points, a full stop
//! between clauses, a section header without quotes — each gets a message
//! and an example to copy.

use super::lower::Cx;
use super::names::{keyword_at, Names};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;

/// The shapes of a Chinese rule, to copy.
const RULE_EXAMPLES: &str =
    "规则的写法如：`旷工每人每天扣0.5分`、`未按时报送考勤表每次扣0.1分，最多扣2分`、\
`未建立OA系统的，扣2分`、`按违纪案件的类别扣分：诫勉2分，轻处分3分`、\
`预算执行率中数值低于80%的，每个预算项目扣0.5分`、`发表文章每篇加2分，最高得4分`";

/// A drafter's mistake recognized on a Chinese line: (code, message, label, help) in
/// Chinese and in English, and where to point.
pub(super) struct Reading {
    pub code: Code,
    pub span: Span,
    pub en: (String, String, String),
    pub zh: (String, String, String),
}

impl Reading {
    pub fn diagnostic(self) -> Diagnostic {
        let (message, label, help) = self.en;
        let (zh_message, zh_label, zh_help) = self.zh;
        Diagnostic::error(self.code, message)
            .with_label(self.span, label)
            .with_help(help)
            .zh(zh_message, &[&zh_label], Some(&zh_help))
    }
}

/// Reads the error at byte `pos` of the Chinese `line` as a drafter's mistake, if it is a known one.
pub(super) fn read(cx: &Cx, line: &str, names: &Names, pos: usize) -> Option<Reading> {
    if let Some(reading) = chinese_numeral(cx, line) {
        return Some(reading);
    }
    let first_word: String = line.chars().take_while(|c| !c.is_whitespace()).collect();
    let header = |kw: &str| first_word.starts_with(kw);
    if header("板块") || header("项目") || header("加分板块") {
        let kw = if header("加分板块") {
            "加分板块"
        } else if header("板块") {
            "板块"
        } else {
            "项目"
        };
        let example = match kw {
            "项目" => "项目 \"明确部门职能\" 4分，考核部门：办公室",
            "加分板块" => "加分板块 \"加分项目\" 10分",
            _ => "板块 \"遵章守纪情况\" 2分，考核部门：组织人事处",
        };
        return Some(at(
            cx,
            line,
            names,
            pos,
            Code::Syntax,
            (
                format!("a `{kw}` line reads `{kw} \"name\" N分`"),
                format!("the header of a `{kw}`"),
                format!("write it as `{example}`: the name in quotes, then its points"),
            ),
            (
                format!("`{kw}` 的写法是 `{kw} \"名称\" 分值`"),
                "此处无法读懂".to_string(),
                format!("请写作 `{example}`：名称加引号，其后是分值"),
            ),
        ));
    }
    if header("事实") {
        return Some(at(
            cx,
            line,
            names,
            pos,
            Code::Syntax,
            (
                "a fact reads `事实 name：shape`".to_string(),
                "not a fact declaration".to_string(),
                "write it as `事实 旷工：事件，含 人数、天数`; the shapes are `事件`, `指标 百分比`, `是否` and `酌情分 0 至 2`".to_string(),
            ),
            (
                "事实的写法是 `事实 名称：类型`".to_string(),
                "此处无法读懂".to_string(),
                "请写作 `事实 旷工：事件，含 人数、天数`；类型有 `事件`、`指标 百分比`（或 `计数`、`数值`、`分值`）、`是否`、`酌情分 0 至 2`".to_string(),
            ),
        ));
    }
    // A statement keyword, or a slip of one (`板快`), is the keyword's business.
    let head: String = first_word.chars().take(4).collect();
    if super::STATEMENT_KEYWORDS.iter().any(|k| {
        !k.is_ascii()
            && (head.starts_with(k)
                || strsim::levenshtein(
                    k,
                    &head.chars().take(k.chars().count()).collect::<String>(),
                ) == 1
                    && k.chars().count() > 1)
    }) {
        return None;
    }
    // A rule: it starts with a fact's name (after `未`, `当` or `按`).
    if line.starts_with('每') {
        return Some(at(
            cx,
            line,
            names,
            0,
            Code::Syntax,
            (
                "a rule starts with the fact it counts".to_string(),
                "no fact before this".to_string(),
                "name the fact first: `迟到早退每人每次扣0.1分`".to_string(),
            ),
            (
                "规则应以所计的事实名称开头".to_string(),
                "此前缺少事实名称".to_string(),
                "请先写事实名称，如 `迟到早退每人每次扣0.1分`".to_string(),
            ),
        ));
    }
    if let Some(reading) = unknown_name(cx, line, names, pos) {
        return Some(reading);
    }
    if let Some(reading) = unknown_key(cx, line, names) {
        return Some(reading);
    }
    if let Some(reading) = unknown_comparison(cx, line, names) {
        return Some(reading);
    }
    if let Some(word) = english_word(&line[pos..]) {
        return Some(at(
            cx,
            line,
            names,
            pos,
            Code::Syntax,
            (
                format!("`{word}` is an English keyword in a Chinese rule"),
                "English keyword".to_string(),
                "write the rule wholly in Chinese (`旷工每人每天扣0.5分`) or wholly in English (`deduct 0.5 per person per day of 旷工`)".to_string(),
            ),
            (
                format!("中文规则中混用了英文关键字 `{word}`"),
                "英文关键字".to_string(),
                "请全用中文写（如 `旷工每人每天扣0.5分`），或全用英文写（如 `deduct 0.5 per person per day of 旷工`）".to_string(),
            ),
        ));
    }
    if line.starts_with('按') && !line.contains(['：', ':']) && line.contains("分") {
        return Some(at(
            cx,
            line,
            names,
            pos,
            Code::Syntax,
            (
                "a table needs a colon before its entries".to_string(),
                "the entries start here".to_string(),
                "write `：` after `扣分` or `得分`: `按违纪案件的类别扣分：诫勉2分，轻处分3分`"
                    .to_string(),
            ),
            (
                "分值表在各项之前应有冒号".to_string(),
                "各项从此开始".to_string(),
                "请在 `扣分` 或 `得分` 之后写 `：`，如 `按违纪案件的类别扣分：诫勉2分，轻处分3分`"
                    .to_string(),
            ),
        ));
    }
    let before = line[..pos].trim_end();
    // A full stop is read as the end of the line: what follows it is the error.
    let stop_at = if before.ends_with('。') {
        Some(before.len() - '。'.len_utf8())
    } else {
        let rest = &line[pos..];
        rest.starts_with(['。', '；', ';']).then_some(pos)
    };
    if let Some(stop_at) = stop_at {
        let stop = line[stop_at..].chars().next().map_or(1, char::len_utf8);
        return Some(Reading {
            code: Code::Syntax,
            span: cx.span_at(stop_at, stop_at + stop),
            en: (
                "clauses of a rule are separated by commas".to_string(),
                "ends the rule here".to_string(),
                "write `，` between the clauses: `未按时报送考勤表每次扣0.1分，最多扣2分`"
                    .to_string(),
            ),
            zh: (
                "同一条规则的各子句之间请用逗号".to_string(),
                "规则在此被截断".to_string(),
                "子句之间请写 `，`，如 `未按时报送考勤表每次扣0.1分，最多扣2分`；句号只能在行尾"
                    .to_string(),
            ),
        });
    }
    if line[pos..].starts_with(|c: char| c.is_ascii_digit() || ('０'..='９').contains(&c))
        && !before.ends_with(['扣', '得', '加', '：', ':'])
        && !line.starts_with('按')
    {
        return Some(at(
            cx,
            line,
            names,
            pos,
            Code::Syntax,
            (
                "expected `扣` (deduct) or `得`/`加` (award) before the points".to_string(),
                "points without a verb".to_string(),
                "say whether the points are deducted or awarded: `旷工每人每天扣0.5分`, `发表文章每篇加2分`".to_string(),
            ),
            (
                "分值之前应写 `扣` 或 `得`（`加`）".to_string(),
                "分值前缺少扣或得".to_string(),
                "请写明扣分还是加分，如 `旷工每人每天扣0.5分`、`发表文章每篇加2分`".to_string(),
            ),
        ));
    }
    if before.ends_with(['扣', '得', '加']) {
        return Some(at(
            cx,
            line,
            names,
            pos,
            Code::Syntax,
            (
                "expected the points after the verb, e.g. `扣0.5分`".to_string(),
                "points expected here".to_string(),
                "write the points as a number: `旷工每人每天扣0.5分`".to_string(),
            ),
            (
                "扣、得、加之后应为分值，如 `扣0.5分`".to_string(),
                "此处应为分值".to_string(),
                "请用数字写出分值，如 `旷工每人每天扣0.5分`".to_string(),
            ),
        ));
    }
    if line.starts_with('按') && line.contains(['：', ':']) && before.contains(['：', ':']) {
        return Some(at(
            cx,
            line,
            names,
            pos,
            Code::Syntax,
            (
                "each entry of a table reads `value N分`".to_string(),
                "not a table entry".to_string(),
                "write the entries as `按违纪案件的类别扣分：诫勉2分，轻处分3分` or, by brackets, `按编制人数得分：10人以上2分，5至9人1分，5人以下0.5分`".to_string(),
            ),
            (
                "分值表的每一项写作 `值 分值`".to_string(),
                "此处无法读懂".to_string(),
                "请写作 `按违纪案件的类别扣分：诫勉2分，轻处分3分`，或分档 `按编制人数得分：10人以上2分，5至9人1分，5人以下0.5分`".to_string(),
            ),
        ));
    }
    Some(at(
        cx,
        line,
        names,
        pos,
        Code::Syntax,
        (
            "this rule cannot be read".to_string(),
            "not understood from here".to_string(),
            "a Chinese rule reads `旷工每人每天扣0.5分`, `未建立OA系统的，扣2分` or `按违纪案件的类别扣分：诫勉2分，轻处分3分`".to_string(),
        ),
        (
            "无法读懂这条规则".to_string(),
            "从此处起无法读懂".to_string(),
            RULE_EXAMPLES.to_string(),
        ),
    ))
}

/// A name in a comparison that is a number in Chinese words (`百分之八十`, `八十`).
pub(super) fn numeral_name(cx: &Cx, name: &crate::ast::Ident) -> Option<Reading> {
    const NUMERALS: &str = "零一二两三四五六七八九十半百千万点";
    let word = name.name.trim_end_matches(['的', '时']);
    let digits = word.strip_prefix("百分之").unwrap_or(word);
    if digits.is_empty() || !digits.chars().all(|c| NUMERALS.contains(c)) {
        return None;
    }
    let start = (name.span.start as usize).saturating_sub(cx.base);
    let percent = word.starts_with("百分之");
    Some(Reading {
        code: Code::Syntax,
        span: cx.span_at(start, start + word.len()),
        en: (
            format!("numbers are written with digits, not `{word}`"),
            "a number in words".to_string(),
            if percent {
                "write the percent with digits and `%`, e.g. `80%`"
            } else {
                "write the number with digits, e.g. `80`"
            }
            .to_string(),
        ),
        zh: (
            format!("数字请用阿拉伯数字书写，不能写作 `{word}`"),
            "用汉字写的数字".to_string(),
            if percent {
                "百分比请写作 `80%` 这样的形式"
            } else {
                "请用阿拉伯数字，如 `80`"
            }
            .to_string(),
        ),
    })
}

/// Numbers written in Chinese (`扣两分`, `十人以上`, `百分之八十`): kaohe reads numbers written with digits.
fn chinese_numeral(cx: &Cx, line: &str) -> Option<Reading> {
    const NUMERALS: &str = "零一二两三四五六七八九十半百";
    if let Some(at) = line.find("百分之") {
        let end = line[at..]
            .char_indices()
            .find(|&(i, c)| i >= "百分之".len() && !NUMERALS.contains(c) && c != '点')
            .map_or(line.len(), |(i, _)| at + i);
        let written = &line[at..end];
        return Some(Reading {
            code: Code::Syntax,
            span: cx.span_at(at, end),
            en: (
                format!("a percent is written with `%`, not `{written}`"),
                "a percent in words".to_string(),
                "write the percent with digits and `%`, e.g. `80%`".to_string(),
            ),
            zh: (
                format!("百分比请写作数字加 `%`，不能写作 `{written}`"),
                "用汉字写的百分比".to_string(),
                "请写作 `80%` 这样的形式".to_string(),
            ),
        });
    }
    let mut start = None;
    for (i, c) in line.char_indices() {
        if NUMERALS.contains(c) {
            start.get_or_insert(i);
            continue;
        }
        let counted = "人个篇项次件天家份名条".contains(c)
            || line[i..].starts_with("以上")
            || line[i..].starts_with("以下")
            || c == '至';
        if let (Some(s), true) = (start, counted) {
            let written = &line[s..i];
            return Some(Reading {
                code: Code::Syntax,
                span: cx.span_at(s, i),
                en: (
                    format!("numbers are written with digits, not `{written}`"),
                    "a number in Chinese numerals".to_string(),
                    "write the number with digits, e.g. `10人以上`".to_string(),
                ),
                zh: (
                    format!("数字请用阿拉伯数字书写，不能写作 `{written}`"),
                    "用汉字写的数字".to_string(),
                    "请用阿拉伯数字，如 `10人以上`、`5至9人`".to_string(),
                ),
            });
        }
        if let (Some(s), '分') = (start, c) {
            let written = &line[s..i + c.len_utf8()];
            return Some(Reading {
                code: Code::Syntax,
                span: cx.span_at(s, i + c.len_utf8()),
                en: (
                    format!("points are written with digits, not `{written}`"),
                    "points in Chinese numerals".to_string(),
                    "write the points with digits, e.g. `2分`, `0.5分`".to_string(),
                ),
                zh: (
                    format!("分值请用数字书写，不能写作 `{written}`"),
                    "用汉字写的分值".to_string(),
                    "请用阿拉伯数字写分值，如 `2分`、`0.5分`".to_string(),
                ),
            });
        }
        start = None;
    }
    None
}

/// `数值不及80%`: a word between a field and a number that is no comparison.
fn unknown_comparison(cx: &Cx, line: &str, names: &Names) -> Option<Reading> {
    let among = line.find('中')? + '中'.len_utf8();
    let rest = line[among..].trim_start();
    let field = names.longest(rest)?;
    let after = &rest[field..];
    let word_at = line.len() - after.len();
    let word = after.trim_start();
    let word_at = word_at + (after.len() - word.len());
    let end = word
        .char_indices()
        .find(|&(_, c)| !(c.is_alphabetic()))
        .map_or(word.len(), |(i, _)| i);
    let word = &word[..end];
    if word.is_empty() || keyword_at(word) == word.len() {
        return None;
    }
    Some(Reading {
        code: Code::Syntax,
        span: cx.span_at(word_at, word_at + end),
        en: (
            format!("`{word}` is not a comparison"),
            "a comparison expected here".to_string(),
            "compare with `低于`, `不超过`, `超过`, `不低于`, `为`, `不为` (or `<`, `<=`, `>`, `>=`, `=`, `!=`)".to_string(),
        ),
        zh: (
            format!("`{word}` 不是比较词"),
            "此处应为比较".to_string(),
            "比较请写作 `低于`（`小于`、`不足`、`未达到`）、`不超过`、`超过`（`高于`、`大于`）、`不低于`（`达到`）、`为`、`不为`，或 `<`、`<=`、`>`、`>=`、`=`、`!=`".to_string(),
        ),
    })
}

/// An English keyword at the start of `s`, in a Chinese rule.
fn english_word(s: &str) -> Option<&str> {
    const WORDS: &[&str] = &[
        "deduct",
        "award",
        "per",
        "of",
        "cap",
        "when",
        "unless",
        "where",
        "otherwise",
        "times",
        "by",
        "once",
    ];
    let end = s
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(s.len());
    let word = &s[..end];
    WORDS.contains(&word).then_some(word)
}

/// `每个项目` where the key is declared `预算项目`: the word after `每个` must be a field of the fact.
fn unknown_key(cx: &Cx, line: &str, names: &Names) -> Option<Reading> {
    let at = line.find("每个")? + "每个".len();
    let rest = line[at..].trim_start();
    let at = line.len() - rest.len();
    if names.starts(rest) || rest.starts_with(['扣', '得', '加']) {
        return None;
    }
    let end = rest
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_alphabetic() || c == '_') || (i > 0 && rest[i..].starts_with(['扣', '得', '加']))
        })
        .map_or(rest.len(), |(i, _)| i);
    let word = &rest[..end];
    if word.is_empty() {
        return None;
    }
    // `项目` for `预算项目`: a declared name that contains the word is the likeliest.
    let suggestion = names
        .all()
        .filter(|n| n.contains(word))
        .min_by_key(|n| n.len())
        .map(str::to_string)
        .or_else(|| crate::check::suggest_name(word, names.all()).map(str::to_string));
    let (en_help, zh_help) = match suggestion {
        Some(s) => (format!("did you mean `{s}`?"), format!("是否想写 `{s}`？")),
        None => (
            "after `每个` name a field the fact declares with `含`, e.g. `每个预算项目扣0.5分`"
                .to_string(),
            "`每个` 之后应为事实用 `含` 声明的字段，如 `每个预算项目扣0.5分`".to_string(),
        ),
    };
    Some(Reading {
        code: Code::UnknownField,
        span: cx.span_at(at, at + end),
        en: (
            format!("`{word}` is not a declared field"),
            "no field of this name".to_string(),
            en_help,
        ),
        zh: (
            format!("`{word}` 不是已声明的字段"),
            "没有这个字段".to_string(),
            zh_help,
        ),
    })
}

/// A rule that starts with a name no fact declares: the parser cannot tell where it ends.
fn unknown_name(cx: &Cx, line: &str, names: &Names, pos: usize) -> Option<Reading> {
    let lead = ["未", "当", "按"]
        .iter()
        .find(|p| line.starts_with(**p) && !names.starts(line))
        .map_or(0, |p| p.len());
    let body = line[lead..].trim_start();
    let mut start = line.len() - body.len();
    if names.starts(body) || body.starts_with('每') {
        return None;
    }
    // A name the parser read past (it was followed by a space) is not what it stumbled on.
    let word_end = body
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
        .map_or(line.len(), |(i, _)| start + i);
    if pos > word_end {
        return None;
    }
    // The name runs to the first word of a rule's structure.
    let mut end = 0;
    for (i, c) in body.char_indices() {
        let rest = &body[i..];
        let stop = !(c.is_alphabetic() || c == '_')
            || (i > 0
                && [
                    "每",
                    "扣",
                    "加",
                    "得",
                    "的",
                    "中",
                    "酌情",
                    "视情况",
                    "低于",
                    "高于",
                    "超过",
                    "不足",
                    "达",
                    "为",
                ]
                .iter()
                .any(|w| rest.starts_with(w)));
        if stop {
            break;
        }
        end = i + c.len_utf8();
    }
    // `未按时报送考勤表每次…` counts a fact named with its `未`; `未建立OA系统的，…` tests one.
    if lead > 0 && line[lead..].starts_with(&body[..end]) && body[end..].starts_with('每') {
        start = 0;
        end += lead;
    }
    let body = &line[start..];
    let name = &body[..end];
    if name.is_empty() || name.is_ascii() || keyword_at(name) == name.len() {
        return None;
    }
    let span = cx.span_at(start, start + end);
    let suggestion = crate::check::suggest_name(name, names.all());
    let (en_help, zh_help) = match suggestion {
        Some(s) => (
            format!("did you mean `{s}`?"),
            format!("是否想写 `{s}`？"),
        ),
        None => (
            format!("declare it first, e.g. `事实 {name}：事件`; names are read as declared, so a rule needs no spaces"),
            format!("请先声明这一事实，如 `事实 {name}：事件`（或 `指标 百分比`、`是否` 等）；声明过的名称无需空格即可识别"),
        ),
    };
    Some(Reading {
        code: Code::UndeclaredFact,
        span,
        en: (
            format!("`{name}` is not a declared fact"),
            "no fact of this name".to_string(),
            en_help,
        ),
        zh: (
            format!("`{name}` 不是已声明的事实"),
            "没有这个名称的事实".to_string(),
            zh_help,
        ),
    })
}

/// A reading pointing at the word at `pos`.
fn at(
    cx: &Cx,
    line: &str,
    names: &Names,
    pos: usize,
    code: Code,
    en: (String, String, String),
    zh: (String, String, String),
) -> Reading {
    let len = word_len(&line[pos..], names);
    let (start, end) = if len == 0 {
        let end = line.trim_end().len();
        let start = line[..end].char_indices().last().map_or(0, |(i, _)| i);
        (start, end.max(start + 1).min(line.len()))
    } else {
        (pos, pos + len)
    };
    let found = &line[start..end];
    let (label, zh_label) = if len == 0 {
        (
            format!("{}; the line ends here", en.1),
            format!("{}；此行到此结束", zh.1),
        )
    } else {
        (
            format!("{}: found `{found}`", en.1),
            format!("{}：发现 `{found}`", zh.1),
        )
    };
    Reading {
        code,
        span: cx.span_at(start, end),
        en: (en.0, label, en.2),
        zh: (zh.0, zh_label, zh.2),
    }
}

/// The word at the start of `s`: a declared name, a keyword, a run of letters up to one, or one character.
fn word_len(s: &str, names: &Names) -> usize {
    let Some(first) = s.chars().next() else {
        return 0;
    };
    if first.is_whitespace() {
        return 0;
    }
    if let Some(n) = names.longest(s) {
        return n;
    }
    let k = keyword_at(s);
    if k > 0 {
        return k;
    }
    let mut end = 0;
    for (i, c) in s.char_indices() {
        let letter = c.is_alphanumeric() || c == '_' || c == '.' || c == '%';
        if !letter || (i > 0 && (keyword_at(&s[i..]) > 0 || names.starts(&s[i..]))) {
            break;
        }
        end = i + c.len_utf8();
    }
    end.max(first.len_utf8())
}
