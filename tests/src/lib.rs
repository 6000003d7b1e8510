//! Fixtures that make a contract test against a real Starknet node read like a unit test.
//!
//! ```no_run
//! # async fn example() -> anyhow::Result<()> {
//! use ciro_tests::{expect_revert, felt, TestChain};
//! let chain = TestChain::start().await?;
//! let owner = chain.address_of(0)?;
//! let counter = chain.deploy("OwnedCounter", vec![owner]).await?;
//! chain.invoke(1, counter, "increase", vec![felt(5)]).await?;            // as account #1
//! expect_revert(chain.invoke(1, counter, "reset", vec![]).await, "Counter: caller is not owner");
//! chain.advance_time(3600).await?;
//! # Ok(()) }
//! ```
//!
//! Each test starts its own devnet (about a second), so tests are independent and run in parallel.
//! Contracts come from the packages in [`PACKAGES`] (`target/dev/<package>.starknet_artifacts.json`,
//! written by `ciro-cairo build`): the product package `ciro`, and `ciro_test_contracts`, which holds
//! test doubles such as `TestProofVerifier` that no deploy script can reach.

pub use ciro_client::outside_execution;
pub mod rng;
pub mod system;
pub mod token_fixture;

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use ciro_deploy::tx::{self, TxError};
use ciro_deploy::{ContractArtifacts, Deployed, PreparedClass};
use ciro_devnet::{Devnet, DevnetAccount, DevnetConfig};
use starknet::core::types::{BlockId, BlockTag, Call, Event, Felt, FunctionCall, TransactionReceiptWithBlockInfo};
use starknet::core::utils::get_selector_from_name;
use starknet::providers::Provider;
use tokio::sync::Mutex;

/// The product's Cairo package.
pub const PACKAGE: &str = "ciro";
/// The Cairo packages whose contracts the tests deploy, searched in this order.
pub const PACKAGES: [&str; 2] = [PACKAGE, "ciro_test_contracts"];

/// The directory `ciro-cairo build` writes to: `<repo>/target/dev`.
pub fn artifacts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("target").join("dev")
}

/// A felt from an integer.
pub fn felt(value: u128) -> Felt {
    Felt::from(value)
}

/// A fresh devnet plus the built contracts, with declare results cached per contract.
pub struct TestChain {
    devnet: Devnet,
    artifacts: Vec<ContractArtifacts>,
    declared: Mutex<HashMap<String, Felt>>,
    next_salt: Mutex<u64>,
}

impl TestChain {
    /// Starts devnet and loads the contract artifacts.
    ///
    /// # Errors
    /// Devnet cannot start, or the contracts were not built.
    pub async fn start() -> Result<Self> {
        let artifacts = PACKAGES
            .iter()
            .map(|package| ContractArtifacts::load(&artifacts_dir(), package))
            .collect::<Result<Vec<_>, _>>()?;
        let devnet = Devnet::spawn(DevnetConfig::default()).await?;
        Ok(TestChain { devnet, artifacts, declared: Mutex::new(HashMap::new()), next_salt: Mutex::new(1) })
    }

    /// The node.
    pub fn devnet(&self) -> &Devnet {
        &self.devnet
    }

    /// Predeployed account `index`, ready to sign.
    ///
    /// # Errors
    /// No such account.
    pub fn account(&self, index: usize) -> Result<DevnetAccount> {
        Ok(self.devnet.account(index)?)
    }

    /// The address of predeployed account `index`.
    ///
    /// # Errors
    /// No such account.
    pub fn address_of(&self, index: usize) -> Result<Felt> {
        self.devnet
            .predeployed_accounts()
            .get(index)
            .map(|a| a.address)
            .with_context(|| format!("no predeployed account #{index}"))
    }

    /// Declares `contract` (once per chain) as account #0 and returns its class hash.
    ///
    /// # Errors
    /// Unknown contract, CASM compilation or the declare transaction fails.
    pub async fn declare(&self, contract: &str) -> Result<Felt> {
        let mut declared = self.declared.lock().await;
        if let Some(class_hash) = declared.get(contract) {
            return Ok(*class_hash);
        }
        let package = self
            .artifacts
            .iter()
            .find(|package| package.contract_names().any(|name| name == contract))
            .with_context(|| format!("no contract `{contract}` in the packages {PACKAGES:?}"))?;
        let class = prepared_class(package, contract)?;
        let result = tx::declare(&self.account(0)?, &class).await?;
        declared.insert(contract.to_owned(), result.class_hash);
        Ok(result.class_hash)
    }

    /// Declares (if needed) and deploys `contract` as account #0; returns its address.
    ///
    /// # Errors
    /// As [`TestChain::deploy_as`].
    pub async fn deploy(&self, contract: &str, constructor_calldata: Vec<Felt>) -> Result<Felt, TxError> {
        self.deploy_as(0, contract, constructor_calldata).await.map(|d| d.address)
    }

    /// Declares (if needed) and deploys `contract` as account `deployer`, with a fresh salt.
    ///
    /// # Errors
    /// [`TxError`] from the deployment (a constructor `assert` is [`TxError::Rejected`]); declare
    /// failures are reported as [`TxError::Account`].
    pub async fn deploy_as(&self, deployer: usize, contract: &str, constructor_calldata: Vec<Felt>) -> Result<Deployed, TxError> {
        let class_hash = self.declare(contract).await.map_err(|e| TxError::Account(format!("{e:#}")))?;
        let account = self.account(deployer).map_err(|e| TxError::Account(e.to_string()))?;
        let salt = {
            let mut next = self.next_salt.lock().await;
            *next += 1;
            Felt::from(*next)
        };
        tx::deploy(&account, class_hash, constructor_calldata, salt).await
    }

    /// Invokes `entry_point` of `contract` as predeployed account `caller`.
    ///
    /// # Errors
    /// [`TxError`], with the contract's revert message when an `assert` fails.
    pub async fn invoke(
        &self,
        caller: usize,
        contract: Felt,
        entry_point: &str,
        calldata: Vec<Felt>,
    ) -> Result<TransactionReceiptWithBlockInfo, TxError> {
        let account = self.account(caller).map_err(|e| TxError::Account(e.to_string()))?;
        let selector = get_selector_from_name(entry_point).map_err(|e| TxError::Account(e.to_string()))?;
        tx::invoke(&account, vec![Call { to: contract, selector, calldata }]).await
    }

    /// Calls view `entry_point` of `contract` at the latest block.
    ///
    /// # Errors
    /// The call fails.
    pub async fn call(&self, contract: Felt, entry_point: &str, calldata: Vec<Felt>) -> Result<Vec<Felt>> {
        let request = FunctionCall {
            contract_address: contract,
            entry_point_selector: get_selector_from_name(entry_point)?,
            calldata,
        };
        Ok(self.devnet.provider().call(request, BlockId::Tag(BlockTag::Latest)).await?)
    }

    /// Moves the chain's clock forward by `seconds`.
    ///
    /// # Errors
    /// The request fails.
    pub async fn advance_time(&self, seconds: u64) -> Result<()> {
        Ok(self.devnet.increase_time(seconds).await?)
    }

    /// Deploys `CIROToken` as account #0 with its constructor's arguments: 50,000,000 CIRO go to
    /// `initial_holder`; at most `mint_limit` may be minted per `mint_period_seconds`.
    ///
    /// # Errors
    /// As [`TestChain::deploy`].
    pub async fn deploy_ciro_token(
        &self,
        initial_holder: Felt,
        governance: Felt,
        minter: Felt,
        emergency_council: Felt,
        mint_limit: u128,
        mint_period_seconds: u64,
    ) -> Result<Felt, TxError> {
        let [limit_low, limit_high] = u256_felts(mint_limit);
        let calldata =
            vec![initial_holder, governance, minter, emergency_council, limit_low, limit_high, Felt::from(mint_period_seconds)];
        self.deploy("CIROToken", calldata).await
    }
}

/// `contract` compiled to CASM and hashed, once per test process: every test declares the same
/// classes on its own devnet, and the compilation is the slow part.
fn prepared_class(package: &ContractArtifacts, contract: &str) -> Result<PreparedClass> {
    static PREPARED: std::sync::OnceLock<std::sync::Mutex<HashMap<String, PreparedClass>>> = std::sync::OnceLock::new();
    let mut prepared = PREPARED.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(class) = prepared.get(contract) {
        return Ok(class.clone());
    }
    let class = PreparedClass::from_sierra_json(&package.sierra_json(contract)?)?;
    prepared.insert(contract.to_owned(), class.clone());
    Ok(class)
}

/// A Cairo `u256` argument as its two calldata felts, `[low, high]`.
pub fn u256_felts(value: u128) -> [Felt; 2] {
    [Felt::from(value), Felt::ZERO]
}

/// A Cairo `u256` from its `(low, high)` felts, when it fits a `u128`.
///
/// # Errors
/// `high` is not zero or `low` does not fit 128 bits.
pub fn u256_from_felts(low: Felt, high: Felt) -> Result<u128> {
    anyhow::ensure!(high == Felt::ZERO, "u256 {high:#x}:{low:#x} does not fit a u128");
    u128::try_from(low).map_err(|_| anyhow::anyhow!("u256 low part {low:#x} is not 128 bits"))
}

/// Asserts that `result` failed with exactly the contract message `message` (the text of the
/// Cairo short string, e.g. `"JM: not assigned worker"`).
///
/// # Panics
/// When `result` succeeded or failed with other messages.
#[track_caller]
pub fn expect_revert<T: std::fmt::Debug>(result: Result<T, TxError>, message: &str) {
    match result {
        Ok(value) => panic!("expected a revert with {message:?}, but the call succeeded: {value:?}"),
        Err(error) => assert!(
            error.has_revert_message(message),
            "expected a revert with {message:?}, got messages {:?} from: {error}",
            error.revert_messages()
        ),
    }
}

/// The events named `name` that `emitter` emitted in `receipt` (Cairo 2.1 events: first key is
/// the event's selector).
pub fn events_named<'r>(receipt: &'r TransactionReceiptWithBlockInfo, emitter: Felt, name: &str) -> Vec<&'r Event> {
    let Ok(selector) = get_selector_from_name(name) else { return Vec::new() };
    receipt
        .receipt
        .events()
        .iter()
        .filter(|e| e.from_address == emitter && e.keys.first() == Some(&selector))
        .collect()
}

/// The events named `name` that `emitter` emitted in `receipt`, decoded into a contract's
/// generated `Event` enum (e.g. `ciro_bindings::burn_manager::Event`).
///
/// # Errors
/// An event does not decode as `E`.
pub fn decoded_events<E>(receipt: &TransactionReceiptWithBlockInfo, emitter: Felt, name: &str) -> Result<Vec<E>>
where
    E: for<'e> TryFrom<&'e Event, Error = String>,
{
    events_named(receipt, emitter, name)
        .into_iter()
        .map(|e| E::try_from(e).map_err(|error| anyhow::anyhow!("{name}: {error}")))
        .collect()
}

/// Asserts that a view call through a generated reader failed with exactly `message`.
///
/// # Panics
/// When `result` succeeded or failed with other messages.
#[track_caller]
pub fn expect_view_revert<T: std::fmt::Debug>(result: Result<T, cainome::cairo_serde::Error>, message: &str) {
    expect_revert(result.map_err(|e| TxError::Rejected { reason: format!("{e:?}") }), message);
}

/// Chain-wide reads and multi-call transactions.
impl TestChain {
    /// Sends `calls` (contract, entry point, calldata) as one transaction from predeployed account
    /// `caller`: every call runs in the same block, at the same block time.
    ///
    /// # Errors
    /// [`TxError`], with the contract's revert message when an `assert` fails.
    pub async fn invoke_many(
        &self,
        caller: usize,
        calls: Vec<(Felt, &str, Vec<Felt>)>,
    ) -> Result<TransactionReceiptWithBlockInfo, TxError> {
        let calls = calls
            .into_iter()
            .map(|(to, entry_point, calldata)| {
                let selector = get_selector_from_name(entry_point).map_err(|e| TxError::Account(e.to_string()))?;
                Ok(Call { to, selector, calldata })
            })
            .collect::<Result<Vec<_>, TxError>>()?;
        let account = self.account(caller).map_err(|e| TxError::Account(e.to_string()))?;
        tx::invoke(&account, calls).await
    }

    /// What each call of the invoke transaction of `receipt` returned, in order (from the node's
    /// trace of the transaction).
    ///
    /// # Errors
    /// The trace cannot be read, or it is not that of a successful invoke.
    pub async fn call_results(&self, receipt: &TransactionReceiptWithBlockInfo) -> Result<Vec<Vec<Felt>>> {
        use starknet::core::types::{ExecuteInvocation, TransactionTrace};
        let trace = self.devnet.provider().trace_transaction(receipt.receipt.transaction_hash()).await?;
        let TransactionTrace::Invoke(invoke) = trace else { anyhow::bail!("not an invoke transaction") };
        let ExecuteInvocation::Success(execution) = invoke.execute_invocation else {
            anyhow::bail!("the transaction reverted")
        };
        Ok(execution.calls.into_iter().map(|call| call.result).collect())
    }

    /// Every event named `name` that `emitter` emitted, from the first block to the latest, in
    /// order.
    ///
    /// # Errors
    /// The node cannot be read.
    pub async fn events_of(&self, emitter: Felt, name: &str) -> Result<Vec<starknet::core::types::EmittedEvent>> {
        use starknet::core::types::EventFilter;
        let selector = get_selector_from_name(name)?;
        let filter = EventFilter {
            from_block: Some(BlockId::Number(0)),
            to_block: Some(BlockId::Tag(BlockTag::Latest)),
            address: Some(emitter),
            keys: Some(vec![vec![selector]]),
        };
        let mut events = Vec::new();
        let mut continuation = None;
        loop {
            let page = self.devnet.provider().get_events(filter.clone(), continuation, 1_000).await?;
            events.extend(page.events);
            match page.continuation_token {
                Some(token) => continuation = Some(token),
                None => return Ok(events),
            }
        }
    }
}

/// Chains whose `ciro` package is read from another build directory.
impl TestChain {
    /// Starts devnet with the `ciro` package's artifacts read from `dir` (a `target/dev` written
    /// by `ciro-cairo build --manifest-path ...`), and the other packages from
    /// [`artifacts_dir`]: lets a contract under development be tested from a scratch build.
    ///
    /// # Errors
    /// Devnet cannot start, or the contracts were not built.
    pub async fn start_with_artifacts(dir: &std::path::Path) -> Result<Self> {
        let artifacts = PACKAGES
            .iter()
            .map(|package| {
                let from = if *package == PACKAGE { dir.to_path_buf() } else { artifacts_dir() };
                ContractArtifacts::load(&from, package)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let devnet = Devnet::spawn(DevnetConfig::default()).await?;
        Ok(TestChain { devnet, artifacts, declared: Mutex::new(HashMap::new()), next_salt: Mutex::new(1) })
    }
}
