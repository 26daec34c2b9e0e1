//! Part of the review stage: a policy's example cases. The cases of `budget.policy` are the
//! folders of `cases/` beside it (of `budget.zh.policy`: `cases.zh/`, when there is one), and
//! each holds:
//!
//! - its fact files (any the facts stage reads: `.csv`, `.xlsx`, `.jsonl`, …);
//! - `expected.txt`, the expected results (see [`super::expected`]);
//! - optionally `units.csv` (or `units.txt`), the assessed units, as `--units`;
//! - optionally `previous.csv` (or `previous.json`), last year's results, as `--previous`;
//! - optionally `explain-UNIT.txt`: the expected `kaohe explain` of one unit.
//!
//! Any `.md` file is the case's notes and is not read.

use std::path::{Path, PathBuf};

/// The file of a case's expected results.
pub const EXPECTED: &str = "expected.txt";

/// One example case of a policy.
#[derive(Debug, Clone)]
pub struct Case {
    /// Its name (its folder's).
    pub name: String,
    /// Its folder.
    pub dir: PathBuf,
    /// Its fact files, by name.
    pub facts: Vec<PathBuf>,
    /// Its units file, if it has one.
    pub units: Option<PathBuf>,
    /// Last year's results, if it has them.
    pub previous: Option<PathBuf>,
    /// Its expected results (the file may not exist yet).
    pub expected: PathBuf,
    /// The units whose explanation it asserts, with the file of each.
    pub explains: Vec<(String, PathBuf)>,
    /// Files that are none of these, so are not read.
    pub unread: Vec<PathBuf>,
}

/// The folder a policy's cases are in (it may not exist).
pub fn cases_dir(policy: &Path) -> PathBuf {
    let dir = policy.parent().unwrap_or(Path::new(""));
    let name = policy
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // `budget.zh.policy`: `cases.zh/` when there is one.
    let stem = name.strip_suffix(".policy").unwrap_or(&name);
    if let Some((_, tag)) = stem.rsplit_once('.') {
        let tagged = dir.join(format!("cases.{tag}"));
        if tagged.is_dir() {
            return tagged;
        }
    }
    dir.join("cases")
}

/// The cases of a policy, by name; empty when it has none.
pub fn cases_of(policy: &Path) -> Vec<Case> {
    let dir = cases_dir(policy);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && !hidden(p))
        .collect();
    dirs.sort();
    dirs.iter().map(|d| case(d)).collect()
}

fn hidden(p: &Path) -> bool {
    p.file_name().is_some_and(|n| {
        n.to_string_lossy().starts_with('.') || n.to_string_lossy().starts_with("~$")
    })
}

fn case(dir: &Path) -> Case {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut c = Case {
        name,
        dir: dir.to_path_buf(),
        facts: Vec::new(),
        units: None,
        previous: None,
        expected: dir.join(EXPECTED),
        explains: Vec::new(),
        unread: Vec::new(),
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| !hidden(p))
        .collect();
    files.sort();
    for file in files {
        let base = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let lower = base.to_lowercase();
        if lower == EXPECTED || lower.ends_with(".md") {
            continue;
        }
        if let Some(unit) = base
            .strip_prefix("explain-")
            .and_then(|rest| rest.strip_suffix(".txt"))
        {
            c.explains.push((unit.to_string(), file));
        } else if matches!(lower.as_str(), "units.csv" | "units.txt") {
            c.units = Some(file);
        } else if matches!(lower.as_str(), "previous.csv" | "previous.json") {
            c.previous = Some(file);
        } else if file.is_file() && crate::facts::is_fact_file(&file) {
            c.facts.push(file);
        } else {
            c.unread.push(file);
        }
    }
    c
}

/// The policies under `dir` (searched recursively, hidden folders and `target/` skipped) that
/// have cases, by path.
pub fn policies_with_cases(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if hidden(&p) {
                continue;
            }
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n != "target") {
                    walk(&p, out);
                }
            } else if p.extension().is_some_and(|x| x == "policy") && cases_dir(&p).is_dir() {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out
}
