//! Bad fact files (`tests/fixtures/facts/bad/`), each read against one policy in English and
//! its Chinese twin: an error naming the file, line and column (in the policy's language),
//! exit 1, and no output file written. Good but unusual files (`good/`) score.

use std::path::Path;

fn kaohe(args: &[&str]) -> (i32, String) {
    let out = assert_cmd::Command::cargo_bin("kaohe")
        .expect("the kaohe binary is built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("COLUMNS")
        .args(args)
        .output()
        .expect("kaohe runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn relative(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn bad_fact_files_are_errors_with_a_position_and_write_nothing() {
    insta::glob!("fixtures/facts/bad/*", |path| {
        let facts = relative(path);
        for (policy, language) in [
            ("tests/fixtures/facts/policy.policy", "en"),
            ("tests/fixtures/facts/policy.zh.policy", "zh"),
        ] {
            let dir = tempfile::tempdir().expect("temp dir");
            let output = dir.path().join("results.csv");
            let out = output.to_string_lossy().into_owned();
            let (code, stderr) = kaohe(&[
                "run", policy, "--facts", &facts, "-o", &out, "--color", "never",
            ]);
            assert_eq!(code, 1, "{facts} against {policy}:\n{stderr}");
            assert!(!output.exists(), "{facts}: an output file was written");
            assert!(
                stderr.contains("[E0"),
                "{facts}: no diagnostic code:\n{stderr}"
            );
            insta::assert_snapshot!(language, stderr);
        }
    });
}

#[test]
fn unusual_but_good_fact_files_score() {
    insta::glob!("fixtures/facts/good/*", |path| {
        let facts = relative(path);
        let (code, stderr) = kaohe(&[
            "run",
            "tests/fixtures/facts/policy.policy",
            "--facts",
            &facts,
            "--format",
            "csv",
            "--color",
            "never",
        ]);
        assert_eq!(code, 0, "{facts}:\n{stderr}");
    });
}

/// The unit index compares a name's length and first 8 bytes before the name (and the fast
/// lane finds fact names and set values the same way): names of every length, differing in
/// one byte at any place, each find their own place, and names not listed find none.
#[test]
fn the_unit_index_tells_apart_names_of_every_length() {
    let mut names = Vec::new();
    for len in 0..=20usize {
        let base: String = "abcdefghijklmnopqrstu".chars().take(len).collect();
        names.push(base.clone());
        for at in 0..len {
            let mut other: Vec<char> = base.chars().collect();
            other[at] = 'Z';
            names.push(other.into_iter().collect());
        }
        names.push(format!("{}单", base));
    }
    names.sort();
    names.dedup();
    // Built by copying the names, and by taking them (the CLI's units file).
    let taken = kaohe::facts::UnitIndex::from_names(names.clone()).expect("no name twice");
    for index in [kaohe::facts::UnitIndex::new(&names), taken] {
        assert_eq!(index.len(), names.len());
        assert_eq!(index.names(), &names[..]);
        for (i, n) in names.iter().enumerate() {
            assert_eq!(index.get(n), Some(i), "{n:?}");
            for missing in [format!("{n}x"), format!("x{n}"), format!("{n}\0")] {
                if !names.contains(&missing) {
                    assert_eq!(index.get(&missing), None, "{missing:?}");
                }
            }
        }
    }
    // A name listed twice, short or long: the names are given back as they came.
    for twice in ["abc", "abcdefghijklmnop", "abcdefghZjklmnopq"] {
        let mut listed = names.clone();
        listed.push(twice.to_string());
        let back = kaohe::facts::UnitIndex::from_names(listed.clone()).expect_err("listed twice");
        assert_eq!(back, listed);
    }
}

/// A units file is read the same whether it takes the plain road (no quote, no carriage
/// return, no groups: lines split at commas) or the CSV reader's: the same units in order,
/// trimmed, blanks, comments and short lines left out, the unit column wherever it is.
#[test]
fn a_units_file_gives_the_same_units_plain_or_quoted() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let cases = [
        // (plain, the same with quotes or CRLF: the CSV reader's road)
        (
            "code,unit,name\n# a comment\n1, A ,x\n\n2,B\n3\n4,,y\n5,单位甲,z\n",
            "code,unit,name\r\n# a comment\r\n1,\" A \",x\r\n\r\n2,B\r\n3\r\n4,,y\r\n5,单位甲,z\r\n",
        ),
        ("\u{feff}unit\nA\n B \nC\n", "\u{feff}unit\n\"A\"\n B \nC\n"),
        ("单位,名称\nA,x\nB,y\n", "单位,名称\r\nA,x\r\nB,y\r\n"),
    ];
    // A province's file, past a megabyte: the plain road reads its halves on two threads.
    let mut large = String::from("code,unit,name\n");
    for i in 0..120_000 {
        match i % 7 {
            0 => large.push_str(&format!("{i}, 单位{i} ,x\n")),
            1 => large.push_str("# a comment\n\n"),
            2 => large.push_str(&format!("{i}\n")),
            _ => large.push_str(&format!("{i},U{i:07},y\n")),
        }
    }
    let large_crlf = large.replace('\n', "\r\n");
    assert!(large.len() > 1 << 20);
    let mut cases: Vec<(&str, &str)> = cases.to_vec();
    cases.push((&large, &large_crlf));
    for (i, (plain, quoted)) in cases.iter().enumerate() {
        let read = |text: &str, name: &str| {
            let path = dir.path().join(format!("{name}{i}.csv"));
            std::fs::write(&path, text).expect("written");
            kaohe::facts::read_units(&path).expect("units").units
        };
        let (a, b) = (read(plain, "plain"), read(quoted, "quoted"));
        assert!(!a.is_empty(), "case {i}");
        assert_eq!(a, b, "case {i}");
    }
    let units = {
        let path = dir.path().join("large.csv");
        std::fs::write(&path, &large).expect("written");
        kaohe::facts::read_units(&path).expect("units").units
    };
    // Every line but the comments and short lines, in order.
    assert_eq!(units.len(), 120_000 / 7 * 5 + 120_000 % 7 - 2);
    assert_eq!(units.first().map(String::as_str), Some("单位0"));
    assert_eq!(units.last().map(String::as_str), Some("U0119999"));
    let path = dir.path().join("first.csv");
    std::fs::write(&path, "code,unit,name\n1, A ,x\n2,B\n3\n4,,y\n").expect("written");
    let units = kaohe::facts::read_units(&path).expect("units").units;
    assert_eq!(units, ["A", "B"]);
}
