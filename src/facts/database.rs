//! Part of the facts stage: a database table read as a fact file (`--facts
//! postgres://HOST/DB/TABLE`). Its rows come out of the database as CSV, in primary-key
//! order, and go through the validation of a file; a message about a row names it by its
//! primary key. The client is the optional `postgres` cargo feature; without it, or for a
//! DuckDB table (`duckdb:FILE.db/TABLE`, not built), the source is an error saying so.

use std::path::Path;

use crate::diagnostic::{Code, Diagnostic};

/// Whether a `--facts` argument names a database table rather than a file.
pub(crate) fn is_database(path: &Path) -> bool {
    let text = path.to_string_lossy();
    ["postgres://", "postgresql://", "duckdb:"]
        .iter()
        .any(|p| text.starts_with(p))
}

/// A table of a database: how to connect, and which table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    /// The connection URL, without the table.
    pub connect: String,
    /// The table, as written (`facts`, `kaohe.facts_2021`).
    pub table: String,
}

fn bad_source(text: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        Code::DatabaseFacts,
        format!("cannot read facts from `{text}`: {why}"),
    )
    .with_help(
        "name a table as `postgres://USER@HOST:PORT/DATABASE/TABLE`, the password in `PGPASSWORD`",
    )
}

/// The connection and table of `postgres://USER@HOST:PORT/DATABASE/TABLE[?OPTIONS]`.
pub(crate) fn parse(text: &str) -> Result<Table, Diagnostic> {
    if text.starts_with("duckdb:") {
        return Err(Diagnostic::error(
            Code::DatabaseFacts,
            format!("cannot read facts from `{text}`: reading a DuckDB table is not built"),
        )
        .with_help("export the table with `COPY facts TO 'facts.csv' (HEADER)` and give the file, or score in DuckDB with `kaohe sql`"));
    }
    let (base, options) = match text.split_once('?') {
        Some((b, o)) => (b, Some(o)),
        None => (text, None),
    };
    let Some((scheme, rest)) = base.split_once("://") else {
        return Err(bad_source(text, "it is not a URL"));
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if let Some((user, host)) = authority
        .rsplit_once('@')
        .filter(|(user, _)| user.contains(':'))
    {
        // Said with the password masked.
        let name = user.split(':').next().unwrap_or_default();
        let options = options.map(|o| format!("?{o}")).unwrap_or_default();
        let shown = format!("{scheme}://{name}:***@{host}/{path}{options}");
        return Err(Diagnostic::error(
            Code::DatabaseFacts,
            format!("cannot read facts from `{shown}`: the URL holds a password, which every message naming a row would show"),
        )
        .with_help("give the password in the `PGPASSWORD` environment variable, not in the URL"));
    }
    let Some((database, table)) = path.rsplit_once('/') else {
        return Err(bad_source(text, "it names no table after the database"));
    };
    if database.is_empty() || table.is_empty() {
        return Err(bad_source(text, "it names no database or no table"));
    }
    let mut connect = format!("{scheme}://{authority}/{database}");
    if let Some(o) = options {
        connect.push('?');
        connect.push_str(o);
    }
    Ok(Table {
        connect,
        table: table.to_string(),
    })
}

#[cfg(feature = "postgres")]
/// `kaohe.facts` as `"kaohe"."facts"`: each part an identifier, quotes doubled.
pub(crate) fn quoted(table: &str) -> String {
    table
        .split('.')
        .map(|p| format!("\"{}\"", p.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(".")
}

/// A table's rows as CSV, and its primary-key columns.
pub(crate) struct Opened {
    /// The rows as CSV with a header, in primary-key order.
    pub reader: Box<dyn std::io::Read>,
    /// The primary key's columns (none: the table has no primary key).
    pub keys: Vec<String>,
}

/// Opens a table's rows.
#[cfg(feature = "postgres")]
pub(crate) fn open(text: &str) -> Result<Opened, Diagnostic> {
    client::open(&parse(text)?, text)
}

/// Opens a table's rows: without the `postgres` feature, an error saying how to get it.
#[cfg(not(feature = "postgres"))]
pub(crate) fn open(text: &str) -> Result<Opened, Diagnostic> {
    parse(text)?;
    Err(Diagnostic::error(
        Code::DatabaseFacts,
        format!("cannot read facts from `{text}`: this kaohe was built without its PostgreSQL client"),
    )
    .with_help("build kaohe with `cargo install --path . --features postgres`, or export the table to a CSV file"))
}

#[cfg(feature = "postgres")]
mod client {
    //! The PostgreSQL client: the rows streamed from `COPY … TO STDOUT` on a thread of
    //! their own, so that memory does not grow with the table.

    use std::io::Read;
    use std::sync::mpsc;

    use super::{quoted, Opened, Table};
    use crate::diagnostic::{Code, Diagnostic};

    /// What the reading thread hands on: the primary key first, then blocks of CSV.
    enum Message {
        Keys(Vec<String>),
        Block(Vec<u8>),
        /// Every row was sent: without it, a closed channel is an error, never the table's end.
        End,
        Failed(String),
    }

    fn why(e: &postgres::Error) -> String {
        e.as_db_error()
            .map_or_else(|| e.to_string(), |d| d.message().to_string())
            .to_lowercase()
    }

    /// Connects, finds the primary key and streams the rows, on the calling thread's behalf.
    fn read(table: &Table, tx: &mpsc::SyncSender<Message>) -> Result<(), String> {
        let mut config: postgres::Config = table.connect.parse().map_err(|e| why(&e))?;
        if config.get_password().is_none() {
            if let Ok(p) = std::env::var("PGPASSWORD") {
                config.password(p);
            }
        }
        let mut client = config.connect(postgres::NoTls).map_err(|e| why(&e))?;
        let name = quoted(&table.table);
        let keys: Vec<String> = client
            .query(
                "SELECT a.attname::text FROM pg_index i \
                 CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                 WHERE i.indrelid = $1::text::regclass AND i.indisprimary ORDER BY k.n",
                &[&name],
            )
            .map_err(|e| why(&e))?
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect();
        client
            .batch_execute("SET DateStyle = ISO")
            .map_err(|e| why(&e))?;
        let order = if keys.is_empty() {
            String::new()
        } else {
            let cols: Vec<String> = keys.iter().map(|k| quoted(k)).collect();
            format!(" ORDER BY {}", cols.join(", "))
        };
        let copy =
            format!("COPY (SELECT * FROM {name}{order}) TO STDOUT WITH (FORMAT csv, HEADER)");
        let mut rows = client.copy_out(copy.as_str()).map_err(|e| why(&e))?;
        if tx.send(Message::Keys(keys)).is_err() {
            return Ok(());
        }
        loop {
            let mut block = vec![0u8; 64 * 1024];
            let got = rows.read(&mut block).map_err(|e| e.to_string())?;
            if got == 0 {
                let _ = tx.send(Message::End);
                return Ok(());
            }
            block.truncate(got);
            if tx.send(Message::Block(block)).is_err() {
                return Ok(());
            }
        }
    }

    pub(super) fn open(table: &Table, text: &str) -> Result<Opened, Diagnostic> {
        let failed = |why: String| {
            Diagnostic::error(
                Code::DatabaseFacts,
                format!("cannot read facts from `{text}`: {why}"),
            )
            .with_help("check the server, the database, the table and the user's right to read it (`psql` with the same URL)")
        };
        let (tx, rx) = mpsc::sync_channel::<Message>(16);
        let table = table.clone();
        std::thread::spawn(move || {
            if let Err(e) = read(&table, &tx) {
                let _ = tx.send(Message::Failed(e));
            }
        });
        match rx.recv() {
            Ok(Message::Keys(keys)) => Ok(Opened {
                reader: Box::new(Channel {
                    rx,
                    block: Vec::new(),
                    at: 0,
                    ended: false,
                }),
                keys,
            }),
            Ok(Message::Failed(e)) => Err(failed(e)),
            Ok(Message::Block(_) | Message::End) | Err(_) => {
                Err(failed("the connection ended".into()))
            }
        }
    }

    /// Blocks of the table's CSV from the reading thread.
    struct Channel {
        rx: mpsc::Receiver<Message>,
        block: Vec<u8>,
        at: usize,
        ended: bool,
    }

    impl Read for Channel {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            while self.at >= self.block.len() {
                if self.ended {
                    return Ok(0);
                }
                match self.rx.recv() {
                    Ok(Message::Block(block)) => {
                        self.block = block;
                        self.at = 0;
                    }
                    Ok(Message::End) => self.ended = true,
                    Ok(Message::Failed(e)) => return Err(std::io::Error::other(e)),
                    Ok(Message::Keys(_)) | Err(_) => {
                        return Err(std::io::Error::other(
                            "the connection ended before every row was read",
                        ))
                    }
                }
            }
            let rest = self.block.get(self.at..).unwrap_or_default();
            let n = rest.len().min(buf.len());
            if let (Some(to), Some(from)) = (buf.get_mut(..n), rest.get(..n)) {
                to.copy_from_slice(from);
            }
            self.at += n;
            Ok(n)
        }
    }
}
