//! Part of the command line: the review commands, `test` (a policy's example cases against
//! their expected results) and `diff` (two versions of a policy over the same facts).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::run::{evaluate, explained, policy_of};
use super::{FactArgs, Outcome, PercentArg, Ui};
use crate::diagnostic::{Code, Diagnostic};
use crate::report;
use crate::results::Results;
use crate::review::cases::{cases_of, policies_with_cases, Case};
use crate::review::{compare, diff, expected, show};
use crate::span::SourceMap;

/// How `diff` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Clauses, then units, for people.
    Text,
    /// One JSON object: `clauses` and `units`.
    Json,
    /// One row a unit.
    Csv,
}

/// How one case ended.
enum Verdict {
    Pass,
    Blessed,
    Fail(String),
}

pub(super) fn test(
    target: &Path,
    only: Option<&str>,
    bless: bool,
    ui: Ui,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Outcome> {
    let policies = if target.is_dir() {
        policies_with_cases(target)
    } else {
        vec![target.to_path_buf()]
    };
    if policies.is_empty() {
        let d = Diagnostic::error(
            Code::NoCases,
            format!("no policy under `{}` has cases", target.display()),
        )
        .with_help("a policy's cases are the folders of `cases/` beside it, each with fact files and `expected.txt`");
        write!(err, "{}", super::render(&[d], &SourceMap::new(), ui))?;
        return Ok(Outcome::Failure);
    }
    let (mut passed, mut failed, mut blessed) = (0, 0, 0);
    // A policy that does not compile, or has no cases: an error, not a case.
    let mut errors = 0;
    for policy in &policies {
        let mut sources = SourceMap::new();
        let Some(compiled) = policy_of(policy, &mut sources, ui, err)? else {
            writeln!(out, "FAIL  {}: the policy has errors", policy.display())?;
            errors += 1;
            continue;
        };
        let cases: Vec<Case> = cases_of(policy)
            .into_iter()
            .filter(|c| only.is_none_or(|o| o == c.name))
            .collect();
        if cases.is_empty() {
            let what = match only {
                Some(name) => format!("`{}` has no case `{name}`", policy.display()),
                None => format!("`{}` has no cases", policy.display()),
            };
            let d = Diagnostic::error(Code::NoCases, what).with_help(format!(
                "make a folder `{}/NAME/` with the case's fact files, then run `kaohe test --bless {}`",
                crate::review::cases::cases_dir(policy).display(),
                policy.display()
            ));
            write!(err, "{}", super::render(&[d], &sources, ui))?;
            errors += 1;
            continue;
        }
        writeln!(out, "test {}", policy.display())?;
        for case in &cases {
            let verdict = run_case(&compiled, policy, case, bless, ui)?;
            match verdict {
                Verdict::Pass => {
                    passed += 1;
                    writeln!(out, "  ok       {}", case.name)?;
                }
                Verdict::Blessed => {
                    blessed += 1;
                    writeln!(out, "  blessed  {}", case.name)?;
                }
                Verdict::Fail(why) => {
                    failed += 1;
                    writeln!(out, "  FAIL     {}", case.name)?;
                    write!(out, "{why}")?;
                }
            }
        }
    }
    let total = passed + failed + blessed;
    if total == 0 {
        return Ok(Outcome::Failure);
    }
    let mut summary = format!(
        "{}: {passed} passed, {failed} failed",
        super::plural(total, "case")
    );
    if blessed > 0 {
        summary.push_str(&format!(", {blessed} blessed"));
    }
    writeln!(out, "{summary}")?;
    Ok(if failed + errors > 0 {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}

fn args_of(case: &Case) -> FactArgs {
    FactArgs {
        facts: case.facts.clone(),
        units: case.units.clone(),
        strict: false,
        previous: case.previous.clone(),
        percent: PercentArg::Percent,
        sheet: None,
        threads: None,
        verbose: false,
    }
}

/// Fact rows named from the case's folder (`2021.csv:3`), wherever `kaohe test` was run.
fn relative_rows(results: &mut Results, case: &Case) {
    let prefix = format!("{}{}", case.dir.display(), std::path::MAIN_SEPARATOR);
    for u in &mut results.units {
        for s in &mut u.sections {
            let rules = s
                .rules
                .iter_mut()
                .chain(s.items.iter_mut().flat_map(|i| i.rules.iter_mut()));
            for r in rules {
                for row in &mut r.rows {
                    if let Some(rest) = row.file.strip_prefix(&prefix) {
                        row.file = rest.to_string();
                    }
                }
            }
        }
    }
}

fn indented(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

fn run_case(
    compiled: &crate::ir::Policy,
    policy: &Path,
    case: &Case,
    bless: bool,
    ui: Ui,
) -> std::io::Result<Verdict> {
    let mut sources = SourceMap::new();
    let args = args_of(case);
    let ui = ui.without_color();
    let mut said = Vec::new();
    let Some(results) = evaluate(compiled, &args, None, &mut sources, ui, &mut said)? else {
        let said = String::from_utf8_lossy(&said);
        return Ok(Verdict::Fail(format!(
            "           the case's facts cannot be scored:\n{}",
            indented(&said, "           ")
        )));
    };
    let mut why = String::new();
    for file in &case.unread {
        why.push_str(&format!(
            "           `{}` is not read (not a fact file)\n",
            file.display()
        ));
    }
    let sections: Vec<&str> = compiled.sections.iter().map(|s| s.name.as_str()).collect();
    let text = std::fs::read(&case.expected)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    let parsed = text.as_ref().map(|t| {
        let file = sources.add(case.expected.display().to_string(), t.clone());
        expected::parse(&sources, file, &sections)
    });
    if bless {
        // The drafter's choice of columns is kept; a new file gets them all.
        let columns = match &parsed {
            Some(Ok(e)) => e.columns.clone(),
            _ => expected::columns(&results, expected::Shape::of(compiled)),
        };
        write_file(
            &case.expected,
            expected::render(&results, &columns).as_bytes(),
        )?;
        for (unit, file) in &case.explains {
            if let Some(text) = explanation(compiled, case, unit, ui)? {
                write_file(file, text.as_bytes())?;
            }
        }
        return Ok(Verdict::Blessed);
    }
    match parsed {
        None => why.push_str(&format!(
            "           no `{}`: write the expected results, or run `kaohe test --bless {}` and review them\n",
            case.expected.display(),
            policy.display()
        )),
        Some(Err(diags)) => {
            let text = crate::diagnostic::render_in(&diags, &sources, false, ui.language());
            why.push_str(&indented(&text, "           "));
        }
        Some(Ok(e)) => {
            let found = compare::compare(&e, &results);
            why.push_str(&show::mismatches(&found, &results, "           "));
        }
    }
    for (unit, file) in &case.explains {
        let want = std::fs::read_to_string(file)
            .unwrap_or_default()
            .replace("\r\n", "\n");
        let Some(got) = explanation(compiled, case, unit, ui)? else {
            why.push_str(&format!(
                "           `{unit}` cannot be explained: is it an assessed unit?\n"
            ));
            continue;
        };
        if want != got {
            let name = file.display().to_string();
            let diff = similar::TextDiff::from_lines(&want, &got);
            let shown = diff
                .unified_diff()
                .context_radius(2)
                .header(&name, "kaohe explain")
                .to_string();
            why.push_str(&indented(&shown, "           "));
        }
    }
    Ok(if why.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail(why)
    })
}

/// `kaohe explain`'s text for one unit of a case, rows named from the case's folder.
fn explanation(
    compiled: &crate::ir::Policy,
    case: &Case,
    unit: &str,
    ui: Ui,
) -> std::io::Result<Option<String>> {
    let mut sources = SourceMap::new();
    let mut said = Vec::new();
    let Some((mut all, detail)) =
        explained(compiled, &args_of(case), unit, &mut sources, ui, &mut said)?
    else {
        return Ok(None);
    };
    let of = all.units.len();
    // The policy by its file name, the rows by theirs in the case: the same text wherever
    // `kaohe test` runs from.
    all.source = Path::new(&all.source)
        .file_name()
        .map_or(all.source.clone(), |n| n.to_string_lossy().into_owned());
    let mut one = Results {
        units: vec![detail],
        ..all.clone()
    };
    relative_rows(&mut one, case);
    relative_rows(&mut all, case);
    let Some(detail) = one.units.first() else {
        return Ok(None);
    };
    Ok(Some(report::explain_text(&all, detail, of)))
}

fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::output::write(path, bytes, &[]).map_err(|d| std::io::Error::other(d.message))
}

#[allow(clippy::too_many_arguments)]
pub(super) fn diff(
    old: &Path,
    new: &Path,
    args: &FactArgs,
    format: DiffFormat,
    output: Option<&PathBuf>,
    ui: Ui,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Outcome> {
    let mut sources = SourceMap::new();
    let Some(old_policy) = policy_of(old, &mut sources, ui, err)? else {
        return Ok(Outcome::Failure);
    };
    let Some(new_policy) = policy_of(new, &mut sources, ui, err)? else {
        return Ok(Outcome::Failure);
    };
    // The fact files are read against each version; what both say is said once.
    let mut said_new = Vec::new();
    let new_results = evaluate(&new_policy, args, None, &mut sources, ui, &mut said_new)?;
    let mut said_old = Vec::new();
    let old_results = evaluate(&old_policy, args, None, &mut sources, ui, &mut said_old)?;
    err.write_all(&said_new)?;
    if said_old != said_new {
        err.write_all(&said_old)?;
    }
    let (Some(old_results), Some(new_results)) = (old_results, new_results) else {
        return Ok(Outcome::Failure);
    };
    let d = diff::diff(&old_policy, &new_policy, &old_results, &new_results);
    let zh = new_results.chinese;
    let text = match format {
        DiffFormat::Text => show::diff_text(&d, zh),
        DiffFormat::Json => format!("{}\n", serde_json::to_string_pretty(&d)?),
        DiffFormat::Csv => show::diff_csv(&d, zh).map_err(std::io::Error::other)?,
    };
    match output {
        Some(path) => {
            let inputs: Vec<&Path> = [old, new]
                .into_iter()
                .chain(args.facts.iter().map(PathBuf::as_path))
                .collect();
            if let Err(d) = crate::output::write(path, text.as_bytes(), &inputs) {
                write!(err, "{}", super::render(&[d], &sources, ui))?;
                return Ok(Outcome::Failure);
            }
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(Outcome::Success)
}
