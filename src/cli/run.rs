//! Part of the command line: `run` and `explain`, the commands of the back half of the pipeline.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{load, plural, ExplainFormat, FactArgs, Outcome, RunFormat, Ui};
use crate::check::suggest_name;
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::{self, Run, Scored};
use crate::facts;
use crate::ir;
use crate::report;
use crate::results::Results;
use crate::span::SourceMap;

#[allow(clippy::too_many_arguments)]
pub(super) fn run(
    policy: &Path,
    args: &FactArgs,
    format: Option<RunFormat>,
    output: Option<&Path>,
    wide: bool,
    ui: Ui,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Outcome> {
    let receipts = if wide {
        Receipts::Wide
    } else {
        Receipts::Report
    };
    run_as(policy, args, format, output, receipts, ui, out, err)
}

#[allow(clippy::too_many_arguments)]
fn run_as(
    policy: &Path,
    args: &FactArgs,
    format: Option<RunFormat>,
    output: Option<&Path>,
    receipts: Receipts,
    ui: Ui,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Outcome> {
    let format = format
        .or_else(|| output.and_then(RunFormat::of_path))
        .unwrap_or(RunFormat::Table);
    let mut sources = SourceMap::new();
    let mut inputs: Vec<&Path> = vec![policy];
    inputs.extend(args.facts.iter().map(PathBuf::as_path));
    inputs.extend(args.units.as_deref());
    // Refused before anything is read: `-o year.csv` must never cost the year's facts.
    if let Some(path) = output {
        if let Some(d) = crate::output::refuse_input(path, &inputs) {
            write!(err, "{}", super::render(&[d], &sources, ui))?;
            return Ok(Outcome::Failure);
        }
    }
    let Some(compiled) = policy_of(policy, &mut sources, ui, err)? else {
        return Ok(Outcome::Failure);
    };
    if format == RunFormat::Xlsx && output.is_none() {
        let d = Diagnostic::error(Code::Io, "an Excel workbook is not for the terminal")
            .with_help("write it to a file: `-o results.xlsx`")
            .zh(
                "Excel 工作簿不能输出到终端",
                &[],
                Some("请写到文件：`-o 结果.xlsx`"),
            );
        write!(err, "{}", super::render(&[d], &sources, ui))?;
        return Ok(Outcome::Failure);
    }
    // Reports with every receipt keep the rows behind every rule of every unit.
    let traced = receipts == Receipts::Text || matches!(format, RunFormat::Xlsx | RunFormat::Html);
    // A table or CSV shows scores, not receipts: the run keeps no receipt of any rule.
    let trace = if traced {
        Some(Trace::All)
    } else if matches!(format, RunFormat::Table | RunFormat::Csv) {
        Some(Trace::ScoresOnly)
    } else {
        None
    };
    // A table or CSV of scores may come from the dense lane, without a result a unit.
    let dense = matches!(format, RunFormat::Csv | RunFormat::Table) && receipts != Receipts::Text;
    let scores = evaluate_scores(&compiled, args, trace, dense, &mut sources, ui, err)?;
    let results = match scores {
        None => return Ok(Outcome::Failure),
        Some(Scores::Dense(d)) if format == RunFormat::Csv => {
            let csv = report::csv_dense(&d).map_err(std::io::Error::other)?;
            let bytes = with_bom(csv, output);
            return emit(&bytes, output, &inputs, &sources, ui, out, err);
        }
        Some(Scores::Dense(d)) => d.results(),
        Some(Scores::Full(r)) => r,
    };
    let bytes: Vec<u8> = match format {
        RunFormat::Table if receipts == Receipts::Text => {
            let of = results.units.len();
            let texts: Vec<String> = results
                .units
                .iter()
                .map(|u| report::explain_text(&results, u, of))
                .collect();
            texts.join("\n").into_bytes()
        }
        // A terminal gets a table that fits it, unless `--wide`; a file or a pipe gets it whole.
        RunFormat::Table if receipts == Receipts::Report && output.is_none() => {
            report::table_fitting(&results, terminal_width()).into_bytes()
        }
        RunFormat::Table => report::table(&results).into_bytes(),
        RunFormat::Csv => {
            let csv = report::csv(&results).map_err(std::io::Error::other)?;
            with_bom(csv, output)
        }
        RunFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&report::json(&results))?
        )
        .into_bytes(),
        RunFormat::Xlsx => report::xlsx(&results).map_err(std::io::Error::other)?,
        RunFormat::Html => report::html(&results)
            .map_err(std::io::Error::other)?
            .into_bytes(),
    };
    emit(&bytes, output, &inputs, &sources, ui, out, err)
}

/// A CSV report's bytes: a file gets a BOM, or Excel on Chinese Windows shows mojibake; a
/// pipe, a FIFO or `/dev/stdout` does not.
fn with_bom(csv: String, output: Option<&Path>) -> Vec<u8> {
    let file = output.is_some_and(|p| std::fs::metadata(p).map_or(true, |m| m.is_file()));
    if file {
        let mut bytes = Vec::with_capacity(csv.len() + 3);
        bytes.extend_from_slice("\u{feff}".as_bytes());
        bytes.extend_from_slice(csv.as_bytes());
        bytes
    } else {
        csv.into_bytes()
    }
}

/// Scores from the general evaluator, or from the dense lane (a table or CSV only).
pub(super) enum Scores {
    Full(Results),
    Dense(eval::dense::Dense),
}

/// Which rows a run keeps behind each rule: one unit's (`explain`) or every unit's (full reports);
/// or no receipt at all, only scores (a table or CSV report).
pub(super) enum Trace<'u> {
    Unit(&'u str),
    All,
    ScoresOnly,
}

/// Every unit's receipt at once: an HTML page, a workbook or text, as `-o`'s extension says.
pub(super) fn explain_all(
    policy: &Path,
    args: &FactArgs,
    output: Option<&Path>,
    ui: Ui,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Outcome> {
    let format = match output.and_then(RunFormat::of_path) {
        Some(f @ (RunFormat::Html | RunFormat::Xlsx)) => Some(f),
        _ => None,
    };
    run_as(
        policy,
        args,
        format.or(Some(RunFormat::Table)),
        output,
        Receipts::Text,
        ui,
        out,
        err,
    )
}

/// The width of the terminal standard output is: `COLUMNS` if set, else the terminal's own;
/// `None` for a file or a pipe.
fn terminal_width() -> Option<usize> {
    use std::io::IsTerminal;
    if let Some(columns) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return Some(columns);
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    comfy_table::Table::new().width().map(usize::from)
}

/// How a run's results are written: as the format says, or every unit's receipt as text.
#[derive(Clone, Copy, PartialEq)]
enum Receipts {
    /// The format's own report.
    Report,
    /// The format's own report, a table with every section however wide.
    Wide,
    /// Every unit's text receipt, one after another.
    Text,
}

pub(super) fn explain(
    policy: &Path,
    args: &FactArgs,
    unit: &str,
    format: ExplainFormat,
    ui: Ui,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Outcome> {
    let mut sources = SourceMap::new();
    let Some(compiled) = policy_of(policy, &mut sources, ui, err)? else {
        return Ok(Outcome::Failure);
    };
    let Some((all, detail)) = explained(&compiled, args, unit, &mut sources, ui, err)? else {
        return Ok(Outcome::Failure);
    };
    let of = all.units.len();
    let text = match format {
        ExplainFormat::Text => report::explain_text(&all, &detail, of),
        ExplainFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&report::explain_json(&all, &detail, of))?
        ),
    };
    emit(text.as_bytes(), None, &[], &sources, ui, out, err)
}

/// Every unit's results, and one unit's with the rows behind each rule; diagnostics (and
/// an unknown unit) are written to `err`.
pub(super) fn explained(
    compiled: &ir::Policy,
    args: &FactArgs,
    unit: &str,
    sources: &mut SourceMap,
    ui: Ui,
    err: &mut impl Write,
) -> std::io::Result<Option<(Results, crate::results::UnitResult)>> {
    // First every unit, for the rank; then the files again, keeping the one unit's rows.
    let Some(all) = evaluate(compiled, args, None, sources, ui, err)? else {
        return Ok(None);
    };
    let Some(ranked) = all.units.iter().find(|u| u.unit == unit) else {
        let mut d = Diagnostic::error(
            Code::UnknownUnit,
            format!("`{unit}` is not an assessed unit"),
        );
        d = match suggest_name(unit, all.units.iter().map(|u| u.unit.as_str())) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(
                "name a unit of the policy's `units`, of `--units`, or of the fact files",
            ),
        };
        write!(err, "{}", super::render(&[d], sources, ui))?;
        return Ok(None);
    };
    let Some(traced) = evaluate(compiled, args, Some(Trace::Unit(unit)), sources, ui, err)? else {
        return Ok(None);
    };
    let Some(mut detail) = traced.units.into_iter().find(|u| u.unit == unit) else {
        return Ok(None);
    };
    // Rank and outcomes are decided among all units: taken from the first pass.
    detail.rank = ranked.rank;
    detail.group = ranked.group.clone();
    detail.grade = ranked.grade.clone();
    detail.vetoes = ranked.vetoes.clone();
    detail.veto_grades = ranked.veto_grades.clone();
    detail.prizes = ranked.prizes.clone();
    detail.outcome = ranked.outcome.clone();
    Ok(Some((all, detail)))
}

pub(super) fn emit(
    text: &[u8],
    output: Option<&Path>,
    inputs: &[&Path],
    sources: &SourceMap,
    ui: Ui,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Outcome> {
    match output {
        Some(path) => match crate::output::write(path, text, inputs) {
            Ok(()) => Ok(Outcome::Success),
            Err(d) => {
                write!(err, "{}", super::render(&[d], sources, ui))?;
                Ok(Outcome::Failure)
            }
        },
        None => {
            out.write_all(text)?;
            Ok(Outcome::Success)
        }
    }
}

/// A policy from its source (compiled now) or from a compiled `.json` file.
pub(super) fn policy_of(
    path: &Path,
    sources: &mut SourceMap,
    ui: Ui,
    err: &mut impl Write,
) -> std::io::Result<Option<ir::Policy>> {
    let compiled = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if compiled {
        let read = std::fs::read_to_string(path)
            .map_err(|e| Diagnostic::error(Code::Io, format!("cannot read `{}`: {}", path.display(), super::io_reason(&e))))
            .and_then(|text| {
                serde_json::from_str::<ir::Policy>(&text).map_err(|e| {
                    Diagnostic::error(Code::Io, format!("`{}` is not a compiled policy: {e}", path.display()))
                        .with_help("compile the policy with `kaohe build POLICY -o FILE`, or give the `.policy` source")
                })
            });
        return match read {
            Ok(p) => {
                let problems = crate::check::compiled(&p, &path.display().to_string());
                if problems.is_empty() {
                    return Ok(Some(p));
                }
                write!(err, "{}", super::render(&problems, sources, ui))?;
                Ok(None)
            }
            Err(d) => {
                write!(err, "{}", super::render(&[d], sources, ui))?;
                Ok(None)
            }
        };
    }
    let file = match load(path, sources) {
        Ok(f) => f,
        Err(d) => {
            write!(err, "{}", super::render(&[d], sources, ui))?;
            return Ok(None);
        }
    };
    let checked = crate::compile(sources, file);
    write!(err, "{}", super::render(&checked.diagnostics, sources, ui))?;
    Ok(checked.policy)
}

/// Reads every fact file into an evaluator and scores; prints the diagnostics of the fact files.
pub(super) fn evaluate(
    policy: &ir::Policy,
    args: &FactArgs,
    trace: Option<Trace>,
    sources: &mut SourceMap,
    ui: Ui,
    err: &mut impl Write,
) -> std::io::Result<Option<Results>> {
    Ok(
        match evaluate_scores(policy, args, trace, false, sources, ui, err)? {
            Some(Scores::Full(r)) => Some(r),
            Some(Scores::Dense(d)) => Some(d.results()),
            None => None,
        },
    )
}

/// [`evaluate`]; with `dense`, a run of scores only may be scored in the dense lane.
fn evaluate_scores(
    policy: &ir::Policy,
    args: &FactArgs,
    trace: Option<Trace>,
    dense: bool,
    sources: &mut SourceMap,
    ui: Ui,
    err: &mut impl Write,
) -> std::io::Result<Option<Scores>> {
    let (units, groups) = match units_of(policy, args) {
        Ok(u) => u,
        Err(d) => {
            write!(err, "{}", super::render(&[d], sources, ui))?;
            return Ok(None);
        }
    };
    let previous = args
        .previous
        .as_deref()
        .map(|p| crate::outcome::read_previous(p, policy))
        .transpose();
    let previous = match previous {
        Ok(p) => p,
        Err(d) => {
            write!(err, "{}", super::render(&[d], sources, ui))?;
            return Ok(None);
        }
    };
    let mut found = Vec::new();
    let files = facts::expand_folders(&args.facts, &mut found);
    // Said once: an explanation's second pass reads the same folders.
    if !matches!(trace, Some(Trace::Unit(_))) || found.iter().any(Diagnostic::is_error) {
        write!(
            err,
            "{}",
            super::render(&found, sources, ui.for_policy(policy))
        )?;
    }
    if found.iter().any(Diagnostic::is_error) {
        return Ok(None);
    }
    let mut run = Run {
        files: &files,
        units,
        strict: args.strict,
        explain: match trace {
            Some(Trace::Unit(u)) => Some(u),
            _ => None,
        },
        trace_all: matches!(trace, Some(Trace::All)),
        groups,
        previous: previous.as_ref(),
        percents: match args.percent {
            super::PercentArg::Percent => facts::Percents::Written,
            super::PercentArg::Fraction => facts::Percents::Fraction,
        },
        sheet: args.sheet.as_deref(),
        max_cells: None,
        threads: args.threads.map(usize::from),
        piece_bytes: None,
        scores_only: matches!(trace, Some(Trace::ScoresOnly)),
    };
    let lane = (dense && run.scores_only)
        .then(|| eval::dense::score_taking_units(policy, &mut run))
        .flatten();
    let (results, problems, files) = match lane {
        Some(mut d) => {
            let problems = std::mem::take(&mut d.problems);
            let files = std::mem::take(&mut d.files);
            (Some(Scores::Dense(d)), problems, files)
        }
        None => {
            let Scored {
                results,
                problems,
                files,
            } = eval::score(policy, &run, sources);
            (results.map(Scores::Full), problems, files)
        }
    };
    // Diagnostics about fact files speak the policy's language.
    let ui = ui.for_policy(policy);
    // An explanation reads the files twice: say how once.
    if args.verbose && !matches!(trace, Some(Trace::Unit(_))) {
        for file in &files {
            writeln!(err, "{}", read_line(file, ui.chinese()))?;
        }
    }
    // An explanation's second pass has already reported everything once.
    if !matches!(trace, Some(Trace::Unit(_))) || results.is_none() {
        write!(err, "{}", super::render(&problems.diagnostics, sources, ui))?;
        let unlisted = problems.unlisted_errors + problems.unlisted_warnings;
        if unlisted > 0 {
            if ui.chinese() {
                writeln!(
                    err,
                    "……事实文件中另有 {unlisted} 处问题（仅列出前 {} 处）",
                    facts::MAX_LISTED
                )?;
            } else {
                writeln!(
                    err,
                    "… and {} more in the fact files (the first {} are listed)",
                    plural(unlisted, "problem"),
                    facts::MAX_LISTED
                )?;
            }
        }
        if problems.has_errors() {
            if ui.chinese() {
                writeln!(err, "错误：事实文件有误，未计分")?;
            } else {
                writeln!(err, "error: nothing was scored: the fact files have errors")?;
            }
        }
    }
    Ok(results)
}

/// How a fact file was read, in a line: `read `a.csv`: CSV, GB18030, 120 rows`.
fn read_line(file: &facts::FileRead, chinese: bool) -> String {
    let name = crate::diagnostic::escape_controls(&file.path.display().to_string()).into_owned();
    let sheet = file
        .sheet
        .as_deref()
        .map(crate::diagnostic::escape_controls);
    let (format, encoding) = match (file.format, chinese) {
        (facts::Format::Csv, _) => ("CSV".to_string(), file.encoding),
        (facts::Format::Tsv, false) => ("tab-separated".to_string(), file.encoding),
        (facts::Format::Tsv, true) => ("制表符分隔".to_string(), file.encoding),
        (facts::Format::JsonLines, _) => ("JSON Lines".to_string(), file.encoding),
        (facts::Format::Database, false) => ("PostgreSQL table".to_string(), None),
        (facts::Format::Database, true) => ("PostgreSQL 表".to_string(), None),
        (facts::Format::Sheet, false) => (
            format!("spreadsheet, sheet `{}`", sheet.unwrap_or_default()),
            None,
        ),
        (facts::Format::Sheet, true) => (
            format!("电子表格，工作表 `{}`", sheet.unwrap_or_default()),
            None,
        ),
    };
    let encoding = encoding.map(|e| e.name(chinese));
    if chinese {
        let encoding = encoding.map(|e| format!("，编码 {e}")).unwrap_or_default();
        format!("读取 `{name}`：{format}{encoding}，{} 行", file.rows)
    } else {
        let encoding = encoding.map(|e| format!(", {e}")).unwrap_or_default();
        let rows = plural(file.rows as usize, "row");
        format!("read `{name}`: {format}{encoding}, {rows}")
    }
}

/// The assessed units (`None`: those of the facts) and each one's ranking group.
type Assessed = (Option<Vec<String>>, HashMap<String, String>);

/// The assessed units and their ranking groups: `--units FILE` (read once), else the policy's
/// `units`, else (None) those of the facts.
fn units_of(policy: &ir::Policy, args: &FactArgs) -> Result<Assessed, Diagnostic> {
    if let Some(path) = &args.units {
        let facts::UnitsFile { units, groups } = facts::read_units(path)?;
        let mut seen = rustc_hash::FxHashSet::default();
        seen.reserve(units.len());
        for u in &units {
            if !seen.insert(u.as_str()) {
                return Err(Diagnostic::error(
                    Code::Duplicate,
                    format!("unit `{u}` is listed twice in `{}`", path.display()),
                )
                .with_help("list each unit once"));
            }
        }
        if units.is_empty() {
            return Err(Diagnostic::error(
                Code::MissingValue,
                format!("`{}` lists no units", path.display()),
            )
            .with_help("write one unit a line, or a CSV with a `unit` column"));
        }
        return Ok((Some(units), groups));
    }
    Ok((
        (!policy.units.is_empty()).then(|| policy.units.clone()),
        HashMap::new(),
    ))
}
