//! A local Ciro to develop against: devnet with the contracts deployed by `ciro-deploy`, the
//! keeper (the coordinator) and staked workers running as processes, and a funded client account
//! whose configuration file the `ciro` CLI and the Python SDK read. Nothing is registered or
//! submitted: that is the developer's part.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use starknet::core::types::Felt;
use tokio::process::Child;

use crate::main_job::{fund_and_stake, wait_for_health};
use crate::market::Market;
use crate::network::{actor, LocalNetwork};
use crate::operators::{free_address, Binaries, OperatorSite};
use crate::{DemoError, DemoOptions};

/// What to start, and where.
#[derive(Debug, Clone)]
pub struct LocalnetOptions {
    /// The built contracts and the manifest's directory.
    pub demo: DemoOptions,
    /// The operators' directories go here (`keeper/`, `client/`, `worker-a/`, `worker-b/`).
    pub dir: PathBuf,
    /// The operator binaries.
    pub binaries: Binaries,
    /// How many workers to register, stake and start (1 or 2).
    pub workers: usize,
    /// How often the keeper and the workers poll the chain.
    pub poll_interval_ms: u64,
}

/// A running local Ciro. Dropping it stops the processes and the chain.
pub struct Localnet {
    /// The chain and its deployment.
    pub network: LocalNetwork,
    /// The client's site: its `ciro.toml` names the node, the manifest and the coordinator.
    pub client: OperatorSite,
    /// The coordinator's URL.
    pub coordinator: String,
    /// The deployment manifest.
    pub manifest: PathBuf,
    processes: Vec<(String, Child, PathBuf)>,
}

impl Localnet {
    /// Launches devnet and deploys, funds the client (1,000 CIRO), funds both workers, registers and
    /// stakes `options.workers` of them and starts those, and waits until the keeper is healthy.
    ///
    /// # Errors
    /// Devnet or a process cannot start, or a transaction fails.
    pub async fn start(options: &LocalnetOptions, progress: &dyn Fn(&str)) -> Result<Self, DemoError> {
        if !(1..=2).contains(&options.workers) {
            return Err(DemoError::Operator(format!("--workers {}: 1 or 2", options.workers)));
        }
        progress("starting devnet and deploying with ciro-deploy");
        let network = LocalNetwork::launch(&options.demo.artifacts_dir, &options.demo.manifest_dir).await?;
        let manifest = options.demo.manifest_dir.join("devnet.json");
        let keeper_address = free_address()?;
        let coordinator = format!("http://{keeper_address}");
        let rpc = network.devnet.url().to_string();
        let site = |name: &str| OperatorSite::create(&network, &manifest, &rpc, None, Some(&coordinator), &options.dir.join(name), options.binaries.clone());
        let (keeper, client, worker_a, worker_b) = (site("keeper")?, site("client")?, site("worker-a")?, site("worker-b")?);

        let mut processes = Vec::new();
        progress("starting ciro-keeper, the coordinator");
        let child = keeper.spawn_keeper(actor::KEEPER, network.address(actor::DEPLOYER)?, &keeper_address, options.poll_interval_ms)?;
        processes.push(("ciro-keeper".to_owned(), child, keeper.dir.join("keeper.log")));
        wait_for_health(&keeper_address).await?;
        let market = Market::new(&network)?;
        fund_and_stake(&market, &[&worker_a, &worker_b][..options.workers], 1, progress).await?;
        progress("starting the workers");
        for ((name, site), actor) in [("worker-a", &worker_a), ("worker-b", &worker_b)].into_iter().zip(actor::WORKERS).take(options.workers) {
            let child = site.spawn_worker(actor, name, &free_address()?, options.poll_interval_ms)?;
            processes.push((format!("ciro-worker {name}"), child, site.dir.join(format!("{name}.log"))));
        }
        Ok(Localnet { network, client, coordinator, manifest, processes })
    }

    /// The client's connection details, as one JSON object: what `ciro.Client(...)` or `ciro`
    /// needs (`config` is the client's `ciro.toml`; the account's key goes in `CIRO_PRIVATE_KEY`).
    ///
    /// # Errors
    /// Devnet has no client account.
    pub fn client_details(&self) -> Result<serde_json::Value, DemoError> {
        let account = self.network.devnet.predeployed_accounts().get(actor::CLIENT).ok_or(DemoError::NoAccount(actor::CLIENT))?;
        let hex = |felt: Felt| format!("{felt:#x}");
        Ok(json!({
            "ready": true,
            "rpc_url": self.network.devnet.url().to_string(),
            "manifest": absolute(&self.manifest),
            "config": absolute(&self.client.config),
            "coordinator": self.coordinator,
            "account": hex(account.address),
            "private_key": hex(account.private_key),
            "private_key_env": "CIRO_PRIVATE_KEY",
            "logs": self.processes.iter().map(|(_, _, log)| absolute(log)).collect::<Vec<_>>(),
        }))
    }

    /// Waits until Ctrl-C (or SIGTERM), or until a process exits (an error naming it and its log).
    ///
    /// # Errors
    /// A process exited.
    pub async fn run_until_stopped(&mut self) -> Result<(), DemoError> {
        let stop = stop_signal();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => return Ok(()),
                () = tokio::time::sleep(Duration::from_millis(500)) => {
                    for (name, child, log) in &mut self.processes {
                        if let Ok(Some(status)) = child.try_wait() {
                            return Err(DemoError::Operator(format!("{name} exited ({status}); see {}", log.display())));
                        }
                    }
                }
            }
        }
    }
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned()).display().to_string()
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = terminate => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
