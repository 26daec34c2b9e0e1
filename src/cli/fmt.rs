//! `kaohe fmt`: policies written back in canonical form, each file keeping its encoding,
//! byte-order mark and line endings; `--check` prints a unified diff of what would change.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{compile::parsed_file, plural, FmtLang, Outcome, Ui};
use crate::format::{self, Lang};

/// What `fmt` does with the canonical text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Print it.
    Print,
    /// Write it over the file.
    Write,
    /// Print a diff for each file not in canonical form; fail if there is one.
    Check,
}

/// How a file was stored, so that it is written back the same way.
struct Storage {
    /// Saved as GB18030 (GBK) rather than UTF-8.
    gb18030: bool,
    /// Began with a byte-order mark.
    bom: bool,
    /// Lines end in `\r\n` (as its first line does).
    crlf: bool,
}

impl Storage {
    fn of(bytes: &[u8]) -> Storage {
        let bom = bytes.starts_with(b"\xEF\xBB\xBF");
        let crlf = bytes
            .iter()
            .position(|&b| b == b'\n')
            .is_some_and(|i| i > 0 && bytes.get(i - 1) == Some(&b'\r'));
        Storage {
            gb18030: std::str::from_utf8(bytes).is_err(),
            bom,
            crlf,
        }
    }

    /// `text` (lines ending in `\n`) as the file would store it.
    fn bytes(&self, text: &str) -> Vec<u8> {
        let text = if self.crlf {
            text.replace('\n', "\r\n")
        } else {
            text.to_string()
        };
        let mut out = Vec::with_capacity(text.len() + 3);
        if self.bom {
            out.extend_from_slice(b"\xEF\xBB\xBF");
        }
        if self.gb18030 {
            out.extend_from_slice(&encoding_rs::GB18030.encode(&text).0);
        } else {
            out.extend_from_slice(text.as_bytes());
        }
        out
    }
}

/// The `.policy` files named, folders searched (sorted, recursively) for them.
fn policy_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "policy") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut files);
        } else {
            files.push(p.clone());
        }
    }
    files
}

pub(super) fn fmt(
    paths: &[PathBuf],
    to: Option<FmtLang>,
    mode: Mode,
    ui: Ui,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Outcome> {
    let files = policy_files(paths);
    if files.is_empty() {
        let named: Vec<String> = paths.iter().map(|p| format!("`{}`", p.display())).collect();
        writeln!(err, "no `.policy` file in {}", named.join(", "))?;
        return Ok(Outcome::Failure);
    }
    let mut failed = false;
    let mut unformatted = Vec::new();
    for path in &files {
        // Formatting a file that does not parse would drop its bad lines.
        let Some((sources, file, parsed)) = parsed_file(path, ui, err)? else {
            failed = true;
            continue;
        };
        let original = sources.get(file).map_or("", |f| f.text.as_str());
        let lang = match to {
            Some(FmtLang::Zh) => Lang::Zh,
            Some(FmtLang::En) => Lang::En,
            None => format::guess_lang(original),
        };
        let formatted = format::format(&parsed.policy, &parsed.comments, lang);
        let stored = std::fs::read(path).unwrap_or_default();
        let storage = Storage::of(&stored);
        let bytes = storage.bytes(&formatted);
        match mode {
            Mode::Print => {
                if files.len() > 1 {
                    writeln!(out, "==> {} <==", path.display())?;
                }
                let text = if storage.crlf {
                    formatted.replace('\n', "\r\n")
                } else {
                    formatted
                };
                out.write_all(text.as_bytes())?;
            }
            Mode::Check if bytes != stored => {
                let old = original.replace("\r\n", "\n");
                let name = path.display().to_string();
                let diff = similar::TextDiff::from_lines(&old, &formatted);
                if diff.ratio() < 1.0 {
                    write!(
                        out,
                        "{}",
                        diff.unified_diff()
                            .context_radius(3)
                            .header(&name, &format!("{name} (formatted)"))
                    )?;
                } else {
                    writeln!(out, "`{name}`: only its line endings would change")?;
                }
                unformatted.push(path);
            }
            Mode::Check => {}
            // An unchanged file is left alone, its time stamp too.
            Mode::Write if bytes == stored => {}
            Mode::Write => {
                // The one command that writes over its input, on purpose: the file keeps its
                // mode, owner and links.
                if let Err(d) = crate::output::write(path, &bytes, &[]) {
                    write!(err, "{}", super::render(&[d], &sources, ui))?;
                    failed = true;
                }
            }
        }
    }
    if !unformatted.is_empty() {
        let to = match to {
            Some(FmtLang::Zh) => " --to zh",
            Some(FmtLang::En) => " --to en",
            None => "",
        };
        // The paths as given: `--write` leaves the files already in form alone.
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let which = match unformatted.as_slice() {
            [one] if files.len() == 1 => format!("`{}` is", one.display()),
            _ => format!(
                "{} of {} are",
                plural(unformatted.len(), "file"),
                files.len()
            ),
        };
        writeln!(
            err,
            "{which} not in canonical form: run `kaohe fmt --write{to} {}`",
            names.join(" ")
        )?;
        failed = true;
    }
    Ok(if failed {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}
