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
        (Column::Text, _) => dialect.text_type().to_string(),
        (Column::Date, _) => "DATE".to_string(),
        (Column::Whole, _) => "BIGINT".to_string(),
        (Column::Number, _) => dialect.number_type(),
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

/// Writes validated rows as CSV in the facts table's columns (the header names them), for
/// `COPY`, one row at a time: memory does not grow with the rows.
pub struct RowsWriter<'p, W: std::io::Write> {
    policy: &'p ir::Policy,
    cols: Vec<(String, Column)>,
    out: csv::Writer<W>,
    /// The fact files' names, by a row's `file`, for messages.
    files: Vec<String>,
}

fn io(e: csv::Error) -> Diagnostic {
    Diagnostic::error(Code::Io, format!("cannot write the rows: {e}"))
}

impl<'p, W: std::io::Write> RowsWriter<'p, W> {
    /// A writer for the policy's facts table; writes the header.
    pub fn new(policy: &'p ir::Policy, out: W) -> Result<Self, Diagnostic> {
        let cols = columns(policy)?;
        let mut out = csv::Writer::from_writer(out);
        out.write_record(cols.iter().map(|(n, _)| n.as_str()))
            .map_err(io)?;
        Ok(RowsWriter {
            policy,
            cols,
            out,
            files: Vec::new(),
        })
    }

    /// Names the fact files (in the order read) in messages about their rows.
    pub fn files(mut self, names: Vec<String>) -> Self {
        self.files = names;
        self
    }

    /// Writes one row (a row of a fact the policy does not declare is left out).
    pub fn row(&mut self, row: &Row) -> Result<(), Diagnostic> {
        let Some(decl) = self.policy.facts.get(row.fact) else {
            return Ok(());
        };
        let (row_at, decl_at) = ((row, self.files.as_slice()), decl);
        let mut record = Vec::with_capacity(self.cols.len());
        for (name, _) in &self.cols {
            let cell = match name.as_str() {
                "unit" => row.unit.clone(),
                "fact" => decl.name.clone(),
                "date" => row.date.map(|d| d.to_string()).unwrap_or_default(),
                "count" if decl.shape == ir::Shape::Event => number(row.count, row_at, decl_at)?,
                "count" => String::new(),
                "value" => match &row.value {
                    Some(v) => value(v, row_at, decl_at)?,
                    None => String::new(),
                },
                "note" => row.note.clone().unwrap_or_default(),
                field => match decl.fields.iter().position(|f| f.name == field) {
                    Some(i) => match row.fields.get(i).and_then(Option::as_ref) {
                        Some(v) => value(v, row_at, decl_at)?,
                        None => String::new(),
                    },
                    None => String::new(),
                },
            };
            record.push(cell);
        }
        self.out.write_record(&record).map_err(io)
    }

    /// Flushes what is written and hands the output back.
    pub fn finish(self) -> Result<W, Diagnostic> {
        self.out.into_inner().map_err(|e| io(e.into_error().into()))
    }
}

/// Validated rows as CSV in the facts table's columns (the header names them), for `COPY`.
pub fn facts_csv(policy: &ir::Policy, rows: &[Row]) -> Result<String, Diagnostic> {
    let mut w = RowsWriter::new(policy, Vec::new())?;
    for row in rows {
        w.row(row)?;
    }
    let bytes = w.finish()?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn value(v: &Value, row: (&Row, &[String]), decl: &ir::Fact) -> Result<String, Diagnostic> {
    Ok(match v {
        Value::Number(n) => number(*n, row, decl)?,
        Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Value::Text(t) => t.clone(),
        Value::Date(d) => d.to_string(),
    })
}

/// A number as the table keeps it: refused when DuckDB's column would round it.
fn number(
    n: Decimal,
    (row, files): (&Row, &[String]),
    decl: &ir::Fact,
) -> Result<String, Diagnostic> {
    let n = n.normalize();
    if n.scale() > SCALE {
        let at = match files.get(row.file) {
            Some(f) => format!("{f}:{}", row.line),
            None => format!("line {}", row.line),
        };
        return Err(Diagnostic::error(
            Code::NotInSql,
            format!(
                "`{n}` in a row of `{}` of `{}` ({at}) has more than {SCALE} digits after the point, more than the facts table keeps",
                decl.name, row.unit
            ),
        )
        .with_help(format!("round the value to {SCALE} decimal places in the fact file")));
    }
    Ok(crate::report::number(n))
}
