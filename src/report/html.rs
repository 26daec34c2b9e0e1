//! Part of the report stage: one self-contained HTML file for leadership — the ranking, a chart
//! of scores by section (inline SVG), and every unit's receipt, printable on A4. No network:
//! no script, no font or style from elsewhere.

use minijinja::{context, Environment};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::json;

use super::{explain_text, number, Shown, Words};
use crate::results::Results;

const TEMPLATE: &str = include_str!("report.html");
const COLORS: &[&str] = &[
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

/// The color of the `k`th section, the palette repeating.
fn color(k: usize) -> &'static str {
    COLORS.iter().cycle().nth(k).copied().unwrap_or("#888888")
}

/// The page. `receipts` says whether the rows behind each rule were kept (a traced run).
pub fn html(results: &Results) -> Result<String, minijinja::Error> {
    let zh = results.chinese;
    let words = Words::of(results);
    let shown = Shown::of(results);
    let sections = results.units.first().map_or(&[][..], |u| &u.sections[..]);
    let mut header = shown.head(&words);
    header.extend(sections.iter().map(|s| s.name.clone()));
    if shown.prizes {
        header.push(words.prizes.to_string());
    }
    let rows: Vec<serde_json::Value> = results
        .units
        .iter()
        .map(|u| {
            let mut cells = vec![
                json!({"text": u.rank.to_string(), "number": true}),
                json!({"text": u.unit}),
            ];
            if shown.group {
                cells.push(json!({"text": u.group}));
            }
            cells.push(json!({"text": number(u.total), "number": true}));
            if shown.grade {
                cells.push(json!({"text": u.grade}));
            }
            if shown.veto {
                cells.push(json!({"text": u.veto_grades.join(", ")}));
            }
            cells.extend(
                u.sections
                    .iter()
                    .map(|s| json!({"text": number(s.score), "number": true})),
            );
            if shown.prizes {
                cells.push(json!({"text": u.prizes.join("；")}));
            }
            json!(cells)
        })
        .collect();
    // Bars of each unit's section scores, scaled to the widest total.
    let widest = results
        .units
        .iter()
        .map(|u| {
            u.sections
                .iter()
                .map(|s| s.score.max(Decimal::ZERO))
                .sum::<Decimal>()
        })
        .max()
        .unwrap_or(Decimal::ONE)
        .max(Decimal::ONE);
    let (label, scale) = (160.0, 480.0);
    let bars: Vec<serde_json::Value> = results
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let mut x = label;
            let segments: Vec<serde_json::Value> = u
                .sections
                .iter()
                .enumerate()
                .filter(|(_, s)| s.score > Decimal::ZERO)
                .map(|(k, s)| {
                    let width = (s.score / widest).to_f64().unwrap_or(0.0) * scale;
                    // Numbers reach the template as text: serde_json's exact numbers are maps there.
                    let seg = json!({
                        "x": format!("{x:.1}"),
                        "width": format!("{width:.1}"),
                        "color": color(k),
                        "title": format!("{} {}", s.name, number(s.score)),
                    });
                    x += width;
                    seg
                })
                .collect();
            let y = i * 22;
            json!({
                "unit": u.unit,
                "y": y.to_string(),
                "text_y": (y + 13).to_string(),
                "segments": segments,
                "end": format!("{:.1}", x + 4.0),
                "total": number(u.total),
            })
        })
        .collect();
    let legend: Vec<serde_json::Value> = sections
        .iter()
        .enumerate()
        .map(|(k, s)| json!({"name": s.name, "color": color(k)}))
        .collect();
    let of = results.units.len();
    let receipts: Vec<serde_json::Value> = results
        .units
        .iter()
        .map(|u| json!({"unit": u.unit, "text": explain_text(results, u, of)}))
        .collect();
    let title = results
        .policy
        .clone()
        .unwrap_or_else(|| results.source.clone());
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.add_template("report.html", TEMPLATE)?;
    env.get_template("report.html")?.render(context! {
        lang => if zh { "zh-CN" } else { "en" },
        title => title,
        source => results.source,
        words => json!({
            "ranking": if zh { "排名" } else { "Ranking" },
            "chart": if zh { "各板块得分" } else { "Scores by section" },
        }),
        header => header,
        rows => rows,
        sections => legend,
        chart => json!({
            "width": format!("{}", label + scale + 60.0),
            "height": (results.units.len() * 22 + 4).to_string(),
            "bars": bars,
        }),
        receipts => receipts,
    })
}
