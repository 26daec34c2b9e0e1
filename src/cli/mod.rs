//! The command line: argument definitions and the commands, each a thin driver over the stages.

mod compile;
mod fmt;
mod review;
pub use review::DiffFormat;
mod run;
mod sql;

use std::io::IsTerminal;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, SourceMap};

/// kaohe: compile and run assessment policies (考核细则).
#[derive(Debug, Parser)]
#[command(name = "kaohe", version, about)]
pub struct Cli {
    /// When to color diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// The language of diagnostics: that of each offending line, English or Chinese.
    #[arg(long, value_enum, default_value_t = LangChoice::Auto, global = true)]
    pub lang: LangChoice,
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
    /// Score every unit over the year's fact files, ranked.
    Run {
        /// The policy: a `.policy` source or a compiled `.json` from `kaohe build`.
        policy: PathBuf,
        /// The fact files and units.
        #[command(flatten)]
        facts: FactArgs,
        /// How to print the results; by default as `-o`'s extension says (`.csv`, `.json`,
        /// `.xlsx`, `.html`), else a table.
        #[arg(long, value_enum)]
        format: Option<RunFormat>,
        /// Write the results to a file (atomically) instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Show every section in the terminal table, however wide (by default a table wider
        /// than the terminal shows rank, unit, total and the outcome).
        #[arg(long)]
        wide: bool,
    },
    /// Every point one unit lost or gained: the clause, the arithmetic and the fact rows behind it.
    Explain {
        /// The policy: a `.policy` source or a compiled `.json` from `kaohe build`.
        policy: PathBuf,
        /// The fact files and units.
        #[command(flatten)]
        facts: FactArgs,
        /// The unit to explain.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        unit: Option<String>,
        /// Every unit's receipt at once: `-o receipts.html`, `.xlsx` or `.txt`.
        #[arg(long)]
        all: bool,
        /// How to print the explanation.
        #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
        format: ExplainFormat,
        /// Write the receipts to a file (`.html`, `.xlsx`, `.txt`) instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Run a policy's example cases (`cases/NAME/` beside it: fact files and `expected.txt`)
    /// and report each as passed or failed, with what changed; exit 1 on any failure.
    Test {
        /// A policy, or a folder whose policies with cases are all tested.
        target: PathBuf,
        /// Only the case of this name.
        #[arg(long)]
        case: Option<String>,
        /// Rewrite each case's expected results (and explanations) from the scores, after
        /// review.
        #[arg(long)]
        bless: bool,
    },
    /// Score two versions of a policy over the same facts: the clauses added, removed or
    /// changed, and what that does to every unit's total, rank, grade and prizes.
    Diff {
        /// The old version (`.policy` or compiled `.json`).
        old: PathBuf,
        /// The new version.
        new: PathBuf,
        /// The fact files and units.
        #[command(flatten)]
        facts: FactArgs,
        /// How to print the comparison.
        #[arg(long, value_enum, default_value_t = review::DiffFormat::Text)]
        format: review::DiffFormat,
        /// Write it to a file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Write a policy in canonical form, in English or Chinese, comments kept.
    Fmt {
        /// Policy files, or folders to search for `.policy` files.
        #[arg(required = true)]
        policies: Vec<PathBuf>,
        /// The surface form to write; without it, the form each file mostly uses.
        #[arg(long, value_enum)]
        to: Option<FmtLang>,
        /// Rewrite each file in place (atomically, in its own encoding and line endings)
        /// instead of printing.
        #[arg(long, short)]
        write: bool,
        /// Print a unified diff for each file not in canonical form, and exit 1 if there is
        /// one.
        #[arg(long, conflicts_with = "write")]
        check: bool,
    },
    /// Compile a policy to one SQL query that scores every unit where the facts live
    /// (DuckDB or PostgreSQL), as `run` would; or print the facts table it reads
    /// (`--schema`), or fact files' validated rows in that table's columns (`--rows`).
    Sql {
        /// The policy: a `.policy` source or a compiled `.json` from `kaohe build`.
        policy: PathBuf,
        /// The database the query is for.
        #[arg(long, value_enum, default_value_t = SqlDialect::Duckdb)]
        dialect: SqlDialect,
        /// The facts table (long format: unit, fact, date, count, value, note and a column
        /// a declared field; `--schema` prints it).
        #[arg(long, default_value = "facts")]
        facts_table: String,
        /// A table of the assessed units (a `unit` column); by default the policy's `units`,
        /// else the units of the facts.
        #[arg(long)]
        units_table: Option<String>,
        /// The units table's column of ranking groups: units are ranked, graded and given
        /// prizes within their group.
        #[arg(long, requires = "units_table")]
        group_column: Option<String>,
        /// Last year's scores, for prizes by improvement: a table with columns `unit`,
        /// `total` and one a section (last year's result of the query).
        #[arg(long)]
        previous_table: Option<String>,
        /// Print `CREATE TABLE` for the facts table instead of the query.
        #[arg(long, conflicts_with = "rows")]
        schema: bool,
        /// Validate these fact files and write their rows as CSV in the facts table's
        /// columns (for `COPY`), instead of the query.
        #[arg(long, num_args = 1.., action = clap::ArgAction::Append)]
        rows: Vec<PathBuf>,
        /// With `--rows`: the assessed units, one a line or a CSV with a `unit` column.
        #[arg(long, requires = "rows")]
        units: Option<PathBuf>,
        /// With `--rows`: how a percent written without `%` is read.
        #[arg(long, value_enum, default_value = "percent")]
        percent: PercentArg,
        /// Write to this file (atomically) instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
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

/// The fact files and units of a `run` or `explain`.
#[derive(Debug, clap::Args)]
pub struct FactArgs {
    /// Fact files (CSV, tab-separated, JSON Lines, .xlsx/.xls/.ods) or folders of them;
    /// `--facts a.csv b.xlsx`, `--facts a.csv --facts b.csv`, `--facts 2021/`, `--facts -`;
    /// or a PostgreSQL table, `postgres://USER@HOST/DATABASE/TABLE` (built with
    /// `--features postgres`; the password in `PGPASSWORD`).
    #[arg(long, required = true, num_args = 1.., action = clap::ArgAction::Append)]
    pub facts: Vec<PathBuf>,
    /// The assessed units: one a line, or a CSV with a `unit` column (overrides the policy's `units`).
    #[arg(long)]
    pub units: Option<PathBuf>,
    /// Treat a unit without a row for a flag or measure as an error, not a warning.
    #[arg(long)]
    pub strict: bool,
    /// Last year's results (`kaohe run --format json` or `csv` output), for prizes by improvement.
    #[arg(long)]
    pub previous: Option<PathBuf>,
    /// How a percent written without `%` is read: `percent` (85 is 85%; 0.85 is an error) or
    /// `fraction` (0.85 is 85%, as spreadsheets store percents).
    #[arg(long, value_enum, default_value = "percent")]
    pub percent: PercentArg,
    /// The sheet of a spreadsheet fact file (.xlsx, .xls, .ods) to read; the first by default.
    #[arg(long)]
    pub sheet: Option<String>,
    /// Threads reading one large CSV fact file (default: one per core); the results are the
    /// same whatever the number.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Say how each fact file was read: as CSV, JSON Lines or which sheet, in which encoding,
    /// and how many rows.
    #[arg(short, long)]
    pub verbose: bool,
}

/// `--percent`: how a bare percent is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PercentArg {
    /// `85` is 85%; a bare value between 0 and 1 is ambiguous, an error.
    Percent,
    /// Every bare value is a fraction: `0.85` is 85%.
    Fraction,
}

/// How `run` prints results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    /// An aligned table.
    Table,
    /// CSV: rank, unit, total and one column per section.
    Csv,
    /// JSON, every number a decimal string.
    Json,
    /// An Excel workbook: the ranking, one sheet per section, every deduction and award.
    Xlsx,
    /// One self-contained HTML page: the ranking, a chart by section, every unit's receipt.
    Html,
}

impl RunFormat {
    /// The format a file name's extension asks for, if any.
    pub fn of_path(path: &Path) -> Option<RunFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" => RunFormat::Csv,
            "json" => RunFormat::Json,
            "xlsx" => RunFormat::Xlsx,
            "html" | "htm" => RunFormat::Html,
            "txt" => RunFormat::Table,
            _ => return None,
        })
    }
}

/// The database `kaohe sql` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SqlDialect {
    /// DuckDB.
    Duckdb,
    /// PostgreSQL.
    Postgres,
}

/// How `explain` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// A readable receipt.
    Text,
    /// The same as data.
    Json,
}

/// The surface form `fmt` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FmtLang {
    /// English keywords: `deduct 0.1 per person per occurrence of late`.
    En,
    /// Chinese, as the documents are written: `late 每人每次扣0.1分`.
    Zh,
}

/// The language of diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangChoice {
    /// The language of the line each diagnostic points at.
    Auto,
    /// English.
    En,
    /// Chinese (where a diagnostic has a Chinese text).
    Zh,
}

/// How diagnostics are shown.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ui {
    color: bool,
    language: crate::diagnostic::Language,
}

impl Ui {
    /// For diagnostics about fact files: the policy's language unless `--lang` said one.
    fn for_policy(self, policy: &crate::ir::Policy) -> Ui {
        use crate::diagnostic::Language;
        let language = match self.language {
            Language::Auto if policy.chinese => Language::Zh,
            Language::Auto => Language::En,
            chosen => chosen,
        };
        Ui { language, ..self }
    }

    /// The same, never colored (for text kept and shown later).
    fn without_color(self) -> Ui {
        Ui {
            color: false,
            ..self
        }
    }

    /// The language of diagnostics.
    fn language(self) -> crate::diagnostic::Language {
        self.language
    }

    /// Whether messages are in Chinese (after [`Ui::for_policy`]).
    fn chinese(self) -> bool {
        self.language == crate::diagnostic::Language::Zh
    }
}

/// Renders diagnostics as the command line asked.
fn render(diagnostics: &[Diagnostic], sources: &SourceMap, ui: Ui) -> String {
    crate::diagnostic::render_in(diagnostics, sources, ui.color, ui.language)
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
    let language = match cli.lang {
        LangChoice::Auto => crate::diagnostic::Language::Auto,
        LangChoice::En => crate::diagnostic::Language::En,
        LangChoice::Zh => crate::diagnostic::Language::Zh,
    };
    let ui = Ui { color, language };
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    let result = match cli.command {
        Command::Check {
            policies,
            format,
            deny_warnings,
        } => compile::check(&policies, format, deny_warnings, ui, &mut out, &mut err),
        Command::Build { policy, output } => {
            compile::build(&policy, &output, ui, &mut out, &mut err)
        }
        Command::Parse {
            policy,
            emit: Emit::Ast,
        } => compile::parse_ast(&policy, ui, &mut out, &mut err),
        Command::Fmt {
            policies,
            to,
            write,
            check,
        } => {
            let mode = match (write, check) {
                (true, _) => fmt::Mode::Write,
                (_, true) => fmt::Mode::Check,
                _ => fmt::Mode::Print,
            };
            fmt::fmt(&policies, to, mode, ui, &mut out, &mut err)
        }
        Command::Run {
            policy,
            facts,
            format,
            output,
            wide,
        } => run::run(
            &policy,
            &facts,
            format,
            output.as_deref(),
            wide,
            ui,
            &mut out,
            &mut err,
        ),
        Command::Sql {
            policy,
            dialect,
            facts_table,
            units_table,
            group_column,
            previous_table,
            schema,
            rows,
            units,
            percent,
            output,
        } => {
            let options = crate::sql::Options {
                dialect: match dialect {
                    SqlDialect::Duckdb => crate::sql::Dialect::DuckDb,
                    SqlDialect::Postgres => crate::sql::Dialect::Postgres,
                },
                facts_table,
                units_table,
                group_column,
                previous_table,
            };
            let what = match (schema, rows.is_empty()) {
                (true, _) => sql::What::Schema,
                (false, false) => sql::What::Rows {
                    files: rows,
                    units,
                    percent,
                },
                (false, true) => sql::What::Query,
            };
            sql::sql(
                &policy,
                &options,
                what,
                output.as_deref(),
                ui,
                &mut out,
                &mut err,
            )
        }
        Command::Test {
            target,
            case,
            bless,
        } => review::test(&target, case.as_deref(), bless, ui, &mut out, &mut err),
        Command::Diff {
            old,
            new,
            facts,
            format,
            output,
        } => review::diff(
            &old,
            &new,
            &facts,
            format,
            output.as_ref(),
            ui,
            &mut out,
            &mut err,
        ),
        Command::Explain {
            policy,
            facts,
            unit,
            all: _,
            format,
            output,
        } => match unit {
            Some(unit) => run::explain(&policy, &facts, &unit, format, ui, &mut out, &mut err),
            None => run::explain_all(&policy, &facts, output.as_deref(), ui, &mut out, &mut err),
        },
    };
    result.unwrap_or_else(|e| {
        // Writing to a closed pipe is the reader's choice; anything else is said.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            let _ = writeln!(
                std::io::stderr(),
                "error: {}",
                crate::diagnostic::escape_controls(&e.to_string().to_lowercase())
            );
        }
        Outcome::Failure
    })
}

/// Reads a policy file into the source map.
pub fn load(path: &Path, sources: &mut SourceMap) -> Result<FileId, Diagnostic> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::error(Code::Io, format!("cannot read `{name}`: {}", io_reason(&e)))
    })?;
    let text = decode_policy(&name, bytes)?;
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    Ok(sources.add(name, text))
}

/// A policy's text: UTF-8, or GB18030 (GBK) as a Chinese Windows editor saves it; anything
/// else is an error naming where the first undecodable byte is.
fn decode_policy(name: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    let e = match String::from_utf8(bytes) {
        Ok(text) => return Ok(text),
        Err(e) => e,
    };
    let at = e.utf8_error().valid_up_to();
    let bytes = e.into_bytes();
    if let Some(text) =
        encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(&bytes)
    {
        return Ok(text.into_owned());
    }
    let before = String::from_utf8_lossy(bytes.get(..at).unwrap_or(&bytes));
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Err(Diagnostic::error(
        Code::Io,
        format!("`{name}` is neither UTF-8 nor GBK text: byte {at} (line {line}, column {column}) cannot be read"),
    )
    .with_help("save the policy as UTF-8 (in Excel or WPS: “save as”, encoding UTF-8)")
    .zh(
        format!("`{name}` 既不是 UTF-8 也不是 GBK 文本：第 {at} 字节（第 {line} 行第 {column} 列）无法识别"),
        &[],
        Some("请把方案另存为 UTF-8 编码"),
    ))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string().to_lowercase(),
    }
}

/// "1 error", "3 errors".
pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
