//! Part of the eval stage, dense lane: the numbers a unit is scored in — `Decimal`, or
//! [`Fixed`], whole numbers of hundred-millionths that add, compare and multiply in a few
//! instructions where a decimal takes a hundred (200,000 units, a dozen rules each).
//!
//! A unit is scored in [`Fixed`] first. Every operation there is exact or says it cannot be
//! (a value with more than 8 decimals, a product with more, anything beyond ±92 billion): the
//! unit is then scored again in `Decimal`. An exact result is the one `Decimal` gives, since
//! no value that fits here comes near the 28 digits where `Decimal` would round.

use rust_decimal::Decimal;

use crate::eval::aggregate::Overflow;

/// What scoring a unit needs of a number. An operation that overflows (or, in [`Fixed`],
/// cannot be exact) sets the [`Overflow`] flag; its value is then not used.
pub(super) trait Num: Copy + Ord + std::fmt::Debug {
    const ZERO: Self;
    /// A decimal of the policy or of the aggregates.
    fn of(d: Decimal, of: &mut Overflow) -> Self;
    /// A count of things (distinct keys, missing values).
    fn count(n: usize, of: &mut Overflow) -> Self;
    /// As a decimal, without trailing zeros in [`Fixed`].
    fn dec(self) -> Decimal;
    fn add(self, b: Self, of: &mut Overflow) -> Self;
    fn sub(self, b: Self, of: &mut Overflow) -> Self;
    fn mul(self, b: Self, of: &mut Overflow) -> Self;
    fn neg(self, of: &mut Overflow) -> Self;
    fn is_zero(self) -> bool;
}

impl Num for Decimal {
    const ZERO: Self = Decimal::ZERO;

    #[inline(always)]
    fn of(d: Decimal, _: &mut Overflow) -> Self {
        d
    }

    #[inline(always)]
    fn count(n: usize, _: &mut Overflow) -> Self {
        Decimal::from(n)
    }

    #[inline(always)]
    fn dec(self) -> Decimal {
        self
    }

    #[inline(always)]
    fn add(self, b: Self, of: &mut Overflow) -> Self {
        of.add(self, b)
    }

    #[inline(always)]
    fn sub(self, b: Self, of: &mut Overflow) -> Self {
        self.checked_sub(b).unwrap_or_else(|| {
            of.0 = true;
            self
        })
    }

    #[inline(always)]
    fn mul(self, b: Self, of: &mut Overflow) -> Self {
        of.mul(self, b)
    }

    #[inline(always)]
    fn neg(self, _: &mut Overflow) -> Self {
        -self
    }

    #[inline(always)]
    fn is_zero(self) -> bool {
        Decimal::is_zero(&self)
    }
}

/// How many decimals a [`Fixed`] holds.
const SCALE: u32 = 8;
/// One, in [`Fixed`].
const ONE: i64 = 100_000_000;
/// `10^i`, for `i` up to [`SCALE`].
const POW: [i64; SCALE as usize + 1] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// A number as a whole count of hundred-millionths (`1.5` is 150,000,000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Fixed(i64);

impl Fixed {
    /// The exact value, or `None`.
    #[inline(always)]
    fn exact(d: Decimal) -> Option<Fixed> {
        let parts = d.unpack();
        // Most values of a policy and its aggregates: a mantissa of 32 bits, few decimals.
        if let (0, 0, Some(up)) = (
            parts.hi,
            parts.mid,
            POW.get(SCALE.wrapping_sub(parts.scale) as usize),
        ) {
            let m = i64::from(parts.lo) * up;
            return Some(Fixed(if parts.negative { -m } else { m }));
        }
        Fixed::exact_wide(d)
    }

    /// [`Fixed::exact`] of a mantissa beyond 32 bits or more decimals than a Fixed holds.
    #[cold]
    #[inline(never)]
    fn exact_wide(d: Decimal) -> Option<Fixed> {
        let (m, scale) = (d.mantissa(), d.scale());
        if let Some(up) = SCALE.checked_sub(scale).and_then(|s| POW.get(s as usize)) {
            return i64::try_from(m).ok()?.checked_mul(*up).map(Fixed);
        }
        // More decimals than a Fixed holds: exact only when those are zeros.
        let down = 10i128.checked_pow(scale - SCALE)?;
        (m % down == 0)
            .then(|| i64::try_from(m / down).ok())
            .flatten()
            .map(Fixed)
    }
}

impl Num for Fixed {
    const ZERO: Self = Fixed(0);

    #[inline]
    fn of(d: Decimal, of: &mut Overflow) -> Self {
        Fixed::exact(d).unwrap_or_else(|| {
            of.0 = true;
            Fixed(0)
        })
    }

    #[inline]
    fn count(n: usize, of: &mut Overflow) -> Self {
        i64::try_from(n)
            .ok()
            .and_then(|n| n.checked_mul(ONE))
            .map_or_else(
                || {
                    of.0 = true;
                    Fixed(0)
                },
                Fixed,
            )
    }

    fn dec(self) -> Decimal {
        let (mut m, mut scale) = (self.0, SCALE);
        if m % ONE == 0 {
            (m, scale) = (m / ONE, 0);
        } else {
            // At most 7 trailing zeros: 4, 2 and 1 of them taken off in turn.
            for (digits, pow) in [(4, 10_000), (2, 100), (1, 10)] {
                if m % pow == 0 {
                    (m, scale) = (m / pow, scale - digits);
                }
            }
        }
        let negative = m < 0;
        let m = m.unsigned_abs();
        // A Fixed is within 64 bits: the high 32 bits of the decimal's 96 stay zero.
        Decimal::from_parts(m as u32, (m >> 32) as u32, 0, negative, scale)
    }

    #[inline(always)]
    fn add(self, b: Self, of: &mut Overflow) -> Self {
        self.0.checked_add(b.0).map_or_else(
            || {
                of.0 = true;
                self
            },
            Fixed,
        )
    }

    #[inline(always)]
    fn sub(self, b: Self, of: &mut Overflow) -> Self {
        self.0.checked_sub(b.0).map_or_else(
            || {
                of.0 = true;
                self
            },
            Fixed,
        )
    }

    #[inline]
    fn mul(self, b: Self, of: &mut Overflow) -> Self {
        // The product has 16 decimals: exact here when the last 8 are zeros.
        let exact = match self.0.checked_mul(b.0) {
            Some(p) => (p % ONE == 0).then_some(p / ONE),
            None => {
                let p = i128::from(self.0) * i128::from(b.0);
                (p % i128::from(ONE) == 0)
                    .then(|| i64::try_from(p / i128::from(ONE)).ok())
                    .flatten()
            }
        };
        exact.map_or_else(
            || {
                of.0 = true;
                Fixed(0)
            },
            Fixed,
        )
    }

    #[inline(always)]
    fn neg(self, of: &mut Overflow) -> Self {
        self.0.checked_neg().map_or_else(
            || {
                of.0 = true;
                self
            },
            Fixed,
        )
    }

    #[inline(always)]
    fn is_zero(self) -> bool {
        self.0 == 0
    }
}
