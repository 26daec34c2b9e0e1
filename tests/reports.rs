//! Reports for leadership: the format follows `-o`'s extension; CSV files carry a BOM for
//! Excel; the .xlsx report read back with calamine is the CSV report; the HTML report is one
//! self-contained page that a real browser renders with every unit (Debian's Chromium, which
//! `.ci/run` installs; the test says it is skipped where there is none).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use calamine::{open_workbook_auto, Data, Reader};

const POLICY: &str = "policies/party-targets/party-targets.zh.policy";
const UNITS: &str = "policies/party-targets/units.csv";
const FACTS: &str = "policies/party-targets/facts.zh/2021.csv";

fn run(out: &Path, extra: &[&str]) -> (i32, String, String) {
    let out_arg = out.to_string_lossy().into_owned();
    let mut args = vec![
        "run", POLICY, "--units", UNITS, "--facts", FACTS, "-o", &out_arg,
    ];
    args.extend_from_slice(extra);
    let o = Command::cargo_bin("kaohe")
        .expect("kaohe")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(&args)
        .output()
        .expect("kaohe runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn csv_report(dir: &Path) -> String {
    let path = dir.join("results.csv");
    let (code, _, stderr) = run(&path, &[]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::read_to_string(path).expect("written")
}

#[test]
fn csv_by_extension_with_a_bom_and_chinese_headers() {
    let dir = tempfile::tempdir().expect("dir");
    let csv = csv_report(dir.path());
    assert!(csv.starts_with("\u{feff}名次,单位,总分,"), "{csv}");
}

#[test]
fn the_xlsx_report_reads_back_as_the_csv_report() {
    let dir = tempfile::tempdir().expect("dir");
    let csv = csv_report(dir.path());
    let xlsx = dir.path().join("results.xlsx");
    let (code, _, stderr) = run(&xlsx, &[]);
    assert_eq!(code, 0, "{stderr}");
    let mut book = open_workbook_auto(&xlsx).expect("an xlsx kaohe wrote");
    let names = book.sheet_names();
    assert_eq!(names.first().map(String::as_str), Some("排名"));
    assert_eq!(names.last().map(String::as_str), Some("扣分加分明细"));
    let ranking = book.worksheet_range("排名").expect("ranking");
    let read: Vec<String> = ranking
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    let written: Vec<String> = csv
        .trim_start_matches('\u{feff}')
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(read, written);
    // Every deduction is a row of the details sheet, with its clause and fact rows.
    let details = book.worksheet_range("扣分加分明细").expect("details");
    assert!(details.height() > 100, "{} rows", details.height());
    let first: Vec<String> = details
        .rows()
        .nth(1)
        .expect("a row")
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert!(first[3].contains("扣"), "{first:?}");
    assert!(first[7].contains("facts.zh/2021.csv:"), "{first:?}");
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .map(|n| PathBuf::from("/usr/bin").join(n))
        .find(|p| p.exists())
}

#[test]
fn the_html_report_renders_every_unit_in_a_real_browser() {
    let dir = tempfile::tempdir().expect("dir");
    let html = dir.path().join("results.html");
    let (code, _, stderr) = run(&html, &[]);
    assert_eq!(code, 0, "{stderr}");
    let page = std::fs::read_to_string(&html).expect("written");
    // Self-contained: nothing is fetched from anywhere.
    assert!(
        !page.contains("http") && !page.contains("<script"),
        "the page fetches or runs something"
    );
    let units =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(UNITS)).expect("units");
    let units: Vec<&str> = units.lines().skip(1).filter(|l| !l.is_empty()).collect();
    let Some(browser) = chromium() else {
        eprintln!("skipped: no Chromium at /usr/bin (apt-get install chromium); the page was written and checked as text only");
        for u in &units {
            assert!(page.contains(u), "{u} is not on the page");
        }
        return;
    };
    let profile = dir.path().join("profile");
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let url = format!("file://{}", html.display());
    let dom = std::process::Command::new(&browser)
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--dump-dom", &url])
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&dom.stdout);
    let ranking = dom
        .split("id=\"ranking\"")
        .nth(1)
        .expect("the rendered ranking table");
    for u in &units {
        assert!(
            ranking.contains(&format!(">{u}<")),
            "{u} is not in the rendered ranking"
        );
    }
    let shot = dir.path().join("report.png");
    let status = std::process::Command::new(&browser)
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .args(["--window-size=1240,1754", &url])
        .output()
        .expect("chromium runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
}

#[test]
fn every_receipt_at_once_as_text_html_or_a_workbook() {
    let dir = tempfile::tempdir().expect("dir");
    for (file, check) in [
        ("receipts.txt", "组织人事处："),
        (
            "receipts.html",
            "<section class=\"receipt\"><h2>组织人事处</h2>",
        ),
    ] {
        let out = dir.path().join(file);
        let o = Command::cargo_bin("kaohe")
            .expect("kaohe")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "explain", POLICY, "--units", UNITS, "--facts", FACTS, "--all", "-o",
            ])
            .arg(&out)
            .output()
            .expect("kaohe runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = std::fs::read_to_string(&out).expect("written");
        assert!(text.contains(check), "{file}");
        // Every unit has its receipt; a rule that gave nothing says why.
        assert_eq!(text.matches(" 分，第 ").count(), 18, "{file}");
    }
    let o = Command::cargo_bin("kaohe")
        .expect("kaohe")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "explain", POLICY, "--facts", FACTS, "--all", "--unit", "工会",
        ])
        .output()
        .expect("kaohe runs");
    assert_eq!(
        o.status.code(),
        Some(2),
        "--all and --unit exclude each other"
    );
}

/// Every number of a report is written by `report::number` (the CSV's a million at a time,
/// without `fmt`): it must be what `normalize().to_string()` gives, for every scale, sign and
/// size of mantissa, -0 and the largest decimal included.
#[test]
fn numbers_are_written_as_normalize_writes_them() {
    use rust_decimal::Decimal;
    let mut cases = vec![
        Decimal::ZERO,
        -Decimal::ZERO,
        Decimal::new(-0, 3),
        Decimal::MAX,
        Decimal::MIN,
        Decimal::new(5, 2),
        Decimal::new(-5, 1),
        Decimal::new(1000, 3),
        Decimal::new(100, 0),
        Decimal::new(975, 1),
        Decimal::new(1, 28),
    ];
    // A small generator of its own (xorshift): mantissas of every width up to 96 bits.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..20_000 {
        let bits = next() % 97;
        let wide = (u128::from(next()) << 64 | u128::from(next())) >> (128 - bits.max(1));
        let lo = wide as u32;
        let mid = (wide >> 32) as u32;
        let hi = (wide >> 64) as u32;
        let scale = (next() % 29) as u32;
        let negative = next() % 2 == 0;
        // Trailing zeros to strip, often.
        let d = Decimal::from_parts(lo, mid, hi, negative, scale);
        cases.push(d);
        if let Some(t) = d.checked_mul(Decimal::from(1000)) {
            cases.push(t);
        }
    }
    for d in cases {
        assert_eq!(kaohe::report::number(d), d.normalize().to_string(), "{d:?}");
    }
}
