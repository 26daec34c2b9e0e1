//! Part of SQL generation: the facts table the query reads — its columns (`kaohe sql
//! --schema`) and the validated rows of fact files in them (`kaohe sql --rows`), for loading.

use rust_decimal::Decimal;

use super::{ident, Dialect};
use crate::diagnostic::{Code, Diagnostic};
use crate::facts::{Row, Value};
use crate::ir::{self, FieldKind, NumberKind};

/// Digits after the point a number of the facts table keeps in DuckDB (`DECIMAL(38, 10)`).
pub const SCALE: u32 = 10;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Text,
    Date,
    Whole,
    Number,
}

/// The facts table's columns: the fixed ones, then every declared field once.
fn columns(policy: &ir::Policy) -> Result<Vec<(String, Column)>, Diagnostic> {
    let mut cols: Vec<(String, Column)> = vec![
        ("unit".into(), Column::Text),
        ("fact".into(), Column::Text),
        ("date".into(), Column::Date),
        ("count".into(), Column::Whole),
        ("value".into(), Column::Number),
        ("note".into(), Column::Text),
    ];
    for fact in &policy.facts {
        for f in &fact.fields {
            let kind = match &f.kind {
                FieldKind::Persons | FieldKind::Number(NumberKind::Count) => Column::Whole,
                FieldKind::Days | FieldKind::Number(_) => Column::Number,
                FieldKind::Key | FieldKind::Set(_) | FieldKind::Text => Column::Text,
                FieldKind::Date => Column::Date,
            };
            match cols.iter().find(|(n, _)| *n == f.name) {
                Some((_, k)) if *k == kind => {}
                // A whole number is a number: one column holds both.
                Some((_, Column::Number)) if kind == Column::Whole => {}
                Some((_, k)) if *k == Column::Whole && kind == Column::Number => {
                    if let Some(c) = cols.iter_mut().find(|(n, _)| *n == f.name) {
                        c.1 = Column::Number;
                    }
                }
                Some(_) => {
                    return Err(Diagnostic::error(
                        Code::NotInSql,
                        format!(
                            "field `{}` of `{}` holds another kind of value than a field of the same name of another fact: one facts table cannot hold both",
                            f.name, fact.name
                        ),
                    )
                    .with_help("give one of the two fields another name"))
                }
                None => cols.push((f.name.clone(), kind)),
            }
        }
    }
    Ok(cols)
}

/// `CREATE TABLE` for the facts table `table` of a policy.
pub fn schema(policy: &ir::Policy, dialect: Dialect, table: &str) -> Result<String, Diagnostic> {
    let cols = columns(policy)?;
    let ty = |c: Column| match (c, dialect) {
        (Column::Text, Dialect::Postgres) => "TEXT".to_string(),
        (Column::Text, Dialect::DuckDb) => "VARCHAR".to_string(),
        (Column::Date, _) => "DATE".to_string(),
        (Column::Whole, _) => "BIGINT".to_string(),
        (Column::Number, Dialect::Postgres) => "NUMERIC".to_string(),
        (Column::Number, Dialect::DuckDb) => format!("DECIMAL(38, {SCALE})"),
    };
    let lines: Vec<String> = cols
        .iter()
        .map(|(name, c)| {
            let null = if name == "unit" || name == "fact" {
                " NOT NULL"
            } else {
                ""
            };
            format!("  {} {}{null}", ident(name), ty(*c))
        })
        .collect();
    Ok(format!(
        "-- the facts of `{}`: one row an occurrence or measurement; percents in percent (76.5), flags 1 or 0\nCREATE TABLE {} (\n{}\n);\n",
        policy.source.name,
        super::table_name(table),
        lines.join(",\n")
    ))
}

/// Validated rows as CSV in the facts table's columns (the header names them), for `COPY`.
pub fn facts_csv(policy: &ir::Policy, rows: &[Row]) -> Result<String, Diagnostic> {
    let cols = columns(policy)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Diagnostic::error(Code::Io, format!("cannot write the rows: {e}"));
    w.write_record(cols.iter().map(|(n, _)| n.as_str()))
        .map_err(io)?;
    for row in rows {
        let Some(decl) = policy.facts.get(row.fact) else {
            continue;
        };
        let mut record = Vec::with_capacity(cols.len());
        for (name, _) in &cols {
            let cell = match name.as_str() {
                "unit" => row.unit.clone(),
                "fact" => decl.name.clone(),
                "date" => row.date.map(|d| d.to_string()).unwrap_or_default(),
                "count" if decl.shape == ir::Shape::Event => number(row.count, row, decl)?,
                "count" => String::new(),
                "value" => match &row.value {
                    Some(v) => value(v, row, decl)?,
                    None => String::new(),
                },
                "note" => row.note.clone().unwrap_or_default(),
                field => match decl.fields.iter().position(|f| f.name == field) {
                    Some(i) => match row.fields.get(i).and_then(Option::as_ref) {
                        Some(v) => value(v, row, decl)?,
                        None => String::new(),
                    },
                    None => String::new(),
                },
            };
            record.push(cell);
        }
        w.write_record(&record).map_err(io)?;
    }
    let bytes = w.into_inner().map_err(|e| io(e.into_error().into()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn value(v: &Value, row: &Row, decl: &ir::Fact) -> Result<String, Diagnostic> {
    Ok(match v {
        Value::Number(n) => number(*n, row, decl)?,
        Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Value::Text(t) => t.clone(),
        Value::Date(d) => d.to_string(),
    })
}

/// A number as the table keeps it: refused when DuckDB's column would round it.
fn number(n: Decimal, row: &Row, decl: &ir::Fact) -> Result<String, Diagnostic> {
    let n = n.normalize();
    if n.scale() > SCALE {
        return Err(Diagnostic::error(
            Code::NotInSql,
            format!(
                "`{n}` in a row of `{}` of `{}` (line {}) has more than {SCALE} digits after the point, more than the facts table keeps",
                decl.name, row.unit, row.line
            ),
        )
        .with_help(format!("round the value to {SCALE} decimal places in the fact file")));
    }
    Ok(crate::report::number(n))
}
