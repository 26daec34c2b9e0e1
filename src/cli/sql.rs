//! Part of the command line: `sql`, the query of a policy, its facts table and rows to load.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Outcome, PercentArg, Ui};
use crate::diagnostic::Diagnostic;
use crate::facts;
use crate::ir;
use crate::span::SourceMap;

/// What `kaohe sql` prints.
pub(super) enum What {
    /// The query.
    Query,
    /// `CREATE TABLE` for the facts table.
    Schema,
    /// Validated rows of fact files, as CSV in the table's columns.
    Rows {
        files: Vec<PathBuf>,
        units: Option<PathBuf>,
        percent: PercentArg,
    },
}

pub(super) fn sql(
    path: &Path,
    options: &crate::sql::Options,
    what: What,
    output: Option<&Path>,
    ui: Ui,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Outcome> {
    let mut sources = SourceMap::new();
    let Some(policy) = super::run::policy_of(path, &mut sources, ui, err)? else {
        return Ok(Outcome::Failure);
    };
    let mut inputs: Vec<PathBuf> = vec![path.to_path_buf()];
    let text = match what {
        What::Query => crate::sql::query(&policy, options),
        What::Schema => {
            crate::sql::schema(&policy, options.dialect, &options.facts_table).map_err(|d| vec![d])
        }
        What::Rows {
            files,
            units,
            percent,
        } => {
            let ui = ui.for_policy(&policy);
            let read = rows(
                &policy,
                &files,
                units.as_deref(),
                percent,
                &mut sources,
                ui,
                err,
            )?;
            inputs.extend(files);
            inputs.extend(units);
            match read {
                Some(rows) => crate::sql::facts_csv(&policy, &rows).map_err(|d| vec![d]),
                None => return Ok(Outcome::Failure),
            }
        }
    };
    let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    match text {
        Ok(text) => super::run::emit(text.as_bytes(), output, &inputs, &sources, ui, out, err),
        Err(problems) => {
            write!(err, "{}", super::render(&problems, &sources, ui))?;
            Ok(Outcome::Failure)
        }
    }
}

/// Every row of the fact files, validated as `kaohe run` validates them; `None` (said on
/// `err`) when a file has errors.
fn rows(
    policy: &ir::Policy,
    files: &[PathBuf],
    units: Option<&Path>,
    percent: PercentArg,
    sources: &mut SourceMap,
    ui: Ui,
    err: &mut impl Write,
) -> std::io::Result<Option<Vec<facts::Row>>> {
    let units = match units {
        Some(p) => match facts::read_units_file(p) {
            Ok(u) => u,
            Err(d) => {
                write!(err, "{}", super::render(&[d], sources, ui))?;
                return Ok(None);
            }
        },
        None => policy.units.clone(),
    };
    let positions: HashMap<String, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.clone(), i))
        .collect();
    let mut found: Vec<Diagnostic> = Vec::new();
    let files = facts::expand_folders(files, &mut found);
    if found.iter().any(Diagnostic::is_error) {
        write!(err, "{}", super::render(&found, sources, ui))?;
        return Ok(None);
    }
    let input = facts::Input {
        policy,
        files: &files,
        units: (!units.is_empty()).then_some(&positions),
        keep_extra: false,
        only_unit: None,
        percents: match percent {
            PercentArg::Percent => facts::Percents::Written,
            PercentArg::Fraction => facts::Percents::Fraction,
        },
        sheet: None,
    };
    let mut problems = facts::Problems::default();
    let mut rows = Vec::new();
    facts::read(&input, sources, &mut problems, |row| rows.push(row));
    write!(err, "{}", super::render(&problems.diagnostics, sources, ui))?;
    if problems.has_errors() {
        writeln!(
            err,
            "error: no rows were written: the fact files have errors"
        )?;
        return Ok(None);
    }
    Ok(Some(rows))
}
