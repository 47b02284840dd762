//! Helpers shared by the end-to-end tests: a temporary workspace with its own database, and
//! running the real `kyodo` binary in it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

/// The repository root (where `config/` is).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary folder holding a test's database and any files it writes.
pub struct Workspace {
    pub dir: TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        Workspace {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("kyodo.sqlite3")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `kyodo ARGS` with this workspace's database and the shipped config, run from the repository.
    pub fn kyodo(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_kyodo"))
            .args(args)
            .current_dir(repo())
            .env("KYODO_DATABASE", self.db())
            .env_remove("KYODO_CONFIG")
            .env_remove("DISCORD_TOKEN")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run kyodo");
        Run(output)
    }
}

/// What a run of the binary printed, and how it ended.
pub struct Run(pub Output);

impl Run {
    pub fn success(&self) -> bool {
        self.0.status.success()
    }

    pub fn code(&self) -> Option<i32> {
        self.0.status.code()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    /// Panics with both outputs unless the run succeeded.
    pub fn ok(self) -> Self {
        assert!(
            self.success(),
            "kyodo failed ({:?})\nstdout:\n{}\nstderr:\n{}",
            self.code(),
            self.stdout(),
            self.stderr()
        );
        self
    }
}
