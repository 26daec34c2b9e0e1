//! Part of the facts stage: a folder given as `--facts` stands for the fact files in it.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic};

/// The extensions of the files a folder's fact files are read from.
const FACT_EXTENSIONS: &[&str] = &[
    "csv", "tsv", "txt", "jsonl", "ndjson", "json", "xlsx", "xlsm", "xlsb", "xls", "ods",
];

/// Whether a file's name says it is a fact file (`.csv`, `.xlsx`, …).
pub fn is_fact_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| FACT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The fact files `paths` stand for: a file is itself; a folder is the fact files directly in
/// it, by name. A folder's other files are warned about (never silently left out); hidden
/// files and the lock files Excel and WPS leave beside an open workbook (`~$…`) are not.
pub fn expand_folders(paths: &[PathBuf], diagnostics: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if path == Path::new("-") || !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let name = path.display().to_string();
        let entries = match std::fs::read_dir(path) {
            Ok(entries) => entries,
            Err(e) => {
                diagnostics.push(Diagnostic::error(
                    Code::Io,
                    format!("cannot read `{name}`: {}", e.to_string().to_lowercase()),
                ));
                continue;
            }
        };
        let mut inside: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        inside.sort();
        let before = files.len();
        for file in inside {
            let base = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if base.starts_with('.') || base.starts_with("~$") {
                continue;
            }
            let extension = file
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            let fact_file = extension
                .as_deref()
                .is_some_and(|e| FACT_EXTENSIONS.contains(&e));
            if fact_file && file.is_file() {
                files.push(file);
            } else {
                diagnostics.push(not_read(&file, file.is_dir()));
            }
        }
        if files.len() == before {
            diagnostics.push(
                Diagnostic::error(Code::Io, format!("`{name}` has no fact files"))
                    .with_help(
                        "a folder's fact files end in .csv, .tsv, .txt, .jsonl, .json, .xlsx, .xls or .ods",
                    )
                    .zh(
                        format!("`{name}` 中没有事实文件"),
                        &[],
                        Some("文件夹中的事实文件以 .csv、.tsv、.txt、.jsonl、.json、.xlsx、.xls 或 .ods 结尾"),
                    ),
            );
        }
    }
    files
}

fn not_read(file: &Path, folder: bool) -> Diagnostic {
    let name = file.display().to_string();
    let (en, zh) = if folder {
        (
            format!("`{name}` was not read: folders inside a facts folder are not"),
            format!("未读取 `{name}`：事实文件夹中的子文件夹不读取"),
        )
    } else {
        (
            format!("`{name}` was not read: it is not a fact file"),
            format!("未读取 `{name}`：它不是事实文件"),
        )
    };
    let (help, zh_help) = if folder {
        (
            format!("give it as `--facts {name}` if its files count"),
            format!("如其中文件也要计分，请另写 `--facts {name}`"),
        )
    } else {
        (
            "a fact file ends in .csv, .tsv, .txt, .jsonl, .json, .xlsx, .xls or .ods".to_string(),
            "事实文件以 .csv、.tsv、.txt、.jsonl、.json、.xlsx、.xls 或 .ods 结尾".to_string(),
        )
    };
    Diagnostic::warning(Code::NotRead, en)
        .with_help(help)
        .zh(zh, &[], Some(&zh_help))
}
