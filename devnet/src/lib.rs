//! `ciro-devnet`: a real local Starknet node for Ciro's tests and demo.
//!
//! [`Devnet::spawn`] starts `starknet-devnet` 0.10.1 (installed by the README's commands) on a free
//! loopback port with a fixed seed, waits until it answers, and stops it when dropped. It hands out
//! the node's predeployed, funded accounts ([`Devnet::account`]), and drives the node's clock and
//! faucet (`devnet_setTime`, `devnet_increaseTime`, `devnet_mint`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), ciro_devnet::DevnetError> {
//! let devnet = ciro_devnet::Devnet::spawn(ciro_devnet::DevnetConfig::default()).await?;
//! let alice = devnet.account(0)?;
//! devnet.increase_time(3600).await?;
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

mod process;
mod rpc;

use std::sync::Arc;
use std::time::Duration;

use starknet::accounts::{ExecutionEncoding, SingleOwnerAccount};
use starknet::core::types::Felt;
use starknet::providers::jsonrpc::HttpTransport;
use starknet::providers::{JsonRpcClient, Provider, ProviderError};
use starknet::signers::{LocalWallet, SigningKey};
use url::Url;

pub use process::{check_installed, REQUIRED_VERSION};

/// The JSON-RPC provider type used against devnet.
pub type DevnetProvider = JsonRpcClient<HttpTransport>;
/// A predeployed account, ready to sign transactions.
pub type DevnetAccount = SingleOwnerAccount<Arc<DevnetProvider>, LocalWallet>;

/// The STRK fee token, predeployed by devnet at its mainnet address.
pub const STRK_ADDRESS: Felt =
    Felt::from_hex_unchecked("0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d");

/// Errors from starting or driving devnet.
#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    /// The binary could not be run.
    #[error(
        "could not run `{binary}`: install it with \
         `cargo install --locked starknet-devnet --version {REQUIRED_VERSION}` \
         or set CIRO_DEVNET_BIN"
    )]
    NotInstalled {
        /// The binary that was tried.
        binary: String,
        /// Why it could not run.
        #[source]
        source: std::io::Error,
    },
    /// The installed devnet is not the version Ciro is tested against.
    #[error(
        "`{binary}` is {found:?}, Ciro needs starknet-devnet {REQUIRED_VERSION}: \
         run `cargo install --locked starknet-devnet --version {REQUIRED_VERSION}`"
    )]
    WrongVersion {
        /// The binary that was tried.
        binary: String,
        /// What `--version` printed.
        found: String,
    },
    /// Devnet stopped before it started listening.
    #[error("starknet-devnet exited before listening ({status}); its last output:\n{output}")]
    ExitedEarly {
        /// Its exit status.
        status: String,
        /// Its last lines of output.
        output: String,
    },
    /// Devnet did not start listening in time.
    #[error("starknet-devnet did not listen within {timeout:?}; its last output:\n{output}")]
    StartTimeout {
        /// How long we waited.
        timeout: Duration,
        /// Its last lines of output.
        output: String,
    },
    /// A `devnet_*` request failed in transport.
    #[error("devnet request `{method}` failed")]
    Http {
        /// The JSON-RPC method.
        method: &'static str,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// A `devnet_*` request was answered with an error or an unexpected result.
    #[error("devnet request `{method}`: {message}")]
    Rpc {
        /// The JSON-RPC method.
        method: &'static str,
        /// The error or the unexpected part of the answer.
        message: String,
    },
    /// A standard Starknet RPC call failed.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// An account index beyond the predeployed ones.
    #[error("devnet has {count} predeployed accounts, no account #{index}")]
    NoSuchAccount {
        /// The index asked for.
        index: usize,
        /// How many there are.
        count: usize,
    },
}

/// How to start devnet.
#[derive(Debug, Clone)]
pub struct DevnetConfig {
    /// The binary: `$CIRO_DEVNET_BIN`, else `starknet-devnet` from `PATH`.
    pub binary: String,
    /// Seed of the predeployed accounts: the same seed gives the same accounts and keys.
    pub seed: u32,
    /// Number of predeployed accounts.
    pub accounts: u8,
    /// Initial STRK (and ETH) balance of each account, in the token's smallest unit.
    pub initial_balance: u128,
    /// The first block's timestamp, if set.
    pub start_time: Option<u64>,
    /// How long to wait for the node to listen.
    pub startup_timeout: Duration,
}

impl Default for DevnetConfig {
    fn default() -> Self {
        DevnetConfig {
            binary: std::env::var("CIRO_DEVNET_BIN").unwrap_or_else(|_| "starknet-devnet".into()),
            seed: 0x0c1e0,
            accounts: 10,
            initial_balance: 1_000_000 * 10u128.pow(18),
            start_time: None,
            startup_timeout: Duration::from_secs(60),
        }
    }
}

/// A predeployed account's address and keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PredeployedAccount {
    /// The account contract's address.
    pub address: Felt,
    /// Its signing key.
    pub private_key: Felt,
    /// Its public key.
    pub public_key: Felt,
}

/// A running devnet. Dropping it stops the node.
pub struct Devnet {
    node: process::DevnetProcess,
    url: Url,
    provider: Arc<DevnetProvider>,
    http: reqwest::Client,
    chain_id: Felt,
    accounts: Vec<PredeployedAccount>,
}

impl Devnet {
    /// Starts devnet on a free loopback port and waits until it answers.
    ///
    /// # Errors
    /// Devnet missing or of another version, exiting early, not listening in time, or failing
    /// the first requests.
    pub async fn spawn(config: DevnetConfig) -> Result<Self, DevnetError> {
        let (node, address) = process::DevnetProcess::start(&config).await?;
        let url = Url::parse(&format!("http://{address}/rpc")).map_err(|e| DevnetError::Rpc {
            method: "spawn",
            message: format!("devnet announced an unusable address {address:?}: {e}"),
        })?;
        let provider = Arc::new(JsonRpcClient::new(HttpTransport::new(url.clone())));
        let http = reqwest::Client::new();
        let chain_id = provider.chain_id().await?;
        let accounts = rpc::predeployed_accounts(&http, &url).await?;
        Ok(Devnet { node, url, provider, http, chain_id, accounts })
    }

    /// The JSON-RPC endpoint.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// A provider connected to this node.
    pub fn provider(&self) -> Arc<DevnetProvider> {
        Arc::clone(&self.provider)
    }

    /// The chain id.
    pub fn chain_id(&self) -> Felt {
        self.chain_id
    }

    /// The predeployed accounts, in devnet's order.
    pub fn predeployed_accounts(&self) -> &[PredeployedAccount] {
        &self.accounts
    }

    /// Predeployed account `index`, ready to sign (OpenZeppelin account, new execution encoding).
    ///
    /// # Errors
    /// [`DevnetError::NoSuchAccount`] past the last account.
    pub fn account(&self, index: usize) -> Result<DevnetAccount, DevnetError> {
        let predeployed = self
            .accounts
            .get(index)
            .ok_or(DevnetError::NoSuchAccount { index, count: self.accounts.len() })?;
        let signer = LocalWallet::from(SigningKey::from_secret_scalar(predeployed.private_key));
        Ok(SingleOwnerAccount::new(
            self.provider(),
            signer,
            predeployed.address,
            self.chain_id,
            ExecutionEncoding::New,
        ))
    }

    /// Sets the timestamp of the next block and creates a block at it.
    ///
    /// # Errors
    /// The request fails.
    pub async fn set_time(&self, timestamp: u64) -> Result<(), DevnetError> {
        let params = format!(r#"{{"time":{timestamp},"generate_block":true}}"#);
        rpc::call(&self.http, &self.url, "devnet_setTime", &params)
            .await
            .map(drop)
    }

    /// Moves the clock forward by `seconds` and creates a block.
    ///
    /// # Errors
    /// The request fails.
    pub async fn increase_time(&self, seconds: u64) -> Result<(), DevnetError> {
        let params = format!(r#"{{"time":{seconds}}}"#);
        rpc::call(&self.http, &self.url, "devnet_increaseTime", &params)
            .await
            .map(drop)
    }

    /// Creates an empty block at the wall clock's time. Devnet mines a block only when a
    /// transaction arrives, and a transaction runs at the time of the last block mined: without
    /// traffic its clock stands still, where a real chain's goes on (so a deadline never passes).
    ///
    /// # Errors
    /// The request fails.
    pub async fn create_block(&self) -> Result<(), DevnetError> {
        rpc::call(&self.http, &self.url, "devnet_createBlock", "{}")
            .await
            .map(drop)
    }

    /// The latest block's timestamp.
    ///
    /// # Errors
    /// The request fails.
    pub async fn block_timestamp(&self) -> Result<u64, DevnetError> {
        use starknet::core::types::{BlockId, BlockTag, MaybePreConfirmedBlockWithTxHashes};
        let block = self.provider.get_block_with_tx_hashes(BlockId::Tag(BlockTag::Latest)).await?;
        Ok(match block {
            MaybePreConfirmedBlockWithTxHashes::Block(block) => block.timestamp,
            MaybePreConfirmedBlockWithTxHashes::PreConfirmedBlock(block) => block.timestamp,
        })
    }

    /// Mints `amount` STRK (in fri) to `address` from devnet's faucet; returns the new balance.
    ///
    /// # Errors
    /// The request fails.
    pub async fn mint_strk(&self, address: Felt, amount: u128) -> Result<u128, DevnetError> {
        rpc::mint(&self.http, &self.url, address, amount).await
    }

    /// The node's process id (for tests that need to stop it abruptly).
    pub fn pid(&self) -> Option<u32> {
        self.node.pid()
    }
}
