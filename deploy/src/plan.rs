//! What a Ciro deployment is: the contracts in dependency order with their constructor arguments,
//! the configuration steps that wire them, and the checks that read the wiring back.
//!
//! Addresses are deterministic (a unique Universal Deployer deployment: salt hashed with the
//! deployer's address), so the whole plan, every address included, is known before the first
//! transaction; that is what makes a resumed deployment and a dry run exact.

use cainome::cairo_serde::{ContractAddress, U256};
use ciro_bindings::burn_manager::{BurnManager, BurnManagerReader};
use ciro_bindings::constructors::{
    BurnManagerConstructor, CDCPoolConstructor, CIROTokenConstructor, GovernanceTreasuryConstructor, JobManagerConstructor,
    LinearVestingConstructor, MilestoneVestingConstructor, PaymasterConstructor,
};
use ciro_bindings::cdc_pool::{CdcPool, CdcPoolReader};
use ciro_bindings::selectors;
use ciro_bindings::governance_treasury::{GovernanceTreasury, GovernanceTreasuryReader, Parameters};
use ciro_bindings::job_manager::{JobManager, JobManagerReader};
use ciro_bindings::paymaster::{Paymaster, PaymasterReader};
use ciro_bindings::token::{CiroToken, CiroTokenReader};
use starknet::accounts::ConnectedAccount;
use starknet::contract::UdcSelector;
use starknet::core::types::{Call, Felt};
use starknet::core::utils::{get_udc_deployed_address, UdcUniqueSettings, UdcUniqueness};
use starknet::providers::Provider;

use crate::config::{DeployConfig, Roles};

/// The product contracts, in deployment order. (`Governed` is a library contract reached through
/// its state, and the test doubles live in another package: neither is ever deployed.)
pub const CONTRACTS: [&str; 9] = [
    "CIROToken",
    "GovernanceTreasury",
    "CDCPool",
    "ProofVerifier",
    "JobManager",
    "BurnManager",
    "LinearVesting",
    "MilestoneVesting",
    "Paymaster",
];

/// Contracts whose governance moves to `roles.governance` at the end.
pub const GOVERNED: [&str; 7] =
    ["CIROToken", "CDCPool", "JobManager", "BurnManager", "LinearVesting", "MilestoneVesting", "Paymaster"];

/// The calls the Paymaster sponsors: `(contract, entry point)`. A user with no fee token can
/// approve the escrow, submit a job and cancel it.
pub const SPONSORED: [(&str, &str, Felt); 3] = [
    ("CIROToken", "approve", selectors::token::APPROVE),
    ("JobManager", "submit_ai_job", selectors::job_manager::SUBMIT_AI_JOB),
    ("JobManager", "cancel_job", selectors::job_manager::CANCEL_JOB),
];

/// Contracts with an emergency pause besides the token (whose council is a constructor argument).
pub const PAUSABLE: [&str; 2] = ["JobManager", "CDCPool"];

/// Contracts whose CIRO transfers stay open while the token is paused, so that refunds and exits
/// (cancelled and timed-out jobs, unstaking) keep working during an emergency.
pub const PAUSE_EXEMPT: [&str; 2] = ["JobManager", "CDCPool"];

/// One CIRO in base units.
const CIRO: u128 = 1_000_000_000_000_000_000;

/// Errors building a plan or reading the wiring.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// No class hash for a contract (its class was not prepared).
    #[error("no class prepared for {0}")]
    MissingClass(&'static str),
    /// A step names a contract the plan does not deploy.
    #[error("{0} is not part of the deployment plan")]
    NotPlanned(String),
    /// A value overflows its Cairo type.
    #[error("{0} overflows")]
    Overflow(&'static str),
    /// Reading the chain failed.
    #[error("reading {what}: {message}")]
    Read {
        /// What was read.
        what: String,
        /// The error.
        message: String,
    },
}

/// A contract to deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedContract {
    /// Its name in the artifacts.
    pub name: &'static str,
    /// Its class.
    pub class_hash: Felt,
    /// Serialized constructor arguments.
    pub constructor_calldata: Vec<Felt>,
    /// Where it will be.
    pub address: Felt,
}

/// A configuration step after deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigStep {
    /// CDC_Pool learns JobManager's address (only JobManager may credit rewards and slash).
    SetPoolJobManager,
    /// BurnManager accepts revenue reports from JobManager.
    SetBurnReporter,
    /// JobManager sends the burn share to BurnManager and takes the share from its schedule.
    SetJobManagerBurnManager,
    /// JobManager's assigner: the keeper, the only caller of `assign_job`.
    SetAssigner,
    /// JobManager's minimum completion window, when the configuration sets one.
    SetMinCompletionWindow,
    /// The token keeps a contract's transfers open while paused (refunds and exits).
    SetPauseExempt(&'static str),
    /// A pausable contract learns the emergency council.
    SetEmergencyCouncil(&'static str),
    /// The token learns the emergency council, when it is the GovernanceTreasury (deployed after
    /// the token, so not a constructor argument).
    SetTokenEmergencyCouncil,
    /// The GovernanceTreasury's council may pause a contract that names it as emergency council.
    RegisterPausableTarget(&'static str),
    /// The GovernanceTreasury accepts the governance of a contract.
    AcceptGovernance(&'static str),
    /// The Paymaster allows a `(contract, entry point, selector)` of [`SPONSORED`].
    AllowSponsored(&'static str, &'static str, Felt),
    /// Starts the two-step governance transfer of a contract to `roles.governance`.
    TransferGovernance(&'static str),
}

impl ConfigStep {
    /// The step's name in the manifest.
    pub fn name(&self) -> String {
        match self {
            ConfigStep::SetPoolJobManager => "CDCPool.set_job_manager".into(),
            ConfigStep::SetBurnReporter => "BurnManager.set_reporter".into(),
            ConfigStep::SetJobManagerBurnManager => "JobManager.set_burn_manager".into(),
            ConfigStep::SetAssigner => "JobManager.set_assigner".into(),
            ConfigStep::SetMinCompletionWindow => "JobManager.set_min_completion_window".into(),
            ConfigStep::SetPauseExempt(contract) => format!("CIROToken.set_pause_exempt {contract}"),
            ConfigStep::SetEmergencyCouncil(contract) => format!("{contract}.set_emergency_council"),
            ConfigStep::SetTokenEmergencyCouncil => "CIROToken.set_emergency_council".into(),
            ConfigStep::RegisterPausableTarget(contract) => format!("GovernanceTreasury.register_pausable_target {contract}"),
            ConfigStep::AcceptGovernance(contract) => format!("GovernanceTreasury.accept_governance_of {contract}"),
            ConfigStep::AllowSponsored(contract, entry_point, _) => format!("Paymaster.set_allowed {contract}.{entry_point}"),
            ConfigStep::TransferGovernance(contract) => format!("{contract}.transfer_governance"),
        }
    }
}

/// The whole deployment.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The deploying account.
    pub deployer: Felt,
    /// The salt of every deployment.
    pub salt: Felt,
    /// Roles, resolved.
    pub roles: Roles,
    /// The contracts, in order.
    pub contracts: Vec<PlannedContract>,
    /// Configuration, in order.
    pub steps: Vec<ConfigStep>,
    token_parameters: (u128, u64),
    fee_parameters: (u16, u16),
    unstake_cooldown: u64,
    min_completion_window: Option<u64>,
}

fn u256(value: u128) -> U256 {
    U256 { low: value, high: 0 }
}

impl Plan {
    /// Builds the plan for `config`, deployed by `deployer`, with `class_hash(name)` for each contract.
    ///
    /// # Errors
    /// A class is missing, or a role or number is invalid.
    pub fn new(
        config: &DeployConfig,
        deployer: Felt,
        class_hash: impl Fn(&str) -> Option<Felt>,
    ) -> Result<Self, crate::DeployError> {
        let salt = config.salt()?;
        let class = |name: &'static str| class_hash(name).ok_or(PlanError::MissingClass(name));
        let address_of = |name: &'static str, calldata: &[Felt]| -> Result<Felt, PlanError> {
            let uniqueness = UdcUniqueness::Unique(UdcUniqueSettings {
                deployer_address: deployer,
                udc_contract_address: Felt::from(UdcSelector::New),
            });
            Ok(get_udc_deployed_address(salt, class(name)?, &uniqueness, calldata))
        };
        let mut contracts = Vec::new();
        let mut add = |name: &'static str, calldata: Vec<Felt>| -> Result<Felt, PlanError> {
            let address = address_of(name, &calldata)?;
            contracts.push(PlannedContract { name, class_hash: class(name)?, constructor_calldata: calldata, address });
            Ok(address)
        };
        // Governance starts with the deployer, who wires everything, then hands it over.
        let initial_governance = ContractAddress(deployer);
        // The token comes first: no role it takes at construction may be the treasury, which
        // needs the token's address. Its emergency council is set afterwards when it is.
        let early_roles = config.roles(deployer, deployer)?;
        let mint_limit = whole_ciro(config.token.mint_limit_ciro, "token.mint_limit_ciro")?;
        let token = add(
            "CIROToken",
            CIROTokenConstructor {
                initial_holder: ContractAddress(early_roles.initial_holder),
                governance: initial_governance,
                minter: ContractAddress(early_roles.minter),
                emergency_council: ContractAddress(early_roles.emergency_council),
                mint_limit: u256(mint_limit),
                mint_period_seconds: config.token.mint_period_seconds,
            }
            .calldata(),
        )?;
        let governance = &config.governance;
        let parameters = Parameters {
            proposal_threshold: u256(whole_ciro(governance.proposal_threshold_ciro, "governance.proposal_threshold_ciro")?),
            voting_delay: governance.voting_delay_seconds,
            voting_period: governance.voting_period_seconds,
            quorum_bps: governance.quorum_bps,
            timelock_delay: governance.timelock_delay_seconds,
            critical_treasury_threshold: u256(whole_ciro(
                governance.critical_treasury_threshold_ciro,
                "governance.critical_treasury_threshold_ciro",
            )?),
        };
        let council_members: Vec<ContractAddress> = config.council(deployer)?.into_iter().map(ContractAddress).collect();
        let treasury = add(
            "GovernanceTreasury",
            GovernanceTreasuryConstructor {
                token: ContractAddress(token),
                parameters,
                council_members,
                council_threshold: governance.council_threshold,
            }
            .calldata(),
        )?;
        let roles = config.roles(deployer, treasury)?;
        let pool_config = &config.pool;
        let pool = add(
            "CDCPool",
            CDCPoolConstructor {
                governance: initial_governance,
                token: ContractAddress(token),
                treasury: ContractAddress(roles.treasury),
                oracle: ContractAddress(roles.oracle),
                price_usd_e8: u128::from(pool_config.price_usd_e8),
                min_price_usd_e8: u128::from(pool_config.min_price_usd_e8),
                max_price_usd_e8: u128::from(pool_config.max_price_usd_e8),
                max_price_age_seconds: pool_config.max_price_age_seconds,
                unstake_cooldown_seconds: pool_config.unstake_cooldown_seconds,
            }
            .calldata(),
        )?;
        let verifier = add("ProofVerifier", Vec::new())?; // no constructor
        let jm = &config.job_manager;
        add(
            "JobManager",
            JobManagerConstructor {
                governance: initial_governance,
                token: ContractAddress(token),
                cdc_pool: ContractAddress(pool),
                proof_verifier: ContractAddress(verifier),
                treasury: ContractAddress(roles.treasury),
                platform_fee_bps: jm.platform_fee_bps,
                burn_share_bps: jm.burn_share_bps,
            }
            .calldata(),
        )?;
        let token_contract = ContractAddress(token);
        add("BurnManager", BurnManagerConstructor { governance: initial_governance, token: token_contract }.calldata())?;
        add("LinearVesting", LinearVestingConstructor { governance: initial_governance, token: token_contract }.calldata())?;
        add("MilestoneVesting", MilestoneVestingConstructor { governance: initial_governance, token: token_contract }.calldata())?;
        let paymaster = &config.paymaster;
        let reimbursement = u128::from(paymaster.reimbursement_milli_ciro) * (CIRO / 1_000);
        add(
            "Paymaster",
            PaymasterConstructor {
                governance: initial_governance,
                token: token_contract,
                daily_quota: paymaster.daily_quota,
                reimbursement: u256(reimbursement),
            }
            .calldata(),
        )?;
        // All wiring happens while the deployer still governs every contract, before the hand-over.
        let mut steps = vec![
            ConfigStep::SetPoolJobManager,
            ConfigStep::SetBurnReporter,
            ConfigStep::SetJobManagerBurnManager,
            ConfigStep::SetAssigner,
        ];
        if jm.min_completion_window_seconds.is_some() {
            steps.push(ConfigStep::SetMinCompletionWindow);
        }
        steps.extend(PAUSE_EXEMPT.into_iter().map(ConfigStep::SetPauseExempt));
        steps.extend(SPONSORED.into_iter().map(|(contract, entry_point, selector)| ConfigStep::AllowSponsored(contract, entry_point, selector)));
        steps.extend(PAUSABLE.into_iter().map(ConfigStep::SetEmergencyCouncil));
        if early_roles.emergency_council != roles.emergency_council {
            steps.push(ConfigStep::SetTokenEmergencyCouncil);
        }
        if roles.emergency_council == treasury {
            steps.extend(PAUSABLE.into_iter().map(ConfigStep::RegisterPausableTarget));
        }
        if roles.governance != deployer {
            steps.extend(GOVERNED.into_iter().map(ConfigStep::TransferGovernance));
        }
        if roles.governance == treasury {
            steps.extend(GOVERNED.into_iter().map(ConfigStep::AcceptGovernance));
        }
        Ok(Plan {
            deployer,
            salt,
            roles,
            contracts,
            steps,
            token_parameters: (mint_limit, config.token.mint_period_seconds),
            fee_parameters: (jm.platform_fee_bps, jm.burn_share_bps),
            unstake_cooldown: pool_config.unstake_cooldown_seconds,
            min_completion_window: jm.min_completion_window_seconds,
        })
    }

    /// The planned contract `name`.
    ///
    /// # Errors
    /// [`PlanError::NotPlanned`] for a contract the plan does not deploy.
    pub fn contract(&self, name: &str) -> Result<&PlannedContract, PlanError> {
        self.contracts.iter().find(|c| c.name == name).ok_or_else(|| PlanError::NotPlanned(name.to_owned()))
    }

    /// The planned address of `name`.
    pub fn address(&self, name: &str) -> Felt {
        self.contracts.iter().find(|c| c.name == name).map_or(Felt::ZERO, |c| c.address)
    }

    /// The wiring steps [`Plan::verify`] reads back: every step but the governance hand-over
    /// (checked on its own).
    fn wiring_steps(&self) -> Vec<ConfigStep> {
        let mut steps = vec![
            ConfigStep::SetBurnReporter,
            ConfigStep::SetJobManagerBurnManager,
            ConfigStep::SetTokenEmergencyCouncil,
            ConfigStep::SetAssigner,
        ];
        if self.min_completion_window.is_some() {
            steps.push(ConfigStep::SetMinCompletionWindow);
        }
        steps.extend(PAUSE_EXEMPT.into_iter().map(ConfigStep::SetPauseExempt));
        steps.extend(PAUSABLE.into_iter().map(ConfigStep::SetEmergencyCouncil));
        steps.extend(SPONSORED.into_iter().map(|(contract, entry_point, selector)| ConfigStep::AllowSponsored(contract, entry_point, selector)));
        steps
    }

    /// The transaction's call for `step`.
    pub fn call<A: ConnectedAccount + Sync + Clone>(&self, account: &A, step: ConfigStep) -> Call {
        match step {
            ConfigStep::SetPoolJobManager => CdcPool::new(self.address("CDCPool"), account.clone())
                .set_job_manager_getcall(&ContractAddress(self.address("JobManager"))),
            ConfigStep::SetBurnReporter => BurnManager::new(self.address("BurnManager"), account.clone())
                .set_reporter_getcall(&ContractAddress(self.address("JobManager"))),
            ConfigStep::SetJobManagerBurnManager => JobManager::new(self.address("JobManager"), account.clone())
                .set_burn_manager_getcall(&ContractAddress(self.address("BurnManager"))),
            ConfigStep::SetAssigner => JobManager::new(self.address("JobManager"), account.clone())
                .set_assigner_getcall(&ContractAddress(self.roles.assigner)),
            ConfigStep::SetMinCompletionWindow => JobManager::new(self.address("JobManager"), account.clone())
                .set_min_completion_window_getcall(&self.min_completion_window.unwrap_or_default()),
            ConfigStep::SetPauseExempt(contract) => CiroToken::new(self.address("CIROToken"), account.clone())
                .set_pause_exempt_getcall(&ContractAddress(self.address(contract)), &true),
            ConfigStep::SetEmergencyCouncil(contract) => {
                // JobManager and CDC_Pool expose the same IPausable entry points.
                JobManager::new(self.address(contract), account.clone())
                    .set_emergency_council_getcall(&ContractAddress(self.roles.emergency_council))
            }
            ConfigStep::SetTokenEmergencyCouncil => CiroToken::new(self.address("CIROToken"), account.clone())
                .set_emergency_council_getcall(&ContractAddress(self.roles.emergency_council)),
            ConfigStep::RegisterPausableTarget(contract) => {
                GovernanceTreasury::new(self.address("GovernanceTreasury"), account.clone())
                    .register_pausable_target_getcall(&ContractAddress(self.address(contract)))
            }
            ConfigStep::AcceptGovernance(contract) => GovernanceTreasury::new(self.address("GovernanceTreasury"), account.clone())
                .accept_governance_of_getcall(&ContractAddress(self.address(contract))),
            ConfigStep::AllowSponsored(contract, _, selector) => {
                let target = ContractAddress(self.address(contract));
                Paymaster::new(self.address("Paymaster"), account.clone()).set_allowed_getcall(&target, &selector, &true)
            }
            ConfigStep::TransferGovernance(contract) => {
                let to = ContractAddress(self.roles.governance);
                let address = self.address(contract);
                // Every governed contract exposes the same IGoverned entry points.
                CiroToken::new(address, account.clone()).transfer_governance_getcall(&to)
            }
        }
    }

    /// Whether `step`'s effect is already on the chain (so a resumed run does not send it again).
    ///
    /// # Errors
    /// A read fails.
    pub async fn step_in_effect<P: Provider + Sync>(&self, provider: &P, step: ConfigStep) -> Result<bool, PlanError> {
        match step {
            ConfigStep::SetPoolJobManager => {
                let current = CdcPoolReader::new(self.address("CDCPool"), provider)
                    .job_manager()
                    .call()
                    .await
                    .map_err(|e| read_error("CDCPool.job_manager", e))?;
                Ok(current.0 == self.address("JobManager"))
            }
            ConfigStep::SetBurnReporter => {
                let current = BurnManagerReader::new(self.address("BurnManager"), provider)
                    .reporter()
                    .call()
                    .await
                    .map_err(|e| read_error("BurnManager.reporter", e))?;
                Ok(current.0 == self.address("JobManager"))
            }
            ConfigStep::SetJobManagerBurnManager => {
                let current = JobManagerReader::new(self.address("JobManager"), provider)
                    .burn_manager()
                    .call()
                    .await
                    .map_err(|e| read_error("JobManager.burn_manager", e))?;
                Ok(current.0 == self.address("BurnManager"))
            }
            ConfigStep::SetAssigner => {
                let current = JobManagerReader::new(self.address("JobManager"), provider)
                    .assigner()
                    .call()
                    .await
                    .map_err(|e| read_error("JobManager.assigner", e))?;
                Ok(current.0 == self.roles.assigner)
            }
            ConfigStep::SetMinCompletionWindow => {
                let current = JobManagerReader::new(self.address("JobManager"), provider)
                    .min_completion_window()
                    .call()
                    .await
                    .map_err(|e| read_error("JobManager.min_completion_window", e))?;
                Ok(Some(current) == self.min_completion_window)
            }
            ConfigStep::SetPauseExempt(contract) => CiroTokenReader::new(self.address("CIROToken"), provider)
                .is_pause_exempt(&ContractAddress(self.address(contract)))
                .call()
                .await
                .map_err(|e| read_error("CIROToken.is_pause_exempt", e)),
            ConfigStep::SetEmergencyCouncil(contract) => {
                let current = JobManagerReader::new(self.address(contract), provider)
                    .emergency_council()
                    .call()
                    .await
                    .map_err(|e| read_error(&format!("{contract}.emergency_council"), e))?;
                Ok(current.0 == self.roles.emergency_council)
            }
            ConfigStep::SetTokenEmergencyCouncil => {
                let current = CiroTokenReader::new(self.address("CIROToken"), provider)
                    .emergency_council()
                    .call()
                    .await
                    .map_err(|e| read_error("CIROToken.emergency_council", e))?;
                Ok(current.0 == self.roles.emergency_council)
            }
            ConfigStep::RegisterPausableTarget(contract) => GovernanceTreasuryReader::new(self.address("GovernanceTreasury"), provider)
                .is_pausable_target(&ContractAddress(self.address(contract)))
                .call()
                .await
                .map_err(|e| read_error("GovernanceTreasury.is_pausable_target", e)),
            ConfigStep::AcceptGovernance(contract) => {
                let (governance, _) = self.governance_of(provider, contract).await?;
                Ok(governance == self.roles.governance)
            }
            ConfigStep::AllowSponsored(contract, _, selector) => {
                let target = ContractAddress(self.address(contract));
                PaymasterReader::new(self.address("Paymaster"), provider)
                    .is_allowed(&target, &selector)
                    .call()
                    .await
                    .map_err(|e| read_error("Paymaster.is_allowed", e))
            }
            ConfigStep::TransferGovernance(contract) => {
                let (governance, pending) = self.governance_of(provider, contract).await?;
                Ok(governance == self.roles.governance || pending == self.roles.governance)
            }
        }
    }

    async fn governance_of<P: Provider + Sync>(&self, provider: &P, contract: &str) -> Result<(Felt, Felt), PlanError> {
        let reader = CiroTokenReader::new(self.address(contract), provider);
        let governance = reader.governance().call().await.map_err(|e| read_error(&format!("{contract}.governance"), e))?;
        let pending = reader
            .pending_governance()
            .call()
            .await
            .map_err(|e| read_error(&format!("{contract}.pending_governance"), e))?;
        Ok((governance.0, pending.0))
    }

    /// Reads every piece of wiring back and compares it with the plan. Returns one line per check
    /// that passed, and the lines of those that did not.
    ///
    /// # Errors
    /// A read fails.
    pub async fn verify<P: Provider + Sync>(&self, provider: &P) -> Result<(Vec<String>, Vec<String>), PlanError> {
        let mut passed = Vec::new();
        let mut failed = Vec::new();
        let mut check = |label: String, ok: bool| if ok { passed.push(label) } else { failed.push(label) };

        for contract in &self.contracts {
            let class = provider
                .get_class_hash_at(starknet::core::types::BlockId::Tag(starknet::core::types::BlockTag::Latest), contract.address)
                .await
                .map_err(|e| read_error(&format!("the class of {}", contract.name), e))?;
            check(format!("{} at {:#x} runs class {:#x}", contract.name, contract.address, contract.class_hash), class == contract.class_hash);
        }

        let token = CiroTokenReader::new(self.address("CIROToken"), provider);
        let minter = token.minter().call().await.map_err(|e| read_error("CIROToken.minter", e))?;
        check(format!("CIROToken.minter = {:#x}", self.roles.minter), minter.0 == self.roles.minter);
        let council = token.emergency_council().call().await.map_err(|e| read_error("CIROToken.emergency_council", e))?;
        check(format!("CIROToken.emergency_council = {:#x}", self.roles.emergency_council), council.0 == self.roles.emergency_council);
        let (limit, period) = token.mint_rate_limit().call().await.map_err(|e| read_error("CIROToken.mint_rate_limit", e))?;
        check(
            format!("CIROToken.mint_rate_limit = ({}, {}s)", self.token_parameters.0, self.token_parameters.1),
            limit == u256(self.token_parameters.0) && period == self.token_parameters.1,
        );

        let pool = CdcPoolReader::new(self.address("CDCPool"), provider);
        let job_manager = pool.job_manager().call().await.map_err(|e| read_error("CDCPool.job_manager", e))?;
        check(format!("CDCPool.job_manager = JobManager {:#x}", self.address("JobManager")), job_manager.0 == self.address("JobManager"));
        let treasury = pool.treasury().call().await.map_err(|e| read_error("CDCPool.treasury", e))?;
        check(format!("CDCPool.treasury = {:#x}", self.roles.treasury), treasury.0 == self.roles.treasury);
        let cooldown = pool.unstake_cooldown().call().await.map_err(|e| read_error("CDCPool.unstake_cooldown", e))?;
        check(format!("CDCPool.unstake_cooldown = {}s", self.unstake_cooldown), cooldown == self.unstake_cooldown);

        let manager = JobManagerReader::new(self.address("JobManager"), provider);
        let (t, p, v, tr) = manager.addresses().call().await.map_err(|e| read_error("JobManager.addresses", e))?;
        check(
            "JobManager.addresses = (CIROToken, CDCPool, ProofVerifier, treasury)".into(),
            (t.0, p.0, v.0, tr.0)
                == (self.address("CIROToken"), self.address("CDCPool"), self.address("ProofVerifier"), self.roles.treasury),
        );
        let fees = manager.fee_parameters().call().await.map_err(|e| read_error("JobManager.fee_parameters", e))?;
        check(format!("JobManager.fee_parameters = {:?} bps", self.fee_parameters), fees == self.fee_parameters);
        for step in self.wiring_steps() {
            check(format!("{} in effect", step.name()), self.step_in_effect(provider, step).await?);
        }
        if self.roles.emergency_council == self.address("GovernanceTreasury") {
            for contract in PAUSABLE {
                let step = ConfigStep::RegisterPausableTarget(contract);
                check(format!("{} in effect", step.name()), self.step_in_effect(provider, step).await?);
            }
        }

        for contract in GOVERNED {
            let (governance, pending) = self.governance_of(provider, contract).await?;
            if self.roles.governance == self.deployer {
                check(format!("{contract}.governance = deployer"), governance == self.deployer);
            } else if self.roles.governance == self.address("GovernanceTreasury") {
                check(format!("{contract}.governance = GovernanceTreasury"), governance == self.roles.governance);
            } else {
                check(
                    format!("{contract}: governance {:#x} (pending or accepted)", self.roles.governance),
                    governance == self.roles.governance || pending == self.roles.governance,
                );
            }
        }
        Ok((passed, failed))
    }
}

fn whole_ciro(amount: u64, field: &'static str) -> Result<u128, PlanError> {
    u128::from(amount).checked_mul(CIRO).ok_or(PlanError::Overflow(field))
}

fn read_error(what: &str, error: impl std::fmt::Display) -> PlanError {
    PlanError::Read { what: what.into(), message: error.to_string() }
}
