//! Part of the eval stage: one large fact file read by several threads at once, each into an
//! evaluator of its own, merged in file order, so that the results are the same bytes as one
//! thread's. Anything the pieces find to say (an error or a warning about a row) sends the
//! file back to the one-thread reading, which says it exactly as always.

use super::{Evaluator, Run};
use crate::facts::split::{self, Piece, Plan};
use crate::facts::{FileRead, Input, Problems};
use crate::span::SourceMap;

/// The smallest piece worth a thread of its own, unless `Run::piece_bytes` says otherwise.
const MIN_PIECE: u64 = 4 << 20;

/// Each thread holds the aggregates of every fixed unit: beyond this many (units × facts and
/// rules) a second copy costs more memory than the thread saves time (measured at 200,000
/// units: no faster, twice the memory), so the file is read on one thread.
const MAX_SHARED_CELLS: usize = 1_000_000;

/// How `run` would cut its fact file, when it is one file worth cutting.
pub(super) fn plan(run: &Run, trace: bool, main: &Evaluator) -> Option<(Plan, usize)> {
    let [path] = run.files else {
        return None;
    };
    if main.held_cells() > MAX_SHARED_CELLS && run.piece_bytes.is_none() {
        return None;
    }
    let threads = run.thread_count();
    if trace || (threads == 1 && run.piece_bytes.is_none()) {
        return None;
    }
    let bytes = match run.piece_bytes {
        Some(b) => b.max(1),
        None => {
            let size = std::fs::metadata(path).ok()?.len();
            (size / threads as u64 + 1).max(MIN_PIECE)
        }
    };
    let plan = split::plan(path, bytes)?;
    Some((plan, threads))
}

/// Reads the pieces of `plan` on up to `threads` threads, each a run of consecutive pieces, and
/// merges their evaluators in file order into `main`. `None` (and `main` untouched) when a
/// piece found anything to report, or held more units than its share of the limit.
pub(super) fn read<'p>(
    input: &Input,
    plan: &Plan,
    threads: usize,
    main: &mut Evaluator<'p>,
) -> Option<FileRead> {
    let per = plan.pieces.len().div_ceil(threads).max(1);
    let groups: Vec<&[Piece]> = plan.pieces.chunks(per).collect();
    let done: Vec<Option<(Evaluator<'p>, u64)>> = std::thread::scope(|s| {
        let workers: Vec<_> = groups
            .iter()
            .map(|pieces| {
                let mut evaluator = main.sibling(groups.len());
                // A thread the system will not start sends the file back to one thread.
                std::thread::Builder::new().spawn_scoped(s, move || {
                    let (mut sources, mut problems) = (SourceMap::new(), Problems::default());
                    let mut rows = 0;
                    for &piece in *pieces {
                        rows += split::read_piece(
                            input,
                            0,
                            plan,
                            piece,
                            &mut sources,
                            &mut problems,
                            |row| evaluator.feed(&row),
                        );
                    }
                    // A piece with more units than its share of the limit goes back to one
                    // thread too, which alone says whether the whole run is over the limit.
                    let quiet = !evaluator.too_many
                        && problems.diagnostics.is_empty()
                        && problems.unlisted_errors == 0
                        && problems.unlisted_warnings == 0
                        && !problems.has_errors();
                    quiet.then_some((evaluator, rows))
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.ok().and_then(|h| h.join().ok().flatten()))
            .collect()
    });
    let done: Vec<(Evaluator<'p>, u64)> = done.into_iter().collect::<Option<_>>()?;
    let mut rows = 0;
    for (evaluator, n) in done {
        main.merge(evaluator);
        rows += n;
    }
    Some(split::file_read(plan, rows))
}
