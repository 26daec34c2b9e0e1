//! kaohe (考核): a compiler and interpreter for assessment policies.
//!
//! The pipeline, one module per stage (see `docs/ARCHITECTURE.md`):
//! source → [`parse`] → [`ast::Policy`] → diagnostics rendered by [`diagnostic`].
#![deny(missing_docs)]

pub mod ast;
pub mod cli;
pub mod diagnostic;
pub mod parse;
pub mod span;
