//! Part of the parse stage: the declared names of a policy, found in its lines before they are parsed.
//!
//! A Chinese drafter writes `旷工每人每天扣0.5分`: no space tells where the
//! fact's name ends. Facts are declared before rules are read, so each line
//! is scanned for declared Chinese names — the longest first, and a name
//! beats a keyword it begins with or equals (`未按时报送考勤表` is a name
//! though `未` is a keyword) — and each is replaced by a placeholder of the
//! same byte length that the grammar's `ident` reads as one name. Spans stay
//! those of the source, and lowering takes every name back from the source.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The names of the built-in fields in Chinese (`人数` is `persons`, …).
pub(super) const BUILT_IN_FIELDS: &[(&str, &str)] = &[
    ("人数", "persons"),
    ("天数", "days"),
    ("次数", "count"),
    ("数值", "value"),
    ("日期", "date"),
    ("备注", "note"),
];

/// Declared names with a non-ASCII character, by first character, longest first.
#[derive(Debug, Default)]
pub(super) struct Names {
    by_first: HashMap<char, Vec<String>>,
}

impl Names {
    /// The built-in field names and `declared`.
    pub fn new<'a>(declared: impl IntoIterator<Item = &'a str>) -> Names {
        let mut names = Names::default();
        let built_in = BUILT_IN_FIELDS.iter().map(|(zh, _)| *zh);
        for name in built_in.chain(declared) {
            // ASCII names are delimited by spaces and word boundaries as English is.
            if name.is_ascii() {
                continue;
            }
            let Some(first) = name.chars().next() else {
                continue;
            };
            let list = names.by_first.entry(first).or_default();
            if !list.iter().any(|n| n == name) {
                list.push(name.to_string());
            }
        }
        for list in names.by_first.values_mut() {
            list.sort_by_key(|n| std::cmp::Reverse(n.len()));
        }
        names
    }

    /// The longest declared name at the start of `s`.
    fn at(&self, s: &str) -> Option<&str> {
        let first = s.chars().next()?;
        self.by_first
            .get(&first)?
            .iter()
            .find(|n| s.starts_with(n.as_str()))
            .map(String::as_str)
    }

    /// Whether `s` starts with a declared name (or a built-in field's Chinese name).
    pub fn starts(&self, s: &str) -> bool {
        self.at(s).is_some()
    }

    /// The byte length of the longest declared name at the start of `s`.
    pub fn longest(&self, s: &str) -> Option<usize> {
        self.at(s).map(str::len)
    }

    /// The declared names, for suggestions.
    pub fn all(&self) -> impl Iterator<Item = &str> {
        self.by_first.values().flatten().map(String::as_str)
    }

    /// `line` with every declared name outside quotes and comments masked; borrowed when none is.
    ///
    /// A name is masked only where it stands as a whole word: at the start, after
    /// punctuation, a digit, a keyword or another name, and likewise before what
    /// follows it — so an undeclared `答复时间` is not read as the declared `答复`
    /// followed by `时间`, and is reported as the unknown name it is.
    pub fn mask<'l>(&self, line: &'l str) -> Cow<'l, str> {
        if line.is_ascii() || self.by_first.is_empty() {
            return Cow::Borrowed(line);
        }
        let mut out = String::with_capacity(line.len());
        let mut quote: Option<char> = None;
        let mut masked = false;
        // Whether a word may start here.
        let mut boundary = true;
        let mut i = 0;
        while let Some(c) = line[i..].chars().next() {
            let rest = &line[i..];
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"') => quote = Some('"'),
                (None, '“') => quote = Some('”'),
                (None, '「') => quote = Some('」'),
                (None, '#') => {
                    out.push_str(rest);
                    break;
                }
                (None, _) => {
                    let name = self
                        .at(rest)
                        .filter(|n| boundary && self.ends_word(&rest[n.len()..]))
                        .map_or(0, str::len);
                    let keyword = keyword_at(rest);
                    if name > 0 && name >= keyword {
                        push_placeholder(&mut out, name);
                        masked = true;
                        boundary = true;
                        i += name;
                        continue;
                    }
                    if keyword > 0 {
                        out.push_str(&rest[..keyword]);
                        boundary = true;
                        i += keyword;
                        continue;
                    }
                }
            }
            out.push(c);
            boundary = !is_letter(c);
            i += c.len_utf8();
        }
        if masked {
            Cow::Owned(out)
        } else {
            Cow::Borrowed(line)
        }
    }

    /// Whether a word ends before `rest`: it is empty, or starts with no letter, a
    /// name, or a keyword. A one-character keyword (`时`, `中`, `的`) ends a word only
    /// when a word could end after it too: `答复时间` is one word, `答复时，` is `答复` + `时`.
    fn ends_word(&self, rest: &str) -> bool {
        let after = |r: &str| {
            r.chars().next().is_none_or(|c| !is_letter(c))
                || keyword_at(r) > 0
                || self.at(r).is_some()
        };
        if rest.chars().next().is_none_or(|c| !is_letter(c)) || self.at(rest).is_some() {
            return true;
        }
        match keyword_at(rest) {
            0 => false,
            k if rest[..k].chars().count() > 1 => true,
            k => after(&rest[k..]),
        }
    }
}

/// Letters continue a word; digits do not (`诫勉2分` is the name `诫勉`, then `2分`).
fn is_letter(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// A placeholder of exactly `len` bytes (`len` ≥ 3: a name has a non-ASCII character).
fn push_placeholder(out: &mut String, len: usize) {
    out.push('\u{E000}');
    let mut left = len.saturating_sub('\u{E000}'.len_utf8());
    while left >= 3 {
        out.push('\u{E001}');
        left -= 3;
    }
    for _ in 0..left {
        out.push('\u{1}');
    }
}

/// The byte length of the longest Chinese keyword of the grammar at the start of `s`.
pub(super) fn keyword_at(s: &str) -> usize {
    keywords()
        .iter()
        .find(|k| s.starts_with(k.as_str()))
        .map_or(0, String::len)
}

/// Every quoted literal of the grammar with a non-ASCII character, longest first:
/// read from the grammar itself, so the list never drifts from it.
fn keywords() -> &'static [String] {
    static KEYWORDS: OnceLock<Vec<String>> = OnceLock::new();
    KEYWORDS.get_or_init(|| {
        let grammar = include_str!("../../grammar/policy.pest");
        let mut words: Vec<String> = Vec::new();
        for line in grammar.lines() {
            let code = line.split("//").next().unwrap_or("");
            let mut parts = code.split('"');
            // Odd pieces are inside quotes.
            let _ = parts.next();
            while let Some(quoted) = parts.next() {
                if !quoted.is_ascii() && !words.iter().any(|w| w == quoted) {
                    words.push(quoted.to_string());
                }
                let _ = parts.next();
            }
        }
        words.sort_by_key(|w| std::cmp::Reverse(w.len()));
        words
    })
}
