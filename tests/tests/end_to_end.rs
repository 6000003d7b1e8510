//! End-to-end flows on a deployment made by `ciro-deploy` (the real ProofVerifier, no test
//! doubles), driven in-process by the [`direct_job`] fixture on the demo's `Market`.
//!
//! Flows:
//! - main job: fund → two workers stake → model registered → job escrowed → assigned → proven →
//!   verified on-chain in `complete_job` → payment released → rewards claimed;
//! - tampered proof: the same up to the proof, whose last felt is changed → `complete_job` reverts
//!   with 'JM: invalid proof' and not one token moves;
//! - timeout: an assigned job whose worker never answers → requeued once (worker slashed) →
//!   reassigned → times out again → the client is refunded in full.

mod direct_job;

use std::path::Path;

use ciro_bindings::errors;
use ciro_bindings::job_manager::{Framework, JobPriority, JobSpec, JobState, JobType};
use direct_job::JobInputs;
use ciro_demo::market::{Market, CIRO};
use ciro_demo::network::{actor, LocalNetwork};
use ciro_deploy::TxError;
use ciro_prover::api::{prove_inference, PreparedModel};
use ciro_prover::backend::cpu::CpuBackend;
use ciro_prover::model::input::InputFile;
use ciro_prover::model::quantize::DEFAULT_SCALE_BITS;
use ciro_prover::stark::{ProofParams, ProveOptions};
use ciro_tests::artifacts_dir;
use starknet::core::types::Felt;

const HOUR: u64 = 3_600;

fn repository() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

async fn launch(name: &str) -> anyhow::Result<LocalNetwork> {
    let manifests = std::env::temp_dir().join(format!("ciro-e2e-{name}-{}", std::process::id()));
    Ok(LocalNetwork::launch(&artifacts_dir(), &manifests).await?)
}

/// Two staked workers, a funded client and a registered model; returns the model id.
async fn open_market(market: &Market<'_>, layout: &ciro_bindings::job_manager::ModelLayout) -> anyhow::Result<u64> {
    let [first, second] = actor::WORKERS;
    market.fund(&[(actor::CLIENT, 1_000 * CIRO), (first, 5_000 * CIRO), (second, 5_000 * CIRO)]).await?;
    market.join_as_worker(first, 1, 24, 2_000 * CIRO).await?;
    market.join_as_worker(second, 1, 24, 2_000 * CIRO).await?;
    let register = market.jobs().register_model_getcall(layout, &Framework::ONNX, &Felt::ZERO);
    market.send("register model", actor::CLIENT, vec![register]).await?;
    Ok(market.job_reader().model_count().call().await?)
}

fn spec(model_id: u64, input_commitment: Felt, deadline: u64) -> JobSpec {
    JobSpec {
        job_type: JobType::AIInference,
        priority: JobPriority::Standard,
        required_capabilities: 1,
        min_gpu_memory_gb: 8,
        min_tier: 1,
        model_id,
        input_commitment,
        deadline,
    }
}

/// Every CIRO balance the system touches, and the supply.
async fn ledger(market: &Market<'_>) -> anyhow::Result<Vec<u128>> {
    let network = market.network();
    let mut holders = vec![market.job_manager, market.pool];
    holders.push(market.treasury);
    for index in [actor::DEPLOYER, actor::CLIENT, actor::WORKERS[0], actor::WORKERS[1]] {
        holders.push(network.address(index)?);
    }
    let mut balances = Vec::new();
    for holder in holders {
        balances.push(market.balance(holder).await?);
    }
    balances.push(market.total_supply().await?);
    Ok(balances)
}

fn actor_of(market: &Market<'_>, worker: Felt) -> anyhow::Result<usize> {
    for index in actor::WORKERS {
        if market.network().address(index)? == worker {
            return Ok(index);
        }
    }
    anyhow::bail!("job assigned to an unknown worker {worker:#x}")
}

#[tokio::test]
async fn the_main_job_is_proven_verified_and_paid() -> anyhow::Result<()> {
    let network = launch("main").await?;
    let market = Market::new(&network)?;
    let inputs = JobInputs::iris(&repository().join("prover/examples/models"));
    let report = direct_job::run(&market, &inputs, &|_| {}).await?;

    assert_eq!((report.final_state.clone(), report.settled), (JobState::Completed, true));
    let states: Vec<_> = report.lifecycle.iter().filter_map(|row| row.state.clone()).collect();
    assert_eq!(states, [JobState::Pending, JobState::Assigned, JobState::Completed, JobState::Completed]);
    let change = |holder: &str| -> i128 {
        let row = report.balances.iter().find(|r| r.holder == holder).expect("holder listed");
        row.after as i128 - row.before as i128
    };
    let payment = 100 * CIRO as i128;
    assert_eq!(change("client"), -payment);
    assert_eq!(change("JobManager (escrow)"), 0, "nothing left in escrow");
    let worker = if change("worker A") > 0 { "worker A" } else { "worker B" };
    // 5% fee rounded up = 5 CIRO; 30% of it burned; the rest to the treasury and the bonus.
    assert_eq!(report.burned, 15 * CIRO / 10);
    assert_eq!(change(worker) + change("GovernanceTreasury") + report.burned as i128, payment, "every CIRO accounted for");
    assert!(change(worker) >= 95 * CIRO as i128, "the worker gets 95% and its bonus");
    assert_eq!(market.job(report.job_id).await?.output_commitment, report.proof.output_commitment);
    assert_eq!(market.job(report.job_id).await?.worker.0, report.worker, "the selected worker is the one paid");
    assert!(report.proof.calldata_felts < 5_000, "one transaction carries the proof: {} felts", report.proof.calldata_felts);
    assert_eq!(report.proof.output.len(), 3, "the iris MLP scores three classes: {:?}", report.proof.output);
    for row in &report.lifecycle {
        assert!(row.sent.cost.l2_gas > 0, "{} (by {}) paid no L2 gas: {:?}", row.step, row.actor, row.sent);
    }
    Ok(())
}

#[tokio::test]
async fn a_tampered_proof_reverts_and_moves_no_token() -> anyhow::Result<()> {
    let network = launch("tampered").await?;
    let market = Market::new(&network)?;
    let inputs = JobInputs::iris(&repository().join("prover/examples/models"));
    let model = PreparedModel::<CpuBackend>::from_onnx_file(&inputs.model, DEFAULT_SCALE_BITS, ProofParams::default())?;
    let input = InputFile::read(&inputs.input)?.input;
    let model_id = open_market(&market, &ciro_inference::models::onchain_layout(&model.layout)).await?;
    let deadline = network.devnet.block_timestamp().await? + HOUR;
    let (job_id, _) = market.submit_job(actor::CLIENT, &spec(model_id, model.input_commitment(&input)?, deadline), 100 * CIRO).await?;
    market.send("assign", actor::KEEPER, vec![market.jobs().assign_job_getcall(&job_id)]).await?;
    let worker = actor_of(&market, market.job(job_id).await?.worker.0)?;

    let proven = prove_inference(&model, &input, Felt::from(job_id), &ProveOptions::default())?;
    let output = proven.decoded.output_commitment;
    let genuine = proven.decoded.to_calldata();
    let before = ledger(&market).await?;
    // One felt changed at a time: the first public input, a commitment root, the last felt.
    for position in [4, 8, genuine.len() - 1] {
        let mut tampered = genuine.clone();
        tampered[position] += Felt::ONE;
        let call = market.jobs().complete_job_getcall(&job_id, &output, &tampered);
        match market.send("complete with a tampered proof", worker, vec![call]).await {
            Err(ciro_demo::DemoError::Transaction { source, .. }) => {
                let messages = source.revert_messages();
                assert!(
                    source.has_revert_message(errors::job_manager::INVALID_PROOF) || messages.iter().any(|m| m.starts_with("PV: ")),
                    "felt {position}: {messages:?}"
                );
                assert!(matches!(*source, TxError::Rejected { .. } | TxError::Reverted { .. }));
            }
            other => anyhow::bail!("a proof tampered at felt {position} was accepted: {other:?}"),
        }
    }
    assert_eq!(ledger(&market).await?, before, "no token moved");
    assert_eq!(market.job(job_id).await?.state, JobState::Assigned);

    // The genuine proof still completes the job.
    market.send("complete", worker, vec![market.jobs().complete_job_getcall(&job_id, &output, &genuine)]).await?;
    assert_eq!(market.job(job_id).await?.state, JobState::Completed);
    Ok(())
}

#[tokio::test]
async fn a_timed_out_job_is_refunded() -> anyhow::Result<()> {
    let network = launch("timeout").await?;
    let market = Market::new(&network)?;
    let model_id = open_market(&market, &ciro_tests::system::test_layout(Felt::from(0xc0ffeeu32), ciro_bindings::job_manager::ModelKind::MLP)).await?;
    let client = network.address(actor::CLIENT)?;
    let treasury = market.treasury;
    let (client_before, treasury_before) = (market.balance(client).await?, market.balance(treasury).await?);

    let deadline = network.devnet.block_timestamp().await? + HOUR;
    let (job_id, _) = market.submit_job(actor::CLIENT, &spec(model_id, Felt::from(42u8), deadline), 100 * CIRO).await?;
    let timeout = || market.jobs().timeout_job_getcall(&job_id);
    market.send("assign", actor::KEEPER, vec![market.jobs().assign_job_getcall(&job_id)]).await?;

    network.devnet.increase_time(HOUR + 1).await?;
    market.send("first timeout", actor::KEEPER, vec![timeout()]).await?;
    assert_eq!(market.job(job_id).await?.state, JobState::Pending, "requeued once");
    let slashed = market.balance(treasury).await? - treasury_before;
    assert_eq!(slashed, 200 * CIRO, "10% of the silent worker's 2,000 CIRO stake went to the treasury");

    market.send("reassign", actor::KEEPER, vec![market.jobs().assign_job_getcall(&job_id)]).await?;
    network.devnet.increase_time(2 * HOUR).await?;
    market.send("second timeout", actor::KEEPER, vec![timeout()]).await?;
    let job = market.job(job_id).await?;
    assert_eq!((job.state, job.settled), (JobState::TimedOut, true));
    assert_eq!(market.balance(client).await?, client_before, "refunded in full");
    assert_eq!(market.balance(market.job_manager).await?, 0, "nothing left in escrow");
    Ok(())
}

/// Flow: governance by proposal on the deployed system, where the GovernanceTreasury governs
/// JobManager. The deployer (holding the rest of the initial supply) delegates to itself → proposes
/// `set_platform_fee_bps(1000)` → cannot execute before it is queued → votes → queues → cannot
/// execute before the timelock → executes → the next job pays a 10% fee → executing twice fails.
#[tokio::test]
async fn a_proposal_changes_the_platform_fee_for_the_next_job() -> anyhow::Result<()> {
    use cainome::cairo_serde::ContractAddress;
    use ciro_bindings::governance_treasury::{Call as ProposalCall, GovernanceTreasury, GovernanceTreasuryReader};

    let network = launch("governance").await?;
    let market = Market::new(&network)?;
    let inputs = JobInputs::iris(&repository().join("prover/examples/models"));
    let model = PreparedModel::<CpuBackend>::from_onnx_file(&inputs.model, DEFAULT_SCALE_BITS, ProofParams::default())?;
    let input = InputFile::read(&inputs.input)?.input;
    let model_id = open_market(&market, &ciro_inference::models::onchain_layout(&model.layout)).await?;

    let deployer = network.address(actor::DEPLOYER)?;
    let governance = GovernanceTreasury::new(market.treasury, network.devnet.account(actor::DEPLOYER)?);
    let reader = GovernanceTreasuryReader::new(market.treasury, network.devnet.provider());
    market.send("delegate", actor::DEPLOYER, vec![market.token().delegate_getcall(&ContractAddress(deployer))]).await?;
    network.devnet.increase_time(2).await?; // the proposal threshold reads votes a second back

    let set_fee = market.jobs().set_platform_fee_bps_getcall(&1_000);
    let call = ProposalCall { to: ContractAddress(set_fee.to), selector: set_fee.selector, calldata: set_fee.calldata };
    market.send("propose", actor::DEPLOYER, vec![governance.propose_getcall(&vec![call], &Felt::from(0xfeeu32), &false)]).await?;
    let id = reader.proposal_count().call().await?;
    let execute = || governance.execute_getcall(&id);
    expect_tx_revert(market.send("early execute", actor::CLIENT, vec![execute()]).await, errors::governance_treasury::NOT_QUEUED);

    let proposal = reader.get_proposal(&id).call().await?;
    network.devnet.set_time(proposal.snapshot + 1).await?;
    market.send("vote", actor::DEPLOYER, vec![governance.cast_vote_getcall(&id, &1)]).await?;
    network.devnet.set_time(proposal.deadline + 1).await?;
    market.send("queue", actor::CLIENT, vec![governance.queue_getcall(&id)]).await?;
    expect_tx_revert(market.send("execute in the timelock", actor::CLIENT, vec![execute()]).await, errors::governance_treasury::TIMELOCK_NOT_EXPIRED);
    network.devnet.set_time(reader.get_proposal(&id).call().await?.eta).await?;
    market.send("execute", actor::CLIENT, vec![execute()]).await?;
    assert_eq!(market.job_reader().fee_parameters().call().await?.0, 1_000, "the proposal set the fee");
    expect_tx_revert(market.send("execute twice", actor::CLIENT, vec![execute()]).await, errors::governance_treasury::NOT_QUEUED);

    // The next job pays 10%: 10 CIRO of its 100, 30% of which is burned.
    let supply = market.total_supply().await?;
    let treasury_before = market.balance(market.treasury).await?;
    let deadline = network.devnet.block_timestamp().await? + HOUR;
    let (job_id, _) = market.submit_job(actor::CLIENT, &spec(model_id, model.input_commitment(&input)?, deadline), 100 * CIRO).await?;
    market.send("assign", actor::KEEPER, vec![market.jobs().assign_job_getcall(&job_id)]).await?;
    let worker = actor_of(&market, market.job(job_id).await?.worker.0)?;
    let proven = prove_inference(&model, &input, Felt::from(job_id), &ProveOptions::default())?;
    let complete = market.jobs().complete_job_getcall(&job_id, &proven.decoded.output_commitment, &proven.decoded.to_calldata());
    market.send("complete", worker, vec![complete]).await?;
    market.send("release", actor::KEEPER, vec![market.jobs().release_payment_getcall(&job_id)]).await?;
    assert_eq!(supply - market.total_supply().await?, 3 * CIRO, "30% of the 10 CIRO fee burned");
    // The rest of the fee goes to the treasury, minus the worker's reputation bonus.
    let worker_address = ContractAddress(network.address(worker)?);
    let reputation = u128::from(market.pool_reader().get_worker(&worker_address).call().await?.reputation);
    let bonus = 7 * CIRO * reputation.saturating_sub(500) / 5_000;
    assert_eq!(market.balance(market.treasury).await? - treasury_before, 7 * CIRO - bonus);
    Ok(())
}

/// Asserts that a step failed with the contract's `message`.
#[track_caller]
fn expect_tx_revert<T: std::fmt::Debug>(result: Result<T, ciro_demo::DemoError>, message: &str) {
    match result {
        Err(ciro_demo::DemoError::Transaction { source, .. }) => {
            assert!(source.has_revert_message(message), "expected {message:?}, got {:?}", source.revert_messages());
        }
        other => panic!("expected a revert with {message:?}, got {other:?}"),
    }
}

/// Flow: the emergency council of the deployed system (2 of 3 members, inside the
/// GovernanceTreasury) pauses JobManager → submissions stop → only governance could unpause.
#[tokio::test]
async fn the_council_pauses_job_manager_at_two_confirmations() -> anyhow::Result<()> {
    use cainome::cairo_serde::ContractAddress;
    use ciro_bindings::governance_treasury::{CouncilAction, GovernanceTreasury, GovernanceTreasuryReader};

    let network = launch("council").await?;
    let market = Market::new(&network)?;
    let model_id = open_market(&market, &ciro_tests::system::test_layout(Felt::from(0xc0u8), ciro_bindings::job_manager::ModelKind::MLP)).await?;
    let council = GovernanceTreasury::new(market.treasury, network.devnet.account(actor::DEPLOYER)?);
    let reader = GovernanceTreasuryReader::new(market.treasury, network.devnet.provider());
    let [first, second, _] = actor::COUNCIL;

    let pause = council.propose_council_action_getcall(&CouncilAction::Pause(ContractAddress(market.job_manager)));
    market.send("propose pause", first, vec![pause]).await?;
    assert!(!market.job_reader().is_paused().call().await?, "one confirmation is not enough");
    let action_id = reader.council_action_count().call().await?;
    expect_tx_revert(
        market.send("outsider confirms", actor::CLIENT, vec![council.confirm_council_action_getcall(&action_id)]).await,
        errors::governance_treasury::CALLER_NOT_MEMBER,
    );
    market.send("confirm pause", second, vec![council.confirm_council_action_getcall(&action_id)]).await?;
    assert!(market.job_reader().is_paused().call().await?);

    let deadline = network.devnet.block_timestamp().await? + HOUR;
    expect_tx_revert(market.submit_job(actor::CLIENT, &spec(model_id, Felt::from(1u8), deadline), CIRO).await, errors::access::PAUSED);
    // Unpausing is governance's, i.e. a proposal's: a council member cannot.
    expect_tx_revert(market.send("member unpauses", first, vec![market.jobs().unpause_getcall()]).await, errors::access::CALLER_NOT_GOVERNANCE);
    Ok(())
}
