//! The `kaohe` binary: parses arguments and maps outcomes to exit codes (0 ok, 1 errors, 2 usage).

use std::process::ExitCode;

use clap::Parser;
use kaohe::cli::{execute, Cli, Outcome};

fn main() -> ExitCode {
    // clap exits with 2 on a usage error.
    let cli = Cli::parse();
    match execute(cli) {
        Outcome::Success => ExitCode::SUCCESS,
        Outcome::Failure => ExitCode::from(1),
    }
}
