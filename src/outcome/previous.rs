//! Part of the outcome stage: last year's results (`--previous`), kaohe's own JSON or CSV output.

use std::collections::HashMap;
use std::path::Path;

use rust_decimal::Decimal;

use crate::check::suggest_name;
use crate::diagnostic::{Code, Diagnostic};
use crate::ir;

/// Last year's totals and section scores, by unit.
#[derive(Debug, Clone, Default)]
pub struct Previous {
    /// Each unit's previous total and section scores.
    pub units: HashMap<String, PreviousUnit>,
    /// The sections a CSV file's header names, so that a file without rows is still checked.
    pub columns: Vec<String>,
}

/// One unit's previous results.
#[derive(Debug, Clone, Default)]
pub struct PreviousUnit {
    /// Its total.
    pub total: Decimal,
    /// Its section scores, by section name.
    pub sections: HashMap<String, Decimal>,
}

/// Columns of kaohe's CSV output that are not sections.
const NOT_SECTIONS: &[&str] = &[
    "rank", "unit", "total", "group", "grade", "prizes", "名次", "单位", "总分", "类别", "等次",
    "奖项",
];

/// Reads `kaohe run --format json` or `--format csv` output of last year; its sections must be
/// the policy's.
pub fn read_previous(path: &Path, policy: &ir::Policy) -> Result<Previous, Diagnostic> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error(
            Code::Io,
            format!("cannot read `{name}`: {}", e.to_string().to_lowercase()),
        )
    })?;
    let text = text.trim_start_matches('\u{feff}');
    let previous = if text.trim_start().starts_with('{') {
        from_json(&name, text)?
    } else {
        from_csv(&name, text)?
    };
    if previous.units.is_empty() && previous.columns.is_empty() {
        // No unit last year (a JSON file with an empty list): nothing to compare.
        return Ok(previous);
    }
    let current: Vec<&str> = policy.sections.iter().map(|s| s.name.as_str()).collect();
    let mut seen: Vec<&str> = previous
        .units
        .values()
        .flat_map(|u| u.sections.keys().map(String::as_str))
        .chain(previous.columns.iter().map(String::as_str))
        .collect();
    seen.sort_unstable();
    seen.dedup();
    let unknown: Vec<&str> = seen
        .iter()
        .copied()
        .filter(|s| !current.contains(s))
        .collect();
    let absent: Vec<&str> = current
        .iter()
        .copied()
        .filter(|s| !seen.contains(s))
        .collect();
    if let Some(first) = unknown.first().copied().or(absent.first().copied()) {
        let help = match unknown
            .first()
            .and_then(|u| Some((u, suggest_name(u, current.iter().copied())?)))
        {
            Some((u, s)) => format!(
                "`{u}` in `{name}`: did you mean `{s}`? rename the column to compare like with like"
            ),
            None => {
                "the previous results must come from a policy with the same sections".to_string()
            }
        };
        return Err(Diagnostic::error(
            Code::PreviousMismatch,
            format!("the sections of `{name}` do not match the policy's: `{first}` is in one and not the other"),
        )
        .with_help(help)
        .zh(
            format!("`{name}` 的板块与本方案不一致：`{first}` 只在其中之一"),
            &[],
            Some("上年结果须来自板块相同的方案"),
        ));
    }
    Ok(previous)
}

fn bad(name: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        Code::PreviousMismatch,
        format!("`{name}` is not kaohe's results: {why}"),
    )
    .with_help("give last year's `kaohe run --format json` or `--format csv` output")
    .zh(
        format!("`{name}` 不是 kaohe 的结果文件：{why}"),
        &[],
        Some("请给出上年 `kaohe run --format json` 或 `--format csv` 的输出"),
    )
}

fn decimal(name: &str, text: &str) -> Result<Decimal, Diagnostic> {
    Decimal::from_str_exact(text.trim())
        .map_err(|_| bad(name, &format!("`{text}` is not a number")))
}

fn from_json(name: &str, text: &str) -> Result<Previous, Diagnostic> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(name, &e.to_string()))?;
    let units = v
        .get("units")
        .and_then(|u| u.as_array())
        .ok_or_else(|| bad(name, "no `units` list"))?;
    let mut previous = Previous::default();
    for u in units {
        let unit = u["unit"]
            .as_str()
            .ok_or_else(|| bad(name, "a unit without a name"))?;
        let total = decimal(name, u["total"].as_str().unwrap_or(""))?;
        let mut sections = HashMap::new();
        for s in u["sections"].as_array().into_iter().flatten() {
            let section = s["name"]
                .as_str()
                .ok_or_else(|| bad(name, "a section without a name"))?;
            sections.insert(
                section.to_string(),
                decimal(name, s["score"].as_str().unwrap_or(""))?,
            );
        }
        if previous
            .units
            .insert(unit.to_string(), PreviousUnit { total, sections })
            .is_some()
        {
            return Err(twice(name, unit));
        }
    }
    Ok(previous)
}

/// Last year's results naming a unit twice: which line is its score cannot be told.
fn twice(name: &str, unit: &str) -> Diagnostic {
    bad(
        name,
        &format!("unit `{unit}` is listed twice, so its score last year is not known"),
    )
}

fn from_csv(name: &str, text: &str) -> Result<Previous, Diagnostic> {
    let mut csv = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header: Vec<String> = csv
        .headers()
        .map_err(|e| bad(name, &e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let col = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let (Some(unit_col), Some(total_col)) = (col(&["unit", "单位"]), col(&["total", "总分"]))
    else {
        return Err(bad(name, "no `unit` and `total` columns"));
    };
    let mut previous = Previous {
        columns: header
            .iter()
            .filter(|h| !NOT_SECTIONS.contains(&h.as_str()))
            .cloned()
            .collect(),
        ..Previous::default()
    };
    for record in csv.records() {
        let record = record.map_err(|e| bad(name, &e.to_string()))?;
        let unit = record.get(unit_col).unwrap_or("").trim().to_string();
        let total = decimal(name, record.get(total_col).unwrap_or(""))?;
        let mut sections = HashMap::new();
        for (i, h) in header.iter().enumerate() {
            if NOT_SECTIONS.contains(&h.as_str()) {
                continue;
            }
            sections.insert(h.clone(), decimal(name, record.get(i).unwrap_or(""))?);
        }
        if previous
            .units
            .insert(unit.clone(), PreviousUnit { total, sections })
            .is_some()
        {
            return Err(twice(name, &unit));
        }
    }
    Ok(previous)
}
