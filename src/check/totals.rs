//! Part of the check stage: worths that must add up, and names that must be unique in their scope.

use rust_decimal::Decimal;

use super::scope::duplicate;
use super::Header;
use crate::ast::{self, Decl};
use crate::diagnostic::{Code, Diagnostic};

/// Checks item worths against sections, section worths against `total` and `bonus`, and duplicate names.
pub(super) fn check_totals(policy: &ast::Policy, header: &Header, diags: &mut Vec<Diagnostic>) {
    let sections: Vec<&ast::Section> = policy
        .decls
        .iter()
        .filter_map(|d| match d {
            Decl::Section(s) => Some(s),
            _ => None,
        })
        .collect();

    // Names seen so far, by name: one pass, however many sections (a list scan would be quadratic).
    let mut seen_sections: std::collections::HashMap<&str, &ast::Section> = Default::default();
    for s in sections.iter().copied() {
        if let Some(first) = seen_sections.get(s.name.value.as_str()) {
            diags.push(duplicate(
                "section",
                &s.name.value,
                s.name.span,
                first.name.span,
            ));
        } else {
            seen_sections.insert(&s.name.value, s);
        }
        let mut seen_items: std::collections::HashMap<&str, &ast::Item> = Default::default();
        for item in &s.items {
            if let Some(first) = seen_items.get(item.name.value.as_str()) {
                diags.push(duplicate(
                    "item",
                    &item.name.value,
                    item.name.span,
                    first.name.span,
                ));
            } else {
                seen_items.insert(&item.name.value, item);
            }
        }
        if s.bonus && s.worth.is_none() {
            diags.push(
                Diagnostic::error(
                    Code::BonusWithoutWorth,
                    format!("bonus section `{}` has no worth", s.name.value),
                )
                .with_label(s.name.span, "adds how much at most?")
                .with_help("give it a worth, e.g. `bonus section \"…\" worth 5`")
                .zh(
                    format!("加分板块 `{}` 没有分值", s.name.value),
                    &["最多加多少分？"],
                    Some("请写上分值，如 `加分板块 \"…\" 5分`"),
                ),
            );
        }
        item_worths(s, diags);
        award_checks(s, diags);
    }

    let plain: Vec<&ast::Section> = sections.iter().copied().filter(|s| !s.bonus).collect();
    let bonus: Vec<&ast::Section> = sections.iter().copied().filter(|s| s.bonus).collect();
    if let Some(total) = header.total {
        add_up(&plain, total, "total", "sections", diags);
    }
    if let Some(b) = header.bonus {
        add_up(&bonus, b, "bonus", "bonus sections", diags);
    }
}

/// A section without a worth may only deduct (its awards could lift the total above
/// `total`), and a bonus section must award (else it gives its worth for nothing).
fn award_checks(s: &ast::Section, diags: &mut Vec<Diagnostic>) {
    let rules = || s.rules.iter().chain(s.items.iter().flat_map(|i| &i.rules));
    if s.worth.is_none() && !s.bonus {
        for r in rules().filter(|r| r.verb == ast::Verb::Award) {
            diags.push(
                Diagnostic::error(
                    Code::AwardWithoutWorth,
                    format!(
                        "section `{}` has no worth, so it cannot award points",
                        s.name.value
                    ),
                )
                .with_label(r.span, "an award")
                .with_label(
                    s.name.span,
                    "a section without a worth deducts from the total",
                )
                .with_help(
                    "give the section a worth (`worth 10`), or move the award to a `bonus section`",
                )
                .zh(
                    format!("板块 `{}` 没有分值，不能加分", s.name.value),
                    &["加分规则", "没有分值的板块只能从总分中扣分"],
                    Some("请给板块写上分值（如 `10分`），或把加分规则移到 `加分板块`"),
                ),
            );
        }
    }
    if s.bonus && s.worth.is_some() && !rules().any(|r| r.verb == ast::Verb::Award) {
        diags.push(
            Diagnostic::error(
                Code::BonusWithoutAward,
                format!("bonus section `{}` awards nothing", s.name.value),
            )
            .with_label(s.name.span, "no `award` rule in it")
            .with_help("a bonus section adds the points its `award` rules give; add one, or make it a plain section")
            .zh(
                format!("加分板块 `{}` 没有加分规则", s.name.value),
                &["其中没有 `加` 或 `得` 的规则"],
                Some("加分板块只加其加分规则给的分；请写加分规则，或改为普通板块"),
            ),
        );
    }
}

fn item_worths(s: &ast::Section, diags: &mut Vec<Diagnostic>) {
    let worthy: Vec<&ast::Number> = s.items.iter().filter_map(|i| i.worth.as_ref()).collect();
    if worthy.is_empty() {
        return;
    }
    let sum: Decimal = worthy.iter().map(|n| n.value).sum();
    match &s.worth {
        None => diags.push(
            Diagnostic::error(
                Code::ItemWorths,
                format!(
                    "section `{}` has no worth, but its items are worth {sum}",
                    s.name.value
                ),
            )
            .with_label(s.name.span, "no worth")
            .with_help(format!("give the section `worth {}`", sum.normalize()))
            .zh(
                format!(
                    "板块 `{}` 没有分值，但其项目合计 {} 分",
                    s.name.value,
                    sum.normalize()
                ),
                &["没有分值"],
                Some(&format!("请给板块写上 `{}分`", sum.normalize())),
            ),
        ),
        Some(w) if w.value != sum => {
            let mut d = Diagnostic::error(
                Code::ItemWorths,
                format!(
                    "the items of `{}` are worth {}, but the section is worth {}",
                    s.name.value,
                    sum.normalize(),
                    w.value.normalize()
                ),
            )
            .with_label(w.span, format!("section worth {}", w.value.normalize()));
            for n in &worthy {
                d = d.with_label(n.span, format!("{}", n.value.normalize()));
            }
            let zh_labels: Vec<String> =
                std::iter::once(format!("板块分值 {}", w.value.normalize()))
                    .chain(worthy.iter().map(|n| n.value.normalize().to_string()))
                    .collect();
            let zh_labels: Vec<&str> = zh_labels.iter().map(String::as_str).collect();
            diags.push(
                d.with_note(addition(&worthy, sum))
                    .with_help("make the item worths add up to the section's worth")
                    .zh(
                        format!(
                            "`{}` 各项目分值合计 {}，但板块分值为 {}",
                            s.name.value,
                            sum.normalize(),
                            w.value.normalize()
                        ),
                        &zh_labels,
                        Some("请使各项目分值之和等于板块分值"),
                    ),
            );
        }
        Some(_) => {}
    }
}

fn add_up(
    sections: &[&ast::Section],
    (declared, span): (Decimal, crate::span::Span),
    word: &str,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let worths: Vec<&ast::Number> = sections.iter().filter_map(|s| s.worth.as_ref()).collect();
    let sum: Decimal = worths.iter().map(|n| n.value).sum();
    if sum == declared {
        return;
    }
    let mut d = Diagnostic::error(
        Code::SectionWorths,
        format!(
            "the {what} are worth {}, but `{word}` is {}",
            sum.normalize(),
            declared.normalize()
        ),
    )
    .with_label(span, format!("declared {word} {}", declared.normalize()));
    for n in &worths {
        d = d.with_label(n.span, format!("{}", n.value.normalize()));
    }
    let note = match worths.len() {
        0 => format!("no {what} have a worth"),
        1 => format!("one of the {what} has a worth"),
        _ => addition(&worths, sum),
    };
    let zh_word = if word == "total" {
        "总分"
    } else {
        "附加分"
    };
    let zh_labels: Vec<String> =
        std::iter::once(format!("声明的{zh_word} {}", declared.normalize()))
            .chain(worths.iter().map(|n| n.value.normalize().to_string()))
            .collect();
    let zh_labels: Vec<&str> = zh_labels.iter().map(String::as_str).collect();
    let d = d
        .with_note(note)
        .with_help(format!(
            "change `{word}` to {}, or the worths",
            sum.normalize()
        ))
        .zh(
            format!(
                "各板块分值合计 {}，但 `{zh_word}` 为 {}",
                sum.normalize(),
                declared.normalize()
            ),
            &zh_labels,
            Some(&format!(
                "请把 `{zh_word}` 改为 {}，或调整各板块分值",
                sum.normalize()
            )),
        );
    diags.push(d);
}

/// "2 + 2 + 5 = 9".
fn addition(numbers: &[&ast::Number], sum: Decimal) -> String {
    let terms: Vec<String> = numbers
        .iter()
        .map(|n| n.value.normalize().to_string())
        .collect();
    format!("{} = {}", terms.join(" + "), sum.normalize())
}
