//! The deployed contracts, found through the deployment manifest and used through the generated
//! bindings; transactions whose hash is known (and can be recorded) before they are sent.

use std::path::Path;
use std::sync::Arc;

use cainome::cairo_serde::{ContractAddress, U256};
use ciro_bindings::cdc_pool::{CdcPool, CdcPoolReader};
use ciro_bindings::job_manager::{self, Job, JobManager, JobManagerReader, JobSpec, JobState, Model};
use ciro_bindings::paymaster::{Paymaster, PaymasterReader};
use ciro_bindings::token::{CiroToken, CiroTokenReader};
use ciro_chain::tx::{self, Cost, TxError};
use ciro_chain::Manifest;
use starknet::accounts::{Account, ConnectedAccount, ExecutionEncoding, SingleOwnerAccount};
use starknet::core::types::{
    BlockId, BlockTag, Call, EmittedEvent, EventFilter, ExecutionResult, Felt, MaybePreConfirmedBlockWithTxHashes, StarknetError,
    TransactionReceiptWithBlockInfo, TransactionStatus,
};
use starknet::providers::jsonrpc::HttpTransport;
use starknet::providers::{JsonRpcClient, Provider, ProviderError};
use starknet::signers::{LocalWallet, SigningKey};

use crate::config::OperatorConfig;
use crate::outside_execution::NamedCall;
use crate::ClientError;

/// The JSON-RPC provider.
pub type OperatorProvider = JsonRpcClient<HttpTransport>;
/// An account signing with a local key.
pub type OperatorAccount = SingleOwnerAccount<Arc<OperatorProvider>, LocalWallet>;

/// Fee estimates are scaled by this before sending (gas amounts and prices).
const FEE_MARGIN: f64 = 1.5;

/// The addresses an operator needs, from the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contracts {
    /// CIRO_Token.
    pub token: Felt,
    /// CDC_Pool.
    pub pool: Felt,
    /// JobManager.
    pub job_manager: Felt,
    /// ProofVerifier.
    pub verifier: Felt,
    /// Paymaster.
    pub paymaster: Felt,
    /// GovernanceTreasury.
    pub treasury: Felt,
    /// The first block to read events from: JobManager's deployment.
    pub start_block: u64,
    /// The chain the manifest was written for.
    pub chain_id: Felt,
}

impl Contracts {
    /// Reads the manifest at `path`.
    ///
    /// # Errors
    /// The manifest is missing, malformed, or lacks a contract.
    pub fn from_manifest(path: &Path) -> Result<Self, ClientError> {
        let error = |message: String| ClientError::Manifest { path: path.to_owned(), message };
        let manifest = Manifest::load(path).map_err(|e| error(e.to_string()))?.ok_or_else(|| error("not found".to_owned()))?;
        let address = |name: &str| manifest.address_of(name).ok_or_else(|| error(format!("no {name} in it")));
        Ok(Contracts {
            token: address("CIROToken")?,
            pool: address("CDCPool")?,
            job_manager: address("JobManager")?,
            verifier: address("ProofVerifier")?,
            paymaster: address("Paymaster")?,
            treasury: address("GovernanceTreasury")?,
            start_block: manifest.contracts.get("JobManager").and_then(|c| c.block_number).unwrap_or(0),
            chain_id: manifest.chain_id,
        })
    }
}

/// A job as an operator sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobView {
    /// Its id.
    pub id: u64,
    /// The on-chain record.
    pub job: Job,
}

impl JobView {
    /// The state's name (`Pending`, `Assigned`, …).
    pub fn state_name(&self) -> &'static str {
        state_name(&self.job.state)
    }

    /// Whether nothing more will happen to it: an end state, and paid out.
    pub fn is_final(&self) -> bool {
        self.job.settled && !matches!(self.job.state, JobState::Pending | JobState::Assigned)
    }

    /// The escrowed payment in base units.
    pub fn payment(&self) -> u128 {
        self.job.payment.low
    }
}

/// The name of `state`.
pub fn state_name(state: &JobState) -> &'static str {
    match state {
        JobState::Pending => "Pending",
        JobState::Assigned => "Assigned",
        JobState::Completed => "Completed",
        JobState::Failed => "Failed",
        JobState::TimedOut => "TimedOut",
        JobState::Cancelled => "Cancelled",
    }
}

/// An included, successful transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    /// Its hash.
    pub transaction_hash: Felt,
    /// Fee, gas and block.
    pub cost: Cost,
}

impl Sent {
    /// From a receipt.
    pub fn of(receipt: &TransactionReceiptWithBlockInfo) -> Self {
        Sent { transaction_hash: *receipt.receipt.transaction_hash(), cost: Cost::of(receipt) }
    }
}

/// What became of a transaction sent earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxOutcome {
    /// Included and succeeded.
    Succeeded(Sent),
    /// Included and reverted.
    Reverted(String),
    /// Received by the node, not yet executed.
    Pending,
    /// The node does not know it (never sent, or dropped).
    Unknown,
}

/// A node, the deployed contracts, and optionally an account to send with.
#[derive(Clone)]
pub struct Chain {
    provider: Arc<OperatorProvider>,
    url: String,
    /// The node's chain id.
    pub chain_id: Felt,
    /// The deployed contracts.
    pub contracts: Contracts,
    account: Option<OperatorAccount>,
    builder: OperatorAccount,
}

impl Chain {
    /// Connects to the configured node and reads the manifest; with `with_account`, loads the
    /// account's key too.
    ///
    /// # Errors
    /// The manifest cannot be read, the node is unreachable or on another chain, or the key
    /// cannot be loaded.
    pub async fn connect(config: &OperatorConfig, with_account: bool) -> Result<Self, ClientError> {
        let contracts = Contracts::from_manifest(&config.manifest)?;
        let provider = Arc::new(JsonRpcClient::new(HttpTransport::new(config.rpc_url.clone())));
        let url = config.rpc_url.to_string();
        let chain_id = provider.chain_id().await.map_err(|e| provider_error(&url, &e))?;
        if chain_id != contracts.chain_id {
            return Err(ClientError::Manifest {
                path: config.manifest.clone(),
                message: format!(
                    "it was written for chain {:#x}, the node at {url} is on {chain_id:#x}",
                    contracts.chain_id
                ),
            });
        }
        let account = if with_account {
            let address = config.account_address()?;
            let mut account =
                SingleOwnerAccount::new(Arc::clone(&provider), config.signer()?, address, chain_id, ExecutionEncoding::New);
            account.set_block_id(BlockId::Tag(BlockTag::PreConfirmed));
            Some(account)
        } else {
            None
        };
        let builder = SingleOwnerAccount::new(
            Arc::clone(&provider),
            LocalWallet::from(SigningKey::from_secret_scalar(Felt::ONE)),
            config.account.unwrap_or(Felt::ONE),
            chain_id,
            ExecutionEncoding::New,
        );
        Ok(Chain { provider, url, chain_id, contracts, account, builder })
    }

    /// The provider.
    pub fn provider(&self) -> &Arc<OperatorProvider> {
        &self.provider
    }

    /// The RPC URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The account.
    ///
    /// # Errors
    /// None was loaded.
    pub fn account(&self) -> Result<&OperatorAccount, ClientError> {
        self.account.as_ref().ok_or_else(|| ClientError::Config("this command needs an account (--account and a key)".to_owned()))
    }

    /// The account's address.
    ///
    /// # Errors
    /// None was loaded.
    pub fn address(&self) -> Result<Felt, ClientError> {
        Ok(self.account()?.address())
    }

    /// Call builders for JobManager.
    pub fn jobs(&self) -> JobManager<OperatorAccount> {
        JobManager::new(self.contracts.job_manager, self.builder.clone())
    }

    /// Call builders for CDC_Pool.
    pub fn pool(&self) -> CdcPool<OperatorAccount> {
        CdcPool::new(self.contracts.pool, self.builder.clone())
    }

    /// Call builders for the token.
    pub fn token(&self) -> CiroToken<OperatorAccount> {
        CiroToken::new(self.contracts.token, self.builder.clone())
    }

    /// Call builders for the Paymaster.
    pub fn paymaster(&self) -> Paymaster<OperatorAccount> {
        Paymaster::new(self.contracts.paymaster, self.builder.clone())
    }

    /// A reader for JobManager.
    pub fn jobs_reader(&self) -> JobManagerReader<Arc<OperatorProvider>> {
        JobManagerReader::new(self.contracts.job_manager, Arc::clone(&self.provider))
    }

    /// A reader for CDC_Pool.
    pub fn pool_reader(&self) -> CdcPoolReader<Arc<OperatorProvider>> {
        CdcPoolReader::new(self.contracts.pool, Arc::clone(&self.provider))
    }

    /// A reader for the token.
    pub fn token_reader(&self) -> CiroTokenReader<Arc<OperatorProvider>> {
        CiroTokenReader::new(self.contracts.token, Arc::clone(&self.provider))
    }

    /// A reader for the Paymaster.
    pub fn paymaster_reader(&self) -> PaymasterReader<Arc<OperatorProvider>> {
        PaymasterReader::new(self.contracts.paymaster, Arc::clone(&self.provider))
    }

    /// Job `id`.
    ///
    /// # Errors
    /// The read fails (an unknown id reverts with `JM: job not found`).
    pub async fn job(&self, id: u64) -> Result<JobView, ClientError> {
        let job = self.jobs_reader().get_job(&id).call().await.map_err(read_error("get_job"))?;
        Ok(JobView { id, job })
    }

    /// How many jobs exist (ids are 1..=count).
    ///
    /// # Errors
    /// The read fails.
    pub async fn job_count(&self) -> Result<u64, ClientError> {
        self.jobs_reader().job_count().call().await.map_err(read_error("job_count"))
    }

    /// Model `id`.
    ///
    /// # Errors
    /// The read fails (an unknown id reverts with `JM: model not found`).
    pub async fn model(&self, id: u64) -> Result<Model, ClientError> {
        self.jobs_reader().get_model(&id).call().await.map_err(read_error("get_model"))
    }

    /// The CIRO balance of `owner`.
    ///
    /// # Errors
    /// The read fails.
    pub async fn balance(&self, owner: Felt) -> Result<u128, ClientError> {
        Ok(self.token_reader().balance_of(&ContractAddress(owner)).call().await.map_err(read_error("balance_of"))?.low)
    }

    /// The latest block's number.
    ///
    /// # Errors
    /// The node is unreachable.
    pub async fn block_number(&self) -> Result<u64, ClientError> {
        self.provider.block_number().await.map_err(|e| provider_error(&self.url, &e))
    }

    /// The hash of block `number`, `None` when there is no such block.
    ///
    /// # Errors
    /// The node is unreachable.
    pub async fn block_hash(&self, number: u64) -> Result<Option<Felt>, ClientError> {
        match self.provider.get_block_with_tx_hashes(BlockId::Number(number)).await {
            Ok(MaybePreConfirmedBlockWithTxHashes::Block(block)) => Ok(Some(block.block_hash)),
            Ok(MaybePreConfirmedBlockWithTxHashes::PreConfirmedBlock(_)) => Ok(None),
            Err(ProviderError::StarknetError(StarknetError::BlockNotFound)) => Ok(None),
            Err(e) => Err(provider_error(&self.url, &e)),
        }
    }

    /// The timestamp the next transaction will see (the pre-confirmed block's, else the latest's).
    ///
    /// # Errors
    /// The node is unreachable.
    pub async fn now(&self) -> Result<u64, ClientError> {
        let block = self
            .provider
            .get_block_with_tx_hashes(BlockId::Tag(BlockTag::PreConfirmed))
            .await
            .map_err(|e| provider_error(&self.url, &e))?;
        Ok(match block {
            MaybePreConfirmedBlockWithTxHashes::Block(block) => block.timestamp,
            MaybePreConfirmedBlockWithTxHashes::PreConfirmedBlock(block) => block.timestamp,
        })
    }

    /// Sends `calls` from the account and waits for success.
    ///
    /// # Errors
    /// [`ClientError::Tx`] with the contract's revert message.
    pub async fn send(&self, action: &str, calls: Vec<Call>) -> Result<Sent, ClientError> {
        let receipt = tx::invoke(self.account()?, calls).await.map_err(|e| ClientError::tx(action, e))?;
        Ok(Sent::of(&receipt))
    }

    /// Sends `calls` like [`Chain::send`], but first estimates the fee (a rejection comes back
    /// before anything is sent), signs, and hands the transaction's hash to `record` before sending
    /// it: whoever records it can later ask [`Chain::outcome`] what became of it, even if this
    /// process dies before the answer comes.
    ///
    /// # Errors
    /// [`ClientError::Tx`], or what `record` returned.
    pub async fn send_recorded(
        &self,
        action: &str,
        calls: Vec<Call>,
        record: impl FnOnce(Felt) -> Result<(), ClientError>,
    ) -> Result<Sent, ClientError> {
        let account = self.account()?;
        let fail = |e: TxError| ClientError::tx(action, e);
        let nonce = account.get_nonce().await.map_err(|e| fail(TxError::Provider(e)))?;
        let estimate = account.execute_v3(calls.clone()).nonce(nonce).estimate_fee().await.map_err(|e| fail(e.into()))?;
        let scale = |amount: u64| (amount as f64 * FEE_MARGIN) as u64 + 1;
        let scale_price = |price: u128| (price as f64 * FEE_MARGIN) as u128 + 1;
        let prepared = account
            .execute_v3(calls)
            .nonce(nonce)
            .l1_gas(scale(estimate.l1_gas_consumed))
            .l1_gas_price(scale_price(estimate.l1_gas_price))
            .l2_gas(scale(estimate.l2_gas_consumed))
            .l2_gas_price(scale_price(estimate.l2_gas_price))
            .l1_data_gas(scale(estimate.l1_data_gas_consumed))
            .l1_data_gas_price(scale_price(estimate.l1_data_gas_price))
            .tip(0)
            .prepared()
            .map_err(|e| fail(TxError::Account(e.to_string())))?;
        let hash = prepared.transaction_hash(false);
        record(hash)?;
        prepared.send().await.map_err(|e| fail(e.into()))?;
        let receipt = tx::wait_for_receipt(account.provider(), hash).await.map_err(fail)?;
        Ok(Sent::of(&receipt))
    }

    /// What became of transaction `hash`.
    ///
    /// # Errors
    /// The node is unreachable.
    pub async fn outcome(&self, hash: Felt) -> Result<TxOutcome, ClientError> {
        match self.provider.get_transaction_status(hash).await {
            Ok(TransactionStatus::Received | TransactionStatus::Candidate) => return Ok(TxOutcome::Pending),
            Ok(_) => {}
            Err(ProviderError::StarknetError(StarknetError::TransactionHashNotFound)) => return Ok(TxOutcome::Unknown),
            Err(e) => return Err(provider_error(&self.url, &e)),
        }
        match self.provider.get_transaction_receipt(hash).await {
            Ok(receipt) => Ok(match receipt.receipt.execution_result() {
                ExecutionResult::Succeeded => TxOutcome::Succeeded(Sent::of(&receipt)),
                ExecutionResult::Reverted { reason } => TxOutcome::Reverted(reason.clone()),
            }),
            Err(ProviderError::StarknetError(StarknetError::TransactionHashNotFound)) => Ok(TxOutcome::Unknown),
            Err(e) => Err(provider_error(&self.url, &e)),
        }
    }
}

/// Every event matching `filter`, following the node's continuation tokens (pages of 1,000).
///
/// # Errors
/// The node fails.
pub async fn all_events<P: Provider + Sync>(provider: &P, filter: EventFilter) -> Result<Vec<EmittedEvent>, ProviderError> {
    let mut events = Vec::new();
    let mut token = None;
    loop {
        let page = provider.get_events(filter.clone(), token.take(), 1_000).await?;
        events.extend(page.events);
        match page.continuation_token {
            Some(next) => token = Some(next),
            None => return Ok(events),
        }
    }
}

/// Submitting a job: `approve` JobManager to take `payment`, then `submit_ai_job(spec, payment)`,
/// the two calls one multicall (or one sponsored request) carries. Every client of the market
/// (the CLI, the demo, the tests) builds them here.
pub fn submit_job_calls<A: ConnectedAccount + Sync>(
    token: &CiroToken<A>,
    jobs: &JobManager<A>,
    spec: &JobSpec,
    payment: u128,
) -> [NamedCall; 2] {
    let amount = U256 { low: payment, high: 0 };
    [
        NamedCall { call: token.approve_getcall(&ContractAddress(jobs.address), &amount), entry_point: "approve" },
        NamedCall { call: jobs.submit_ai_job_getcall(spec, &amount), entry_point: "submit_ai_job" },
    ]
}

/// Staking: `approve` CDC_Pool to take `amount`, then `stake(amount)`, as every staker (the worker
/// CLI, the demo, the tests) sends them.
pub fn stake_calls<A: ConnectedAccount + Sync>(token: &CiroToken<A>, pool: &CdcPool<A>, amount: u128) -> [Call; 2] {
    let amount = U256 { low: amount, high: 0 };
    [token.approve_getcall(&ContractAddress(pool.address), &amount), pool.stake_getcall(&amount)]
}

/// The job a JobManager event is about, for the events of a job's life (submitted, cancelled,
/// assigned, completed, abandoned, requeued, timed out, paid); `None` for the others.
pub fn job_of(event: &job_manager::Event) -> Option<u64> {
    use job_manager::Event as E;
    match event {
        E::JobSubmitted(e) => Some(e.job_id),
        E::JobCancelled(e) => Some(e.job_id),
        E::JobAssigned(e) => Some(e.job_id),
        E::JobCompleted(e) => Some(e.job_id),
        E::JobAbandoned(e) => Some(e.job_id),
        E::JobRequeued(e) => Some(e.job_id),
        E::JobTimedOut(e) => Some(e.job_id),
        E::PaymentReleased(e) => Some(e.job_id),
        E::ModelRegistered(_)
        | E::PlatformFeeChanged(_)
        | E::BurnShareChanged(_)
        | E::TreasuryChanged(_)
        | E::ProofVerifierChanged(_)
        | E::BurnManagerChanged(_)
        | E::AssignerChanged(_)
        | E::MinCompletionWindowChanged(_)
        | E::MinReputationPaymentChanged(_) => None,
    }
}

/// `events` that JobManager emitted, decoded by the bindings (events it emits through a library,
/// such as `Governed`'s, are not in its ABI and are skipped).
pub fn job_manager_events(events: &[EmittedEvent]) -> impl Iterator<Item = job_manager::Event> + '_ {
    events.iter().filter_map(|event| job_manager::Event::try_from(event).ok())
}

impl Chain {
    /// JobManager's events in the receipt of transaction `hash`, decoded by the bindings.
    ///
    /// # Errors
    /// The node fails or does not know the transaction.
    pub async fn job_manager_events_of(&self, hash: Felt) -> Result<Vec<job_manager::Event>, ClientError> {
        let receipt = self.provider.get_transaction_receipt(hash).await.map_err(|e| provider_error(&self.url, &e))?;
        Ok(receipt
            .receipt
            .events()
            .iter()
            .filter(|event| event.from_address == self.contracts.job_manager)
            .filter_map(|event| job_manager::Event::try_from(event).ok())
            .collect())
    }

    /// Every event matching `filter` (see [`all_events`]).
    ///
    /// # Errors
    /// The node fails.
    pub async fn events(&self, filter: EventFilter) -> Result<Vec<EmittedEvent>, ClientError> {
        all_events(self.provider.as_ref(), filter).await.map_err(|e| provider_error(&self.url, &e))
    }
}

/// [`Chain::connect`], retried with backoff and jitter while the node is unreachable (about a
/// minute), so an operator started next to a node that is not up yet, or behind a flaky link,
/// does not give up at once.
///
/// # Errors
/// What [`Chain::connect`] returns, once retrying is over or for a non-transient error.
pub async fn connect_with_retries(config: &OperatorConfig, with_account: bool) -> Result<Chain, ClientError> {
    let backoff = crate::retry::Backoff { base: std::time::Duration::from_millis(200), max: std::time::Duration::from_secs(5), attempts: 20 };
    backoff
        .retry(|| Chain::connect(config, with_account), crate::retry::is_transient, |e| tracing::warn!("connecting: {e} (retrying)"))
        .await
}

/// A provider error as an operator error.
pub fn provider_error(url: &str, error: &ProviderError) -> ClientError {
    ClientError::Provider { url: url.to_owned(), message: error.to_string() }
}

/// Maps a failed contract read.
pub fn read_error(what: &'static str) -> impl Fn(cainome::cairo_serde::Error) -> ClientError {
    move |error| {
        let transient = matches!(&error, cainome::cairo_serde::Error::Provider(e) if crate::retry::is_transient_provider_error(e));
        ClientError::Read { what, message: format!("{error:?}"), transient }
    }
}
