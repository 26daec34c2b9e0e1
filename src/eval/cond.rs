//! Part of the eval stage: conditions over a row (`where`) or a unit's facts (`when` / `unless`).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::calendar::Calendar;
use crate::facts::Value;
use crate::ir::{CompareOp, Cond, Expr};

/// A value a condition looks at; a missing value makes comparisons false.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Val<'a> {
    Num(Decimal),
    Text(&'a str),
    Date(NaiveDate),
    Bool(bool),
}

impl<'a> From<&'a Value> for Val<'a> {
    fn from(v: &'a Value) -> Val<'a> {
        match v {
            Value::Number(n) => Val::Num(*n),
            Value::Text(t) => Val::Text(t),
            Value::Date(d) => Val::Date(*d),
            Value::Bool(b) => Val::Bool(*b),
        }
    }
}

/// What names in a condition refer to.
pub(crate) trait Env {
    /// A field of the row (in `where`).
    fn field(&self, name: &str) -> Option<Val<'_>>;
    /// A fact's value for the unit (in `when`).
    fn fact(&self, name: &str) -> Option<Val<'_>>;
    /// A flag of the unit; missing is false.
    fn flag(&self, name: &str) -> bool;
    /// Whether the unit has a row of the fact.
    fn happened(&self, name: &str) -> bool;
    /// Whether each month of the year has at least `n` occurrences.
    fn each_month(&self, name: &str, n: Decimal) -> bool;
}

/// Whether a condition holds: `None` when it is unknown, because it compares a
/// value that is missing (a measure the unit never reported). Unknown follows
/// Kleene's logic: `false and unknown` is false, `true or unknown` is true,
/// `not unknown` is unknown — as SQL's NULL does.
pub(crate) fn holds(c: &Cond, env: &dyn Env, cal: &Calendar) -> Option<bool> {
    match c {
        Cond::And(a, b) => and(holds(a, env, cal), holds(b, env, cal)),
        Cond::Or(a, b) => or(holds(a, env, cal), holds(b, env, cal)),
        Cond::Not(a) => holds(a, env, cal).map(|h| !h),
        Cond::Flag(name) => Some(env.flag(name)),
        Cond::Happened(name) => Some(env.happened(name)),
        Cond::EachMonth { fact, at_least } => Some(env.each_month(fact, *at_least)),
        Cond::In { expr, set } => match value(expr, env, cal)? {
            Val::Text(t) => Some(set.iter().any(|s| s == t)),
            _ => Some(false),
        },
        Cond::Compare { left, op, right } => {
            let (l, r) = (value(left, env, cal)?, value(right, env, cal)?);
            let ordering = match (l, r) {
                (Val::Num(a), Val::Num(b)) => a.cmp(&b),
                (Val::Date(a), Val::Date(b)) => a.cmp(&b),
                (Val::Text(a), Val::Text(b)) => return Some(equality(*op, a == b)),
                (Val::Bool(a), Val::Bool(b)) => return Some(equality(*op, a == b)),
                // INVARIANT: the checker only lets values of one dimension be compared.
                _ => return Some(false),
            };
            Some(ordered(*op, ordering))
        }
    }
}

/// `a and b` in Kleene's logic: false if either is false, unknown if either is unknown.
pub(crate) fn and(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// `a or b` in Kleene's logic: true if either is true, unknown if either is unknown.
pub(crate) fn or(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// Whether `op` holds of two values that compare as `ordering`.
pub(crate) fn ordered(op: CompareOp, ordering: std::cmp::Ordering) -> bool {
    match op {
        CompareOp::Lt => ordering.is_lt(),
        CompareOp::Le => ordering.is_le(),
        CompareOp::Gt => ordering.is_gt(),
        CompareOp::Ge => ordering.is_ge(),
        CompareOp::Eq => ordering.is_eq(),
        CompareOp::Ne => ordering.is_ne(),
    }
}

fn equality(op: CompareOp, equal: bool) -> bool {
    match op {
        CompareOp::Eq => equal,
        CompareOp::Ne => !equal,
        _ => false,
    }
}

fn value<'e>(e: &'e Expr, env: &'e dyn Env, cal: &Calendar) -> Option<Val<'e>> {
    match e {
        Expr::Field(name) => env.field(name),
        Expr::Fact(name) => env.fact(name),
        Expr::Number(n) => Some(Val::Num(*n)),
        Expr::Symbol(s) => Some(Val::Text(s)),
        Expr::Date(d) => Some(Val::Date(*d)),
        Expr::Shift {
            base,
            days,
            workdays,
        } => match value(base, env, cal)? {
            Val::Date(d) => {
                let moved = if *workdays {
                    cal.add_workdays(d, *days)
                } else {
                    Calendar::add_days(d, *days)
                };
                moved.map(Val::Date)
            }
            _ => None,
        },
    }
}
