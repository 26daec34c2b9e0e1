//! The two surface forms are one language: each real policy's Chinese twin (`<name>.zh.policy`,
//! with Chinese names) scores its Chinese fact files exactly as the English policy scores the
//! English ones, and hand-written Chinese fixtures parse to their English twins' trees.

mod common;

use std::path::{Path, PathBuf};

use kaohe::eval::{score, Run};
use kaohe::span::SourceMap;

fn compile(path: &Path) -> kaohe::ir::Policy {
    let mut sources = SourceMap::new();
    let file = sources.add("policy", std::fs::read_to_string(path).expect("readable"));
    let checked = kaohe::compile(&sources, file);
    checked.policy.unwrap_or_else(|| {
        panic!(
            "{}: {}",
            path.display(),
            kaohe::diagnostic::render(&checked.diagnostics, &sources, false)
        )
    })
}

/// A policy's name table, `names.csv`: how its Chinese twin names what the English one does.
/// `fact` and `field` rows rename facts and fields, `value` rows the values of one fact's
/// field (`within` = `fact.field`), `title` rows section and item titles.
struct Names {
    rows: Vec<(String, String, String, String)>,
}

impl Names {
    fn read(dir: &Path) -> Names {
        let mut csv = csv::Reader::from_path(dir.join("names.csv")).expect("names.csv");
        let rows = csv
            .records()
            .map(|r| {
                let r = r.expect("a names.csv row");
                let cell = |i: usize| r.get(i).unwrap_or("").to_string();
                (cell(0), cell(1), cell(2), cell(3))
            })
            .collect();
        Names { rows }
    }

    fn get(&self, what: &str, en: &str, within: &str) -> Option<&str> {
        self.rows
            .iter()
            .find(|(w, e, _, i)| w == what && e == en && i == within)
            .map(|(_, _, zh, _)| zh.as_str())
    }

    /// A column header: the built-in columns by their Chinese names, fields by the table.
    fn header(&self, en: &str) -> String {
        let built_in = [
            ("unit", "单位"),
            ("fact", "事项"),
            ("date", "日期"),
            ("persons", "人数"),
            ("days", "天数"),
            ("count", "次数"),
            ("value", "数值"),
            ("note", "备注"),
        ];
        built_in
            .iter()
            .find(|(e, _)| *e == en)
            .map(|(_, zh)| (*zh).to_string())
            .or_else(|| self.get("field", en, "").map(str::to_string))
            .unwrap_or_else(|| en.to_string())
    }

    /// An English fact file, as the Chinese twin's fact file must read.
    fn translate(&self, english: &Path) -> Vec<Vec<String>> {
        let mut csv = csv::Reader::from_path(english).expect("an English fact file");
        let header: Vec<String> = csv
            .headers()
            .expect("a header")
            .iter()
            .map(str::to_string)
            .collect();
        let fact_col = header
            .iter()
            .position(|h| h == "fact")
            .expect("a fact column");
        let mut out = vec![header.iter().map(|h| self.header(h)).collect()];
        for record in csv.records() {
            let record = record.expect("a row");
            let fact = record.get(fact_col).unwrap_or("");
            let row = header
                .iter()
                .zip(record.iter())
                .map(|(column, cell)| {
                    let zh = if column == "fact" {
                        self.get("fact", cell, "")
                    } else {
                        self.get("value", cell, &format!("{fact}.{column}"))
                    };
                    zh.unwrap_or(cell).to_string()
                })
                .collect();
            out.push(row);
        }
        out
    }

    fn title(&self, en: &str) -> String {
        self.get("title", en, "").unwrap_or(en).to_string()
    }
}

fn rows_of(path: &Path) -> Vec<Vec<String>> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .expect("a fact file");
    csv.records()
        .map(|r| r.expect("a row").iter().map(str::to_string).collect())
        .collect()
}

fn scored(policy: &kaohe::ir::Policy, dir: &Path, facts: &str) -> kaohe::results::Results {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(facts))
        .expect("facts")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let units = Some(kaohe::facts::read_units_file(&dir.join("units.csv")).expect("units"));
    let mut sources = SourceMap::new();
    score(
        policy,
        &Run {
            files: &files,
            units,
            strict: true,
            explain: None,
            ..Default::default()
        },
        &mut sources,
    )
    .results
    .expect("scores")
}

/// Every unit's total, rank and section and item scores, with titles as the Chinese twin writes them.
fn outcome(results: &kaohe::results::Results, names: &Names) -> Vec<String> {
    let n = kaohe::report::number;
    results
        .units
        .iter()
        .map(|u| {
            let mut line = format!("{} {} #{}", u.unit, n(u.total), u.rank);
            for s in &u.sections {
                line.push_str(&format!(" | {} {}", names.title(&s.name), n(s.score)));
                for i in &s.items {
                    let score = i.score.map(n).unwrap_or_default();
                    line.push_str(&format!(" / {} {score}", names.title(&i.name)));
                }
            }
            line
        })
        .collect()
}

/// Each real policy has a Chinese twin (`<name>.zh.policy`) written as its drafters would, with
/// Chinese names for its facts, fields and values, and its fact files in Chinese (`facts.zh/`).
/// `names.csv` maps one to the other: the English fact files, translated through it, are the
/// Chinese ones, and both twins score them to identical results for every unit.
#[test]
fn chinese_and_english_policies_are_the_same_policy() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut pairs = 0;
    for entry in std::fs::read_dir(&root).expect("policies").flatten() {
        let dir = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let (en, zh) = (
            dir.join(format!("{name}.policy")),
            dir.join(format!("{name}.zh.policy")),
        );
        assert!(zh.exists(), "{name} has no Chinese twin {}", zh.display());
        let names = Names::read(&dir);
        for file in std::fs::read_dir(dir.join("facts"))
            .expect("facts")
            .flatten()
        {
            let chinese = dir.join("facts.zh").join(file.file_name());
            assert_eq!(
                names.translate(&file.path()),
                rows_of(&chinese),
                "{name}: {} is not {} in Chinese names",
                chinese.display(),
                file.path().display()
            );
        }
        let (en, zh) = (compile(&en), compile(&zh));
        let untranslated = Names { rows: Vec::new() };
        assert_eq!(
            outcome(&scored(&en, &dir, "facts"), &names),
            outcome(&scored(&zh, &dir, "facts.zh"), &untranslated),
            "{name}: the two twins score differently"
        );
        pairs += 1;
    }
    assert!(pairs >= 6, "only {pairs} policies");
}

/// Hand-written pairs (not formatter output): `<name>.zh.policy`, in the phrasing of the seed
/// documents, parses to the same tree as `<name>.en.policy`.
#[test]
fn hand_written_chinese_forms_parse_to_the_english_tree() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/surface");
    let mut pairs = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures").flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = file.strip_suffix(".zh.policy") else {
            continue;
        };
        let zh_text = std::fs::read_to_string(entry.path()).expect("readable");
        let en_text = std::fs::read_to_string(dir.join(format!("{stem}.en.policy")))
            .expect("its English twin");
        let (zh, zh_sources) = common::parsed(&file, &zh_text);
        let (en, _) = common::parsed("en", &en_text);
        assert!(
            zh.diagnostics.is_empty(),
            "{file}:\n{}",
            kaohe::diagnostic::render(&zh.diagnostics, &zh_sources, false)
        );
        assert_eq!(
            common::without_surface(&zh),
            common::without_surface(&en),
            "{file}"
        );
        pairs += 1;
    }
    assert!(pairs >= 2, "only {pairs} pairs");
}
