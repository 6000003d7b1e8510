//! Running a [`Plan`]: declare, deploy, configure, read back — resuming from the manifest.
//!
//! Every step is first looked up in the manifest (done by an earlier run), then on the chain (done
//! by an earlier run that crashed before writing the manifest: the class is declared, a contract
//! runs the planned class at the planned address, the wiring is in effect), and only then sent.
//! The manifest is saved after every step.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use starknet::accounts::{Account, ConnectedAccount, ExecutionV3};
use starknet::contract::{ContractFactory, UdcSelector};
use starknet::core::types::{BlockId, BlockTag, BroadcastedTransaction, Felt, StarknetError};
use starknet::providers::{Provider, ProviderError};

use crate::artifacts::ContractArtifacts;
use crate::class::{PreparedClass, CASM_COMPILER};
use crate::config::DeployConfig;
use crate::manifest::{ClassRecord, Compilers, ContractRecord, Manifest, StepRecord, Verification};
use crate::plan::{ConfigStep, Plan, PlanError, CONTRACTS};
use crate::tx::{self, Cost, TxError};
use crate::DeployError;

/// One step of a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Declare a contract's class.
    Declare(&'static str),
    /// Deploy a contract.
    Deploy(&'static str),
    /// A configuration transaction.
    Configure(ConfigStep),
}

impl Step {
    /// The step's name, as printed and as `--until` takes it.
    pub fn name(&self) -> String {
        match self {
            Step::Declare(contract) => format!("declare {contract}"),
            Step::Deploy(contract) => format!("deploy {contract}"),
            Step::Configure(step) => step.name(),
        }
    }
}

/// How a step ended up done (or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    /// Recorded in the manifest by an earlier run; nothing sent.
    Recorded,
    /// Not in the manifest but already on the chain (an interrupted run); recorded, nothing sent.
    FoundOnChain,
    /// Sent now.
    Sent,
    /// Still to do (a dry run, or after `--until`).
    Pending,
}

/// A step's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepOutcome {
    /// The step.
    pub step: Step,
    /// What happened.
    pub status: StepStatus,
    /// The class hash or address concerned, if any.
    pub subject: Option<Felt>,
    /// The transaction sent now.
    pub transaction_hash: Option<Felt>,
    /// What it cost (sent now), or its estimate (dry run), in FRI.
    pub fee: Option<u128>,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct DeployReport {
    /// The manifest as saved.
    pub manifest: Manifest,
    /// Every step, in order.
    pub outcomes: Vec<StepOutcome>,
    /// Whether every step is done and the wiring was read back and verified.
    pub complete: bool,
}

/// A deployment of Ciro's contracts by one account onto one network.
pub struct Deployer<A> {
    account: A,
    classes: BTreeMap<&'static str, PreparedClass>,
    plan: Plan,
    manifest_path: PathBuf,
    manifest: Manifest,
}

impl<A> Deployer<A>
where
    A: ConnectedAccount + Sync + Send + Clone,
{
    /// Checks the node's chain id against `config`, compiles every class to CASM, builds the plan
    /// and loads (or starts) the manifest at `manifest_path`.
    ///
    /// # Errors
    /// A chain id other than the configuration's, a manifest for another chain or deployer, or a
    /// manifest that disagrees with the plan (the configuration changed since); unbuilt artifacts.
    pub async fn prepare(
        config: &DeployConfig,
        account: A,
        artifacts: &ContractArtifacts,
        manifest_path: &Path,
    ) -> Result<Self, DeployError> {
        let provider = account.provider();
        let expected = config.chain_id()?;
        let actual = provider.chain_id().await?;
        if actual != expected {
            return Err(DeployError::ChainIdMismatch { expected: chain_name(expected), actual: chain_name(actual) });
        }
        let deployer = account.address();
        if deployer != config.deployer_address()? {
            return Err(DeployError::ManifestMismatch(format!(
                "the signing account is {deployer:#x} but the configuration's account.address is {:#x}",
                config.deployer_address()?
            )));
        }
        let mut classes = BTreeMap::new();
        for contract in CONTRACTS {
            let sierra = artifacts.sierra_json(contract)?;
            classes.insert(contract, PreparedClass::from_sierra_json(&sierra)?);
        }
        let plan = Plan::new(config, deployer, |name| classes.get(name).map(|c| c.class_hash))?;
        let first = classes.values().next();
        let compilers = Compilers {
            cairo: first.map(|c| c.cairo_version.clone()).unwrap_or_default(),
            sierra: first.map(|c| c.sierra_version.clone()).unwrap_or_default(),
            casm: CASM_COMPILER.into(),
        };
        let manifest = match Manifest::load(manifest_path)? {
            Some(manifest) => {
                check_manifest(&manifest, &plan, actual)?;
                manifest
            }
            None => Manifest {
                network: config.network.name.clone(),
                chain_id: actual,
                rpc_url: config.network.rpc_url.clone(),
                deployer,
                compilers,
                classes: BTreeMap::new(),
                contracts: BTreeMap::new(),
                steps: Vec::new(),
                verified: None,
            },
        };
        Ok(Deployer { account, classes, plan, manifest_path: manifest_path.to_path_buf(), manifest })
    }

    /// The plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Every step, in order.
    pub fn steps(&self) -> Vec<Step> {
        let declares = CONTRACTS.into_iter().map(Step::Declare);
        let deploys = CONTRACTS.into_iter().map(Step::Deploy);
        let configures = self.plan.steps.iter().copied().map(Step::Configure);
        declares.chain(deploys).chain(configures).collect()
    }

    /// Runs every step not done yet, saving the manifest after each, then reads the wiring back.
    /// With `until`, stops after the step of that name (staged deployments; the next run resumes).
    ///
    /// # Errors
    /// A transaction fails (the manifest keeps every step finished before it), the wiring does not
    /// read back as planned, or `until` names no step.
    pub async fn run(mut self, until: Option<&str>) -> Result<DeployReport, DeployError> {
        let steps = self.steps();
        if let Some(name) = until {
            if !steps.iter().any(|s| s.name() == name) {
                let names: Vec<String> = steps.iter().map(Step::name).collect();
                return Err(DeployError::UnknownStep { name: name.into(), steps: names.join(", ") });
            }
        }
        let mut outcomes = Vec::new();
        let mut stopped = false;
        for step in steps {
            if stopped {
                outcomes.push(StepOutcome { step, status: StepStatus::Pending, subject: self.subject(step), transaction_hash: None, fee: None });
                continue;
            }
            let outcome = self.execute(step).await?;
            self.manifest.save(&self.manifest_path)?;
            outcomes.push(outcome);
            stopped = until == Some(step.name().as_str());
        }
        let complete = !stopped;
        if complete {
            let provider = self.account.provider();
            let (passed, failed) = self.plan.verify(provider).await?;
            if !failed.is_empty() {
                return Err(DeployError::VerificationFailed(failed));
            }
            let block_number = provider.block_number().await?;
            self.manifest.verified = Some(Verification { block_number, checks: passed });
            self.manifest.save(&self.manifest_path)?;
        }
        Ok(DeployReport { manifest: self.manifest, outcomes, complete })
    }

    /// The plan with what is already done and a fee estimate for the rest, sending nothing.
    ///
    /// The remaining transactions are estimated together, in order, as the node would execute
    /// them (declarations before the deployments that need them).
    ///
    /// # Errors
    /// A read fails, or the node rejects the simulation (its message says which step).
    pub async fn dry_run(&self) -> Result<Vec<StepOutcome>, DeployError> {
        let mut outcomes = Vec::new();
        let mut pending = Vec::new();
        for step in self.steps() {
            let status = self.status(step).await?;
            if status == StepStatus::Pending {
                pending.push(outcomes.len());
            }
            outcomes.push(StepOutcome { step, status, subject: self.subject(step), transaction_hash: None, fee: None });
        }
        if pending.is_empty() {
            return Ok(outcomes);
        }
        let provider = self.account.provider();
        let mut nonce = provider.get_nonce(BlockId::Tag(BlockTag::Latest), self.account.address()).await?;
        let mut requests = Vec::new();
        for &index in &pending {
            requests.push(self.query_transaction(outcomes[index].step, nonce).await?);
            nonce += Felt::ONE;
        }
        let estimates = provider
            .estimate_fee(requests, Vec::new(), BlockId::Tag(BlockTag::Latest))
            .await
            .map_err(|e| DeployError::Estimate(Box::new(TxError::from(starknet::accounts::AccountError::<String>::Provider(e)))))?;
        for (index, estimate) in pending.into_iter().zip(estimates) {
            outcomes[index].fee = Some(estimate.overall_fee);
        }
        Ok(outcomes)
    }

    fn subject(&self, step: Step) -> Option<Felt> {
        match step {
            Step::Declare(contract) => self.classes.get(contract).map(|c| c.class_hash),
            Step::Deploy(contract) => Some(self.plan.address(contract)),
            Step::Configure(_) => None,
        }
    }

    /// Whether `step` is done, by the manifest or by the chain.
    async fn status(&self, step: Step) -> Result<StepStatus, DeployError> {
        let provider = self.account.provider();
        let done = match step {
            Step::Declare(contract) => {
                if self.manifest.classes.contains_key(contract) {
                    return Ok(StepStatus::Recorded);
                }
                let class_hash = self.subject(step).unwrap_or_default();
                is_declared(provider, class_hash).await?
            }
            Step::Deploy(contract) => {
                if self.manifest.contracts.contains_key(contract) {
                    return Ok(StepStatus::Recorded);
                }
                self.deployed_class(contract).await?.is_some()
            }
            Step::Configure(config_step) => {
                if self.manifest.step_done(&config_step.name()) {
                    return Ok(StepStatus::Recorded);
                }
                let deployed = self.manifest.contracts.len() == CONTRACTS.len();
                deployed && self.plan.step_in_effect(provider, config_step).await?
            }
        };
        Ok(if done { StepStatus::FoundOnChain } else { StepStatus::Pending })
    }

    /// The class at `contract`'s planned address, if anything is deployed there; another class
    /// than the planned one is an error.
    async fn deployed_class(&self, contract: &'static str) -> Result<Option<Felt>, DeployError> {
        let address = self.plan.address(contract);
        match self.account.provider().get_class_hash_at(BlockId::Tag(BlockTag::Latest), address).await {
            Ok(class_hash) if Some(class_hash) == self.subject(Step::Declare(contract)) => Ok(Some(class_hash)),
            Ok(class_hash) => Err(DeployError::ManifestMismatch(format!(
                "{contract}'s planned address {address:#x} already holds class {class_hash:#x}: choose another network.salt"
            ))),
            Err(ProviderError::StarknetError(StarknetError::ContractNotFound)) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    async fn execute(&mut self, step: Step) -> Result<StepOutcome, DeployError> {
        let status = self.status(step).await?;
        let subject = self.subject(step);
        let mut outcome = StepOutcome { step, status, subject, transaction_hash: None, fee: None };
        if status == StepStatus::Recorded {
            return Ok(outcome);
        }
        let name = step.name();
        eprintln!("{name}: {}", if status == StepStatus::FoundOnChain { "found on chain" } else { "sending" });
        let sent = match status {
            StepStatus::Pending => self.send(step).await?,
            _ => None,
        };
        outcome.status = if sent.is_some() { StepStatus::Sent } else { StepStatus::FoundOnChain };
        outcome.transaction_hash = sent.map(|(hash, _)| hash);
        outcome.fee = sent.map(|(_, cost)| cost.fee);
        let block_number = sent.map(|(_, cost)| cost.block_number);
        match step {
            Step::Declare(contract) => {
                let class = self.class(contract)?;
                self.manifest.classes.insert(
                    contract.into(),
                    ClassRecord {
                        class_hash: class.class_hash,
                        compiled_class_hash: class.compiled_class_hash,
                        transaction_hash: outcome.transaction_hash,
                        block_number,
                    },
                );
            }
            Step::Deploy(contract) => {
                let planned = self.plan.contract(contract)?;
                self.manifest.contracts.insert(
                    contract.into(),
                    ContractRecord {
                        address: planned.address,
                        class_hash: planned.class_hash,
                        salt: self.plan.salt,
                        constructor_calldata: planned.constructor_calldata.clone(),
                        transaction_hash: outcome.transaction_hash,
                        block_number,
                    },
                );
            }
            Step::Configure(_) => {
                self.manifest.steps.push(StepRecord { name, transaction_hash: outcome.transaction_hash, block_number });
            }
        }
        Ok(outcome)
    }

    /// The prepared class of `contract`.
    fn class(&self, contract: &str) -> Result<&PreparedClass, DeployError> {
        self.classes.get(contract).ok_or_else(|| PlanError::NotPlanned(contract.to_owned()).into())
    }

    /// Sends `step`; `None` when a declaration found the class declared in the meantime.
    async fn send(&self, step: Step) -> Result<Option<(Felt, Cost)>, DeployError> {
        let failed = |source| DeployError::Tx { step: step.name(), source: Box::new(source) };
        match step {
            Step::Declare(contract) => {
                let declared = tx::declare(&self.account, self.class(contract)?).await.map_err(failed)?;
                Ok(declared.transaction_hash.zip(declared.cost))
            }
            Step::Deploy(contract) => {
                let planned = self.plan.contract(contract)?;
                let calldata = planned.constructor_calldata.clone();
                let deployed = tx::deploy_unique(&self.account, planned.class_hash, calldata, self.plan.salt)
                    .await
                    .map_err(failed)?;
                Ok(Some((deployed.transaction_hash, deployed.cost)))
            }
            Step::Configure(config_step) => {
                let call = self.plan.call(&self.account, config_step);
                let receipt = tx::invoke(&self.account, vec![call]).await.map_err(failed)?;
                Ok(Some((*receipt.receipt.transaction_hash(), Cost::of(&receipt))))
            }
        }
    }

    /// `step` as a signed query transaction with `nonce`, for fee estimation.
    async fn query_transaction(&self, step: Step, nonce: Felt) -> Result<BroadcastedTransaction, DeployError> {
        let prepare_error = |e: starknet::accounts::NotPreparedError| DeployError::Estimate(Box::new(TxError::Account(e.to_string())));
        let sign_error = |e: String| DeployError::Estimate(Box::new(TxError::Account(e)));
        match step {
            Step::Declare(contract) => {
                let class = self.class(contract)?;
                let declaration = self
                    .account
                    .declare_v3(class.sierra.clone(), class.compiled_class_hash)
                    .nonce(nonce)
                    .l1_gas(0)
                    .l1_gas_price(0)
                    .l2_gas(0)
                    .l2_gas_price(0)
                    .l1_data_gas(0)
                    .l1_data_gas_price(0)
                    .tip(0)
                    .prepared()
                    .map_err(prepare_error)?;
                let request = declaration.get_declare_request(true, false).await.map_err(|e| sign_error(e.to_string()))?;
                Ok(BroadcastedTransaction::Declare(request))
            }
            Step::Deploy(contract) => {
                let planned = self.plan.contract(contract)?;
                let factory = ContractFactory::new_with_udc(planned.class_hash, &self.account, UdcSelector::New);
                let deployment = factory.deploy_v3(planned.constructor_calldata.clone(), self.plan.salt, true);
                query_invoke(ExecutionV3::from(&deployment), nonce).await
            }
            Step::Configure(config_step) => {
                query_invoke(self.account.execute_v3(vec![self.plan.call(&self.account, config_step)]), nonce).await
            }
        }
    }
}

/// `execution` as a signed query transaction with `nonce` and zero resource bounds (the node
/// estimates the resources; query transactions cannot be executed for real).
async fn query_invoke<B: Account + ConnectedAccount + Sync>(
    execution: ExecutionV3<'_, B>,
    nonce: Felt,
) -> Result<BroadcastedTransaction, DeployError> {
    let prepared = execution
        .nonce(nonce)
        .l1_gas(0)
        .l1_gas_price(0)
        .l2_gas(0)
        .l2_gas_price(0)
        .l1_data_gas(0)
        .l1_data_gas_price(0)
        .tip(0)
        .prepared()
        .map_err(|e| DeployError::Estimate(Box::new(TxError::Account(e.to_string()))))?;
    let request = prepared
        .get_invoke_request(true, false)
        .await
        .map_err(|e| DeployError::Estimate(Box::new(TxError::Account(e.to_string()))))?;
    Ok(BroadcastedTransaction::Invoke(request))
}

async fn is_declared<P: Provider + Sync>(provider: &P, class_hash: Felt) -> Result<bool, DeployError> {
    match provider.get_class(BlockId::Tag(BlockTag::Latest), class_hash).await {
        Ok(_) => Ok(true),
        Err(ProviderError::StarknetError(StarknetError::ClassHashNotFound)) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// Refuses a manifest written for another chain or deployer, or one whose records disagree with
/// the plan (the configuration changed after a partial deployment).
fn check_manifest(manifest: &Manifest, plan: &Plan, chain_id: Felt) -> Result<(), DeployError> {
    if manifest.chain_id != chain_id {
        return Err(DeployError::ManifestMismatch(format!(
            "the manifest is for chain {} but the node is {}",
            chain_name(manifest.chain_id),
            chain_name(chain_id)
        )));
    }
    if manifest.deployer != plan.deployer {
        return Err(DeployError::ManifestMismatch(format!(
            "the manifest was written by deployer {:#x}, not {:#x}",
            manifest.deployer, plan.deployer
        )));
    }
    for planned in &plan.contracts {
        if let Some(recorded) = manifest.contracts.get(planned.name) {
            if recorded.address != planned.address {
                return Err(DeployError::ManifestMismatch(format!(
                    "the manifest has {} at {:#x} but the configuration now gives {:#x}: the configuration or \
                     the contracts changed since; restore them, or deploy under a new network.name or network.salt",
                    planned.name, recorded.address, planned.address
                )));
            }
        }
    }
    Ok(())
}

/// A chain id as its short string when printable (`SN_SEPOLIA`), else hex.
pub fn chain_name(chain_id: Felt) -> String {
    starknet::core::utils::parse_cairo_short_string(&chain_id)
        .ok()
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or_else(|| format!("{chain_id:#x}"))
}
