//! SQL generation, beside the eval stage: compiled [`ir::Policy`] → one query that scores every
//! unit where the facts already live (DuckDB or PostgreSQL), as the interpreter would.
//!
//! The query reads a long-format facts table (`docs/scale.md`: the columns of a fact file,
//! typed) and an optional units table, and gives one row a unit: rank, total, every section
//! and item score, grade and prizes. It is a chain of CTEs, each commented with the clause it
//! implements: the rows each fact counts (a measure's or flag's row in force), a unit's value
//! of each fact, each rule's points, the groups, items and sections, the total, the outcome.
//! What a query cannot say exactly is an error naming the clause (E080), never a query that
//! scores otherwise.

mod cond;
mod rows;
mod rules;
mod score;

use std::fmt::Write as _;

use rust_decimal::Decimal;

pub use rows::{facts_csv, schema, RowsWriter};

use crate::diagnostic::{Code, Diagnostic};
use crate::ir;

/// The database the query is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// DuckDB (1.0 and later).
    DuckDb,
    /// PostgreSQL (12 and later).
    Postgres,
}

impl Dialect {
    /// The dialect's type of text (`TEXT`, `VARCHAR`).
    pub(crate) fn text_type(self) -> &'static str {
        match self {
            Dialect::Postgres => "TEXT",
            Dialect::DuckDb => "VARCHAR",
        }
    }

    /// The dialect's exact decimal, as the facts table holds numbers (`rows::SCALE` digits
    /// after the point in DuckDB).
    pub(crate) fn number_type(self) -> String {
        match self {
            Dialect::Postgres => "NUMERIC".into(),
            Dialect::DuckDb => format!("DECIMAL(38, {})", rows::SCALE),
        }
    }
}

/// Where the query reads from.
#[derive(Debug, Clone)]
pub struct Options {
    /// The database.
    pub dialect: Dialect,
    /// The facts table (may be schema-qualified: `kaohe.facts_2021`).
    pub facts_table: String,
    /// A table of the assessed units (a `unit` column); `None`: the policy's `units`, else
    /// the units of the facts.
    pub units_table: Option<String>,
    /// The units table's ranking-group column (`group` in a units file), if units are ranked
    /// within groups.
    pub group_column: Option<String>,
    /// Last year's scores, for prizes by improvement: a table with the query's own columns
    /// (`unit`, `total` and one a section, by the section's name), such as last year's
    /// result of the query.
    pub previous_table: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            dialect: Dialect::DuckDb,
            facts_table: "facts".into(),
            units_table: None,
            group_column: None,
            previous_table: None,
        }
    }
}

/// One query scoring every unit as `kaohe run` does, or why it cannot be written (E080, one
/// diagnostic a clause).
pub fn query(policy: &ir::Policy, options: &Options) -> Result<String, Vec<Diagnostic>> {
    let mut g = Gen::new(policy, options);
    g.header();
    g.units();
    rules::facts(&mut g);
    rules::rules(&mut g);
    score::scores(&mut g);
    if !g.problems.is_empty() {
        return Err(g.problems);
    }
    Ok(g.finish())
}

/// The query being written: its CTEs, in order, and the clauses it cannot express.
pub(crate) struct Gen<'p> {
    pub policy: &'p ir::Policy,
    pub options: &'p Options,
    /// The comment lines at the top.
    head: String,
    /// (name, comment, body) of each CTE.
    ctes: Vec<(String, String, String)>,
    /// Each rule's points before its cap, in `Policy::rules` order: an expression over
    /// `unit_facts` and the rule's `r{k}`.
    pub raw: Vec<String>,
    /// The final SELECT.
    pub last: String,
    pub problems: Vec<Diagnostic>,
}

impl<'p> Gen<'p> {
    fn new(policy: &'p ir::Policy, options: &'p Options) -> Gen<'p> {
        Gen {
            policy,
            options,
            head: String::new(),
            ctes: Vec::new(),
            raw: Vec::new(),
            last: String::new(),
            problems: Vec::new(),
        }
    }

    fn header(&mut self) {
        let p = self.policy;
        let dialect = match self.options.dialect {
            Dialect::DuckDb => "DuckDB",
            Dialect::Postgres => "PostgreSQL",
        };
        let name = p.name.as_deref().unwrap_or(&p.source.name);
        let _ = writeln!(
            self.head,
            "-- kaohe {}: {} for {dialect}",
            p.compiler,
            comment(name)
        );
        let _ = writeln!(
            self.head,
            "-- policy source {} (sha256 {})",
            comment(&p.source.name),
            p.source.sha256
        );
        let _ = writeln!(
            self.head,
            "-- facts: {} (unit, fact, date, count, value, note and a column a declared field: `kaohe sql --schema`)",
            self.facts()
        );
        let _ = writeln!(
            self.head,
            "-- one row a unit: rank, total, every section and item score{}",
            if p.grades.is_empty() { "" } else { ", grade" }
        );
    }

    /// The facts table, as written in the query.
    pub fn facts(&self) -> String {
        table_name(&self.options.facts_table)
    }

    /// Adds a CTE.
    pub fn cte(&mut self, name: &str, comment_text: &str, body: String) {
        self.ctes
            .push((name.to_string(), comment(comment_text), body));
    }

    /// Whether a CTE of this name was written.
    pub fn has_cte(&self, name: &str) -> bool {
        self.ctes.iter().any(|(n, _, _)| n == name)
    }

    /// A clause the query cannot express: E080 at the clause, in English and Chinese.
    pub fn cannot(&mut self, span: crate::span::Span, clause: &str, why: (&str, &str)) {
        let clause = comment(clause);
        let (why, why_zh) = why;
        self.problems.push(
            Diagnostic::error(
                Code::NotInSql,
                format!(
                    "`{clause}` (line {}) cannot be scored in SQL: {why}",
                    span.start_line
                ),
            )
            .with_label(span, "not expressible in SQL")
            .with_help("score this policy with `kaohe run`, or rewrite the clause")
            .zh(
                format!(
                    "`{clause}`（第 {} 行）无法写成 SQL 查询：{why_zh}",
                    span.start_line
                ),
                &["无法写成 SQL"],
                Some("请用 `kaohe run` 计分，或改写这一条"),
            ),
        );
    }

    fn units(&mut self) {
        let as_text = self.options.dialect.text_type();
        let group = match &self.options.group_column {
            Some(c) => format!(", {} AS grp", ident(c)),
            None => format!(", CAST(NULL AS {as_text}) AS grp"),
        };
        let (body, what) = match (&self.options.units_table, self.policy.units.is_empty()) {
            (Some(t), _) => {
                // A unit listed twice in one group is one unit; in two groups it cannot be
                // ranked: the query stops, as `kaohe run` does on a units file (E023).
                let error =
                    text("kaohe E023: a unit is listed in two ranking groups of the units table: ");
                (
                    format!(
                        "SELECT CASE WHEN _groups > 1 THEN CAST(CAST({error} || unit AS INTEGER) AS {as_text}) ELSE unit END AS unit, grp\n\
                         FROM (\n  \
                         SELECT unit, grp, COUNT(*) OVER (PARTITION BY unit) AS _groups\n  \
                         FROM (SELECT DISTINCT unit{group} FROM {} WHERE unit IS NOT NULL) AS d\n\
                         ) AS u",
                        table_name(t)
                    ),
                    "the assessed units: the units table (a unit listed twice is one; in two groups, an error)",
                )
            }
            (None, false) => {
                let values: Vec<String> = self
                    .policy
                    .units
                    .iter()
                    .map(|u| format!("({})", text(u)))
                    .collect();
                (
                    format!(
                        "SELECT unit{group} FROM (VALUES {}) AS u(unit)",
                        values.join(", ")
                    ),
                    "the assessed units: the policy's `units`",
                )
            }
            (None, true) => (
                format!(
                    "SELECT DISTINCT unit{group} FROM {} WHERE unit IS NOT NULL",
                    self.facts()
                ),
                "the assessed units: those of the facts",
            ),
        };
        self.cte("units", what, body);
    }

    fn finish(self) -> String {
        let mut out = self.head;
        out.push_str("WITH\n");
        let n = self.ctes.len();
        for (k, (name, note, body)) in self.ctes.into_iter().enumerate() {
            let _ = writeln!(out, "-- {note}");
            let _ = write!(out, "{name} AS (\n  {}\n)", body.replace('\n', "\n  "));
            out.push_str(if k + 1 < n { ",\n" } else { "\n" });
        }
        out.push_str(&self.last);
        out.push_str(";\n");
        out
    }
}

/// A name as an SQL identifier: always quoted, so that Chinese names, keywords (`date`,
/// `count`, `value`) and case survive in both dialects.
pub(crate) fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A table name as given: dotted plain names are kept (`kaohe.facts`), anything else quoted.
fn table_name(name: &str) -> String {
    let plain = !name.is_empty()
        && name.split('.').all(|part| {
            !part.is_empty()
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !part.starts_with(|c: char| c.is_ascii_digit())
        });
    if plain {
        name.to_string()
    } else {
        ident(name)
    }
}

/// A text literal.
pub(crate) fn text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A decimal literal, exact (`0.1`, `-2`); parenthesised when negative.
pub(crate) fn num(d: Decimal) -> String {
    let s = crate::report::number(d);
    if d.is_sign_negative() && !d.is_zero() {
        format!("({s})")
    } else {
        s
    }
}

/// Text made safe inside a `--` comment: one line.
fn comment(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}
