//! Part of the eval stage: the warnings and errors of a run that are about the units as a
//! whole — values never reported, arithmetic too large, too many units — as diagnostics.

use super::*;

impl Evaluator<'_> {
    /// Warns (errs, under `--strict`) about units without a row for a flag or a measure the rules read as one value.
    pub(super) fn missing_values(&self, strict: bool, problems: &mut Problems) {
        missing_values(self.policy, &self.rules, strict, problems, |f| {
            self.units
                .iter()
                .zip(&self.state)
                .filter(|(_, s)| s.facts.get(f).is_none_or(|a| a.rows == 0))
                .map(|(u, _)| u.as_str())
                .collect()
        });
    }
}

/// Warns (errs, under `--strict`) about units without a row for a flag or a measure the rules
/// read as one value; `lacking(f)` lists the units without a row of fact `f`.
pub(super) fn missing_values<'u>(
    policy: &ir::Policy,
    rules: &[&ir::Rule],
    strict: bool,
    problems: &mut Problems,
    lacking: impl Fn(usize) -> Vec<&'u str>,
) {
    for (f, fact) in policy.facts.iter().enumerate() {
        let keyed = fact.fields.iter().any(|x| x.kind == FieldKind::Key);
        let read_whole = rules.iter().any(|r| reads_whole(r, &fact.name));
        if !matches!(fact.shape, Shape::Flag | Shape::Measure(_)) || (keyed && !read_whole) {
            continue;
        }
        let all = lacking(f);
        if all.is_empty() {
            continue;
        }
        // The message names the first 20 by name and counts the rest: a province's 150,000
        // units without a row are not all sorted to find them, but kept 20 at most, in order,
        // in one pass (one comparison a name once 20 are kept).
        let count = all.len();
        let mut lacking: Vec<&str> = Vec::with_capacity(21);
        for u in all {
            if lacking.len() < 20 || lacking.last().is_some_and(|last| u < *last) {
                let at = lacking.partition_point(|x| *x < u);
                lacking.insert(at, u);
                lacking.truncate(20);
            }
        }
        let (what, consequence, zh_what, zh_consequence) = match fact.shape {
                Shape::Flag => ("flag", "counted as false", "是否项", "按“否”计"),
                _ => (
                    "measure",
                    "its conditions are unknown, so rules on it give nothing, not even their `otherwise`",
                    "指标",
                    "相关条件无法判断，相关规则不计分（也不按“否则”计分）",
                ),
            };
        let list = lacking
            .iter()
            .take(20)
            .map(|u| format!("`{u}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let more = if count > 20 {
            format!(" and {} more", count - 20)
        } else {
            String::new()
        };
        let zh_more = if count > 20 {
            format!(" 等 {} 个单位", count)
        } else {
            String::new()
        };
        let message = format!(
            "no row for {what} `{}` for {list}{more}: {consequence}",
            fact.name
        );
        let zh_message = format!(
            "{}{zh_more} 没有{zh_what} `{}` 的记录：{zh_consequence}",
            lacking
                .iter()
                .take(20)
                .map(|u| format!("`{u}`"))
                .collect::<Vec<_>>()
                .join("、"),
            fact.name
        );
        let d = if strict {
            Diagnostic::error(Code::MissingFact, message)
        } else {
            Diagnostic::warning(Code::MissingFact, message)
        };
        let (help, zh_help) = if strict {
            (
                format!(
                    "add a `{}` row for each unit, or run without `--strict` to accept the default",
                    fact.name
                ),
                format!("请为每个单位补充 `{}` 的记录，或去掉 `--strict`", fact.name),
            )
        } else {
            (
                format!(
                    "add a `{}` row for each unit (`--strict` makes this an error)",
                    fact.name
                ),
                format!(
                    "请为每个单位补充 `{}` 的记录（加 `--strict` 则视为错误）",
                    fact.name
                ),
            )
        };
        problems.push(d.with_help(help).zh(zh_message, &[], Some(&zh_help)));
    }
}

/// Arithmetic that cannot be done exactly: an error, never a rule silently scored 0.
pub(super) fn overflow(what: String) -> Diagnostic {
    Diagnostic::error(Code::Overflow, format!("arithmetic overflow: {what}"))
        .with_help("kaohe computes exactly with up to 28 digits; check the fact files for misplaced digits")
        .zh(
            format!("算术溢出：{what}"),
            &[],
            Some("kaohe 最多精确计算 28 位数字；请检查事实文件中的数字是否有误"),
        )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub(super) fn too_many(facts: usize, rules: usize, max_cells: usize) -> Diagnostic {
    let most = max_cells / (facts + rules).max(1);
    Diagnostic::error(
        Code::TooLarge,
        format!(
            "too many units for one run: a policy of {} and {} scores at most {most} units at once, and the facts name more",
            plural(facts, "fact"),
            plural(rules, "rule")
        ),
    )
    .with_help(format!("score the units in groups of at most {most}: give each run a `--units` file; or split the policy's sections into policies of fewer rules"))
    .zh(
        format!("一次运行的单位过多：{facts} 个事实、{rules} 条规则的细则每次最多计算 {most} 个单位，事实文件中的单位超过了这个数"),
        &[],
        Some(&format!("请把单位分组、每组不超过 {most} 个，用 `--units` 分别运行；或把细则拆成规则较少的几份")),
    )
}
