//! How numbers and user text are written out: `report::number` is `normalize` without its
//! cost where there is nothing to strip, and `escape_controls` finds every control character
//! its fast byte test lets through.

use kaohe::diagnostic::escape_controls;
use kaohe::report::number;
use proptest::prelude::*;
use rust_decimal::Decimal;

proptest! {
    #[test]
    fn number_is_normalize(m in any::<i64>(), scale in 0u32..=28) {
        let d = Decimal::new(m, scale);
        prop_assert_eq!(number(d), d.normalize().to_string());
        let padded = Decimal::new(m / 1000 * 1000, scale);
        prop_assert_eq!(number(padded), padded.normalize().to_string());
    }

    #[test]
    fn escape_controls_escapes_every_control(s in "\\PC{0,8}[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{a0}-\\u{ff}一-龥]{0,3}\\PC{0,8}") {
        let expected: String = s
            .chars()
            .map(|c| {
                if c.is_control() && !matches!(c, '\n' | '\t' | '\r') {
                    format!("\\u{{{:x}}}", c as u32)
                } else {
                    c.to_string()
                }
            })
            .collect();
        prop_assert_eq!(escape_controls(&s).into_owned(), expected);
    }
}

#[test]
fn zeros_and_negative_zero_are_written_plainly() {
    assert_eq!(number(Decimal::new(0, 2)), "0");
    assert_eq!(
        number(-Decimal::ZERO),
        Decimal::ZERO.normalize().to_string()
    );
    assert_eq!(number(Decimal::new(-2500, 3)), "-2.5");
    assert_eq!(number(Decimal::new(100, 0)), "100");
}
