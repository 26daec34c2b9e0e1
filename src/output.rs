//! Writing what the pipeline produces (reports, compiled policies, formatted sources) without
//! ever losing a file: not over an input, not half-written, with the permissions a user expects.
//!
//! A regular file is written to a temporary file beside it and renamed over it, so a killed
//! run leaves the old file whole. The new file gets the old one's permissions and owner (or,
//! when it is new, those the umask gives). A symlink is written through to its target; a file
//! with several hard links is rewritten in place so the links stay one file; a FIFO or device
//! (`-o /dev/stdout`) is written to directly. A path that is one of the command's inputs —
//! compared by device and inode, not by name — is refused.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::diagnostic::{Code, Diagnostic};

/// Which file a path is, whatever it is called: (device, inode) on Unix, the canonical path elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identity {
    /// Device and inode.
    Inode(u64, u64),
    /// The canonical path.
    Path(PathBuf),
}

/// The identity of an existing file (through symlinks), or `None` when there is none.
pub fn identity(path: &Path) -> Option<Identity> {
    let meta = fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = path;
        Some(Identity::Inode(meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        fs::canonicalize(path).ok().map(Identity::Path)
    }
}

/// The error for an output path that is one of `inputs` (the same file by any name), if it is.
pub fn refuse_input(path: &Path, inputs: &[&Path]) -> Option<Diagnostic> {
    let me = identity(path)?;
    let input = inputs.iter().find(|i| identity(i).as_ref() == Some(&me))?;
    Some(over_input(path, input))
}

/// Writes `bytes` to `path`, refusing to write over any of `inputs`.
pub fn write(path: &Path, bytes: &[u8], inputs: &[&Path]) -> Result<(), Diagnostic> {
    write_with(path, inputs, |w| w.write_all(bytes))
}

/// Writes to `path` what `fill` writes, as it writes it (memory does not hold it all), as
/// [`write`] does; when `fill` fails, a regular file is left as it was.
pub fn write_with(
    path: &Path,
    inputs: &[&Path],
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Diagnostic> {
    if let Some(d) = refuse_input(path, inputs) {
        return Err(d);
    }
    let fail = |e: std::io::Error| {
        Diagnostic::error(
            Code::Io,
            format!("cannot write `{}`: {}", path.display(), reason(&e)),
        )
    };
    if let Ok(meta) = fs::metadata(path) {
        if !meta.is_file() && !meta.is_dir() {
            // A FIFO, a terminal, `/dev/stdout`: streamed, never replaced by a plain file.
            let f = OpenOptions::new().write(true).open(path).map_err(fail)?;
            let mut w = std::io::BufWriter::new(f);
            return fill(&mut w).and_then(|()| w.flush()).map_err(fail);
        }
    }
    // A symlink is written through: the file it points to is replaced, the link stays.
    let target = fs::canonicalize(path).unwrap_or_else(|_| resolve(path));
    match fs::metadata(&target) {
        Ok(meta) if links(&meta) > 1 => {
            // Renaming would split the hard links into two files: rewrite in place, once
            // the whole text is there.
            let mut bytes = Vec::new();
            fill(&mut bytes).map_err(fail)?;
            let mut f = OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(&target)
                .map_err(fail)?;
            f.write_all(&bytes).map_err(fail)?;
            f.sync_all().map_err(fail)
        }
        Ok(meta) => replace(&target, fill, Some(&meta)).map_err(fail),
        Err(_) => replace(&target, fill, None).map_err(fail),
    }
}

fn over_input(path: &Path, input: &Path) -> Diagnostic {
    let same_name = path == input;
    let what = if same_name {
        format!("`{}` is an input of this command", path.display())
    } else {
        format!(
            "`{}` is the same file as the input `{}`",
            path.display(),
            input.display()
        )
    };
    Diagnostic::error(
        Code::OutputIsInput,
        format!("refusing to write over an input: {what}"),
    )
    .with_help("write the output to another file")
    .zh(
        format!("拒绝覆盖输入文件：`{}` 是本命令的输入", path.display()),
        &[],
        Some("请把结果写到另一个文件"),
    )
}

/// Where writing to `path` lands: a symlink's target (followed to the end), or `path` itself.
fn resolve(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => match fs::read_link(&current) {
                Ok(next) => {
                    current = match current.parent() {
                        Some(dir) if next.is_relative() => dir.join(next),
                        _ => next,
                    };
                }
                Err(_) => return current,
            },
            _ => return current,
        }
    }
    current
}

#[cfg(unix)]
fn links(meta: &fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.nlink()
}

#[cfg(not(unix))]
fn links(_: &fs::Metadata) -> u64 {
    1
}

/// Writes a temporary file beside `target` and renames it over `target`.
/// Removes the temporary files a killed kaohe left beside `name` (`.NAME.kaohe-PID-N.tmp`
/// of a process that is gone), so that a run killed mid-write leaves nothing behind once the
/// next one writes. Only where `/proc` tells which processes live (Linux).
fn remove_stale_temporaries(dir: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{name}.kaohe-");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = file
            .strip_prefix(&prefix)
            .filter(|rest| rest.ends_with(".tmp"))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn replace(
    target: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    old: Option<&fs::Metadata>,
) -> std::io::Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_stale_temporaries(&dir, &name);
    let (tmp, file) = loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.kaohe-{}-{n}.tmp", std::process::id()));
        // A new file gets the mode the umask gives (0644 under the usual umask), as any file the user creates.
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    };
    let result = (|| {
        let mut w = std::io::BufWriter::new(&file);
        fill(&mut w)?;
        w.flush()?;
        drop(w);
        if let Some(old) = old {
            keep_owner_and_mode(&file, old)?;
        }
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, target)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// The replaced file's permissions and (where allowed) owner.
fn keep_owner_and_mode(file: &File, old: &fs::Metadata) -> std::io::Result<()> {
    file.set_permissions(old.permissions())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Only root may give a file away; anyone else keeps owning what they write.
        let _ = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid()));
    }
    Ok(())
}

fn reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string().to_lowercase(),
    }
}
