//! The `grantex` binary as child processes: `grantex serve --dev` on an ephemeral port (killed on drop), and
//! one-shot CLI runs with a private configuration directory and none of the caller's `GRANTEX_*` settings.

use super::TestServer;
use grantex_server::client::{Client, ClientConfig};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The binary Cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_grantex");

/// A `grantex serve --dev` child process, killed on drop, with a scratch directory for the test.
pub struct ServedBinary {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// Scratch space for the test (configuration homes, files).
    pub dir: PathBuf,
    /// The directory is this server's own (removed on drop), not a [`TestServer`]'s.
    owns_dir: bool,
}

impl ServedBinary {
    /// Over a fresh SQLite database in a new temporary directory (removed on drop).
    pub fn start() -> ServedBinary {
        let dir = std::env::temp_dir().join(format!(
            "grantex-binary-{}",
            grantex_server::ids::ulid().to_lowercase()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut served = ServedBinary::spawn(&dir.join("data"), None, dir.clone());
        served.owns_dir = true;
        served
    }

    /// Over the database of `owner` (SQLite, or PostgreSQL with `GRANTEX_TEST_DATABASE_URL`), which removes
    /// it when dropped; the scratch directory is inside the owner's data directory.
    pub fn start_over(owner: &TestServer) -> ServedBinary {
        let storage = &owner.args.storage;
        ServedBinary::spawn(
            &storage.data_dir,
            storage.database_url.as_deref(),
            storage.data_dir.join("scratch"),
        )
    }

    fn spawn(data_dir: &Path, database_url: Option<&str>, dir: PathBuf) -> ServedBinary {
        std::fs::create_dir_all(&dir).unwrap();
        let mut command = Command::new(BIN);
        command
            .args(["serve", "--dev", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env("RUST_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        // Every flag has a GRANTEX_* variable: the server runs on its defaults, whatever the caller's
        // environment says.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("GRANTEX_") {
                command.env_remove(name);
            }
        }
        if let Some(url) = database_url {
            command.args(["--database-url", url]);
        }
        let mut child = command.spawn().unwrap();
        // The first line announces the bound address (`… http://127.0.0.1:<port>`).
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert!(line.starts_with("Grantex listening on"), "{line}");
        let addr = line.trim().rsplit("http://").next().unwrap().to_owned();
        ServedBinary {
            child,
            url: format!("http://{addr}"),
            dir,
            owns_dir: false,
        }
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// The REST client on this server with `key`.
    pub fn client(&self, key: &str) -> Client {
        Client::new(ClientConfig::new(&self.url, key).unwrap())
    }
}

impl Drop for ServedBinary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.owns_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// What a CLI run printed and how it exited.
pub struct CliRun {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl CliRun {
    /// Standard output parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }

    /// Asserts exit code 0 (showing both streams otherwise).
    pub fn ok(&self) -> &CliRun {
        assert_eq!(
            self.code, 0,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs `grantex args…` with `config_home` as its configuration home and the server URL and API key given
/// here only (the caller's environment and configuration file play no part).
pub fn cli(config_home: &Path, url: Option<&str>, key: Option<&str>, args: &[&str]) -> CliRun {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("GRANTEX_BASE_URL")
        .env_remove("GRANTEX_API_KEY")
        .env_remove("GRANTEX_URL")
        .env_remove("GRANTEX_KEY")
        .env_remove("GRANTEX_CONFIG")
        .env("XDG_CONFIG_HOME", config_home)
        .env("HOME", config_home)
        .stdin(Stdio::null());
    if let Some(url) = url {
        cmd.env("GRANTEX_BASE_URL", url);
    }
    if let Some(key) = key {
        cmd.env("GRANTEX_API_KEY", key);
    }
    let out = cmd.output().unwrap();
    CliRun {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
