//! Stage 1 of the pipeline: policy source → [`ast::Policy`], through pest pairs that stay private here.
//!
//! The file is split into logical lines (`lines`), each line is parsed with
//! the pest grammar in `grammar/policy.pest` and lowered into a statement
//! (`lower`), and statements are nested by indentation (`tree`). A line that
//! fails to parse is reported and skipped, so one run reports every bad line.

mod error;
mod error_zh;
mod lines;
mod lower;
mod lower_groups;
mod lower_outcome;
mod lower_tokens;
mod lower_zh;
mod names;
mod tree;

use std::num::NonZeroUsize;
use std::sync::Once;

use pest::Parser;

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::span::{FileId, SourceMap};

/// The pest parser; its generated `Rule` never leaves `parse`.
mod grammar {
    #![allow(missing_docs)]
    #[derive(pest_derive::Parser)]
    #[grammar = "grammar/policy.pest"]
    pub(super) struct PolicyParser;
}

use grammar::{PolicyParser, Rule};

/// Words a statement starts with: a line starting with one never continues
/// the line above, and a line starting with another word is told which exist.
const STATEMENT_KEYWORDS: &[&str] = &[
    "policy",
    "year",
    "total",
    "bonus",
    "units",
    "assessors",
    "fact",
    "calendar",
    "holidays",
    "workdays",
    "section",
    "item",
    "responsible",
    "deduct",
    "award",
    "the",
    "together",
    "grade",
    "veto",
    "prize",
    "考核方案",
    "年度",
    "总分",
    "附加分",
    "考核对象",
    "考核主体",
    "事实",
    "工作日历",
    "节假日",
    "调休上班",
    "板块",
    "加分板块",
    "项目",
    "考核部门",
    "责任单位",
    "责任部门",
    "以下",
    "合计",
    "等次",
    "一票否决",
    "奖项",
];

/// Characters only the Chinese rule forms use outside quotes (`每人每次扣0.1分`, `未 … 的`, `按 …`).
const CHINESE_RULE_MARKERS: &str = "每扣得的按未酌视倍：，";

/// A line written in the Chinese surface form: it starts with a Chinese character (English
/// lines start with an English keyword) or uses a Chinese rule word, outside its quoted text.
/// Chinese names alone (`units 办公室`) do not make a line Chinese.
pub fn is_chinese_line(line: &str) -> bool {
    let mut code = String::new();
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (None, '#') => break,
            (None, '"') => quote = Some('"'),
            (None, '“') => quote = Some('”'),
            (None, '「') => quote = Some('」'),
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, c) => code.push(c),
        }
    }
    let code = code.trim_start();
    let starts_han = code
        .chars()
        .next()
        .is_some_and(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    starts_han || code.chars().any(|c| CHINESE_RULE_MARKERS.contains(c))
}

/// The result of parsing one file: the tree (as much as could be read) and every diagnostic.
#[derive(Debug)]
pub struct Parsed {
    /// The policy; lines with errors are left out.
    pub policy: ast::Policy,
    /// Every syntax error, in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// The comments, in source order, for `kaohe fmt`.
    pub comments: Vec<Comment>,
}

pub use lines::Comment;

/// The longest line a policy may have: the longest seed line is a few hundred bytes.
const MAX_LINE: usize = 4096;

/// Pathological inputs must fail, not hang: a policy line needs far fewer calls.
const CALL_LIMIT: usize = 1_000_000;

fn is_fact_declaration(line: &str) -> bool {
    line.starts_with("事实")
        || line
            .strip_prefix("fact")
            .is_some_and(|r| r.starts_with([' ', '\t']))
}

/// The names the fact declarations of a file declare: facts, their fields and the values of their sets.
fn declared_names(sources: &SourceMap, file: FileId, lines: &[lines::LogicalLine]) -> names::Names {
    let text = sources.get(file).map_or("", |f| f.text.as_str());
    let mut declared: Vec<String> = Vec::new();
    for line in lines.iter().filter(|l| !l.broken) {
        let source = &text[line.start..line.end];
        if source.len() > MAX_LINE || !is_fact_declaration(source) {
            continue;
        }
        let cx = lower::Cx {
            sources,
            file,
            base: line.start,
        };
        let Ok(Ok(tree::Stmt::Fact(fact))) =
            PolicyParser::parse(Rule::line, source).map(|pairs| cx.line(pairs))
        else {
            continue;
        };
        declared.push(fact.name.name);
        for field in fact.fields {
            declared.push(field.name.name);
            if let ast::FieldKind::Set(values) = field.kind {
                declared.extend(values.into_iter().map(|v| v.name));
            }
        }
    }
    names::Names::new(declared.iter().map(String::as_str))
}

/// Parses one file of `sources` into an AST, collecting every syntax error.
pub fn parse(sources: &SourceMap, file: FileId) -> Parsed {
    static LIMIT: Once = Once::new();
    LIMIT.call_once(|| pest::set_call_limit(NonZeroUsize::new(CALL_LIMIT)));

    let mut diagnostics = Vec::new();
    let mut statements = Vec::new();
    let text = sources.get(file).map_or("", |f| f.text.as_str());
    let mut comments = Vec::new();
    let lines = lines::split(sources, file, &mut comments, &mut diagnostics);
    let names = declared_names(sources, file, &lines);
    for line in lines {
        if line.broken {
            statements.push((line.indent, None));
            continue;
        }
        let cx = lower::Cx {
            sources,
            file,
            base: line.start,
        };
        let source = &text[line.start..line.end];
        if source.len() > MAX_LINE {
            // Neither parsed (it would only exhaust the parser) nor quoted (it would flood the terminal).
            let (number, _) = sources.get(file).map_or((0, 0), |f| f.line_col(line.start));
            let name = sources.get(file).map_or("", |f| f.name.as_str());
            diagnostics.push(
                Diagnostic::error(
                    crate::diagnostic::Code::Syntax,
                    format!(
                        "line {number} of `{name}` is {} bytes long; a policy line has at most {MAX_LINE}",
                        source.len()
                    ),
                )
                .with_help("split the line, or check that the file is a policy")
                .zh(
                    format!("`{name}` 第 {number} 行长 {} 字节；方案的一行最多 {MAX_LINE} 字节", source.len()),
                    &[],
                    Some("请拆分此行，或检查此文件是否为考核方案"),
                ),
            );
            statements.push((line.indent, None));
            continue;
        }
        // Declarations are read as they are written (`指标 数值` is a kind of measure there).
        let masked = if is_fact_declaration(source) {
            std::borrow::Cow::Borrowed(source)
        } else {
            names.mask(source)
        };
        let stmt = match PolicyParser::parse(Rule::line, &masked) {
            Ok(pairs) => cx.line(pairs),
            Err(e) => Err(vec![error::syntax(&cx, source, &names, e)]),
        };
        match stmt {
            // A line whose indentation was reported is not nested: that would only add noise.
            Ok(_) if line.bad_indent => statements.push((line.indent, None)),
            Ok(s) => statements.push((line.indent, Some(s))),
            Err(mut ds) => {
                diagnostics.append(&mut ds);
                statements.push((line.indent, None));
            }
        }
    }
    let whole = sources.span(file, 0, text.len());
    let policy = tree::build(statements, whole, &mut diagnostics);
    diagnostics.sort_by_key(|d| d.span().map(|s| (s.file, s.start)));
    Parsed {
        policy,
        diagnostics,
        comments,
    }
}
