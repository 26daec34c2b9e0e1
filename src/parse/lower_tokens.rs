//! Part of the parse stage: lowers the tokens of a line — names, quoted texts, numbers, dates — into AST leaves.

use chrono::NaiveDate;
use pest::iterators::Pair;
use rust_decimal::Decimal;

use super::lower::{Cx, Result};
use super::Rule;
use crate::ast::{Date, Ident, Number, Text};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;

impl Cx<'_> {
    pub(super) fn set(&self, pair: Pair<Rule>) -> Result<Vec<Ident>> {
        self.kids(pair).pairs.map(|n| self.name(n)).collect()
    }

    pub(super) fn name_list(&self, pair: Pair<Rule>) -> Result<Vec<Ident>> {
        self.kids(pair).pairs.map(|n| self.name(n)).collect()
    }

    pub(super) fn name(&self, pair: Pair<Rule>) -> Result<Ident> {
        let span = self.span(&pair);
        match self.kids(pair).next() {
            Some(p) if p.as_rule() == Rule::ident => Ok(self.ident(p)),
            Some(p) if p.as_rule() == Rule::text => {
                let t = self.text(p)?;
                Ok(Ident {
                    name: t.value,
                    span: t.span,
                })
            }
            Some(p) => self.unexpected(&p),
            None => Err(Diagnostic::bug(span, "an empty name")),
        }
    }

    /// A name, as the source writes it: a masked declared name (see `names`) is read back from the source.
    pub(super) fn ident(&self, pair: Pair<Rule>) -> Ident {
        let span = self.span(&pair);
        let s = pair.as_span();
        let name = self
            .sources
            .get(self.file)
            .and_then(|f| f.text.get(self.base + s.start()..self.base + s.end()))
            .unwrap_or(pair.as_str())
            .to_string();
        Ident { name, span }
    }

    pub(super) fn text(&self, pair: Pair<Rule>) -> Result<Text> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().map_or("", |p| p.as_str());
        Ok(Text {
            value: inner.to_string(),
            span,
        })
    }

    pub(super) fn amount(&self, pair: Pair<Rule>) -> Result<Number> {
        self.number(self.kids(pair).expect(Rule::number)?)
    }

    pub(super) fn number(&self, pair: Pair<Rule>) -> Result<Number> {
        let span = self.span(&pair);
        let mut kids = self.kids(pair);
        let digits = kids.expect(Rule::decimal)?;
        let percent = kids.take(Rule::percent_sign).is_some();
        let value = self.decimal(digits.as_str(), span)?;
        Ok(Number {
            value,
            percent,
            measure: None,
            span,
        })
    }

    pub(super) fn integer(&self, pair: Pair<Rule>) -> Result<Number> {
        let span = self.span(&pair);
        let value = self.decimal(pair.as_str(), span)?;
        Ok(Number {
            value,
            percent: false,
            measure: None,
            span,
        })
    }

    fn decimal(&self, text: &str, span: Span) -> Result<Decimal> {
        let text = &half_width(text);
        // `from_str_exact` refuses what `from_str` would silently round.
        Decimal::from_str_exact(text).map_err(|_| {
            Diagnostic::error(
                Code::InvalidNumber,
                format!("`{text}` cannot be kept exactly"),
            )
            .with_label(span, "too large or too many digits for an exact decimal")
            .with_help("kaohe keeps up to 28 significant digits; write the number with fewer")
            .zh(
                format!("`{text}` 无法精确表示"),
                &["数值过大或位数过多"],
                Some("kaohe 最多保留 28 位有效数字；请减少位数"),
            )
        })
    }

    pub(super) fn date(&self, pair: Pair<Rule>) -> Result<Date> {
        let span = self.span(&pair);
        let text = &half_width(pair.as_str());
        let mut parts = text.split('-').map(|p| p.parse::<u32>().ok());
        let (y, m, d) = (
            parts.next().flatten(),
            parts.next().flatten(),
            parts.next().flatten(),
        );
        match (y, m, d) {
            (Some(y), Some(m), Some(d)) => match NaiveDate::from_ymd_opt(y as i32, m, d) {
                Some(value) => Ok(Date { value, span }),
                None => Err(Diagnostic::error(
                    Code::InvalidDate,
                    format!("`{text}` is not a date"),
                )
                .with_label(span, "no such day in the calendar")
                .with_help("write dates as year-month-day, e.g. `2021-12-20`")
                .zh(
                    format!("`{text}` 不是有效日期"),
                    &["日历中没有这一天"],
                    Some("日期请写作 年-月-日，如 `2021-12-20`"),
                )),
            },
            _ => Err(Diagnostic::bug(
                span,
                format!("a date that does not split: {text}"),
            )),
        }
    }
}

/// Full-width digits, point and hyphen as their ASCII twins (`２０２１－１２－２０` is `2021-12-20`).
fn half_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            '－' => '-',
            _ => c,
        })
        .collect()
}

/// `人数`, `天数`, `次数`, `数值`, `日期` and `备注` are the Chinese names of the built-in fields.
pub(super) fn canonical_field(mut ident: Ident) -> Ident {
    if let Some((_, en)) = super::names::BUILT_IN_FIELDS
        .iter()
        .find(|(zh, _)| *zh == ident.name)
    {
        ident.name = (*en).to_string();
    }
    ident
}
