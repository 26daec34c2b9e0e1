//! The command line: argument definitions and the commands, each a thin driver over the stages.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostic::{self, Code, Diagnostic};
use crate::parse;
use crate::span::{FileId, SourceMap};

/// kaohe: compile and run assessment policies (考核细则).
#[derive(Debug, Parser)]
#[command(name = "kaohe", version, about)]
pub struct Cli {
    /// When to color diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and check policies; print diagnostics.
    Check {
        /// Policy files.
        #[arg(required = true)]
        policies: Vec<PathBuf>,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
        format: DiagnosticFormat,
        /// Fail (exit 1) on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Compile a policy to JSON (the IR, with the compiler version and source hash).
    Build {
        /// The policy file.
        policy: PathBuf,
        /// Where to write the compiled policy.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Parse a policy and print an intermediate form.
    Parse {
        /// The policy file.
        policy: PathBuf,
        /// What to print.
        #[arg(long, value_enum, default_value_t = Emit::Ast)]
        emit: Emit,
    },
}

/// When to color diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Color when writing to a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

/// How `check` prints diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// Rendered for people, with the source and a caret.
    Human,
    /// One JSON array of diagnostics.
    Json,
}

/// What `parse` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    /// The syntax tree, spans as `@line:col-line:col`.
    Ast,
}

/// How a command ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything was fine (exit 0).
    Success,
    /// A policy or fact file has errors (exit 1).
    Failure,
}

/// Runs a parsed command line, writing to stdout and stderr.
pub fn execute(cli: Cli) -> Outcome {
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    };
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    let result = match cli.command {
        Command::Check {
            policies,
            format,
            deny_warnings,
        } => check(&policies, format, deny_warnings, color, &mut out, &mut err),
        Command::Build { policy, output } => build(&policy, &output, color, &mut out, &mut err),
        Command::Parse {
            policy,
            emit: Emit::Ast,
        } => parse_ast(&policy, color, &mut out, &mut err),
    };
    result.unwrap_or(Outcome::Failure)
}

/// Reads a policy file into the source map.
pub fn load(path: &Path, sources: &mut SourceMap) -> Result<FileId, Diagnostic> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::error(Code::Io, format!("cannot read `{name}`: {}", io_reason(&e)))
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Diagnostic::error(Code::Io, format!("`{name}` is not UTF-8 text"))
            .with_help("save the policy as UTF-8 (in Excel or WPS: “save as”, encoding UTF-8)")
    })?;
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    Ok(sources.add(name, text))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string().to_lowercase(),
    }
}

fn check(
    paths: &[PathBuf],
    format: DiagnosticFormat,
    deny_warnings: bool,
    color: bool,
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
            write!(err, "{}", diagnostic::render(&all, &sources, color))?;
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

fn parse_ast(
    path: &Path,
    color: bool,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Outcome> {
    let mut sources = SourceMap::new();
    let file = match load(path, &mut sources) {
        Ok(f) => f,
        Err(d) => {
            write!(err, "{}", diagnostic::render(&[d], &sources, color))?;
            return Ok(Outcome::Failure);
        }
    };
    let parsed = parse::parse(&sources, file);
    if parsed.diagnostics.iter().any(Diagnostic::is_error) {
        write!(
            err,
            "{}",
            diagnostic::render(&parsed.diagnostics, &sources, color)
        )?;
        return Ok(Outcome::Failure);
    }
    writeln!(out, "{:#?}", parsed.policy)?;
    Ok(Outcome::Success)
}

fn build(
    policy: &Path,
    output: &Path,
    color: bool,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Outcome> {
    let mut sources = SourceMap::new();
    let file = match load(policy, &mut sources) {
        Ok(f) => f,
        Err(d) => {
            write!(err, "{}", diagnostic::render(&[d], &sources, color))?;
            return Ok(Outcome::Failure);
        }
    };
    let checked = crate::compile(&sources, file);
    write!(
        err,
        "{}",
        diagnostic::render(&checked.diagnostics, &sources, color)
    )?;
    let Some(compiled) = checked.policy else {
        return Ok(Outcome::Failure);
    };
    let json = serde_json::to_string_pretty(&compiled).map_err(std::io::Error::other)?;
    if let Err(d) = write_atomically(output, format!("{json}\n").as_bytes()) {
        write!(err, "{}", diagnostic::render(&[d], &sources, color))?;
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

/// Writes a file so that it is either complete or untouched: a temporary file beside it, then a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
    let fail = |e: std::io::Error| {
        Diagnostic::error(
            Code::Io,
            format!("cannot write `{}`: {}", path.display(), io_reason(&e)),
        )
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
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

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
