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
            let read = Rows::new(&policy, &files, units.as_deref(), percent);
            return match read {
                Ok(read) => read.write(path, output, &mut sources, ui, out, err),
                Err(found) => {
                    write!(err, "{}", super::render(&found, &sources, ui))?;
                    Ok(Outcome::Failure)
                }
            };
        }
    };
    match text {
        Ok(text) => super::run::emit(text.as_bytes(), output, &[path], &sources, ui, out, err),
        Err(problems) => {
            write!(err, "{}", super::render(&problems, &sources, ui))?;
            Ok(Outcome::Failure)
        }
    }
}

/// Fact files to write as the facts table's rows, validated as `kaohe run` validates them.
struct Rows<'p> {
    policy: &'p ir::Policy,
    files: Vec<PathBuf>,
    units_file: Option<PathBuf>,
    positions: Option<HashMap<String, usize>>,
    percents: facts::Percents,
}

/// Why writing the rows stopped.
enum Stop {
    /// A row that cannot be written (E080).
    Row(Diagnostic),
    /// The fact files have errors (in `Problems`).
    Facts,
    /// The files had no errors at the first reading and have some at the second.
    Changed,
}

impl<'p> Rows<'p> {
    fn new(
        policy: &'p ir::Policy,
        files: &[PathBuf],
        units: Option<&Path>,
        percent: PercentArg,
    ) -> Result<Rows<'p>, Vec<Diagnostic>> {
        let names = match units {
            Some(p) => facts::read_units_file(p).map_err(|d| vec![d])?,
            None => policy.units.clone(),
        };
        let positions = (!names.is_empty()).then(|| {
            names
                .iter()
                .enumerate()
                .map(|(i, u)| (u.clone(), i))
                .collect()
        });
        let mut found: Vec<Diagnostic> = Vec::new();
        let files = facts::expand_folders(files, &mut found);
        if found.iter().any(Diagnostic::is_error) {
            return Err(found);
        }
        Ok(Rows {
            policy,
            files,
            units_file: units.map(Path::to_path_buf),
            positions,
            percents: match percent {
                PercentArg::Percent => facts::Percents::Written,
                PercentArg::Fraction => facts::Percents::Fraction,
            },
        })
    }

    /// Reads every row and writes it to `to`; stops writing at the first row that cannot be
    /// written. What the files' rows said is in `problems`.
    fn pass(
        &self,
        sources: &mut SourceMap,
        problems: &mut facts::Problems,
        to: &mut dyn Write,
    ) -> Result<(), Stop> {
        let input = facts::Input {
            policy: self.policy,
            files: &self.files,
            units: self.positions.as_ref(),
            keep_extra: false,
            only_unit: None,
            percents: self.percents,
            sheet: None,
        };
        let names = self.files.iter().map(|f| f.display().to_string()).collect();
        let mut writer = crate::sql::RowsWriter::new(self.policy, to)
            .map_err(Stop::Row)?
            .files(names);
        let mut stop = None;
        facts::read(&input, sources, problems, |row| {
            if stop.is_none() {
                stop = writer.row(&row).err();
            }
        });
        if let Some(d) = stop {
            return Err(Stop::Row(d));
        }
        if problems.has_errors() {
            return Err(Stop::Facts);
        }
        writer.finish().map(|_| ()).map_err(Stop::Row)
    }

    /// Writes the rows to `output` (replaced only when every row is good), or to `out` after
    /// a first reading that checks them, so that nothing is written from files with errors.
    fn write(
        &self,
        policy_path: &Path,
        output: Option<&Path>,
        sources: &mut SourceMap,
        ui: Ui,
        out: &mut impl Write,
        err: &mut impl Write,
    ) -> std::io::Result<Outcome> {
        let mut problems = facts::Problems::default();
        let mut stop = None;
        let written = match output {
            Some(path) => {
                let mut inputs: Vec<&Path> = vec![policy_path];
                inputs.extend(self.files.iter().map(PathBuf::as_path));
                inputs.extend(self.units_file.as_deref());
                crate::output::write_with(path, &inputs, |w| {
                    self.pass(sources, &mut problems, w).map_err(|s| {
                        stop = Some(s);
                        std::io::Error::other("stopped")
                    })
                })
            }
            None => match self.pass(sources, &mut problems, &mut std::io::sink()) {
                Ok(()) => {
                    let mut again = facts::Problems::default();
                    let mut w = std::io::BufWriter::new(&mut *out);
                    let pass = self.pass(sources, &mut again, &mut w);
                    w.flush()?;
                    stop = pass.err();
                    if matches!(stop, Some(Stop::Facts)) {
                        // What the first reading found good, the second did not: the files (or
                        // the table) changed in between, and rows are missing from what was
                        // written. Said, never passed over.
                        problems = again;
                        stop = Some(Stop::Changed);
                    }
                    Ok(())
                }
                Err(s) => {
                    stop = Some(s);
                    Ok(())
                }
            },
        };
        write!(err, "{}", super::render(&problems.diagnostics, sources, ui))?;
        match (stop, written) {
            (Some(Stop::Row(d)), _) => {
                write!(err, "{}", super::render(&[d], sources, ui))?;
                Ok(Outcome::Failure)
            }
            (Some(Stop::Facts), _) => {
                writeln!(
                    err,
                    "error: no rows were written: the fact files have errors"
                )?;
                Ok(Outcome::Failure)
            }
            (Some(Stop::Changed), _) => {
                writeln!(
                    err,
                    "error: the fact files changed while they were read: the rows written are incomplete"
                )?;
                Ok(Outcome::Failure)
            }
            (None, Err(d)) => {
                write!(err, "{}", super::render(&[d], sources, ui))?;
                Ok(Outcome::Failure)
            }
            (None, Ok(())) => Ok(Outcome::Success),
        }
    }
}
