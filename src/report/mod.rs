//! Stage 6 of the pipeline: [`Results`] → what people and programs read: a table, CSV, JSON, or an explanation.

mod explain;
mod html;
mod xlsx;

use comfy_table::{presets, CellAlignment, ContentArrangement, Table};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use unicode_width::UnicodeWidthStr;

use crate::results::{Results, RuleResult, SectionResult, UnitResult};

pub use explain::{explain_json, explain_text};
pub use html::html;
pub use xlsx::xlsx;

/// A decimal as people write it: no trailing zeros (`97.5`, `100`).
pub fn number(d: Decimal) -> String {
    let mut out = Vec::with_capacity(16);
    push_number(d, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// [`number`] written onto `out`: what `d.normalize().to_string()` gives (`0.05`, `-2.5`,
/// `0` for -0), without dividing a 96-bit number by ten until it cannot, nor `fmt`: a
/// province's CSV report writes a million of them.
pub fn push_number(d: Decimal, out: &mut Vec<u8>) {
    let (m, scale) = (d.mantissa().unsigned_abs(), d.scale());
    if m == 0 {
        out.push(b'0');
        return;
    }
    if d.is_sign_negative() {
        out.push(b'-');
    }
    // Most mantissas and their scales fit 64 bits, whose division is a few times cheaper
    // than 128 bits'.
    let small = u64::try_from(m).ok().zip(10u64.checked_pow(scale));
    match small {
        Some((m, _)) => push_digits(m, scale, out),
        None => push_digits(m, scale, out),
    }
}

/// A mantissa at `scale` as [`push_number`] writes it, without its trailing zeros: the whole
/// part, then the fraction's digits with the zeros that lead them (itoa: two digits a step
/// from a table).
fn push_digits<T>(mut m: T, mut scale: u32, out: &mut Vec<u8>)
where
    T: itoa::Integer + Copy + From<u8> + PartialEq + PartialOrd,
    T: std::ops::Rem<Output = T> + std::ops::Div<Output = T> + std::ops::Mul<Output = T>,
{
    let (zero, ten) = (T::from(0), T::from(10));
    while scale > 0 && m % ten == zero {
        m = m / ten;
        scale -= 1;
    }
    // 10^scale fits: the caller saw to it for 64 bits, and a decimal's scale is at most 28.
    let mut unit = T::from(1);
    for _ in 0..scale {
        unit = unit * ten;
    }
    let mut digits = itoa::Buffer::new();
    out.extend_from_slice(digits.format(m / unit).as_bytes());
    if scale > 0 {
        out.push(b'.');
        let fraction = digits.format(m % unit).as_bytes();
        let zeros = (scale as usize).saturating_sub(fraction.len());
        out.extend(std::iter::repeat_n(b'0', zeros));
        out.extend_from_slice(fraction);
    }
}

/// The table as it fits a terminal `width` columns wide: the whole table when it fits (or the
/// width is unknown), else rank, unit, total and the outcome columns, with a line saying how
/// many sections `--wide` would show.
pub fn table_fitting(results: &Results, width: Option<usize>) -> String {
    let whole = table(results);
    let widest = whole.lines().map(UnicodeWidthStr::width).max().unwrap_or(0);
    match width {
        Some(w) if widest > w => {
            let sections = results.units.first().map_or(0, |u| u.sections.len());
            let narrow = Results {
                units: results
                    .units
                    .iter()
                    .map(|u| UnitResult {
                        sections: Vec::new(),
                        ..u.clone()
                    })
                    .collect(),
                ..results.clone()
            };
            let note = if results.chinese {
                format!("另有 {sections} 个板块未显示：加 `--wide` 显示全部\n")
            } else {
                format!("{sections} sections are not shown: `--wide` shows them\n")
            };
            format!("{}{note}", table(&narrow))
        }
        _ => whole,
    }
}

/// An aligned terminal table: rank, unit, total and one column per section.
pub fn table(results: &Results) -> String {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    let shown = Shown::of(results);
    let words = Words::of(results);
    let sections = results.units.first().map_or(&[][..], |u| &u.sections[..]);
    let mut header = shown.head(&words);
    header.extend(sections.iter().map(section_heading));
    if shown.prizes {
        header.push(words.prizes.to_string());
    }
    t.set_header(header);
    for u in &results.units {
        let mut row = shown.cells(u, u.unit.clone());
        row.extend(u.sections.iter().map(|s| number(s.score)));
        if shown.prizes {
            row.push(u.prizes.join(", "));
        }
        t.add_row(row);
    }
    let text_columns = shown.text_columns();
    let last = t.column_count().saturating_sub(1);
    for (i, column) in t.column_iter_mut().enumerate() {
        let text = text_columns.contains(&i) || (shown.prizes && i == last);
        if !text {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    // Unit and section names come from the user's files: no escape sequence reaches the terminal.
    crate::diagnostic::escape_controls(&format!("{t}\n")).into_owned()
}

/// The words of a report's headings, in the policy's language.
pub(crate) struct Words {
    pub rank: &'static str,
    pub unit: &'static str,
    pub group: &'static str,
    pub total: &'static str,
    pub grade: &'static str,
    pub veto: &'static str,
    pub prizes: &'static str,
}

impl Words {
    pub(crate) fn of(results: &Results) -> Words {
        Words::of_language(results.chinese)
    }

    pub(crate) fn of_language(chinese: bool) -> Words {
        if chinese {
            Words {
                rank: "名次",
                unit: "单位",
                group: "类别",
                total: "总分",
                grade: "等次",
                veto: "一票否决",
                prizes: "奖项",
            }
        } else {
            Words {
                rank: "rank",
                unit: "unit",
                group: "group",
                total: "total",
                grade: "grade",
                veto: "veto",
                prizes: "prizes",
            }
        }
    }
}

/// Which outcome columns a report shows: those some unit has.
pub(crate) struct Shown {
    pub group: bool,
    pub grade: bool,
    pub veto: bool,
    pub prizes: bool,
}

impl Shown {
    pub(crate) fn of(results: &Results) -> Shown {
        Shown {
            group: results.units.iter().any(|u| u.group.is_some()),
            grade: results.units.iter().any(|u| u.grade.is_some()),
            veto: results.units.iter().any(|u| !u.vetoes.is_empty()),
            prizes: results.units.iter().any(|u| !u.prizes.is_empty()),
        }
    }

    /// `rank, unit, [group], total, [grade], [veto]`, in the policy's language.
    pub(crate) fn head(&self, w: &Words) -> Vec<String> {
        let mut h = vec![w.rank.to_string(), w.unit.to_string()];
        if self.group {
            h.push(w.group.to_string());
        }
        h.push(w.total.to_string());
        if self.grade {
            h.push(w.grade.to_string());
        }
        if self.veto {
            h.push(w.veto.to_string());
        }
        h
    }

    fn cells(&self, u: &UnitResult, unit: String) -> Vec<String> {
        let mut row = vec![u.rank.to_string(), unit];
        if self.group {
            row.push(u.group.clone().unwrap_or_default());
        }
        row.push(number(u.total));
        if self.grade {
            row.push(u.grade.clone().unwrap_or_default());
        }
        if self.veto {
            // The grades the vetoes that hold cap the unit at.
            row.push(u.veto_grades.join(", "));
        }
        row
    }

    /// The columns aligned left: unit, group and grade.
    fn text_columns(&self) -> Vec<usize> {
        let mut cols = vec![1];
        if self.group {
            cols.push(2);
        }
        let mut next = if self.group { 4 } else { 3 };
        if self.grade {
            cols.push(next);
            next += 1;
        }
        if self.veto {
            cols.push(next);
        }
        cols
    }
}

fn section_heading(s: &SectionResult) -> String {
    match (s.bonus, s.worth) {
        (true, Some(w)) => format!("{} (+{})", s.name, number(w)),
        (_, Some(w)) => format!("{} ({})", s.name, number(w)),
        (_, None) => s.name.clone(),
    }
}

/// CSV: `rank,unit,total,<section names…>`.
pub fn csv(results: &Results) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let sections = results.units.first().map_or(&[][..], |u| &u.sections[..]);
    let shown = Shown::of(results);
    let words = Words::of(results);
    let mut header = shown.head(&words);
    header.extend(sections.iter().map(|s| s.name.clone()));
    if shown.prizes {
        header.push(words.prizes.to_string());
    }
    w.write_record(header.iter().map(|h| cell(h).into_owned()))?;
    for u in &results.units {
        // Numbers are kaohe's own: only text cells are neutralised (the rank comes first).
        let mut row: Vec<String> = vec![u.rank.to_string()];
        row.extend(
            shown
                .cells(u, u.unit.clone())
                .iter()
                .skip(1)
                .map(|c| cell(c).into_owned()),
        );
        row.extend(u.sections.iter().map(|s| number(s.score)));
        if shown.prizes {
            row.push(cell(&u.prizes.join("；")).into_owned());
        }
        w.write_record(&row)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// CSV from the dense lane: what [`csv`] writes for the same scores (no outcome columns:
/// the lane scores no grades, vetoes or prizes).
pub fn csv_dense(scores: &crate::eval::dense::Dense) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(48 * scores.names.len() + 64));
    let words = Words::of_language(scores.chinese);
    let none = Shown {
        group: false,
        grade: false,
        veto: false,
        prizes: false,
    };
    let mut header = none.head(&words);
    if !scores.names.is_empty() {
        header.extend(scores.sections.iter().map(|s| s.0.clone()));
    }
    w.write_record(header.iter().map(|h| cell(h).into_owned()))?;
    let mut bytes = w.into_inner().map_err(|e| e.into_error())?;
    // The rows in parts, one a core: the same bytes as one writer's.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = scores.ranked.len().div_ceil(threads).max(16384);
    let parts: Vec<Result<Vec<u8>, csv::Error>> = std::thread::scope(|s| {
        let workers: Vec<_> = scores
            .ranked
            .chunks(per)
            .map(|rows| s.spawn(move || csv_rows(scores, rows)))
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join().map_err(|_| {
                    csv::Error::from(std::io::Error::other("a thread of the CSV writer failed"))
                })
            })
            .collect()
    });
    for part in parts {
        bytes.extend_from_slice(&part?);
    }
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// The CSV rows of `ranked` (units in rank order), as [`csv_dense`] writes them: the bytes the
/// `csv` crate's writer gives (a field quoted when it holds a comma, a quote or a line end,
/// quotes doubled; `\n` after a record), written straight into one buffer — through the
/// writer, each of a province's 1.4 million fields was searched for bytes to quote, numbers
/// included, which never have one.
fn csv_rows(scores: &crate::eval::dense::Dense, ranked: &[(usize, usize)]) -> Vec<u8> {
    use crate::facts::ahead::ahead;
    let n = scores.sections.len();
    let mut out = Vec::with_capacity(48 * ranked.len());
    // Units in rank order are all over memory: two batches before a batch is written, its
    // names (the `String`s), totals and scores are asked for; a batch later, the names'
    // bytes, which need the `String` first. Asking (a prefetch hint) does not hold the core
    // up, so the writing goes on while they come (at 200,000 units, most of its time).
    let batch = 32;
    let batches = ranked.len().div_ceil(batch);
    let rows = |k: usize| {
        let start = (k * batch).min(ranked.len());
        let end = (start + batch).min(ranked.len());
        ranked.get(start..end).unwrap_or_default()
    };
    for k in 0..batches + 2 {
        for &(u, _) in rows(k) {
            if let Some(name) = scores.names.get(u) {
                ahead(name);
            }
            if let Some(t) = scores.totals.get(u) {
                ahead(t);
            }
            if let Some(s) = scores.scores.get(u * n) {
                ahead(s);
            }
        }
        if let Some(k) = k.checked_sub(1) {
            for &(u, _) in rows(k) {
                if let Some(b) = scores.names.get(u).and_then(|s| s.as_bytes().first()) {
                    ahead(b);
                }
            }
        }
        if let Some(k) = k.checked_sub(2) {
            csv_batch(scores, rows(k), &mut out);
        }
    }
    out
}

/// [`csv_rows`] of a batch of units, onto `out`.
fn csv_batch(scores: &crate::eval::dense::Dense, ranked: &[(usize, usize)], out: &mut Vec<u8>) {
    let n = scores.sections.len();
    for &(u, rank) in ranked {
        push_number(Decimal::from(rank), out);
        out.push(b',');
        // Most names need no neutralising: `cell` gives them back without a copy.
        push_field(
            cell(scores.names.get(u).map_or("", String::as_str)).as_bytes(),
            out,
        );
        let numbers = scores
            .totals
            .get(u)
            .into_iter()
            .chain(scores.scores.iter().skip(u * n).take(n));
        for d in numbers {
            out.push(b',');
            push_number(*d, out);
        }
        out.push(b'\n');
    }
}

/// A text field of a CSV row as the `csv` crate's writer writes it by default.
fn push_field(text: &[u8], out: &mut Vec<u8>) {
    if !text
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        out.extend_from_slice(text);
        return;
    }
    out.push(b'"');
    for &b in text {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// A text cell of a CSV report: a spreadsheet runs a cell starting with `=`, `+`, `-` or `@`
/// (or a tab or carriage return) as a formula, so such a cell gets a leading `'`; control
/// characters are escaped.
fn cell(text: &str) -> std::borrow::Cow<'_, str> {
    let text = crate::diagnostic::escape_controls(text);
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text
    }
}

/// JSON: `{"policy", "units": [{"unit", "total", "rank", "sections": [{"name", "worth", "score", "rules": […]}]}]}`,
/// every number a decimal string.
pub fn json(results: &Results) -> Value {
    json!({
        "policy": results.policy,
        "source": results.source,
        "units": results.units.iter().map(unit_json).collect::<Vec<_>>(),
    })
}

fn unit_json(u: &UnitResult) -> Value {
    json!({
        "unit": u.unit,
        "total": number(u.total),
        "rank": u.rank,
        "group": u.group,
        "grade": u.grade,
        "vetoes": u.vetoes,
        "prizes": u.prizes,
        "sections": u.sections.iter().map(|s| json!({
            "name": s.name,
            "bonus": s.bonus,
            "worth": s.worth.map(number),
            "score": number(s.score),
            "items": s.items.iter().map(|i| json!({
                "name": i.name,
                "worth": i.worth.map(number),
                "score": i.score.map(number),
            })).collect::<Vec<_>>(),
            "rules": s.items.iter()
                .flat_map(|i| i.rules.iter().map(move |r| rule_json(r, Some(&i.name))))
                .chain(s.rules.iter().map(|r| rule_json(r, None)))
                .collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

pub(crate) fn rule_json(r: &RuleResult, item: Option<&str>) -> Value {
    json!({
        "clause": r.clause,
        "span": format!("{}:{}-{}:{}", r.span.start_line, r.span.start_col, r.span.end_line, r.span.end_col),
        "item": item,
        "verb": r.verb,
        "amount": number(r.signed()),
        "raw": number(r.raw),
        "cap": r.cap.map(number),
        "capped": r.capped,
        "unknown": r.unknown,
        "group": r.group,
    })
}
