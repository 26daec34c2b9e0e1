//! Stage 4 of the pipeline: [`ir::Policy`] + fact [`Row`]s → [`Results`].
//!
//! Rows stream in one at a time ([`Evaluator::feed`]) and are folded into
//! small per-(unit, fact) and per-(unit, rule) aggregates; no row is kept
//! (except, when explaining one unit, a reference to each of its rows).
//! Evaluators fed different chunks merge ([`Evaluator::merge`]). Scores are
//! computed at the end ([`Evaluator::finish`]) as LANGUAGE.md section 4 says.

mod aggregate;
mod calendar;
mod cond;
pub mod dense;
mod parallel;
mod problems;
mod receipt;
mod score;

use std::collections::HashMap;

use chrono::Datelike;
use rust_decimal::Decimal;

use aggregate::{At, Clash, ClashAt, FactAgg, Overflow, Reported, RuleAgg, Trace};
use calendar::Calendar;
use cond::{Env, Val};
use problems::{overflow, too_many};

use crate::diagnostic::{Code, Diagnostic};
use crate::facts::{Problems, Row, Value};
use crate::ir::{self, FieldKind, Lookup, Per, RuleKind, Shape};
use crate::results::Results;

/// What to score a policy over.
#[derive(Default)]
pub struct Run<'a> {
    /// The fact files, in order.
    pub files: &'a [std::path::PathBuf],
    /// The assessed units (declared or `--units`); `None`: the units of the facts.
    pub units: Option<Vec<String>>,
    /// A unit without a row for a flag or measure is an error, not a warning.
    pub strict: bool,
    /// Keep only this unit's rows, with the rows behind each rule (for explanations).
    pub explain: Option<&'a str>,
    /// Keep the rows behind each rule of every unit (for reports with every receipt).
    pub trace_all: bool,
    /// Each unit's ranking group (the units file's `group` column); empty: one group.
    pub groups: std::collections::HashMap<String, String>,
    /// Last year's results, for prizes by improvement.
    pub previous: Option<&'a crate::outcome::Previous>,
    /// How bare percents are read (`--percent`).
    pub percents: crate::facts::Percents,
    /// The sheet of a spreadsheet fact file (`--sheet`).
    pub sheet: Option<&'a str>,
    /// At most this many units × (facts + rules); `None`: [`MAX_CELLS`].
    pub max_cells: Option<usize>,
    /// Threads reading one large fact file (`None`: one per core). The results are the same
    /// bytes whatever the number.
    pub threads: Option<usize>,
    /// Cut a fact file into pieces of about this many bytes (`None`: one piece a thread, at
    /// least 4 MB); for tests of the cutting.
    pub piece_bytes: Option<u64>,
    /// Keep each unit's section and item scores and outcomes but not every rule's receipt:
    /// enough for a table or CSV report, in a fraction of the memory. Ignored when explaining.
    pub scores_only: bool,
}

impl Run<'_> {
    /// How many threads may read one large fact file: `threads`, else one per core.
    pub(crate) fn thread_count(&self) -> usize {
        self.threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1)
    }
}

/// The results of a run, or the problems that stopped it (and warnings either way).
#[derive(Debug)]
pub struct Scored {
    /// Every unit's scores; `None` when a fact file has errors.
    pub results: Option<Results>,
    /// Diagnostics of the fact files (bad rows are snippets in the source map).
    pub problems: Problems,
    /// How each fact file was read (format, encoding, rows).
    pub files: Vec<crate::facts::FileRead>,
}

/// Reads every fact file, row by row, into an evaluator and scores every unit.
pub fn score(policy: &ir::Policy, run: &Run, sources: &mut crate::span::SourceMap) -> Scored {
    let mut problems = Problems::default();
    let files: Vec<String> = run.files.iter().map(|p| p.display().to_string()).collect();
    let trace = run.explain.is_some() || run.trace_all;
    let max_cells = run.max_cells.unwrap_or(MAX_CELLS);
    let mut evaluator = Evaluator::limited(policy, run.units.clone(), files, trace, max_cells);
    evaluator.scores_only = run.scores_only && !trace;
    // The reader finds each row's unit among the evaluator's own: one lookup a row.
    let allowed = evaluator.unit_positions();
    let input = crate::facts::Input {
        policy,
        files: run.files,
        units: allowed.as_ref(),
        keep_extra: trace,
        only_unit: run.explain,
        percents: run.percents,
        sheet: run.sheet,
    };
    // One large file is read by every core when it can be cut; else, and whenever a piece has
    // something to report, by one thread.
    let pieces = parallel::plan(run, trace, &evaluator)
        .and_then(|(plan, threads)| parallel::read(&input, &plan, threads, &mut evaluator));
    let mut files = match pieces {
        Some(read) => vec![read],
        None => crate::facts::read(&input, sources, &mut problems, |row| evaluator.feed(&row)),
    };
    // By the file's place in the run (a file that could not be read has no `FileRead`).
    evaluator.places = run
        .files
        .iter()
        .map(|path| {
            files
                .iter_mut()
                .find(|f| &f.path == path)
                .map(|f| std::mem::take(&mut f.places))
                .unwrap_or_default()
        })
        .collect();
    let mut results = if problems.has_errors() {
        None
    } else {
        evaluator.finish(run.strict, &mut problems)
    };
    if let Some(results) = results.as_mut() {
        let mut notes = Vec::new();
        crate::outcome::decide(policy, results, &run.groups, run.previous, &mut notes);
        for d in notes {
            problems.push(d);
        }
    }
    Scored {
        results,
        problems,
        files,
    }
}

/// Scores units from streamed rows.
pub struct Evaluator<'p> {
    policy: &'p ir::Policy,
    /// Every rule, in policy order.
    rules: Vec<&'p ir::Rule>,
    /// For each fact, the rules that count its rows.
    by_fact: Vec<Vec<usize>>,
    fact_index: HashMap<&'p str, usize>,
    units: Vec<String>,
    unit_index: HashMap<String, usize>,
    /// Units are fixed (declared or `--units`), not discovered from the rows.
    fixed_units: bool,
    state: Vec<UnitState>,
    calendar: Calendar,
    trace: bool,
    files: Vec<String>,
    /// For a database table among the files, its rows' primary keys by line (messages name
    /// a row by it): `facts::FileRead::places`.
    places: Vec<HashMap<u64, String>>,
    overflow: Overflow,
    /// Where arithmetic first overflowed while reading: the row, and the rule counting it.
    overflow_at: Option<(At, Option<usize>)>,
    /// Rows of one measure or flag that cannot both stand: (unit, fact, clash).
    clashes: Vec<(usize, usize, ClashAt)>,
    /// Discretionary-points entries identical in unit, fact, date and value: (unit, fact, first, second).
    repeated: Vec<(usize, usize, At, At)>,
    /// More units than `max_cells` allows were given or found: the run ends in E079.
    too_many: bool,
    max_cells: usize,
    /// Results without rule receipts (see [`Run::scores_only`]).
    scores_only: bool,
}

/// How many aggregates of a unit and a fact or rule one run keeps at most: units × (facts +
/// rules). About 230 bytes each with the unit's results (2.8 million took 640 MB in
/// `benches/`), so 20 million is about 5 GB (`docs/reliability.md`, Limits).
pub const MAX_CELLS: usize = 20_000_000;

#[derive(Debug, Clone)]
struct UnitState {
    facts: Vec<FactAgg>,
    rules: Vec<RuleAgg>,
}

/// The key a row without one counts under in `per K` and `once per K`: its own,
/// which no value of a fact file can be (it starts with a control character).
fn own_key(row: &Row) -> String {
    format!("\u{1}{}:{}", row.file, row.line)
}

impl<'p> Evaluator<'p> {
    /// An evaluator for `policy`. `units` fixes the assessed units (in order);
    /// without it, every unit that appears in the rows is assessed. With
    /// `trace`, rows behind each rule are kept for explanations.
    pub fn new(
        policy: &'p ir::Policy,
        units: Option<Vec<String>>,
        files: Vec<String>,
        trace: bool,
    ) -> Evaluator<'p> {
        Evaluator::limited(policy, units, files, trace, MAX_CELLS)
    }

    /// [`Evaluator::new`] holding at most `max_cells` units × (facts + rules).
    pub fn limited(
        policy: &'p ir::Policy,
        units: Option<Vec<String>>,
        files: Vec<String>,
        trace: bool,
        max_cells: usize,
    ) -> Evaluator<'p> {
        let rules: Vec<&ir::Rule> = policy.rules().collect();
        let fact_index: HashMap<&str, usize> = policy
            .facts
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.as_str(), i))
            .collect();
        let mut by_fact = vec![Vec::new(); policy.facts.len()];
        for (r, rule) in rules.iter().enumerate() {
            let fact = match &rule.kind {
                RuleKind::Count { fact, .. } | RuleKind::Missing { fact, .. } => Some(fact),
                RuleKind::Table {
                    fact,
                    per_unit: false,
                    ..
                } => Some(fact),
                _ => None,
            };
            if let Some(&f) = fact.and_then(|f| fact_index.get(f.as_str())) {
                if let Some(list) = by_fact.get_mut(f) {
                    list.push(r);
                }
            }
        }
        let fixed_units = units.is_some();
        let mut e = Evaluator {
            policy,
            rules,
            by_fact,
            fact_index,
            units: Vec::new(),
            unit_index: HashMap::new(),
            fixed_units,
            state: Vec::new(),
            calendar: Calendar::new(policy.calendar.as_ref()),
            trace,
            files,
            places: Vec::new(),
            overflow: Overflow::default(),
            overflow_at: None,
            clashes: Vec::new(),
            repeated: Vec::new(),
            too_many: false,
            max_cells,
            scores_only: false,
        };
        let units = units.unwrap_or_default();
        // Fixed units too many for the limit are refused before anything is held for them.
        let cells = policy.facts.len() + e.rules.len();
        if units.len().saturating_mul(cells) > max_cells {
            e.too_many = true;
            return e;
        }
        for u in units {
            e.unit(&u);
        }
        e
    }

    /// How many aggregates (units × facts and rules) the evaluator holds now.
    fn held_cells(&self) -> usize {
        self.state.len() * (self.policy.facts.len() + self.rules.len())
    }

    /// An empty evaluator like this one (policy, units), for one of `parts` pieces of the facts:
    /// it holds a `parts`th of this one's aggregates at most, so that all together hold no
    /// more than this one may.
    fn sibling(&self, parts: usize) -> Evaluator<'p> {
        let units = self.fixed_units.then(|| self.units.clone());
        let files = self.files.clone();
        let most = self.max_cells / parts.max(1);
        let mut e = Evaluator::limited(self.policy, units, files, self.trace, most);
        e.scores_only = self.scores_only;
        e
    }

    /// The fixed units and their positions, as rows name them (`Row::unit_id`); `None` when
    /// units are found in the rows, or too many were given to hold.
    pub fn unit_positions(&self) -> Option<HashMap<String, usize>> {
        (self.fixed_units && !self.too_many).then(|| self.unit_index.clone())
    }

    /// The index of unit `name`, added if new; None once the run holds as many units as
    /// [`MAX_CELLS`] allows (the run then ends in E079).
    fn unit(&mut self, name: &str) -> Option<usize> {
        if let Some(&i) = self.unit_index.get(name) {
            return Some(i);
        }
        let i = self.units.len();
        let cells = self.policy.facts.len() + self.rules.len();
        if (i + 1).saturating_mul(cells) > self.max_cells {
            self.too_many = true;
            return None;
        }
        self.units.push(name.to_string());
        self.unit_index.insert(name.to_string(), i);
        self.state.push(UnitState {
            facts: vec![FactAgg::default(); self.policy.facts.len()],
            rules: vec![RuleAgg::default(); self.rules.len()],
        });
        Some(i)
    }

    /// Folds one validated row into the aggregates.
    pub fn feed(&mut self, row: &Row) {
        self.feed_row(row);
        if self.overflow.0 && self.overflow_at.is_none() {
            self.overflow_at = Some(((row.file, row.line), None));
        }
    }

    fn feed_row(&mut self, row: &Row) {
        let u = match row.unit_id {
            // The reader found the unit among `unit_positions`: no second lookup.
            Some(u) if self.fixed_units => u,
            // INVARIANT: the reader reports rows of units outside a fixed set.
            _ if self.fixed_units && !self.unit_index.contains_key(&row.unit) => return,
            _ => match self.unit(&row.unit) {
                Some(u) => u,
                None => return,
            },
        };
        let Some(decl) = self.policy.facts.get(row.fact) else {
            return;
        };
        let of = &mut self.overflow;
        let Some(agg) = self
            .state
            .get_mut(u)
            .and_then(|s| s.facts.get_mut(row.fact))
        else {
            return;
        };
        agg.rows += 1;
        if self.trace {
            agg.trace.push(Trace {
                file: row.file,
                line: row.line,
                detail: receipt::with_note(receipt::row(decl, row, self.policy.chinese), row),
            });
        }
        let number = match &row.value {
            Some(Value::Number(n)) => Some(*n),
            Some(Value::Bool(b)) => Some(if *b { Decimal::ONE } else { Decimal::ZERO }),
            _ => None,
        };
        match (&decl.shape, number) {
            (Shape::Event, _) => {
                // A row with count 0 records no occurrence, in every form (LANGUAGE.md §4).
                if row.count.is_zero() {
                    return;
                }
                agg.occurrences = of.add(agg.occurrences, row.count);
                if let (Some(d), Some(year)) = (row.date, self.policy.year) {
                    if d.year() == year {
                        agg.add_month(d.month0() as usize, row.count, of);
                    }
                }
                self.feed_rules(u, row);
            }
            (Shape::Points { .. }, Some(n)) => {
                // Discretionary points are separate awards: they add up.
                agg.points = of.add(agg.points, n);
                if let Some(first) = agg.entry(row.date, n, (row.file, row.line)) {
                    self.repeated
                        .push((u, row.fact, first, first.max((row.file, row.line))));
                }
                self.feed_rules(u, row);
            }
            (Shape::Measure(_) | Shape::Flag, Some(n)) => {
                // A state: the latest-dated row is in force. Rules that count its rows
                // see only the rows in force, once every row is read (`finish`).
                let reported = Reported {
                    value: n,
                    row: Box::new(row.clone()),
                };
                if let Some(clash) = agg.report(key_of(decl, row), reported) {
                    self.clashes.push((u, row.fact, clash));
                }
            }
            _ => {}
        }
    }

    /// Folds a row into the aggregates of the rules that count its fact.
    fn feed_rules(&mut self, u: usize, row: &Row) {
        let Some(decl) = self.policy.facts.get(row.fact) else {
            return;
        };
        let trace = self.trace;
        let env = RowEnv { row, decl };
        let (Some(rules), Some(state)) = (self.by_fact.get(row.fact), self.state.get_mut(u)) else {
            return;
        };
        for &r in rules {
            let (Some(&rule), Some(agg)) = (self.rules.get(r), state.rules.get_mut(r)) else {
                continue;
            };
            let of = &mut self.overflow;
            // `once per K` counts each K once, at the amount of one occurrence; a row without K is its own K.
            let once_key = rule
                .once_per
                .as_deref()
                .map(|k| text_of(env.field(k)).unwrap_or_else(|| own_key(row)));
            // The receipt text of a row is built only when explaining: this is the per-row hot path.
            let detail: Option<String> = match &rule.kind {
                RuleKind::Count { per, filter, .. } => {
                    if filter
                        .as_ref()
                        .is_some_and(|c| cond::holds(c, &env, &self.calendar) != Some(true))
                    {
                        continue;
                    }
                    if let [Per::Distinct(k)] = per.as_slice() {
                        let value = text_of(env.field(k));
                        let zh = self.policy.chinese;
                        let detail = trace.then(|| receipt::key(k, value.as_deref(), zh));
                        let key = value.unwrap_or_else(|| own_key(row));
                        agg.distinct.insert(key);
                        detail
                    } else {
                        let mut weight = if once_key.is_some() {
                            Decimal::ONE
                        } else {
                            row.count
                        };
                        for p in per {
                            let field = match p {
                                Per::Person => "persons",
                                Per::Day => "days",
                                _ => continue,
                            };
                            if let Some(Val::Num(n)) = env.field(field) {
                                weight = of.mul(weight, n);
                            }
                        }
                        agg.add(once_key.as_deref(), weight, of);
                        trace.then(|| {
                            let once = rule.once_per.as_deref().zip(once_key.as_deref());
                            let zh = self.policy.chinese;
                            let weight = receipt::weight(per, row, decl, weight, zh);
                            match once {
                                Some((k, v)) => format!("{weight}{}", receipt::once(k, v, zh)),
                                None => weight,
                            }
                        })
                    }
                }
                RuleKind::Missing { field, filter, .. } => {
                    if filter
                        .as_ref()
                        .is_some_and(|c| cond::holds(c, &env, &self.calendar) != Some(true))
                    {
                        continue;
                    }
                    let Some(v) = text_of(env.field(field)) else {
                        continue;
                    };
                    let detail = trace.then(|| format!("{field} {v}"));
                    agg.distinct.insert(v);
                    detail
                }
                RuleKind::Table { field, lookup, .. } => {
                    let value = env.field(field);
                    let Some(amount) = look_up(lookup, value) else {
                        continue;
                    };
                    let amount = if once_key.is_some() {
                        amount
                    } else {
                        of.mul(amount, row.count)
                    };
                    agg.add(once_key.as_deref(), amount, of);
                    trace.then(|| {
                        let label = text_of(value).unwrap_or_default();
                        match (&rule.once_per, &once_key) {
                            (Some(k), Some(v)) => {
                                let once = receipt::once(k, v, self.policy.chinese);
                                format!("{label} → {amount}{once}")
                            }
                            _ if row.count != Decimal::ONE => {
                                format!("{label} × {} → {amount}", row.count)
                            }
                            _ => format!("{label} → {amount}"),
                        }
                    })
                }
                _ => continue,
            };
            if of.0 && self.overflow_at.is_none() {
                self.overflow_at = Some(((row.file, row.line), Some(r)));
            }
            if let Some(detail) = detail {
                agg.trace.push(Trace {
                    file: row.file,
                    line: row.line,
                    detail: receipt::with_note(detail, row),
                });
            }
        }
    }

    /// Folds an evaluator fed other rows (another chunk or file) into this one.
    pub fn merge(&mut self, other: Evaluator<'p>) {
        self.too_many |= other.too_many;
        self.overflow.0 |= other.overflow.0;
        if self.overflow_at.is_none() {
            self.overflow_at = other.overflow_at;
        }
        for (u, f, c) in other.clashes {
            if let Some(mine) = other.units.get(u).and_then(|n| self.unit(n)) {
                self.clashes.push((mine, f, c));
            }
        }
        for (u, f, a, b) in other.repeated {
            if let Some(mine) = other.units.get(u).and_then(|n| self.unit(n)) {
                self.repeated.push((mine, f, a, b));
            }
        }
        for (name, state) in other.units.into_iter().zip(other.state) {
            let Some(u) = self.unit(&name) else {
                continue;
            };
            let Some(mine) = self.state.get_mut(u) else {
                continue;
            };
            for (f, (a, b)) in mine.facts.iter_mut().zip(state.facts).enumerate() {
                let (clashes, repeated) = a.merge(b, &mut self.overflow);
                self.clashes.extend(clashes.into_iter().map(|c| (u, f, c)));
                self.repeated
                    .extend(repeated.into_iter().map(|(x, y)| (u, f, x, y)));
            }
            for (a, b) in mine.rules.iter_mut().zip(state.rules) {
                a.merge(b, &mut self.overflow);
            }
        }
    }
    /// Scores every unit; `None` (with diagnostics) when rows of a state clash or arithmetic overflowed.
    pub fn finish(mut self, strict: bool, problems: &mut Problems) -> Option<Results> {
        self.replay_states();
        let file = |i: usize| self.files.get(i).map_or("?", String::as_str);
        // A row of a file by its line; of a database table, by its primary key.
        let place = |f: usize, l: u64| match self.places.get(f).and_then(|p| p.get(&l)) {
            Some(key) => format!("{} ({key})", file(f)),
            None => format!("{}:{l}", file(f)),
        };
        let name = |u: usize| self.units.get(u).map_or("", String::as_str);
        let mut clashes = self.clashes.clone();
        clashes.sort_unstable_by_key(|&(u, f, (_, a, b))| (name(u), f, a, b));
        clashes.dedup();
        for (u, f, (clash, (f1, l1), (f2, l2))) in clashes {
            let Some(fact) = self.policy.facts.get(f) else {
                continue;
            };
            let (what, unit) = (shape_word(&fact.shape), name(u));
            let (message, help, zh_message, zh_help) = match clash {
                Clash::SameDate(date) => (
                    format!(
                        "`{}` of `{unit}` is given two values on {date}: {} and {}",
                        fact.name,
                        place(f1, l1),
                        place(f2, l2)
                    ),
                    format!(
                        "{what} `{}` has one value a day; remove the wrong row (a later-dated row replaces an earlier one)",
                        fact.name
                    ),
                    format!(
                        "`{unit}` 的 `{}` 在 {date} 有两个不同的值：{} 和 {}",
                        fact.name,
                        place(f1, l1),
                        place(f2, l2)
                    ),
                    "同一天只能有一个值；请删去错误的一行（日期较晚的一行取代较早的）".to_string(),
                ),
                Clash::Undated => (
                    format!(
                        "`{}` of `{unit}` is given by two rows and not both are dated: {} and {}",
                        fact.name,
                        place(f1, l1),
                        place(f2, l2)
                    ),
                    format!(
                        "the latest-dated value of {what} `{}` is in force: give each row its date, or keep one row",
                        fact.name
                    ),
                    format!(
                        "`{unit}` 的 `{}` 有两行，且并非都有日期，无法判断以哪一行为准：{} 和 {}",
                        fact.name,
                        place(f1, l1),
                        place(f2, l2)
                    ),
                    "以日期最晚的一行为准：请为每行填写日期，或只保留一行".to_string(),
                ),
            };
            problems.push(
                Diagnostic::error(Code::GivenTwice, message)
                    .with_help(help)
                    .zh(zh_message, &[], Some(&zh_help)),
            );
        }
        let mut repeated = self.repeated.clone();
        repeated.sort_unstable_by_key(|&(u, f, a, b)| (name(u), f, a, b));
        repeated.dedup();
        for (u, f, (f1, l1), (f2, l2)) in repeated {
            let Some(fact) = self.policy.facts.get(f) else {
                continue;
            };
            let unit = name(u);
            problems.push(
                Diagnostic::warning(
                    Code::RepeatedEntry,
                    format!(
                        "`{}` of `{unit}` has two identical entries, {} and {}: both are counted",
                        fact.name,
                        place(f1, l1),
                        place(f2, l2)
                    ),
                )
                .with_help("discretionary points on separate rows add up; if this is one entry made twice, remove one row")
                .zh(
                    format!(
                        "`{unit}` 的 `{}` 有两条完全相同的记录：{} 和 {}，两条都计分",
                        fact.name,
                        place(f1, l1),
                        place(f2, l2)
                    ),
                    &[],
                    Some("酌情分逐行累加；如果是同一条记录录入了两次，请删去一行"),
                ),
            );
        }
        if self.too_many {
            let (facts, rules) = (self.policy.facts.len(), self.rules.len());
            problems.push(too_many(facts, rules, self.max_cells));
            return None;
        }
        self.missing_values(strict, problems);
        if self.overflow.0 {
            let file = |i: usize| self.files.get(i).map_or("?", String::as_str);
            let (at, rule) = match self.overflow_at {
                Some(((f, l), r)) => (
                    format!(" at {}:{l}", file(f)),
                    r.and_then(|r| self.rules.get(r))
                        .map(|r| format!(" in `{}` (line {})", r.clause, r.span.start_line))
                        .unwrap_or_default(),
                ),
                None => (String::new(), String::new()),
            };
            problems.push(overflow(format!(
                "the facts{at} are too large to compute{rule} exactly"
            )));
        }
        if problems.has_errors() {
            return None;
        }
        match score::results(&mut self) {
            Ok(results) => Some(results),
            Err(what) => {
                problems.push(overflow(what));
                None
            }
        }
    }

    /// Feeds the rows in force of every measure and flag to the rules that count their rows.
    fn replay_states(&mut self) {
        for u in 0..self.state.len() {
            for f in 0..self.policy.facts.len() {
                if self.by_fact.get(f).is_none_or(Vec::is_empty) {
                    continue;
                }
                let Some(agg) = self.state.get(u).and_then(|s| s.facts.get(f)) else {
                    continue;
                };
                let rows: Vec<Row> = agg.in_force().map(|r| (*r.row).clone()).collect();
                for row in &rows {
                    self.feed_rules(u, row);
                }
            }
        }
    }

    fn fact(&self, name: &str) -> Option<(usize, &'p ir::Fact)> {
        let &i = self.fact_index.get(name)?;
        Some((i, self.policy.facts.get(i)?))
    }
}

/// Whether a rule reads a fact as one value of the unit (a condition, `times`, a bracket table on it).
fn reads_whole(rule: &ir::Rule, fact: &str) -> bool {
    match &rule.kind {
        RuleKind::When { condition, .. } => score::condition_facts(condition).contains(&fact),
        RuleKind::Times { fact: f, .. } | RuleKind::Discretionary { fact: f } => f == fact,
        RuleKind::Table {
            fact: f,
            per_unit: true,
            ..
        } => f == fact,
        _ => false,
    }
}

/// A key as a receipt shows it: a row's own key reads as such.
fn shape_word(shape: &Shape) -> &'static str {
    match shape {
        Shape::Flag => "the flag",
        _ => "the measure",
    }
}

/// A row's fields, by name, for `where`.
struct RowEnv<'r> {
    row: &'r Row,
    decl: &'r ir::Fact,
}

impl Env for RowEnv<'_> {
    fn field(&self, name: &str) -> Option<Val<'_>> {
        if let Some(i) = self.decl.fields.iter().position(|f| f.name == name) {
            return self.row.fields.get(i)?.as_ref().map(Val::from);
        }
        match name {
            "date" => self.row.date.map(Val::Date),
            "count" => Some(Val::Num(self.row.count)),
            "value" => self.row.value.as_ref().map(Val::from),
            "note" => self.row.note.as_deref().map(Val::Text),
            _ => None,
        }
    }
    fn fact(&self, _: &str) -> Option<Val<'_>> {
        None
    }
    fn flag(&self, _: &str) -> bool {
        false
    }
    fn happened(&self, _: &str) -> bool {
        false
    }
    fn each_month(&self, _: &str, _: Decimal) -> bool {
        false
    }
}

/// The value of a measure's key field on a row, if the measure is keyed.
fn key_of<'r>(decl: &ir::Fact, row: &'r Row) -> Option<&'r str> {
    let i = decl.fields.iter().position(|f| f.kind == FieldKind::Key)?;
    match row.fields.get(i)? {
        Some(Value::Text(t)) => Some(t),
        _ => None,
    }
}

fn text_of(v: Option<Val>) -> Option<String> {
    match v? {
        Val::Text(t) => Some(t.to_string()),
        Val::Num(n) => Some(n.normalize().to_string()),
        Val::Date(d) => Some(d.to_string()),
        Val::Bool(b) => Some(b.to_string()),
    }
}

/// The amount a table gives a value.
pub(crate) fn look_up(lookup: &Lookup, value: Option<Val>) -> Option<Decimal> {
    match (lookup, value?) {
        (Lookup::Values(rows), Val::Text(t)) => rows.iter().find(|(k, _)| k == t).map(|(_, a)| *a),
        (Lookup::Brackets(rows), Val::Num(n)) => {
            rows.iter().find(|(i, _)| i.contains(n)).map(|(_, a)| *a)
        }
        _ => None,
    }
}
