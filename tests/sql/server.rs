//! A throwaway PostgreSQL server for a test: `tests/sql/postgres.sh` starts it on a socket in
//! a temporary folder and stops it when dropped.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A PostgreSQL server for the length of a test.
pub struct Postgres {
    /// The server's folder; its socket is `sock` in it.
    pub dir: PathBuf,
    script: PathBuf,
}

impl Postgres {
    /// Starts a server; `None` (said on standard error) when it does not start.
    pub fn start() -> Option<Postgres> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sql/postgres.sh");
        let dir = std::env::temp_dir().join(format!("kaohe-pg-{}", std::process::id()));
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .arg(&dir)
            .output()
            .ok()?;
        if !out.status.success() {
            eprintln!("{}", String::from_utf8_lossy(&out.stderr));
            return None;
        }
        Some(Postgres { dir, script })
    }

    /// Runs a psql script; its standard error when it fails.
    #[allow(dead_code)]
    pub fn psql(&self, script: &Path) -> Result<(), String> {
        let out = Command::new("psql")
            .arg("-h")
            .arg(self.dir.join("sock"))
            .args([
                "-U",
                "postgres",
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "--csv",
                "-f",
            ])
            .arg(script)
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(&self.script)
            .arg("stop")
            .arg(&self.dir)
            .status();
    }
}
