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
    BlockId, BlockTag, Call, EmittedEvent, EventFilter, ExecutionResult, Felt, InvokeTransaction, MaybePreConfirmedBlockWithTxHashes,
    StarknetError, Transaction, TransactionReceiptWithBlockInfo, TransactionStatus,
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

/// The `complete_job` call that completed a job, as its transaction carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The job.
    pub job_id: u64,
    /// The transaction that completed it.
    pub transaction_hash: Felt,
    /// Its block, when known.
    pub block_number: Option<u64>,
    /// The worker that completed it.
    pub worker: Felt,
    /// The output commitment it recorded.
    pub output_commitment: Felt,
    /// The proof's calldata as `complete_job` received it (ProofVerifier checked it in that
    /// transaction).
    pub proof: Vec<Felt>,
}

/// The arguments of the call to `complete_job(job_id, …)` on `job_manager` inside an account's
/// multicall `calldata` (`[count, (to, selector, length, data…)…]`): the output commitment and the
/// proof; `None` when the calldata holds no such call.
pub fn complete_job_arguments(calldata: &[Felt], job_manager: Felt, job_id: u64) -> Option<(Felt, Vec<Felt>)> {
    let count = usize::try_from(*calldata.first()?).ok()?;
    let mut at = 1;
    for _ in 0..count {
        let (to, selector) = (*calldata.get(at)?, *calldata.get(at + 1)?);
        let length = usize::try_from(*calldata.get(at + 2)?).ok()?;
        let data = calldata.get(at + 3..at.checked_add(3)?.checked_add(length)?)?;
        at += 3 + length;
        if to != job_manager || selector != ciro_bindings::selectors::job_manager::COMPLETE_JOB {
            continue;
        }
        // complete_job(job_id: u64, output_commitment: felt252, proof: Array<felt252>)
        let (&id, &output_commitment, &proof_length) = (data.first()?, data.get(1)?, data.get(2)?);
        if id != Felt::from(job_id) {
            continue;
        }
        let proof = data.get(3..3 + usize::try_from(proof_length).ok()?)?;
        if 3 + proof.len() != data.len() {
            return None;
        }
        return Some((output_commitment, proof.to_vec()));
    }
    None
}

impl Chain {
    /// How job `job_id` was completed: its `JobCompleted` event, and the proof that the
    /// transaction behind it sent to `complete_job`; `None` when the job was never completed.
    ///
    /// # Errors
    /// The node fails, or the completing transaction is not an account's multicall that carries
    /// the call (e.g. one relayed through another contract): the result must then come from the
    /// coordinator.
    pub async fn completion(&self, job_id: u64) -> Result<Option<Completion>, ClientError> {
        let filter = EventFilter {
            from_block: Some(BlockId::Number(self.contracts.start_block)),
            to_block: Some(BlockId::Tag(BlockTag::Latest)),
            address: Some(self.contracts.job_manager),
            keys: Some(vec![vec![ciro_bindings::selectors::job_manager::events::JOB_COMPLETED], vec![Felt::from(job_id)]]),
        };
        let events = self.events(filter).await?;
        let Some((event, worker)) = events.iter().find_map(|event| match job_manager::Event::try_from(event) {
            Ok(job_manager::Event::JobCompleted(completed)) if completed.job_id == job_id => Some((event, completed.worker.0)),
            _ => None,
        }) else {
            return Ok(None);
        };
        let hash = event.transaction_hash;
        let transaction = self.provider.get_transaction_by_hash(hash).await.map_err(|e| provider_error(&self.url, &e))?;
        let calldata = match &transaction {
            Transaction::Invoke(InvokeTransaction::V3(tx)) => &tx.calldata,
            Transaction::Invoke(InvokeTransaction::V1(tx)) => &tx.calldata,
            _ => return Err(ClientError::Result(format!("job #{job_id} was completed by transaction {hash:#x}, which is not an invoke"))),
        };
        let (output_commitment, proof) = complete_job_arguments(calldata, self.contracts.job_manager, job_id).ok_or_else(|| {
            ClientError::Result(format!(
                "job #{job_id} was completed by transaction {hash:#x}, whose calldata holds no plain call to complete_job (relayed?): \
                 fetch the result from the coordinator"
            ))
        })?;
        Ok(Some(Completion { job_id, transaction_hash: hash, block_number: event.block_number, worker, output_commitment, proof }))
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

#[cfg(test)]
mod tests {
    use super::*;
    use ciro_bindings::selectors::job_manager::COMPLETE_JOB;

    #[test]
    fn complete_job_arguments_are_found_in_a_multicall() {
        let (manager, other) = (Felt::from(0x7a7u32), Felt::from(0x0bu8));
        let calldata: Vec<Felt> = [2u64, 0x0b, 0x5e1, 1, 9]
            .into_iter()
            .map(Felt::from)
            .chain([manager, COMPLETE_JOB, Felt::from(6u8), Felt::from(4u8), Felt::from(0xc0u8), Felt::THREE, Felt::ONE, Felt::TWO, Felt::THREE])
            .collect();
        assert_eq!(complete_job_arguments(&calldata, manager, 4), Some((Felt::from(0xc0u8), vec![Felt::ONE, Felt::TWO, Felt::THREE])));
        assert_eq!(complete_job_arguments(&calldata, manager, 5), None, "another job");
        assert_eq!(complete_job_arguments(&calldata, other, 4), None, "another contract");
        assert_eq!(complete_job_arguments(&calldata[..calldata.len() - 1], manager, 4), None, "truncated");
        let mut wrong_length = calldata.clone();
        wrong_length[10] = Felt::TWO;
        assert_eq!(complete_job_arguments(&wrong_length, manager, 4), None, "the proof's length disagrees with the call's");
        assert_eq!(complete_job_arguments(&[], manager, 4), None);
    }
}
