//! Part of the eval stage, its dense lane: `ir::Policy` + plain UTF-8 CSV fact files →
//! every unit's section scores, total and rank ([`Dense`]), for a table or CSV report.
//!
//! The same scores as [`super::score`], by a shorter road: rows are typed in place
//! ([`crate::facts::scan`]) and folded into flat per-unit arrays ([`state`]), then scored
//! without receipts ([`points`]). The lane takes only what it can do exactly — policies
//! without grades, vetoes or prizes, plain files, rows the general reader would accept
//! without a word — and gives up otherwise, before or while reading; the caller then runs the
//! general evaluator, which reads the files and says what there is to say. `tests/dense.rs`
//! and the random policies hold the two to the same bytes of report.

mod kept;
mod num;
mod plan;
mod points;
mod state;

use std::path::Path;

use rust_decimal::Decimal;

use super::Run;
use crate::facts::scan::{self, Bail, Lanes, Layout};
use crate::facts::{FileRead, Problems, UnitIndex};
use crate::ir;
use crate::results::{Results, SectionResult, UnitResult};
use num::Fixed;
use plan::Plan;
use state::State;

/// Every unit's scores, ranked, without receipts.
#[derive(Debug)]
pub struct Dense {
    /// The units, in the order of the units given or first seen.
    pub names: Vec<String>,
    /// Each unit's total, by its place in `names`.
    pub totals: Vec<Decimal>,
    /// Each unit's section scores, `sections.len()` a unit.
    pub scores: Vec<Decimal>,
    /// The sections: name, bonus, worth.
    pub sections: Vec<(String, bool, Option<Decimal>)>,
    /// The units in rank order: (place in `names`, rank).
    pub ranked: Vec<(usize, usize)>,
    /// Warnings of the run (units without a measure or flag).
    pub problems: Problems,
    /// How each fact file was read.
    pub files: Vec<FileRead>,
    /// The policy is written in Chinese.
    pub chinese: bool,
    /// The policy's title and file.
    pub policy: Option<String>,
    source: String,
}

impl Dense {
    /// The scores as [`Results`] without items or rules: what a table shows.
    pub fn results(&self) -> Results {
        let n = self.sections.len();
        let units = self
            .ranked
            .iter()
            .map(|&(u, rank)| UnitResult {
                unit: self.names.get(u).cloned().unwrap_or_default(),
                total: self.totals.get(u).copied().unwrap_or_default(),
                rank,
                total_clamped_from: None,
                sections: self
                    .sections
                    .iter()
                    .zip(self.scores.iter().skip(u * n))
                    .map(|((name, bonus, worth), score)| SectionResult {
                        name: name.clone(),
                        bonus: *bonus,
                        worth: *worth,
                        score: *score,
                        start: Decimal::ZERO,
                        clamped_from: None,
                        responsible: Vec::new(),
                        items: Vec::new(),
                        rules: Vec::new(),
                    })
                    .collect(),
                group: None,
                grade: None,
                vetoes: Vec::new(),
                veto_grades: Vec::new(),
                prizes: Vec::new(),
                outcome: Vec::new(),
            })
            .collect();
        Results {
            policy: self.policy.clone(),
            source: self.source.clone(),
            units,
            chinese: self.chinese,
        }
    }
}

/// Scores `run` in the dense lane; `None` when the lane cannot do it exactly (the general
/// evaluator then does).
pub fn score(policy: &ir::Policy, run: &Run) -> Option<Dense> {
    score_with(policy, run, run.units.as_deref().map(UnitIndex::new)).ok()
}

/// [`score`], the units of `run` taken into the lane's unit table rather than copied (a
/// province's 200,000 names); they are put back when the lane gives up.
pub fn score_taking_units(policy: &ir::Policy, run: &mut Run) -> Option<Dense> {
    let Some(names) = run.units.take() else {
        return score(policy, run);
    };
    match UnitIndex::from_names(names) {
        // A name listed twice: the table holds it once, so the lane copies.
        Err(names) => {
            run.units = Some(names);
            score(policy, run)
        }
        Ok(index) => match score_with(policy, run, Some(index)) {
            Ok(d) => Some(d),
            Err(names) => {
                run.units = names;
                None
            }
        },
    }
}

/// [`score`] with the table of the units given (`None`: the units of the facts); `Err` gives
/// the names of the units given back.
fn score_with(
    policy: &ir::Policy,
    run: &Run,
    fixed: Option<UnitIndex>,
) -> Result<Dense, Option<Vec<String>>> {
    let Some((plan, state, files, found)) = tally(policy, run, fixed.as_ref()) else {
        return Err(fixed.map(UnitIndex::into_names));
    };
    let given = fixed.is_some();
    let names = fixed.unwrap_or(found).into_names();
    match finish(policy, run, &plan, state, &names) {
        Some(Finished {
            totals,
            scores,
            ranked,
            problems,
        }) => Ok(Dense {
            names,
            totals,
            scores,
            sections: policy
                .sections
                .iter()
                .map(|s| (s.name.clone(), s.bonus, s.worth))
                .collect(),
            ranked,
            problems,
            files,
            chinese: policy.chinese,
            policy: policy.name.clone(),
            source: policy.source.name.clone(),
        }),
        None => Err(given.then_some(names)),
    }
}

/// The rows of every file folded into the aggregates: the plan, the aggregates, how each file
/// was read and the units found in them (when none are given).
fn tally<'p>(
    policy: &'p ir::Policy,
    run: &Run,
    fixed: Option<&UnitIndex>,
) -> Option<(Plan<'p>, State, Vec<FileRead>, UnitIndex)> {
    let plain = run.explain.is_none()
        && !run.trace_all
        && run.groups.is_empty()
        && run.previous.is_none()
        && !run.files.is_empty()
        && run.sheet.is_none();
    if !plain {
        return None;
    }
    let plan = Plan::new(policy)?;
    let layouts: Vec<Layout> = run
        .files
        .iter()
        .map(|p| scan::layout(p))
        .collect::<Option<_>>()?;
    // The same file twice is the general reader's E063.
    let ids: Vec<_> = run
        .files
        .iter()
        .map(|p| crate::output::identity(p))
        .collect();
    if ids
        .iter()
        .enumerate()
        .any(|(i, id)| id.is_none() || ids.iter().take(i).any(|x| x == id))
    {
        return None;
    }
    let cells = policy.facts.len() + plan.rules.len();
    let max_cells = run.max_cells.unwrap_or(super::MAX_CELLS);
    if fixed.map_or(0, UnitIndex::len).saturating_mul(cells) > max_cells {
        return None;
    }
    let lanes = Lanes::new(policy, fixed, run.percents)?;
    let mut found = UnitIndex::default();
    let read = read(
        &plan, run, &layouts, &lanes, fixed, &mut found, cells, max_cells,
    );
    drop(lanes);
    let (mut state, files) = read.ok()?;
    state.replay(&plan).ok()?;
    if state.overflow.0 {
        return None;
    }
    Some((plan, state, files, found))
}

/// What [`finish`] gives: the parts of [`Dense`] that scoring makes.
struct Finished {
    totals: Vec<Decimal>,
    scores: Vec<Decimal>,
    ranked: Vec<(usize, usize)>,
    problems: Problems,
}

/// The units' scores from their aggregates: totals, section scores, the units in rank order
/// with their ranks, and the warnings.
fn finish(
    policy: &ir::Policy,
    run: &Run,
    plan: &Plan,
    state: State,
    names: &[String],
) -> Option<Finished> {
    let mut problems = Problems::default();
    super::problems::missing_values(policy, &plan.rules, run.strict, &mut problems, |f| {
        let slots = plan.facts.get(f).copied().unwrap_or_default();
        names
            .iter()
            .enumerate()
            .filter(|(u, _)| !state.has_rows(plan, *u, slots))
            .map(|(_, n)| n.as_str())
            .collect()
    });
    if problems.has_errors() {
        return None;
    }
    let n = policy.sections.len();
    let threads = run.thread_count();
    let (totals, scores) = score_all(plan, &state, names.len(), n, threads).ok()?;
    drop(state);
    let order = rank_order(&totals, names, threads);
    let ranks = crate::outcome::shared_ranks(
        order
            .iter()
            .map(|&u| totals.get(u).copied().unwrap_or_default()),
    );
    let ranked: Vec<(usize, usize)> = order.iter().copied().zip(ranks).collect();
    Some(Finished {
        totals,
        scores,
        ranked,
        problems,
    })
}

/// Every unit's total and section scores (`n` a unit), the units shared out among threads.
fn score_all(
    plan: &Plan,
    state: &State,
    units: usize,
    n: usize,
    threads: usize,
) -> Result<(Vec<Decimal>, Vec<Decimal>), Bail> {
    let mut totals = vec![Decimal::ZERO; units];
    let mut scores = vec![Decimal::ZERO; units * n];
    // A thread is worth its start only for thousands of units.
    let per = units.div_ceil(threads).max(8192);
    let parts: Vec<(usize, &mut [Decimal], &mut [Decimal])> = totals
        .chunks_mut(per)
        .zip(
            scores
                .chunks_mut((per * n).max(1))
                .chain(std::iter::repeat_with(|| &mut [][..])),
        )
        .enumerate()
        .map(|(k, (t, s))| (k * per, t, s))
        .collect();
    let score_part = |(first, totals, scores): (usize, &mut [Decimal], &mut [Decimal])| {
        let (mut fixed, mut amounts) = (Vec::new(), Vec::new());
        for (i, total) in totals.iter_mut().enumerate() {
            let out = scores.get_mut(i * n..(i + 1) * n).ok_or(Bail)?;
            // In whole numbers when they are exact, else in decimals (`num`).
            *total = match points::unit::<Fixed>(plan, state, first + i, out, &mut fixed) {
                Ok(t) => t,
                Err(Bail) => points::unit::<Decimal>(plan, state, first + i, out, &mut amounts)?,
            };
        }
        Ok(())
    };
    if parts.len() == 1 {
        parts.into_iter().try_for_each(score_part)?;
    } else {
        std::thread::scope(|s| {
            let workers: Vec<_> = parts
                .into_iter()
                .map(|part| std::thread::Builder::new().spawn_scoped(s, move || score_part(part)))
                .collect();
            workers
                .into_iter()
                .try_for_each(|w| w.map_err(|_| Bail)?.join().map_err(|_| Bail)?)
        })?;
    }
    Ok((totals, scores))
}

/// The units by total, highest first; ties are listed by name (`outcome::rank`). Each unit is
/// sorted as a packed key — its total as a whole number, its name's first 8 bytes in order —
/// so that most comparisons touch neither a decimal nor a name (200,000 units, most of them
/// tied somewhere).
fn rank_order(totals: &[Decimal], names: &[String], threads: usize) -> Vec<usize> {
    let by_name = |a: usize, b: usize| names.get(a).cmp(&names.get(b));
    let Some(keys) = sort_keys(totals) else {
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_unstable_by(|&a, &b| {
            totals
                .get(b)
                .cmp(&totals.get(a))
                .then_with(|| by_name(a, b))
        });
        return order;
    };
    let mut packed: Vec<Packed> = keys
        .into_iter()
        .zip(names)
        .enumerate()
        .map(|(u, (k, name))| (std::cmp::Reverse(k), leading_bytes(name), u))
        .collect();
    let order =
        |a: &Packed, b: &Packed| (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| by_name(a.2, b.2));
    // Two halves sorted on two threads and merged: the order is total (names are unique), so
    // this is the order one sort gives.
    let half = packed.len() / 2;
    if threads > 1 && packed.len() >= 1 << 16 {
        let (left, right) = packed.split_at_mut(half);
        let halves = std::thread::scope(|s| {
            let other = std::thread::Builder::new()
                .spawn_scoped(s, || left.sort_unstable_by(order))
                .ok()?;
            right.sort_unstable_by(order);
            other.join().ok()
        });
        if halves.is_some() {
            let (left, right) = packed.split_at(half);
            let mut merged = Vec::with_capacity(packed.len());
            let (mut l, mut r) = (left.iter().peekable(), right.iter().peekable());
            loop {
                let next = match (l.peek(), r.peek()) {
                    (Some(a), Some(b)) if order(a, b).is_le() => l.next(),
                    (Some(_), Some(_)) | (None, Some(_)) => r.next(),
                    (Some(_), None) => l.next(),
                    (None, None) => break,
                };
                merged.extend(next.map(|p| p.2));
            }
            return merged;
        }
    }
    packed.sort_unstable_by(order);
    packed.into_iter().map(|(_, _, u)| u).collect()
}

/// A unit as it is sorted: its total (highest first), its name's leading bytes, its place.
type Packed = (std::cmp::Reverse<i128>, u64, usize);

/// A name's first 8 bytes as a number in the names' order (zeros after a shorter name: equal
/// leading bytes leave the order to the whole names).
fn leading_bytes(name: &str) -> u64 {
    crate::facts::prefix(name).swap_bytes()
}

/// Totals as whole numbers at one scale, to sort by (`None` when one would not fit).
fn sort_keys(totals: &[Decimal]) -> Option<Vec<i128>> {
    let scale = totals.iter().map(Decimal::scale).max().unwrap_or(0);
    totals
        .iter()
        .map(|t| {
            let up = 10i128.checked_pow(scale - t.scale())?;
            t.mantissa().checked_mul(up)
        })
        .collect()
}

/// Reads every file into the aggregates: one large file on every core when the units are
/// fixed, else one file after another.
#[allow(clippy::too_many_arguments)]
fn read(
    plan: &Plan,
    run: &Run,
    layouts: &[Layout],
    lanes: &Lanes,
    fixed: Option<&UnitIndex>,
    found: &mut UnitIndex,
    cells: usize,
    max_cells: usize,
) -> Result<(State, Vec<FileRead>), Bail> {
    let threads = run.thread_count();
    let units = fixed.map_or(0, UnitIndex::len);
    if let ([path], [layout], Some(_)) = (run.files, layouts, fixed) {
        if threads > 1 || run.piece_bytes.is_some() {
            let pieces = read_pieces(plan, path, *layout, lanes, units, threads, run.piece_bytes);
            if let Some(read) = pieces {
                return read;
            }
        }
    }
    let mut state = State::new(plan, units);
    let mut files = Vec::with_capacity(run.files.len());
    for (i, (path, layout)) in run.files.iter().zip(layouts).enumerate() {
        let rows = match fixed {
            // The scan looks each row's unit up (`Lanes` holds the fixed units).
            Some(_) => {
                let feed = state::Feed {
                    state: &mut state,
                    plan,
                };
                scan::scan(path, i, *layout, None, lanes, feed)?
            }
            // The units as they come: a row's unit found here, or added.
            None => scan::scan(path, i, *layout, None, lanes, |batch: &[scan::Typed]| {
                for row in batch {
                    let u = match found.get(row.unit) {
                        Some(u) => u,
                        None => {
                            if (found.len() + 1).saturating_mul(cells) > max_cells {
                                return Err(Bail);
                            }
                            found.insert(row.unit).ok_or(Bail)?;
                            state.push_unit(plan)
                        }
                    };
                    state.feed(plan, u, row)?;
                }
                Ok(())
            })?,
        };
        files.push(file_read(path, *layout, rows));
    }
    Ok((state, files))
}

/// How many pieces a thread's share of a large file is cut into (none under 4 MB).
const PIECES_A_THREAD: u64 = 8;

/// One file cut at line ends into pieces, read by the threads as each comes for the next, each
/// thread into aggregates of its own, merged in the threads' order; `None` when the file
/// cannot be cut (it is then read whole).
fn read_pieces(
    plan: &Plan,
    path: &Path,
    layout: Layout,
    lanes: &Lanes,
    units: usize,
    threads: usize,
    piece_bytes: Option<u64>,
) -> Option<Result<(State, Vec<FileRead>), Bail>> {
    let size = std::fs::metadata(path).ok()?.len();
    // Pieces of a few MB, several a thread, handed out as threads come for them: a core that
    // runs slower (another program on it) takes fewer, instead of holding the others up.
    let bytes = match piece_bytes {
        Some(b) => b.max(1),
        None => (size / (threads as u64 * PIECES_A_THREAD) + 1).max(4 << 20),
    };
    let pieces = cut(path, size, bytes)?;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::atomic::AtomicBool::new(false);
    let done: Vec<Result<(State, u64), Bail>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.min(pieces.len()))
            .map(|_| {
                let (pieces, next, failed) = (&pieces, &next, &failed);
                std::thread::Builder::new().spawn_scoped(s, move || {
                    use std::sync::atomic::Ordering::Relaxed;
                    let mut state = State::new(plan, units);
                    let mut rows = 0;
                    // The aggregates do not depend on the order rows come in (sums, sets,
                    // highest amounts, the latest-dated row by date and line, clashes found
                    // whatever the order), so which thread reads which piece changes nothing.
                    while let Some(&range) = pieces.get(next.fetch_add(1, Relaxed)) {
                        if failed.load(Relaxed) {
                            return Err(Bail);
                        }
                        let feed = state::Feed {
                            state: &mut state,
                            plan,
                        };
                        let read = scan::scan(path, 0, layout, Some(range), lanes, feed);
                        match read {
                            Ok(n) => rows += n,
                            Err(b) => {
                                failed.store(true, Relaxed);
                                return Err(b);
                            }
                        }
                    }
                    Ok((state, rows))
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.map_err(|_| Bail)
                    .and_then(|h| h.join().map_err(|_| Bail)?)
            })
            .collect()
    });
    let mut all: Option<State> = None;
    let mut rows = 0;
    for piece in done {
        let (state, n) = match piece {
            Ok(p) => p,
            Err(b) => return Some(Err(b)),
        };
        rows += n;
        match all.as_mut() {
            None => all = Some(state),
            Some(a) => {
                if let Err(b) = a.merge(plan, state) {
                    return Some(Err(b));
                }
            }
        }
    }
    let state = all.unwrap_or_else(|| State::new(plan, units));
    Some(Ok((state, vec![file_read(path, layout, rows)])))
}

/// Cuts `path` (of `size` bytes) after its header into pieces of about `bytes` bytes, each
/// ending at a line end: (start, end, number of its first line). The lines are not counted
/// (that would read the file once more): a piece's rows are numbered from `k << 40`, which
/// keeps them apart and in file order, and nothing this lane says names a line. `None`
/// when one piece would do.
fn cut(path: &Path, size: u64, bytes: u64) -> Option<Vec<(u64, u64, u64)>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).ok()?;
    let mut next_line_end = |from: u64| -> Option<u64> {
        file.seek(SeekFrom::Start(from)).ok()?;
        let mut buf = [0u8; 4096];
        let mut at = from;
        loop {
            let n = file.read(&mut buf).ok()?;
            if n == 0 {
                return Some(size);
            }
            if let Some(nl) = memchr::memchr(b'\n', buf.get(..n)?) {
                return Some(at + nl as u64 + 1);
            }
            at += n as u64;
        }
    };
    let header = next_line_end(0)?;
    let mut pieces = Vec::new();
    let mut start = header;
    while start < size {
        let end = match start.checked_add(bytes) {
            Some(e) if e < size => next_line_end(e - 1)?,
            _ => size,
        };
        let k = pieces.len() as u64;
        pieces.push((start, end, (k << 40) + 2));
        start = end;
    }
    (pieces.len() > 1).then_some(pieces)
}

fn file_read(path: &Path, layout: Layout, rows: u64) -> FileRead {
    FileRead {
        path: path.to_path_buf(),
        format: layout.format,
        encoding: Some(layout.encoding),
        sheet: None,
        rows,
        places: Default::default(),
    }
}
