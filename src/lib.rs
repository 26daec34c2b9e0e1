//! kaohe (考核): a compiler and interpreter for assessment policies.
//!
//! The pipeline, one module per stage (see `docs/ARCHITECTURE.md`):
//! source → [`parse`] → [`ast::Policy`] → [`check`] → [`ir::Policy`], with
//! diagnostics of every stage rendered by [`diagnostic`].
#![deny(missing_docs)]
// A panic on any input is a bug: library code never unwraps, expects, panics, declares a
// place unreachable or indexes out of bounds (tests may). The few functions that index are
// allowed one by one, each with the invariant that keeps its indices in bounds.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::indexing_slicing
    )
)]

pub mod ast;
pub mod check;
pub mod cli;
pub mod diagnostic;
pub mod eval;
pub mod facts;
pub mod format;
#[doc(hidden)]
pub mod fuzzing;
pub mod ir;
pub mod outcome;
pub mod output;
pub mod parse;
pub mod report;
pub mod results;
pub mod review;
pub mod span;
pub mod sql;

/// Parses and checks one policy file of `sources`: the front half of the pipeline.
///
/// The checker runs only on a file without syntax errors, so that a line
/// that failed to parse does not also show up as, say, an unused fact.
pub fn compile(sources: &span::SourceMap, file: span::FileId) -> check::Checked {
    let parsed = parse::parse(sources, file);
    if parsed
        .diagnostics
        .iter()
        .any(diagnostic::Diagnostic::is_error)
    {
        return check::Checked {
            policy: None,
            diagnostics: parsed.diagnostics,
        };
    }
    let mut checked = check::check(&parsed.policy, sources);
    let mut diagnostics = parsed.diagnostics;
    diagnostics.append(&mut checked.diagnostics);
    checked.diagnostics = diagnostics;
    checked
}
