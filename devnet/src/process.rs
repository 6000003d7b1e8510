//! Spawning the `starknet-devnet` process and waiting for it to listen.

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use crate::{DevnetConfig, DevnetError};

/// The devnet version Ciro is tested against.
pub const REQUIRED_VERSION: &str = "0.10.1";

/// Lines of devnet output kept for error messages.
const KEPT_LINES: usize = 40;

/// Checks that `binary` runs and is [`REQUIRED_VERSION`].
///
/// # Errors
/// [`DevnetError::NotInstalled`] or [`DevnetError::WrongVersion`].
pub async fn check_installed(binary: &str) -> Result<(), DevnetError> {
    let output = Command::new(binary)
        .arg("--version")
        .output()
        .await
        .map_err(|source| DevnetError::NotInstalled { binary: binary.into(), source })?;
    let found = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if found.split_whitespace().last() == Some(REQUIRED_VERSION) {
        Ok(())
    } else {
        Err(DevnetError::WrongVersion { binary: binary.into(), found })
    }
}

/// The child process; killed on drop.
pub(crate) struct DevnetProcess {
    child: Child,
}

impl DevnetProcess {
    /// Starts devnet with `--port 0` and returns it with the address it announced.
    pub(crate) async fn start(config: &DevnetConfig) -> Result<(Self, String), DevnetError> {
        check_installed(&config.binary).await?;
        let mut command = Command::new(&config.binary);
        command
            .args(["--host", "127.0.0.1", "--port", "0"])
            .args(["--seed", &config.seed.to_string()])
            .args(["--accounts", &config.accounts.to_string()])
            .args(["--initial-balance", &config.initial_balance.to_string()])
            // Devnet reads many settings (PORT, SEED, FORK_NETWORK, ...) from the environment:
            // start it from a clean one so the caller's variables cannot change the chain.
            .env_clear()
            .envs(std::env::var_os("PATH").map(|path| ("PATH", path)))
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(start_time) = config.start_time {
            command.args(["--start-time", &start_time.to_string()]);
        }
        stop_with_parent(&mut command);
        let mut child = command
            .spawn()
            .map_err(|source| DevnetError::NotInstalled { binary: config.binary.clone(), source })?;

        let recent = Arc::new(Mutex::new(VecDeque::with_capacity(KEPT_LINES)));
        let (address_tx, mut address_rx) = mpsc::channel(1);
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(follow(stdout, Arc::clone(&recent), Some(address_tx)));
        }
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(follow(stderr, Arc::clone(&recent), None));
        }
        let output = |recent: &Arc<Mutex<VecDeque<String>>>| {
            recent.lock().map(|lines| lines.iter().cloned().collect::<Vec<_>>().join("\n")).unwrap_or_default()
        };

        let waited = tokio::time::timeout(config.startup_timeout, address_rx.recv()).await;
        match waited {
            Ok(Some(address)) => Ok((DevnetProcess { child }, address)),
            Ok(None) => {
                // Output closed without an address: the process is exiting.
                let status = tokio::time::timeout(Duration::from_secs(5), child.wait())
                    .await
                    .map(|s| s.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string()))
                    .unwrap_or_else(|_| "still running".into());
                Err(DevnetError::ExitedEarly { status, output: output(&recent) })
            }
            Err(_) => Err(DevnetError::StartTimeout { timeout: config.startup_timeout, output: output(&recent) }),
        }
    }

    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

impl Drop for DevnetProcess {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Reads `stream` line by line, keeps the last lines, and sends the listening address once.
async fn follow(
    stream: impl AsyncRead + Unpin,
    recent: Arc<Mutex<VecDeque<String>>>,
    mut address_tx: Option<mpsc::Sender<String>>,
) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(tx) = &address_tx {
            if let Some(address) = listening_address(&line) {
                let _ = tx.send(address).await;
                address_tx = None;
            }
        }
        if let Ok(mut kept) = recent.lock() {
            if kept.len() == KEPT_LINES {
                kept.pop_front();
            }
            kept.push_back(line);
        }
    }
}

/// Extracts `HOST:PORT` from devnet's "Starknet Devnet listening on HOST:PORT" log line.
fn listening_address(line: &str) -> Option<String> {
    let (_, rest) = line.split_once("listening on ")?;
    let address = rest.split_whitespace().next()?;
    address.rsplit_once(':')?.1.parse::<u16>().ok()?;
    Some(address.to_owned())
}

/// On Linux, asks the kernel to kill devnet if the process that started it dies, so a test
/// process killed mid-run leaves no node behind.
#[cfg(target_os = "linux")]
fn stop_with_parent(command: &mut Command) {
    // SAFETY: prctl(PR_SET_PDEATHSIG) is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn stop_with_parent(_command: &mut Command) {}

#[cfg(test)]
mod tests {
    use super::listening_address;

    #[test]
    fn listening_address_is_read_from_the_log_line() {
        let line = "2026-11-21T00:00:00Z  INFO starknet_devnet: Starknet Devnet listening on 127.0.0.1:40123";
        assert_eq!(listening_address(line).as_deref(), Some("127.0.0.1:40123"));
        assert_eq!(listening_address("Predeployed UDC"), None);
        assert_eq!(listening_address("listening on nowhere"), None);
    }
}
