//! Beside the pipeline: the properties the fuzz targets (`fuzz/`) check, kept in the library
//! so that `cargo test` replays the fuzz corpus through the very same code
//! (`tests/fuzz_corpus.rs`). Each takes arbitrary bytes and returns `Err` with what broke;
//! a panic anywhere below is a bug the fuzzer reports as a crash.

use serde_json::Value;

use crate::diagnostic::{render, render_in, Diagnostic, Language};
use crate::format::{format, Lang};
use crate::span::SourceMap;

/// Renders diagnostics both ways (plain and colored, English and Chinese), as a crash test.
fn render_all(diagnostics: &[Diagnostic], sources: &SourceMap) {
    let _ = render(diagnostics, sources, false);
    let _ = render_in(diagnostics, sources, true, Language::Zh);
    let _ = crate::diagnostic::to_json(diagnostics, sources);
}

/// `parse`: any text parses to a tree or to diagnostics, and every diagnostic renders
/// (spans at the end of the file, after CRLF, inside multi-byte characters).
pub fn parse(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    let mut sources = SourceMap::new();
    let file = sources.add("fuzz.policy", text.as_ref());
    let parsed = crate::parse::parse(&sources, file);
    render_all(&parsed.diagnostics, &sources);
    Ok(())
}

/// `check`: any text checks to a compiled policy or to diagnostics; a compiled policy
/// survives its own load-time validation and serializes.
pub fn check(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    let mut sources = SourceMap::new();
    let file = sources.add("fuzz.policy", text.as_ref());
    let checked = crate::compile(&sources, file);
    render_all(&checked.diagnostics, &sources);
    if let Some(policy) = &checked.policy {
        let problems = crate::check::compiled(policy, "fuzz.policy");
        if !problems.is_empty() {
            return Err(format!(
                "a policy that checks fails its load-time validation:\n{}",
                render(&problems, &sources, false)
            ));
        }
        serde_json::to_string(policy).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The tree as text without positions (`@3:5-3:9`) and wording, which layouts change.
fn tree(p: &crate::parse::Parsed) -> String {
    let text = format!("{:#?}", p.policy);
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        let len = tail
            .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '-'))
            .unwrap_or(tail.len());
        rest = &tail[len..];
    }
    out.push_str(rest);
    out.replace("worded: true", "worded: false")
}

/// The compiled policy as JSON without what the surface form changes: positions, the
/// clauses' own text, the source and its language.
fn meaning(policy: &crate::ir::Policy) -> Result<Value, String> {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for key in ["span", "clause", "source", "chinese", "compiler"] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(policy).map_err(|e| e.to_string())?;
    strip(&mut v);
    Ok(v)
}

fn parsed(text: &str) -> (crate::parse::Parsed, SourceMap, crate::span::FileId) {
    let mut sources = SourceMap::new();
    let file = sources.add("fuzz.policy", text);
    (crate::parse::parse(&sources, file), sources, file)
}

/// `fmt_roundtrip`: a policy that parses formats, in English and in Chinese, to text that
/// parses to the same tree (positions and wording aside) with the same comments; formatting
/// again changes nothing; and a policy that checks means the same in English, in Chinese and
/// in English again.
pub fn fmt_roundtrip(data: &[u8]) -> Result<(), String> {
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(());
    };
    let (original, _, _) = parsed(text);
    if original.diagnostics.iter().any(Diagnostic::is_error) {
        return Ok(());
    }
    let comments = |p: &crate::parse::Parsed| -> Vec<String> {
        p.comments
            .iter()
            .filter(|c| !c.text.is_empty())
            .map(|c| c.text.clone())
            .collect()
    };
    for lang in [Lang::En, Lang::Zh] {
        let once = format(&original.policy, &original.comments, lang);
        let (again, sources, _) = parsed(&once);
        if again.diagnostics.iter().any(Diagnostic::is_error) {
            return Err(format!(
                "{lang:?} formatting does not parse:\n{once}\n{}",
                render(&again.diagnostics, &sources, false)
            ));
        }
        // In the file's own language the tree is kept whole (measure words too); in the other,
        // the meaning is compared below.
        if lang == crate::format::guess_lang(text) && tree(&again) != tree(&original) {
            return Err(format!("{lang:?} formatting changes the tree:\n{once}"));
        }
        if comments(&again) != comments(&original) {
            return Err(format!(
                "{lang:?} formatting loses or moves comments:\n{once}"
            ));
        }
        let twice = format(&again.policy, &again.comments, lang);
        if twice != once {
            return Err(format!(
                "{lang:?} formatting is not idempotent:\n{once}\n---\n{twice}"
            ));
        }
    }
    // en → zh → en: the same meaning.
    let mut sources = SourceMap::new();
    let file = sources.add("fuzz.policy", text);
    let Some(first) = crate::compile(&sources, file).policy else {
        return Ok(());
    };
    let mut text = text.to_string();
    for lang in [Lang::Zh, Lang::En] {
        let (p, _, _) = parsed(&text);
        text = format(&p.policy, &p.comments, lang);
        let mut sources = SourceMap::new();
        let file = sources.add("fuzz.policy", text.as_str());
        let checked = crate::compile(&sources, file);
        let Some(policy) = checked.policy else {
            return Err(format!(
                "the policy checks, but not once formatted as {lang:?}:\n{text}\n{}",
                render(&checked.diagnostics, &sources, false)
            ));
        };
        if meaning(&policy)? != meaning(&first)? {
            return Err(format!(
                "formatted as {lang:?}, the policy means something else:\n{text}"
            ));
        }
    }
    Ok(())
}

/// The policy the `facts` target reads arbitrary fact files against.
pub const FACTS_POLICY: &str = include_str!("../tests/fixtures/facts/policy.policy");

/// `facts`: arbitrary bytes as a fact file (the first byte picks CSV, JSON Lines or a
/// workbook) for a fixed policy give scores, or errors that each name a file and render.
pub fn facts(data: &[u8]) -> Result<(), String> {
    let (kind, bytes) = match data.split_first() {
        Some((k, rest)) => (*k, rest),
        None => (0, data),
    };
    let extension = match kind % 3 {
        0 => "csv",
        1 => "jsonl",
        _ => "xlsx",
    };
    let mut sources = SourceMap::new();
    let file = sources.add("policy.policy", FACTS_POLICY);
    let Some(policy) = crate::compile(&sources, file).policy else {
        return Err("the facts target's policy does not check".into());
    };
    let dir = std::env::temp_dir().join(format!("kaohe-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join(format!("facts.{extension}"));
    std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
    let files = [path];
    let run = crate::eval::Run {
        files: &files,
        units: Some(policy.units.clone()),
        ..Default::default()
    };
    let scored = crate::eval::score(&policy, &run, &mut sources);
    render_all(&scored.problems.diagnostics, &sources);
    let has_errors = scored.problems.has_errors();
    match (&scored.results, has_errors) {
        (Some(_), true) => Err("scores despite errors in the facts".into()),
        (None, false) => Err("no scores and no error".into()),
        _ => Ok(()),
    }
}
