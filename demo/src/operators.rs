//! Ciro's operators as real processes on the local chain: `ciro-keeper`, `ciro-worker` and the
//! `ciro` CLI, each run as its own account, from one operator configuration file.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use starknet::core::types::Felt;
use tokio::process::{Child, Command};

use crate::network::LocalNetwork;
use crate::DemoError;

/// Where the operator binaries are.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// `ciro`.
    pub ciro: PathBuf,
    /// `ciro-keeper`.
    pub keeper: PathBuf,
    /// `ciro-worker`.
    pub worker: PathBuf,
}

impl Binaries {
    /// The binaries in `dir`.
    ///
    /// # Errors
    /// One is missing (build them with `cargo build -p ciro-cli -p ciro-keeper`).
    pub fn in_dir(dir: &Path) -> Result<Self, DemoError> {
        let binaries = Binaries { ciro: dir.join("ciro"), keeper: dir.join("ciro-keeper"), worker: dir.join("ciro-worker") };
        for path in [&binaries.ciro, &binaries.keeper, &binaries.worker] {
            if !path.exists() {
                return Err(DemoError::Operator(format!(
                    "{} is missing: build the operator binaries first (`cargo build -p ciro-cli -p ciro-keeper`)",
                    path.display()
                )));
            }
        }
        Ok(binaries)
    }

    /// The binaries next to the running executable (`target/<profile>/`).
    ///
    /// # Errors
    /// One is missing.
    pub fn beside_current_exe() -> Result<Self, DemoError> {
        let exe = std::env::current_exe().map_err(|source| DemoError::Io { path: PathBuf::from("current executable"), source })?;
        let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
        if dir.ends_with("deps") || dir.ends_with("examples") {
            dir.pop();
        }
        Self::in_dir(&dir)
    }
}

/// A free loopback `host:port`.
///
/// # Errors
/// No port can be bound.
pub fn free_address() -> Result<String, DemoError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|source| DemoError::Io { path: PathBuf::from("127.0.0.1:0"), source })?;
    let address = listener.local_addr().map_err(|source| DemoError::Io { path: PathBuf::from("127.0.0.1:0"), source })?;
    Ok(address.to_string())
}

/// A working directory with the operators' configuration, inputs and state.
pub struct OperatorSite {
    /// The directory.
    pub dir: PathBuf,
    /// `ciro.toml`.
    pub config: PathBuf,
    /// The binaries.
    pub binaries: Binaries,
    /// The coordinator's URL, when the site has one.
    pub coordinator: Option<String>,
    accounts: Vec<(Felt, Felt)>,
}

impl OperatorSite {
    /// Writes `<dir>/ciro.toml` for `network` (reached at `rpc_url`, e.g. through a proxy), with the
    /// manifest, `models` (default `<dir>/models`) as the model directory, and the `coordinator`'s
    /// URL when given (inputs, models and results then move through it; without one, inputs are in
    /// `<dir>/inputs`).
    ///
    /// # Errors
    /// The directory cannot be written.
    pub fn create(
        network: &LocalNetwork,
        manifest: &Path,
        rpc_url: &str,
        models: Option<&Path>,
        coordinator: Option<&str>,
        dir: &Path,
        binaries: Binaries,
    ) -> Result<Self, DemoError> {
        let io = |path: &Path| { let path = path.to_owned(); move |source| DemoError::Io { path, source } };
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(io(dir))?;
        }
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let config = dir.join("ciro.toml");
        let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
        let models = models.map_or_else(|| dir.join("models"), Path::to_path_buf);
        let inputs = match coordinator {
            Some(url) => format!("coordinator = \"{url}\"\n"),
            None => format!("inputs = \"{}\"\n", absolute(&dir.join("inputs")).display()),
        };
        let text = format!(
            "[network]\nrpc_url = \"{rpc_url}\"\nmanifest = \"{}\"\n\n[stores]\n{inputs}models = \"{}\"\n",
            absolute(manifest).display(),
            absolute(&models).display()
        );
        std::fs::write(&config, text).map_err(io(&config))?;
        let accounts = network.devnet.predeployed_accounts().iter().map(|a| (a.address, a.private_key)).collect();
        Ok(OperatorSite { dir: dir.to_owned(), config, binaries, coordinator: coordinator.map(str::to_owned), accounts })
    }

    /// The address of predeployed account `actor`.
    ///
    /// # Errors
    /// No such account.
    pub fn address(&self, actor: usize) -> Result<Felt, DemoError> {
        self.accounts.get(actor).map(|a| a.0).ok_or(DemoError::NoAccount(actor))
    }

    /// `binary` set up to run as `actor`: the configuration file, the account, its key.
    ///
    /// # Errors
    /// No such account.
    pub fn command(&self, binary: &Path, actor: usize) -> Result<Command, DemoError> {
        let (address, key) = *self.accounts.get(actor).ok_or(DemoError::NoAccount(actor))?;
        let mut command = Command::new(binary);
        command
            .env("CIRO_CONFIG", &self.config)
            .env("CIRO_ACCOUNT", format!("{address:#x}"))
            .env("CIRO_PRIVATE_KEY", format!("{key:#x}"))
            .env_remove("CIRO_RPC_URL")
            .env_remove("CIRO_MANIFEST")
            .current_dir(&self.dir)
            .kill_on_drop(true);
        Ok(command)
    }

    /// Runs `ciro <args>` as `actor` to completion; returns its stdout.
    ///
    /// # Errors
    /// It fails (the error carries its stderr).
    pub async fn ciro(&self, actor: usize, args: &[&str]) -> Result<String, DemoError> {
        let binary = self.binaries.ciro.clone();
        self.run(&binary, actor, args).await
    }

    /// Runs `binary <args>` as `actor` to completion; returns its stdout.
    ///
    /// # Errors
    /// It fails (the error carries its stderr).
    pub async fn run(&self, binary: &Path, actor: usize, args: &[&str]) -> Result<String, DemoError> {
        let output = self
            .command(binary, actor)?
            .args(args)
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|source| DemoError::Io { path: binary.to_owned(), source })?;
        let name = binary.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !output.status.success() {
            return Err(DemoError::Operator(format!(
                "`{name} {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Starts `ciro-keeper` as `actor`, relaying for `sponsor`, listening on `listen`; its log goes
    /// to `<dir>/keeper.log` (appended across restarts).
    ///
    /// # Errors
    /// It cannot be started.
    pub fn spawn_keeper(&self, actor: usize, sponsor: Felt, listen: &str, poll_interval_ms: u64) -> Result<Child, DemoError> {
        let log = self.log_file("keeper.log")?;
        let database = self.dir.join("keeper.sqlite");
        self.command(&self.binaries.keeper, actor)?
            .args(["--sponsor", &format!("{sponsor:#x}"), "--listen", listen, "--poll-interval-ms", &poll_interval_ms.to_string()])
            .arg("--database")
            .arg(&database)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|source| DemoError::Io { path: self.binaries.keeper.clone(), source })
    }

    /// Starts `ciro-worker start` as `actor`, its state in `<dir>/<name>`, its log in
    /// `<dir>/<name>.log`.
    ///
    /// # Errors
    /// It cannot be started.
    pub fn spawn_worker(&self, actor: usize, name: &str, listen: &str, poll_interval_ms: u64) -> Result<Child, DemoError> {
        self.spawn_worker_with(actor, name, listen, poll_interval_ms, &[])
    }

    /// [`OperatorSite::spawn_worker`] with extra environment variables (e.g. `CIRO_INPUT_STORE`).
    ///
    /// # Errors
    /// It cannot be started.
    pub fn spawn_worker_with(&self, actor: usize, name: &str, listen: &str, poll_interval_ms: u64, env: &[(&str, &str)]) -> Result<Child, DemoError> {
        let log = self.log_file(&format!("{name}.log"))?;
        self.command(&self.binaries.worker, actor)?
            .envs(env.iter().copied())
            .args(["start", "--listen", listen, "--poll-interval-ms", &poll_interval_ms.to_string(), "--max-concurrent-jobs", "1"])
            .arg("--state-dir")
            .arg(self.dir.join(name))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|source| DemoError::Io { path: self.binaries.worker.clone(), source })
    }

    fn log_file(&self, name: &str) -> Result<std::fs::File, DemoError> {
        let path = self.dir.join(name);
        std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(|source| DemoError::Io { path, source })
    }
}
