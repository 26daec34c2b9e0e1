//! Part of the facts stage, its fast lane: a cell's number or date read as the general reader
//! ([`crate::facts::validate`]) reads it, without allocating, for [`super::scan`]; anything
//! it is not sure of goes to the general parser, or gives up ([`Bail`]).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::Bail;
use crate::facts::validate::{parse_date, parse_number, Percents};
use crate::ir::NumberKind;

/// Dates already read, each with the ten bytes it was read from (`2021-03-04`), at a place
/// found from the last digit or two of its month and of its day: a date seen before is two
/// compares, not a reading of its digits (a year of rows has 365 dates, read millions of
/// times). A text equal to one kept was read and checked when it was kept.
pub(super) struct Dates {
    seen: Vec<Seen>,
}

/// A date's first 8 bytes, its last 2, the date (`None`: a free place).
type Seen = (u64, u16, Option<NaiveDate>);

/// Two bits of a month's tens, four of its units, two of a day's tens, four of its units.
const PLACES: usize = 1 << 12;

impl Dates {
    /// No date read yet.
    pub(super) fn new() -> Dates {
        Dates {
            seen: vec![(0, 0, None); PLACES],
        }
    }
}

/// Where a date of these bytes is kept.
#[inline(always)]
fn place(head: u64, tail: u16) -> usize {
    let month = (head >> 40) & 0x0f03;
    let day = u64::from(tail) & 0x0f03;
    let month = (month & 3) << 4 | (month >> 8);
    let day = (day & 3) << 4 | (day >> 8);
    (month << 6 | day) as usize
}

/// `2021-03-04` read at once (from what was kept, when it was read before); any other way of
/// writing a date as the general reader reads it. Inline: a date seen before is most rows'.
#[inline(always)]
pub(super) fn read_date(text: &[u8], dates: &mut Dates) -> Option<NaiveDate> {
    if let Some((w, t)) = ten(text) {
        if let Some(&(kw, kt, Some(date))) = dates.seen.get(place(w, t)) {
            if kw == w && kt == t {
                return Some(date);
            }
        }
    }
    read_new(text, dates)
}

/// [`read_date`] of a date not seen before, kept when it is ten bytes.
#[inline(never)]
fn read_new(text: &[u8], dates: &mut Dates) -> Option<NaiveDate> {
    let Some((w, t)) = ten(text) else {
        return parse_date(std::str::from_utf8(text).ok()?);
    };
    let date = match read_ten(w, t) {
        Some(date) => date?,
        None => parse_date(std::str::from_utf8(text).ok()?)?,
    };
    if let Some(slot) = dates.seen.get_mut(place(w, t)) {
        *slot = (w, t, Some(date));
    }
    Some(date)
}

/// A text of ten bytes as its first 8 and its last 2, the key a date is kept under.
#[inline(always)]
fn ten(text: &[u8]) -> Option<(u64, u16)> {
    match (text.first_chunk::<8>(), text.last_chunk::<2>(), text.len()) {
        (Some(head), Some(tail), 10) => {
            Some((u64::from_le_bytes(*head), u16::from_le_bytes(*tail)))
        }
        _ => None,
    }
}

/// Ten bytes (the first 8, the last 2) of the form `yyyy-mm-dd` as a date (`Some(None)`: no
/// such day); `None` when they are not of that form.
fn read_ten(w: u64, tail: u16) -> Option<Option<NaiveDate>> {
    // Each digit's value in its byte (`0`..`9` and only they map to 0..9), checked 8 bytes at
    // once: adding 0x76 to a byte over 9 sets its high bit (a carry into the next byte comes
    // only from a byte already over 9).
    let x = w ^ 0x3030_3030_3030_3030;
    const DIGITS: u64 = 0x00ff_ff00_ffff_ffff;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let dashes = w & !DIGITS == 0x2d00_002d_0000_0000;
    let [b0, b1] = tail.to_le_bytes();
    let (d0, d1) = (b0 ^ b'0', b1 ^ b'0');
    if !(dashes && ((x.wrapping_add(0x7676_7676_7676_7676) | x) & HIGH & DIGITS) == 0)
        || d0 > 9
        || d1 > 9
    {
        return None;
    }
    let byte = |i: u32| ((x >> (8 * i)) & 0xff) as u32;
    let y = byte(0) * 1000 + byte(1) * 100 + byte(2) * 10 + byte(3);
    let m = byte(5) * 10 + byte(6);
    let d = u32::from(d0) * 10 + u32::from(d1);
    Some(NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d))
}

/// A plain non-negative decimal: digits, at most one point, at most 18 digits, read at once;
/// anything else through the general reader's parser. A negative number bails: whether it
/// is allowed is the general reader's to say.
#[inline(always)]
pub(super) fn plain(text: &[u8]) -> Result<Decimal, Bail> {
    plain_whole(text).map(|(n, _)| n)
}

/// [`plain`], and whether the number is whole. Inlined for the one digit of most persons and
/// days: a decimal returned through memory and read straight back stalled the load.
#[inline(always)]
pub(super) fn plain_whole(text: &[u8]) -> Result<(Decimal, bool), Bail> {
    if let [d @ b'0'..=b'9'] = text {
        if let Some(n) = DIGITS.get(usize::from(d - b'0')) {
            return Ok((*n, true));
        }
    }
    plain_longer(text)
}

/// The ten digits as decimals, copied whole: a decimal built from a digit in place was
/// written in 4-byte parts and read back in 8, which stalls (perf: 10% of typing a row).
const DIGITS: [Decimal; 10] = [
    Decimal::from_parts(0, 0, 0, false, 0),
    Decimal::from_parts(1, 0, 0, false, 0),
    Decimal::from_parts(2, 0, 0, false, 0),
    Decimal::from_parts(3, 0, 0, false, 0),
    Decimal::from_parts(4, 0, 0, false, 0),
    Decimal::from_parts(5, 0, 0, false, 0),
    Decimal::from_parts(6, 0, 0, false, 0),
    Decimal::from_parts(7, 0, 0, false, 0),
    Decimal::from_parts(8, 0, 0, false, 0),
    Decimal::from_parts(9, 0, 0, false, 0),
];

/// [`plain_whole`] of anything but one digit.
#[inline(never)]
fn plain_longer(b: &[u8]) -> Result<(Decimal, bool), Bail> {
    if b.len() <= 18 && !b.is_empty() {
        let (mut mantissa, mut scale, mut point) = (0i64, 0u32, false);
        let mut ok = true;
        for &c in b {
            match c {
                b'0'..=b'9' => {
                    mantissa = mantissa * 10 + i64::from(c - b'0');
                    if point {
                        scale += 1;
                    }
                }
                b'.' if !point => point = true,
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        // `5.` and `.5` are left to the general parser, whose reading they are.
        if ok && b.first() != Some(&b'.') && b.last() != Some(&b'.') {
            let n = Decimal::new(mantissa, scale);
            return Ok((n, !point || n.fract().is_zero()));
        }
    }
    match parse_number(std::str::from_utf8(b).map_err(|_| Bail)?, false) {
        Some(n) if !n.is_sign_negative() || n.is_zero() => Ok((n, n.fract().is_zero())),
        _ => Err(Bail),
    }
}

/// A whole non-negative number (persons, count).
#[inline(always)]
pub(super) fn whole(text: &[u8]) -> Result<Decimal, Bail> {
    match plain_whole(text)? {
        (n, true) => Ok(n),
        _ => Err(Bail),
    }
}

/// A number of a declared kind, percents as the general reader reads them; an ambiguous bare
/// percent (`0.85`) bails, for the general reader to report.
pub(super) fn number(text: &str, kind: NumberKind, percents: Percents) -> Result<Decimal, Bail> {
    let marked = text.ends_with(['%', '％']);
    let n = if kind == NumberKind::Percent && marked {
        let body = text.trim_end_matches(['%', '％']).trim_end();
        // Only one sign: `85%%` is the general parser's to refuse.
        if text.len() - body.len() > '％'.len_utf8() || text.matches(['%', '％']).count() != 1 {
            return Err(Bail);
        }
        plain(body.as_bytes())?
    } else {
        plain(text.as_bytes())?
    };
    if kind == NumberKind::Count && !n.fract().is_zero() {
        return Err(Bail);
    }
    if kind != NumberKind::Percent || marked {
        return Ok(n);
    }
    if percents == Percents::Fraction {
        return n.checked_mul(Decimal::ONE_HUNDRED).ok_or(Bail);
    }
    if n > Decimal::ZERO && n <= Decimal::ONE {
        return Err(Bail);
    }
    Ok(n)
}
