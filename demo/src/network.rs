//! A local Starknet chain with Ciro deployed on it by `ciro-deploy`, exactly as on a public
//! network: the devnet configuration (`deploy/networks/devnet.toml`), the deployment plan, the
//! manifest, the wiring read back.

use std::path::Path;

use ciro_deploy::deployer::Deployer;
use ciro_deploy::{ContractArtifacts, DeployConfig, DeployReport, Manifest};
use ciro_devnet::{Devnet, DevnetConfig};
use starknet::core::types::Felt;

use crate::DemoError;

/// The devnet configuration, embedded: the main job needs no file but the built contracts.
pub const DEVNET_CONFIG: &str = include_str!("../../deploy/networks/devnet.toml");

/// Predeployed accounts and the parts they play.
pub mod actor {
    /// Deploys, governs, holds the initial supply.
    pub const DEPLOYER: usize = 0;
    /// Submits jobs.
    pub const CLIENT: usize = 1;
    /// The two GPU providers.
    pub const WORKERS: [usize; 2] = [3, 4];
    /// Calls the keeper entry points (assign, release, timeout).
    pub const KEEPER: usize = 6;
    /// Sets the CIRO/USD price.
    pub const ORACLE: usize = 8;
    /// The emergency council's members (2 of 3 confirm an action).
    pub const COUNCIL: [usize; 3] = [2, 7, 9];
}

/// A devnet with the Ciro system deployed.
pub struct LocalNetwork {
    /// The node (stopped when dropped).
    pub devnet: Devnet,
    /// The deployment manifest.
    pub manifest: Manifest,
    /// What the deployment did.
    pub deployment: DeployReport,
}

impl LocalNetwork {
    /// Starts devnet and deploys the contracts from `artifacts_dir` with `ciro-deploy`'s devnet
    /// configuration (the GovernanceTreasury governs and holds the treasury; the oracle and the
    /// three council members get their own accounts), writing the
    /// manifest to `<manifest_dir>/devnet.json`.
    ///
    /// # Errors
    /// Devnet cannot start, the contracts are not built, or a deployment step fails.
    pub async fn launch(artifacts_dir: &Path, manifest_dir: &Path) -> Result<Self, DemoError> {
        let devnet = Devnet::spawn(DevnetConfig::default()).await?;
        let address = |index: usize| -> Result<Felt, DemoError> {
            devnet.predeployed_accounts().get(index).map(|a| a.address).ok_or(DemoError::NoAccount(index))
        };
        let mut config = DeployConfig::parse(DEVNET_CONFIG, Path::new("deploy/networks/devnet.toml"))?;
        config.network.rpc_url = devnet.url().to_string();
        config.account.address = format!("{:#x}", address(actor::DEPLOYER)?);
        config.roles.oracle = format!("{:#x}", address(actor::ORACLE)?);
        // The keeper alone may assign jobs.
        config.roles.assigner = format!("{:#x}", address(actor::KEEPER)?);
        config.governance.council = actor::COUNCIL.iter().map(|&i| address(i).map(|a| format!("{a:#x}"))).collect::<Result<_, _>>()?;
        config.governance.council_threshold = 2;

        let artifacts = ContractArtifacts::load(artifacts_dir, "ciro")?;
        let manifest_path = Manifest::path_for(manifest_dir, &config.network.name);
        // A fresh chain: a manifest left by an earlier demo describes nothing on it.
        if manifest_path.exists() {
            std::fs::remove_file(&manifest_path).map_err(|source| DemoError::Io { path: manifest_path.clone(), source })?;
        }
        let deployer = Deployer::prepare(&config, devnet.account(actor::DEPLOYER)?, &artifacts, &manifest_path).await?;
        let deployment = deployer.run(None).await?;
        Ok(LocalNetwork { manifest: deployment.manifest.clone(), deployment, devnet })
    }

    /// The address of contract `name`.
    ///
    /// # Errors
    /// The manifest has no such contract.
    pub fn contract(&self, name: &'static str) -> Result<Felt, DemoError> {
        self.manifest.address_of(name).ok_or(DemoError::NotDeployed(name))
    }

    /// The address of predeployed account `index`.
    ///
    /// # Errors
    /// No such account.
    pub fn address(&self, index: usize) -> Result<Felt, DemoError> {
        self.devnet.predeployed_accounts().get(index).map(|a| a.address).ok_or(DemoError::NoAccount(index))
    }
}
