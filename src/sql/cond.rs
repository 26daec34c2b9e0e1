//! Part of SQL generation: conditions and values, over a row (`where`) or a unit's facts
//! (`when`, `unless`, `only if`, vetoes), as the interpreter's `eval::cond` reads them.
//!
//! SQL's NULL is the interpreter's unknown: a comparison with a missing value is NULL, and
//! `AND`, `OR` and `NOT` follow Kleene's logic in both, so a condition translates as written.
//! Where the interpreter answers false rather than unknown (a name compared with `<`, a set
//! test of a number), the query says `FALSE` unless a side is missing.

use super::{ident, num, text};
use crate::ir::{self, CompareOp, Cond, Expr, FieldKind, Shape};

/// What an SQL value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    Num,
    Text,
    Date,
    Bool,
}

/// What names in a condition refer to.
pub(crate) enum Scope<'a> {
    /// A row of this fact (`where`): fields are columns, facts are missing.
    Row(&'a ir::Fact),
    /// A unit (`when`): facts are the columns `x{i}` (and `x{i}_m{1..12}`) of `unit_facts`.
    Unit(&'a ir::Policy),
}

/// A condition as an SQL boolean expression (NULL when unknown).
pub(crate) fn cond(c: &Cond, scope: &Scope) -> String {
    match c {
        Cond::And(a, b) => format!("({} AND {})", cond(a, scope), cond(b, scope)),
        Cond::Or(a, b) => format!("({} OR {})", cond(a, scope), cond(b, scope)),
        Cond::Not(a) => format!("(NOT {})", cond(a, scope)),
        Cond::Flag(name) => match unit_fact(scope, name) {
            Some((i, Shape::Flag)) => format!("x{i}"),
            // A name that is not a flag is never a true flag.
            _ => "FALSE".into(),
        },
        Cond::Happened(name) => match unit_fact(scope, name) {
            // Only an event's rows are occurrences.
            Some((i, Shape::Event)) => format!("(x{i} > 0)"),
            _ => "FALSE".into(),
        },
        Cond::EachMonth { fact, at_least } => match unit_fact(scope, fact) {
            Some((i, Shape::Event)) => {
                let months: Vec<String> = (1..=12)
                    .map(|m| format!("x{i}_m{m} >= {}", num(*at_least)))
                    .collect();
                format!("({})", months.join(" AND "))
            }
            _ => "FALSE".into(),
        },
        Cond::In { expr, set } => match value(expr, scope) {
            Some((x, Ty::Text)) if !set.is_empty() => {
                let names: Vec<String> = set.iter().map(|s| text(s)).collect();
                format!("({x} IN ({}))", names.join(", "))
            }
            Some((x, _)) => false_unless_null(&[&x]),
            None => "CAST(NULL AS BOOLEAN)".into(),
        },
        Cond::Compare { left, op, right } => {
            let (Some((l, lt)), Some((r, rt))) = (value(left, scope), value(right, scope)) else {
                return "CAST(NULL AS BOOLEAN)".into();
            };
            let ordered = matches!((lt, rt), (Ty::Num, Ty::Num) | (Ty::Date, Ty::Date));
            let equal = lt == rt && matches!(lt, Ty::Text | Ty::Bool);
            let sql_op = match op {
                CompareOp::Lt => "<",
                CompareOp::Le => "<=",
                CompareOp::Gt => ">",
                CompareOp::Ge => ">=",
                CompareOp::Eq => "=",
                CompareOp::Ne => "<>",
            };
            if ordered || (equal && matches!(op, CompareOp::Eq | CompareOp::Ne)) {
                format!("({l} {sql_op} {r})")
            } else {
                false_unless_null(&[&l, &r])
            }
        }
    }
}

/// FALSE, or NULL when one of the values is missing (the interpreter's order of questions:
/// a missing side first).
fn false_unless_null(values: &[&str]) -> String {
    let nulls: Vec<String> = values.iter().map(|v| format!("{v} IS NULL")).collect();
    format!(
        "(CASE WHEN {} THEN CAST(NULL AS BOOLEAN) ELSE FALSE END)",
        nulls.join(" OR ")
    )
}

/// A unit-level fact's index and shape (None in a row's scope, or for an unknown name).
fn unit_fact<'a>(scope: &Scope<'a>, name: &str) -> Option<(usize, &'a Shape)> {
    match scope {
        Scope::Unit(p) => p
            .facts
            .iter()
            .enumerate()
            .find(|(_, f)| f.name == name)
            .map(|(i, f)| (i, &f.shape)),
        Scope::Row(_) => None,
    }
}

/// A value as an SQL expression and its type; None when it is always missing.
pub(crate) fn value(e: &Expr, scope: &Scope) -> Option<(String, Ty)> {
    match e {
        Expr::Number(n) => Some((num(*n), Ty::Num)),
        Expr::Symbol(s) => Some((text(s), Ty::Text)),
        Expr::Date(d) => Some((format!("DATE '{d}'"), Ty::Date)),
        Expr::Field(name) => match scope {
            Scope::Row(decl) => field(decl, name),
            Scope::Unit(_) => None,
        },
        Expr::Fact(name) => match unit_fact(scope, name) {
            Some((i, Shape::Flag)) => Some((format!("x{i}"), Ty::Bool)),
            Some((i, _)) => Some((format!("x{i}"), Ty::Num)),
            None => None,
        },
        Expr::Shift {
            base,
            days,
            workdays,
        } => {
            let (b, ty) = value(base, scope)?;
            if ty != Ty::Date {
                return None;
            }
            Some((shifted(&b, *days, *workdays), Ty::Date))
        }
    }
}

/// A date moved by calendar days, or by working days per the `workdays` CTE (`d` itself not
/// counted).
fn shifted(d: &str, days: i64, workdays: bool) -> String {
    match (workdays, days) {
        (_, 0) => d.to_string(),
        (false, n) if n > 0 => format!("({d} + {n})"),
        (false, n) => format!("({d} - {})", n.unsigned_abs()),
        // n working days later: from the last working day on or before d; earlier: from the
        // first on or after it.
        (true, n) if n > 0 => format!(
            "(SELECT w.day FROM workdays w WHERE w.k = (SELECT MAX(k) FROM workdays WHERE day <= {d}) + {n})"
        ),
        (true, n) => format!(
            "(SELECT w.day FROM workdays w WHERE w.k = (SELECT MIN(k) FROM workdays WHERE day >= {d}) - {})",
            n.unsigned_abs()
        ),
    }
}

/// A field of a row of `decl`, as a column of its row set (`rules::facts`).
pub(crate) fn field(decl: &ir::Fact, name: &str) -> Option<(String, Ty)> {
    if let Some(f) = decl.fields.iter().find(|f| f.name == name) {
        let ty = match &f.kind {
            FieldKind::Persons | FieldKind::Days | FieldKind::Number(_) => Ty::Num,
            FieldKind::Key | FieldKind::Set(_) | FieldKind::Text => Ty::Text,
            FieldKind::Date => Ty::Date,
        };
        return Some((ident(name), ty));
    }
    match name {
        "date" => Some((ident("date"), Ty::Date)),
        "count" => Some(("_n".into(), Ty::Num)),
        "value" if decl.shape == Shape::Flag => Some(("(value <> 0)".into(), Ty::Bool)),
        "value" if decl.shape != Shape::Event => Some(("value".into(), Ty::Num)),
        "note" => Some(("note".into(), Ty::Text)),
        _ => None,
    }
}

/// Whether a condition shifts a date by working days (the query then needs the calendar).
pub(crate) fn uses_workdays(c: &Cond) -> bool {
    fn expr(e: &Expr) -> bool {
        match e {
            Expr::Shift { base, workdays, .. } => *workdays || expr(base),
            _ => false,
        }
    }
    match c {
        Cond::And(a, b) | Cond::Or(a, b) => uses_workdays(a) || uses_workdays(b),
        Cond::Not(a) => uses_workdays(a),
        Cond::Compare { left, right, .. } => expr(left) || expr(right),
        Cond::In { expr: e, .. } => expr(e),
        _ => false,
    }
}

/// The largest number of working days a condition shifts a date by.
pub(crate) fn widest_shift(c: &Cond) -> u64 {
    fn expr(e: &Expr) -> u64 {
        match e {
            Expr::Shift { base, days, .. } => days.unsigned_abs().max(expr(base)),
            _ => 0,
        }
    }
    match c {
        Cond::And(a, b) | Cond::Or(a, b) => widest_shift(a).max(widest_shift(b)),
        Cond::Not(a) => widest_shift(a),
        Cond::Compare { left, right, .. } => expr(left).max(expr(right)),
        Cond::In { expr: e, .. } => expr(e),
        _ => 0,
    }
}
