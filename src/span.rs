//! Source positions shared by every stage: files, byte spans and their line/column form.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FileId(pub u32);

/// A range of one source file: byte offsets plus the 1-based line and
/// character column of both ends (the end is exclusive).
///
/// Line and column are stored, not recomputed, so that a span printed in a
/// snapshot or carried in the compiled IR needs no source to be read. In the
/// IR a span is written `"3:5-3:9@40..44"`; the file is the IR's source.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the span points into.
    pub file: FileId,
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset one past the last byte.
    pub end: u32,
    /// 1-based line of `start`.
    pub start_line: u32,
    /// 1-based character column of `start`.
    pub start_col: u32,
    /// 1-based line of `end`.
    pub end_line: u32,
    /// 1-based character column of `end`.
    pub end_col: u32,
}

impl Span {
    /// The byte range of the span, for slicing the source.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both `self` and `other` (same file).
    pub fn to(self, other: Span) -> Span {
        let first = if other.start < self.start {
            other
        } else {
            self
        };
        let last = if other.end > self.end { other } else { self };
        Span {
            file: self.file,
            start: first.start,
            start_line: first.start_line,
            start_col: first.start_col,
            end: last.end,
            end_line: last.end_line,
            end_col: last.end_col,
        }
    }
}

impl Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!(
            "{}:{}-{}:{}@{}..{}",
            self.start_line, self.start_col, self.end_line, self.end_col, self.start, self.end
        ))
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Span, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_span(&text).ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a span")))
    }
}

/// Reads `"3:5-3:9@40..44"` back.
fn parse_span(text: &str) -> Option<Span> {
    let (lines, bytes) = text.split_once('@')?;
    let (from, to) = lines.split_once('-')?;
    let (start_line, start_col) = from.split_once(':')?;
    let (end_line, end_col) = to.split_once(':')?;
    let (start, end) = bytes.split_once("..")?;
    Some(Span {
        file: FileId(0),
        start: start.parse().ok()?,
        end: end.parse().ok()?,
        start_line: start_line.parse().ok()?,
        start_col: start_col.parse().ok()?,
        end_line: end_line.parse().ok()?,
        end_col: end_col.parse().ok()?,
    })
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "@{}:{}-{}:{}",
            self.start_line, self.start_col, self.end_line, self.end_col
        )
    }
}

/// One source file: its display name, text and line starts.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown in diagnostics (usually the path as given).
    pub name: String,
    /// The full text (of a snippet: the lines kept).
    pub text: String,
    /// For a snippet of a larger file: how many lines of the file precede it.
    pub line_offset: u32,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(name: String, text: String, line_offset: u32) -> SourceFile {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            name,
            text,
            line_offset,
            line_starts,
        }
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let col = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (line as u32 + 1 + self.line_offset, col as u32 + 1)
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: u32) -> &str {
        let i = (line.saturating_sub(self.line_offset) as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(i) else {
            return "";
        };
        let end = self
            .line_starts
            .get(i + 1)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }
}

/// Every file a run has read, so that any span can be rendered.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.add_snippet(name, text, 1)
    }

    /// Adds some lines of a larger file (a bad row of a fact file), starting at 1-based line `first_line`,
    /// so that a diagnostic can show them without the whole file being kept.
    pub fn add_snippet(
        &mut self,
        name: impl Into<String>,
        text: impl Into<String>,
        first_line: u32,
    ) -> FileId {
        let offset = first_line.saturating_sub(1);
        self.files
            .push(SourceFile::new(name.into(), text.into(), offset));
        FileId(self.files.len() as u32 - 1)
    }

    /// The file behind an id.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// Every file, in the order added.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// A span for a byte range of a file, with its line and column filled in. The range is
    /// widened to whole characters (and kept within the text): a byte offset inside a
    /// multi-byte character, from a parser's column or a `+ 1`, must never reach the
    /// renderer, which would panic on it.
    pub fn span(&self, file: FileId, start: usize, end: usize) -> Span {
        let (start, end) = match self.get(file) {
            Some(f) => {
                let text = f.text.as_str();
                let mut start = start.min(text.len());
                while !text.is_char_boundary(start) {
                    start -= 1;
                }
                let mut end = end.clamp(start, text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                (start, end)
            }
            None => (start, end),
        };
        let (start_line, start_col, end_line, end_col) = match self.get(file) {
            Some(f) => {
                let (sl, sc) = f.line_col(start);
                let (el, ec) = f.line_col(end);
                (sl, sc, el, ec)
            }
            None => (0, 0, 0, 0),
        };
        Span {
            file,
            start: start as u32,
            end: end as u32,
            start_line,
            start_col,
            end_line,
            end_col,
        }
    }

    /// The source text a span covers (empty if the span is not in this map).
    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file)
            .and_then(|f| f.text.get(span.range()))
            .unwrap_or("")
    }
}
