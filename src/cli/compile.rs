//! Part of the command line: `check`, `build` and `parse`, the commands of the front half of the pipeline.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{load, plural, DiagnosticFormat, Outcome, Ui};
use crate::diagnostic::{self, Diagnostic};
use crate::parse;
use crate::span::SourceMap;

pub(super) fn check(
    paths: &[PathBuf],
    format: DiagnosticFormat,
    deny_warnings: bool,
    ui: Ui,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Outcome> {
    let mut sources = SourceMap::new();
    let mut all = Vec::new();
    let mut summaries = Vec::new();
    for path in paths {
        let file = match load(path, &mut sources) {
            Ok(f) => f,
            Err(d) => {
                all.push(d);
                continue;
            }
        };
        let checked = crate::compile(&sources, file);
        let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
        let warnings = checked.diagnostics.len() - errors;
        let what = checked.policy.as_ref().map(summary).unwrap_or_default();
        summaries.push((path.display().to_string(), errors, warnings, what));
        all.extend(checked.diagnostics);
    }
    let failed = all.iter().any(|d| d.is_error() || deny_warnings);
    match format {
        DiagnosticFormat::Json => {
            let json = serde_json::to_string_pretty(&diagnostic::to_json(&all, &sources))?;
            writeln!(out, "{json}")?;
        }
        DiagnosticFormat::Human => {
            write!(err, "{}", super::render(&all, &sources, ui))?;
            for (name, errors, warnings, what) in summaries {
                match (errors, warnings) {
                    (0, 0) => writeln!(out, "ok `{name}`: {what}")?,
                    (0, w) if deny_warnings => {
                        writeln!(err, "error: `{name}` has {} (denied)", plural(w, "warning"))?
                    }
                    (0, w) => writeln!(out, "ok `{name}`: {what}; {}", plural(w, "warning"))?,
                    (e, _) => writeln!(err, "error: `{name}` has {}", plural(e, "error"))?,
                }
            }
        }
    }
    Ok(if failed {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}

pub(super) fn parse_ast(
    path: &Path,
    ui: Ui,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Outcome> {
    let Some((_, _, parsed)) = parsed_file(path, ui, err)? else {
        return Ok(Outcome::Failure);
    };
    writeln!(out, "{:#?}", parsed.policy)?;
    Ok(Outcome::Success)
}

/// Reads and parses a policy, reporting why not when it cannot (unreadable, or syntax errors).
pub(super) fn parsed_file(
    path: &Path,
    ui: Ui,
    err: &mut impl Write,
) -> std::io::Result<Option<(SourceMap, crate::span::FileId, parse::Parsed)>> {
    let mut sources = SourceMap::new();
    let file = match load(path, &mut sources) {
        Ok(f) => f,
        Err(d) => {
            write!(err, "{}", super::render(&[d], &sources, ui))?;
            return Ok(None);
        }
    };
    let parsed = parse::parse(&sources, file);
    if parsed.diagnostics.iter().any(Diagnostic::is_error) {
        write!(err, "{}", super::render(&parsed.diagnostics, &sources, ui))?;
        return Ok(None);
    }
    Ok(Some((sources, file, parsed)))
}

pub(super) fn build(
    policy: &Path,
    output: &Path,
    ui: Ui,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Outcome> {
    let mut sources = SourceMap::new();
    let file = match load(policy, &mut sources) {
        Ok(f) => f,
        Err(d) => {
            write!(err, "{}", super::render(&[d], &sources, ui))?;
            return Ok(Outcome::Failure);
        }
    };
    let checked = crate::compile(&sources, file);
    write!(err, "{}", super::render(&checked.diagnostics, &sources, ui))?;
    let Some(compiled) = checked.policy else {
        return Ok(Outcome::Failure);
    };
    let json = serde_json::to_string_pretty(&compiled).map_err(std::io::Error::other)?;
    if let Err(d) = crate::output::write(output, format!("{json}\n").as_bytes(), &[policy]) {
        write!(err, "{}", super::render(&[d], &sources, ui))?;
        return Ok(Outcome::Failure);
    }
    writeln!(
        out,
        "built `{}` from `{}`",
        output.display(),
        policy.display()
    )?;
    Ok(Outcome::Success)
}

/// "3 sections, 7 items, 12 rules, 9 facts".
fn summary(policy: &crate::ir::Policy) -> String {
    let sections = policy.sections.len();
    let items: usize = policy.sections.iter().map(|s| s.items.len()).sum();
    let rules: usize = policy
        .sections
        .iter()
        .map(|s| s.rules.len() + s.items.iter().map(|i| i.rules.len()).sum::<usize>())
        .sum();
    let facts = policy.facts.len();
    format!(
        "{}, {}, {}, {}",
        plural(sections, "section"),
        plural(items, "item"),
        plural(rules, "rule"),
        plural(facts, "fact")
    )
}
