//! The review stage, beside the pipeline: checking a policy's example cases against their
//! expected results (`kaohe test`) and comparing two versions of a policy over the same
//! facts (`kaohe diff`). It reads `results::Results` and never changes a score.
//!
//! - [`expected`]: the expected-results table a drafter writes by hand (`expected.txt`);
//! - [`cases`]: where a policy's cases are and what each holds;
//! - [`compare`]: results against expected results, unit by unit;
//! - [`diff`]: two versions of a policy, clause by clause and unit by unit;
//! - [`show`]: what the two commands print.

pub mod cases;
pub mod compare;
pub mod diff;
pub mod expected;
pub mod show;
