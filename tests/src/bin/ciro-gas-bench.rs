//! `ciro-gas-bench`: L2 gas of the core contracts' main calls on a local devnet, as a table.
//!
//! Each row is one transaction from a predeployed OpenZeppelin account, so the figure includes
//! the account's validation and `__execute__` (the same overhead for every row). `complete_job`
//! runs against the test verifier here: the STARK verification's own cost is measured separately
//! by the ProofVerifier's bench.
//!
//! Run: `cargo run -p ciro-tests --bin ciro-gas-bench` (contracts built first).
//!
//! The contracts of the governance layer (vesting, BurnManager, GovernanceTreasury, Paymaster) are
//! deployed next to the System's core for their rows.

use anyhow::Result;
use cainome::cairo_serde::ContractAddress;
use ciro_bindings::cdc_pool::SlashReason;
use ciro_tests::system::{actor, u256, System, CAP_CUDA, CIRO};
use ciro_deploy::tx::Cost;
use starknet::core::types::{Call, Felt};

struct Table(Vec<(&'static str, u64)>);

impl Table {
    async fn measure(&mut self, system: &System, name: &'static str, caller: usize, call: Call) -> Result<()> {
        let receipt = system.send(caller, call).await?;
        self.0.push((name, Cost::of(&receipt).l2_gas));
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let system = System::deploy().await?;
    let mut table = Table(Vec::new());
    let (pool, jm, token) = (system.pool(), system.job_manager(), system.token());
    let worker = actor::WORKERS[0];
    let worker_address = ContractAddress(system.address(worker)?);

    system.fund(worker, 2_000 * CIRO).await?;
    table.measure(&system, "register_worker", worker, pool.register_worker_getcall(&CAP_CUDA, &24, &1, &1000, &Felt::ONE)).await?;
    system.send(worker, token.approve_getcall(&ContractAddress(system.pool), &u256(2_000 * CIRO))).await?;
    table.measure(&system, "stake", worker, pool.stake_getcall(&u256(1_000 * CIRO))).await?;

    system.fund(actor::CLIENT, 1_000 * CIRO).await?;
    let model = system.register_model(actor::CLIENT, Felt::from(0xabcu64)).await?;
    system.send(actor::CLIENT, token.approve_getcall(&ContractAddress(system.job_manager), &u256(1_000 * CIRO))).await?;
    let spec = system.inference_spec(model, system.now().await? + 3_600);
    table.measure(&system, "submit_ai_job", actor::CLIENT, jm.submit_ai_job_getcall(&spec, &u256(100 * CIRO))).await?;
    table.measure(&system, "assign_job", actor::KEEPER, jm.assign_job_getcall(&1)).await?;
    table.measure(&system, "complete_job (test verifier)", worker, jm.complete_job_getcall(&1, &Felt::from(7u8), &vec![Felt::ONE; 8])).await?;
    table.measure(&system, "release_payment", actor::KEEPER, jm.release_payment_getcall(&1)).await?;
    table.measure(&system, "claim_rewards", worker, pool.claim_rewards_getcall()).await?;

    // A delegator joins the worker's pool (after the warm-up) and asks for half back.
    let delegator = actor::OTHER_CLIENT;
    let delegator_address = ContractAddress(system.address(delegator)?);
    system.fund(delegator, 500 * CIRO).await?;
    system.send(delegator, token.approve_getcall(&ContractAddress(system.pool), &u256(500 * CIRO))).await?;
    table.measure(&system, "delegate_stake", delegator, pool.delegate_stake_getcall(&worker_address, &u256(500 * CIRO))).await?;
    system.chain.advance_time(24 * 3600).await?;
    let activate = pool.activate_delegation_getcall(&delegator_address, &worker_address);
    table.measure(&system, "activate_delegation", actor::KEEPER, activate).await?;
    table.measure(&system, "request_undelegate", delegator, pool.request_undelegate_getcall(&worker_address, &u256(250 * CIRO))).await?;

    table.measure(&system, "request_unstake", worker, pool.request_unstake_getcall(&u256(100 * CIRO))).await?;
    system.chain.advance_time(7 * 24 * 3600 + 1).await?;
    table.measure(&system, "withdraw", worker, pool.withdraw_getcall()).await?;
    table.measure(&system, "withdraw_delegation", delegator, pool.withdraw_delegation_getcall(&worker_address)).await?;
    let governance = ContractAddress(system.address(actor::GOVERNANCE)?);
    system.send(actor::GOVERNANCE, pool.set_slasher_getcall(&governance)).await?;
    table.measure(&system, "slash", actor::GOVERNANCE, pool.slash_getcall(&worker_address, &SlashReason::PoorPerformance, &Felt::TWO)).await?;
    table.measure(&system, "transfer (CIRO)", actor::CLIENT, token.transfer_getcall(&governance, &u256(CIRO))).await?;

    measure_vesting_and_burn(&system, &mut table).await?;
    measure_governance(&system, &mut table).await?;
    measure_paymaster(&system, &mut table).await?;

    println!("| call | L2 gas |");
    println!("|---|---:|");
    for (name, gas) in &table.0 {
        println!("| {name} | {gas} |");
    }
    Ok(())
}

/// LinearVesting, MilestoneVesting and BurnManager, governed by account 0, on the System's token.
async fn measure_vesting_and_burn(system: &System, table: &mut Table) -> Result<()> {
    use ciro_bindings::burn_manager::BurnManager;
    use ciro_bindings::linear_vesting::LinearVesting;
    use ciro_bindings::milestone_vesting::MilestoneVesting;
    let governance = system.address(actor::GOVERNANCE)?;
    let beneficiary = ContractAddress(system.address(actor::OTHER_CLIENT)?);
    let builder = system.chain.account(actor::GOVERNANCE)?;
    let token = system.token();
    let now = system.now().await?;

    let governed_token = (ContractAddress(governance), ContractAddress(system.token));
    let linear = ciro_bindings::constructors::LinearVestingConstructor { governance: governed_token.0, token: governed_token.1 };
    let linear = system.chain.deploy("LinearVesting", linear.calldata()).await?;
    let vesting = LinearVesting::new(linear, builder.clone());
    system.send(actor::GOVERNANCE, token.approve_getcall(&ContractAddress(linear), &u256(1_000 * CIRO))).await?;
    let create = vesting.create_schedule_getcall(&beneficiary, &now, &0, &1_000, &u256(1_000 * CIRO), &true);
    table.measure(system, "LinearVesting.create_schedule", actor::GOVERNANCE, create).await?;
    system.chain.advance_time(500).await?;
    table.measure(system, "LinearVesting.release", actor::OTHER_CLIENT, vesting.release_getcall(&1)).await?;
    table.measure(system, "LinearVesting.revoke", actor::GOVERNANCE, vesting.revoke_getcall(&1)).await?;

    let milestones = ciro_bindings::constructors::MilestoneVestingConstructor { governance: governed_token.0, token: governed_token.1 };
    let milestones = system.chain.deploy("MilestoneVesting", milestones.calldata()).await?;
    let milestone = MilestoneVesting::new(milestones, builder.clone());
    system.send(actor::GOVERNANCE, token.approve_getcall(&ContractAddress(milestones), &u256(1_000 * CIRO))).await?;
    let deadline = system.now().await? + 3_600;
    let add = milestone.add_milestone_getcall(&beneficiary, &u256(1_000 * CIRO), &deadline);
    table.measure(system, "MilestoneVesting.add_milestone", actor::GOVERNANCE, add).await?;
    table.measure(system, "MilestoneVesting.approve_milestone", actor::GOVERNANCE, milestone.approve_milestone_getcall(&1)).await?;
    table.measure(system, "MilestoneVesting.claim_milestone", actor::OTHER_CLIENT, milestone.claim_milestone_getcall(&1)).await?;

    let burn = ciro_bindings::constructors::BurnManagerConstructor { governance: governed_token.0, token: governed_token.1 };
    let burn = system.chain.deploy("BurnManager", burn.calldata()).await?;
    system.track_holder(burn);
    let manager = BurnManager::new(burn, builder);
    let schedule = manager.set_burn_schedule_getcall(&vec![u256(1_000 * CIRO), u256(10_000 * CIRO)], &vec![5_000u16, 8_000]);
    table.measure(system, "BurnManager.set_burn_schedule", actor::GOVERNANCE, schedule).await?;
    system.send(actor::GOVERNANCE, manager.set_reporter_getcall(&ContractAddress(governance))).await?;
    table.measure(system, "BurnManager.record_revenue", actor::GOVERNANCE, manager.record_revenue_getcall(&u256(10 * CIRO))).await?;
    system.send(actor::GOVERNANCE, token.transfer_getcall(&ContractAddress(burn), &u256(3 * CIRO))).await?;
    table.measure(system, "BurnManager.burn_received", actor::KEEPER, manager.burn_received_getcall()).await?;
    Ok(())
}

/// A GovernanceTreasury on the System's token paying 1 CIRO out by proposal.
async fn measure_governance(system: &System, table: &mut Table) -> Result<()> {
    use ciro_bindings::constructors::GovernanceTreasuryConstructor;
    use ciro_bindings::governance_treasury::{Call as ProposalCall, GovernanceTreasury, Parameters};
    let voter = actor::GOVERNANCE;
    let council = vec![ContractAddress(system.address(actor::COUNCIL)?)];
    let parameters = Parameters {
        proposal_threshold: u256(CIRO),
        voting_delay: 10,
        voting_period: 100,
        quorum_bps: 100,
        timelock_delay: 10,
        critical_treasury_threshold: u256(1_000_000 * CIRO),
    };
    let constructor =
        GovernanceTreasuryConstructor { token: ContractAddress(system.token), parameters, council_members: council, council_threshold: 1 };
    let treasury = system.chain.deploy("GovernanceTreasury", constructor.calldata()).await?;
    system.track_holder(treasury);
    let governance = GovernanceTreasury::new(treasury, system.chain.account(voter)?);
    let token = system.token();
    system
        .send_all(
            voter,
            vec![
                token.transfer_getcall(&ContractAddress(treasury), &u256(10 * CIRO)),
                token.delegate_getcall(&ContractAddress(system.address(voter)?)),
            ],
        )
        .await?;
    system.chain.advance_time(2).await?;
    let payout = token.transfer_getcall(&ContractAddress(system.address(actor::CLIENT)?), &u256(CIRO));
    let call = ProposalCall { to: ContractAddress(payout.to), selector: payout.selector, calldata: payout.calldata };
    let propose = governance.propose_getcall(&vec![call], &Felt::from(0xbe4cu32), &false);
    table.measure(system, "GovernanceTreasury.propose (1 call)", voter, propose).await?;
    system.chain.advance_time(11).await?;
    table.measure(system, "GovernanceTreasury.cast_vote", voter, governance.cast_vote_getcall(&1, &1)).await?;
    system.chain.advance_time(101).await?;
    table.measure(system, "GovernanceTreasury.queue", actor::KEEPER, governance.queue_getcall(&1)).await?;
    system.chain.advance_time(11).await?;
    table.measure(system, "GovernanceTreasury.execute (1 transfer)", actor::KEEPER, governance.execute_getcall(&1)).await?;
    Ok(())
}

/// A Paymaster sponsoring one signed request of a predeployed (SNIP-9) account.
async fn measure_paymaster(system: &System, table: &mut Table) -> Result<()> {
    use ciro_bindings::constructors::PaymasterConstructor;
    use ciro_bindings::paymaster::Paymaster;
    use ciro_tests::outside_execution::{named, Request};
    use starknet::signers::SigningKey;
    let governance = system.address(actor::GOVERNANCE)?;
    let constructor = PaymasterConstructor {
        governance: ContractAddress(governance),
        token: ContractAddress(system.token),
        daily_quota: 10,
        reimbursement: u256(CIRO / 10),
    };
    let paymaster = system.chain.deploy("Paymaster", constructor.calldata()).await?;
    system.track_holder(paymaster);
    let pm = Paymaster::new(paymaster, system.chain.account(actor::GOVERNANCE)?);
    let token = system.token();
    system
        .send(actor::GOVERNANCE, pm.set_allowed_getcall(&ContractAddress(system.token), &ciro_bindings::selectors::token::APPROVE, &true))
        .await?;
    let sponsor = actor::OTHER_CLIENT;
    system.fund(sponsor, 100 * CIRO).await?;
    system.send(sponsor, token.approve_getcall(&ContractAddress(paymaster), &u256(100 * CIRO))).await?;
    table.measure(system, "Paymaster.deposit", sponsor, pm.deposit_getcall(&u256(100 * CIRO))).await?;
    system.send(sponsor, pm.set_relayer_allowance_getcall(&ContractAddress(system.address(actor::KEEPER)?), &100)).await?;

    // The user: predeployed account #5, signing an approval for the Paymaster to relay.
    let user = 5;
    let user_address = system.address(user)?;
    let approve = named(token.approve_getcall(&ContractAddress(system.job_manager), &u256(CIRO)), "approve")?;
    let request = Request::new(paymaster, 1, system.now().await? + 3_600, vec![approve]);
    let key = SigningKey::from_secret_scalar(system.chain.devnet().predeployed_accounts()[user].private_key);
    let signature = request.sign(&key, system.chain.devnet().chain_id(), user_address)?;
    let sponsored = pm.sponsor_execution_getcall(
        &ContractAddress(system.address(sponsor)?),
        &ContractAddress(user_address),
        &request.outside_execution(),
        &signature,
    );
    table.measure(system, "Paymaster.sponsor_execution (1 call)", actor::KEEPER, sponsored).await?;
    Ok(())
}
