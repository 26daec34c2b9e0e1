//! Every example case of every policy in `policies/` (`cases/NAME/` beside it), one test a
//! case, run as a drafter runs them: `kaohe test POLICY --case NAME`. A failure names the
//! case and shows what `kaohe test` printed: the units that differ and the clauses behind them.

use std::path::Path;

use kaohe::review::cases::{cases_of, policies_with_cases};
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut trials = Vec::new();
    for policy in policies_with_cases(&root.join("policies")) {
        let shown = policy
            .strip_prefix(root)
            .unwrap_or(&policy)
            .display()
            .to_string();
        for case in cases_of(&policy) {
            let policy = policy.clone();
            let name = case.name.clone();
            trials.push(Trial::test(format!("{shown}::{name}"), move || {
                run(&policy, &name)
            }));
        }
    }
    // Every shipped policy has its cases: a typical year, every cap hit, an empty year.
    assert!(trials.len() >= 36, "only {} cases found", trials.len());
    libtest_mimic::run(&args, trials).exit();
}

fn run(policy: &Path, case: &str) -> Result<(), Failed> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .arg("test")
        .arg(policy)
        .args(["--case", case, "--color", "never"])
        .output()
        .map_err(|e| Failed::from(format!("kaohe does not run: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Failed::from(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}
