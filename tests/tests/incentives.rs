//! The economic attacks of the outside review, each run against the deployed JobManager, CDC_Pool
//! and token on devnet: every test is named after the attack, shows it refused, and checks that the
//! honest party keeps its money (and the money invariants at the end).

use ciro_bindings::errors;
use cainome::cairo_serde::ContractAddress;
use ciro_bindings::job_manager::JobState;
use ciro_tests::expect_revert;
use ciro_tests::system::{actor, to_u128, u256, System, CAP_CUDA, CIRO};
use starknet::core::types::Felt;

const STAKE: u128 = 1_000 * CIRO;
const PAYMENT: u128 = 100 * CIRO;
const HOUR: u64 = 3600;
/// JobManager's default minimum completion window.
const MIN_WINDOW: u64 = 300;
/// A council pause's length.
const PAUSE_DURATION: u64 = 14 * 24 * 3600;

/// One staked CUDA worker, a funded client and a registered model; returns the model id.
async fn ready_system() -> anyhow::Result<(System, u64)> {
    let system = System::deploy().await?;
    system.add_worker(actor::WORKERS[0], CAP_CUDA, 24, STAKE).await?;
    system.fund(actor::CLIENT, 10_000 * CIRO).await?;
    let model = system.register_model(actor::CLIENT, Felt::from(0x4d4c50u64)).await?;
    Ok((system, model))
}

async fn submit(system: &System, client: usize, model: u64, seconds: u64, payment: u128) -> anyhow::Result<u64> {
    let deadline = system.now().await? + seconds;
    Ok(system.submit_job(client, &system.inference_spec(model, deadline), payment).await?)
}

async fn assign(system: &System, job_id: u64) -> anyhow::Result<()> {
    system.send(actor::KEEPER, system.job_manager().assign_job_getcall(&job_id)).await?;
    Ok(())
}

async fn complete(system: &System, worker: usize, job_id: u64) -> anyhow::Result<()> {
    let call = system.job_manager().complete_job_getcall(&job_id, &Felt::from(7u8), &vec![Felt::ONE]);
    system.send(worker, call).await?;
    Ok(())
}

async fn stake_of(system: &System, worker: usize) -> anyhow::Result<u128> {
    to_u128(system.worker(worker).await?.stake)
}

/// Governance makes the council account the emergency council of JobManager.
async fn council_for_job_manager(system: &System) -> anyhow::Result<()> {
    let council = ContractAddress(system.address(actor::COUNCIL)?);
    system.send(actor::GOVERNANCE, system.job_manager().set_emergency_council_getcall(&council)).await?;
    Ok(())
}

#[tokio::test]
async fn a_stranger_cannot_assign_a_job_into_its_last_seconds() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    // The client (or anyone) assigning at will: refused, only the assigner assigns.
    let job_id = submit(&system, actor::CLIENT, model, HOUR, PAYMENT).await?;
    for stranger in [actor::CLIENT, actor::OTHER_CLIENT, actor::WORKERS[0]] {
        let assign = system.job_manager().assign_job_getcall(&job_id);
        expect_revert(system.send(stranger, assign).await, errors::job_manager::CALLER_NOT_ASSIGNER);
    }
    // A job due a minute later cannot even be submitted.
    expect_revert(submit(&system, actor::CLIENT, model, 60, PAYMENT).await.map_err(tx_error), errors::job_manager::DEADLINE_TOO_SOON);
    // Close to its deadline, the assigner cannot hand a job out either: the worker would get less
    // than the minimum window.
    let late = submit(&system, actor::CLIENT, model, MIN_WINDOW + 60, PAYMENT).await?;
    system.chain.advance_time(120).await?;
    expect_revert(system.send(actor::KEEPER, system.job_manager().assign_job_getcall(&late)).await, errors::job_manager::WINDOW_TOO_SHORT);
    // It expires Pending: the client is refunded, the worker is not slashed.
    system.chain.advance_time(MIN_WINDOW).await?;
    let client_before = system.balance(system.address(actor::CLIENT)?).await?;
    system.send(actor::KEEPER, system.job_manager().timeout_job_getcall(&late)).await?;
    assert_eq!(system.balance(system.address(actor::CLIENT)?).await?, client_before + PAYMENT);
    assert_eq!(stake_of(&system, actor::WORKERS[0]).await?, STAKE, "nobody slashed the worker");
    system.check_invariants().await
}

#[tokio::test]
async fn a_requeued_job_cannot_be_reassigned_into_an_impossible_window() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let job_id = submit(&system, actor::CLIENT, model, HOUR, PAYMENT).await?;
    assign(&system, job_id).await?;
    system.chain.advance_time(HOUR + 1).await?;
    system.send(actor::KEEPER, system.job_manager().timeout_job_getcall(&job_id)).await?;
    assert_eq!(stake_of(&system, actor::WORKERS[0]).await?, STAKE - STAKE / 10, "one slash for one missed deadline");
    let job = system.job(job_id).await?;
    assert_eq!(job.state, JobState::Pending);
    // `[timeout_job, assign_job]` at the end of the fresh window: refused, no second slash.
    let remaining = job.deadline - system.now().await?;
    system.chain.advance_time(remaining - MIN_WINDOW + 5).await?;
    expect_revert(system.send(actor::KEEPER, system.job_manager().assign_job_getcall(&job_id)).await, errors::job_manager::WINDOW_TOO_SHORT);
    assert_eq!(stake_of(&system, actor::WORKERS[0]).await?, STAKE - STAKE / 10);
    system.check_invariants().await
}

#[tokio::test]
async fn abandoning_assigned_jobs_costs_reputation() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    for expected in [495, 490] {
        let job_id = submit(&system, actor::CLIENT, model, HOUR, PAYMENT).await?;
        assign(&system, job_id).await?;
        system.send(actor::WORKERS[0], system.job_manager().abandon_job_getcall(&job_id)).await?;
        assert_eq!(system.worker(actor::WORKERS[0]).await?.reputation, expected);
    }
    assert_eq!(stake_of(&system, actor::WORKERS[0]).await?, STAKE, "abandoning is not slashed");
    system.check_invariants().await
}

#[tokio::test]
async fn zero_stake_registrations_do_not_enter_selection() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let sybils = [actor::OTHER_CLIENT, actor::WORKERS[1], actor::WORKERS[2], actor::TREASURY, actor::ORACLE, actor::COUNCIL];
    for sybil in sybils {
        let register = system.pool().register_worker_getcall(&CAP_CUDA, &4096, &1, &0, &Felt::ONE);
        system.send(sybil, register).await?;
    }
    let pool = system.pool_reader();
    assert_eq!(pool.worker_count().call().await?, 7, "every registration is in the registry");
    assert_eq!(pool.candidate_count().call().await?, 1, "only the staked worker is scanned");
    assert_eq!(pool.candidate_at(&0).call().await?, ContractAddress(system.address(actor::WORKERS[0])?));
    // Every assignment finds the honest worker.
    for _ in 0..3 {
        let job_id = submit(&system, actor::CLIENT, model, HOUR, PAYMENT).await?;
        assign(&system, job_id).await?;
        complete(&system, actor::WORKERS[0], job_id).await?;
    }
    // A worker leaves the set when its stake goes, and comes back when it stakes again.
    system.send(actor::WORKERS[0], system.pool().request_unstake_getcall(&u256(STAKE))).await?;
    assert_eq!(pool.candidate_count().call().await?, 0);
    system.fund(actor::WORKERS[1], STAKE).await?;
    let approve = system.token().approve_getcall(&ContractAddress(system.pool), &u256(STAKE));
    system.send_all(actor::WORKERS[1], vec![approve, system.pool().stake_getcall(&u256(STAKE))]).await?;
    assert_eq!(pool.candidate_at(&0).call().await?, ContractAddress(system.address(actor::WORKERS[1])?));
    system.check_invariants().await
}

#[tokio::test]
async fn deadlines_do_not_run_against_a_worker_while_job_manager_is_paused() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    council_for_job_manager(&system).await?;
    let job_id = submit(&system, actor::CLIENT, model, HOUR, PAYMENT).await?;
    assign(&system, job_id).await?;
    system.send(actor::COUNCIL, system.job_manager().pause_getcall()).await?;
    system.chain.advance_time(2 * HOUR).await?;
    // The worker holds a valid proof but cannot complete; nobody can time it out meanwhile.
    let complete_call = system.job_manager().complete_job_getcall(&job_id, &Felt::from(7u8), &vec![Felt::ONE]);
    expect_revert(system.send(actor::WORKERS[0], complete_call.clone()).await, errors::access::PAUSED);
    expect_revert(system.send(actor::KEEPER, system.job_manager().timeout_job_getcall(&job_id)).await, errors::job_manager::DEADLINE_NOT_PASSED);
    system.send(actor::GOVERNANCE, system.job_manager().unpause_getcall()).await?;
    let effective = system.job_reader().effective_deadline(&job_id).call().await?;
    assert!(effective >= system.job(job_id).await?.deadline + 2 * HOUR, "the paused time is added to the deadline");
    system.send(actor::WORKERS[0], complete_call).await?;
    assert_eq!(system.job(job_id).await?.state, JobState::Completed);
    assert_eq!(stake_of(&system, actor::WORKERS[0]).await?, STAKE, "the honest worker keeps its stake");
    system.check_invariants().await
}

/// Attack: a client submits a job with the largest deadline, so that after any pause the deadline
/// plus the paused time overflows and the job can never be completed or abandoned (its escrow and
/// the worker's stake trapped). The effective deadline saturates instead.
#[tokio::test]
async fn a_deadline_at_the_end_of_time_cannot_trap_a_worker_after_a_pause() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    council_for_job_manager(&system).await?;
    let spec = system.inference_spec(model, u64::MAX);
    let pause_for_an_hour = || async {
        system.send(actor::COUNCIL, system.job_manager().pause_getcall()).await?;
        system.chain.advance_time(HOUR).await?;
        system.send(actor::GOVERNANCE, system.job_manager().unpause_getcall()).await?;
        anyhow::Ok(())
    };
    // The worker can still complete such a job after a pause ...
    let completed = system.submit_job(actor::CLIENT, &spec, PAYMENT).await?;
    assign(&system, completed).await?;
    pause_for_an_hour().await?;
    assert_eq!(system.job_reader().effective_deadline(&completed).call().await?, u64::MAX, "saturates");
    complete(&system, actor::WORKERS[0], completed).await?;
    assert_eq!(system.job(completed).await?.state, JobState::Completed);
    // ... or give it back, and the client gets its refund; nobody can time it out.
    let stuck = system.submit_job(actor::CLIENT, &spec, PAYMENT).await?;
    assign(&system, stuck).await?;
    pause_for_an_hour().await?;
    expect_revert(system.send(actor::KEEPER, system.job_manager().timeout_job_getcall(&stuck)).await, errors::job_manager::DEADLINE_NOT_PASSED);
    let client = system.address(actor::CLIENT)?;
    let before = system.balance(client).await?;
    system.send(actor::WORKERS[0], system.job_manager().abandon_job_getcall(&stuck)).await?;
    assert_eq!(system.balance(client).await?, before + PAYMENT, "the abandoned job is refunded");
    assert_eq!(system.worker(actor::WORKERS[0]).await?.active_jobs, 0, "no slot left taken");
    system.check_invariants().await
}

#[tokio::test]
async fn a_council_pause_ends_by_itself_unless_governance_extends_it() -> anyhow::Result<()> {
    let (system, _) = ready_system().await?;
    council_for_job_manager(&system).await?;
    system.send(actor::COUNCIL, system.job_manager().pause_getcall()).await?;
    system.send(actor::COUNCIL, system.token().pause_getcall()).await?;
    let until = system.job_reader().paused_until().call().await?;
    // The council cannot extend its own pause; governance can.
    let extend = system.job_manager().extend_pause_getcall(&(until + HOUR));
    expect_revert(system.send(actor::COUNCIL, extend.clone()).await, errors::access::CALLER_NOT_GOVERNANCE);
    system.send(actor::GOVERNANCE, extend).await?;
    system.chain.advance_time(PAUSE_DURATION + 1).await?;
    // The token's pause is over: holders transfer again. JobManager's was extended by an hour.
    system.send(actor::CLIENT, system.token().transfer_getcall(&ContractAddress(system.address(actor::OTHER_CLIENT)?), &u256(CIRO))).await?;
    assert!(!system.token_reader().is_paused().call().await?);
    assert!(system.job_reader().is_paused().call().await?);
    system.chain.advance_time(HOUR).await?;
    assert!(!system.job_reader().is_paused().call().await?);
    system.check_invariants().await
}

#[tokio::test]
async fn a_token_pause_does_not_trap_refunds_or_exits() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let pending = submit(&system, actor::CLIENT, model, HOUR, PAYMENT).await?;
    let overdue = submit(&system, actor::CLIENT, model, HOUR, PAYMENT).await?;
    assign(&system, overdue).await?;
    system.send(actor::WORKERS[0], system.pool().request_unstake_getcall(&u256(STAKE / 2))).await?;
    system.send(actor::COUNCIL, system.token().pause_getcall()).await?;

    let client = system.address(actor::CLIENT)?;
    let before = system.balance(client).await?;
    system.send(actor::CLIENT, system.job_manager().cancel_job_getcall(&pending)).await?;
    assert_eq!(system.balance(client).await?, before + PAYMENT, "cancel_job refunds while the token is paused");
    system.chain.advance_time(7 * 24 * 3600 + 1).await?;
    system.send(actor::KEEPER, system.job_manager().timeout_job_getcall(&overdue)).await?;
    let worker = system.address(actor::WORKERS[0])?;
    let worker_before = system.balance(worker).await?;
    system.send(actor::WORKERS[0], system.pool().withdraw_getcall()).await?;
    assert!(system.balance(worker).await? > worker_before, "the worker's exit stays open");
    // Everyone else is still paused.
    let transfer = system.token().transfer_getcall(&ContractAddress(worker), &u256(1));
    expect_revert(system.send(actor::CLIENT, transfer).await, errors::access::PAUSED);
    system.send(actor::GOVERNANCE, system.token().unpause_getcall()).await?;
    system.check_invariants().await
}

#[tokio::test]
async fn reputation_cannot_be_farmed_with_self_dealt_or_cheap_jobs() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    // Start just after a day boundary, so that the daily cap is measured within one day.
    let now = system.now().await?;
    system.chain.advance_time((now / 86_400 + 1) * 86_400 + 10 - now).await?;
    let worker = actor::WORKERS[0];
    system.fund(worker, 100 * CIRO).await?;
    // The worker pays itself: the job completes and pays, but earns no reputation.
    let own = submit(&system, worker, model, HOUR, 10 * CIRO).await?;
    assign(&system, own).await?;
    complete(&system, worker, own).await?;
    // A 2-wei job from someone else: below the minimum payment for reputation.
    let cheap = submit(&system, actor::CLIENT, model, HOUR, 2).await?;
    assign(&system, cheap).await?;
    complete(&system, worker, cheap).await?;
    let info = system.worker(worker).await?;
    assert_eq!((info.reputation, info.jobs_completed), (500, 2));
    // Paid work raises it, at most ten jobs a day.
    for _ in 0..11 {
        let job_id = submit(&system, actor::CLIENT, model, HOUR, 10 * CIRO).await?;
        assign(&system, job_id).await?;
        complete(&system, worker, job_id).await?;
    }
    let info = system.worker(worker).await?;
    assert_eq!((info.reputation, info.jobs_completed), (600, 13), "ten rated jobs a day");
    system.check_invariants().await
}

#[tokio::test]
async fn a_one_wei_job_releases_its_escrow() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let job_id = submit(&system, actor::CLIENT, model, HOUR, 1).await?;
    assign(&system, job_id).await?;
    complete(&system, actor::WORKERS[0], job_id).await?;
    let treasury = system.address(actor::TREASURY)?;
    let before = system.balance(treasury).await?;
    system.send(actor::KEEPER, system.job_manager().release_payment_getcall(&job_id)).await?;
    assert!(system.job(job_id).await?.settled);
    assert_eq!(system.balance(treasury).await?, before + 1, "the fee takes the whole wei");
    assert_eq!(to_u128(system.job_reader().escrowed_total().call().await?)?, 0);
    system.check_invariants().await
}

#[tokio::test]
async fn migrating_the_pool_to_a_new_job_manager_traps_no_escrow() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    system.add_worker(actor::WORKERS[1], CAP_CUDA, 24, STAKE).await?;
    let finishing = submit(&system, actor::CLIENT, model, HOUR, PAYMENT).await?;
    assign(&system, finishing).await?;
    let expiring = submit(&system, actor::CLIENT, model, HOUR, PAYMENT).await?;
    assign(&system, expiring).await?;
    let holder = |job: &ciro_bindings::job_manager::Job| -> anyhow::Result<usize> {
        actor::WORKERS.into_iter().find(|w| system.address(*w).ok() == Some(job.worker.0)).ok_or_else(|| anyhow::anyhow!("no worker"))
    };
    let finisher = holder(&system.job(finishing).await?)?;

    let governance = system.address(actor::GOVERNANCE)?;
    let treasury = system.address(actor::TREASURY)?;
    let calldata = vec![governance, system.token, system.pool, system.verifier, treasury, Felt::from(500u16), Felt::from(3000u16)];
    let new_job_manager = system.chain.deploy("JobManager", calldata).await?;
    system.track_holder(new_job_manager);
    system.send(actor::GOVERNANCE, system.pool().set_job_manager_getcall(&ContractAddress(new_job_manager))).await?;

    // The old JobManager's jobs still end: one completes and is paid, one times out and refunds.
    complete(&system, finisher, finishing).await?;
    system.send(actor::KEEPER, system.job_manager().release_payment_getcall(&finishing)).await?;
    assert!(system.job(finishing).await?.settled);
    system.chain.advance_time(HOUR + 1).await?;
    system.send(actor::KEEPER, system.job_manager().timeout_job_getcall(&expiring)).await?;
    assert_eq!(system.job(expiring).await?.state, JobState::Pending, "re-queued after the slash");
    // It cannot be assigned by the old JobManager any more; it expires and refunds in full.
    let job = system.job(expiring).await?;
    expect_revert(system.send(actor::KEEPER, system.job_manager().assign_job_getcall(&expiring)).await, errors::cdc_pool::CALLER_NOT_JOB_MANAGER);
    system.chain.advance_time(job.deadline - system.now().await? + 1).await?;
    let client = system.address(actor::CLIENT)?;
    let before = system.balance(client).await?;
    system.send(actor::KEEPER, system.job_manager().timeout_job_getcall(&expiring)).await?;
    assert_eq!(system.balance(client).await?, before + PAYMENT);
    assert_eq!(to_u128(system.job_reader().escrowed_total().call().await?)?, 0, "nothing left in the old escrow");
    system.check_invariants().await
}

/// CDC_Pool's default delegation warm-up.
const WARMUP: u64 = 24 * 3600;

#[tokio::test]
async fn just_in_time_delegation_earns_nothing() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let worker = actor::WORKERS[0];
    let worker_address = ContractAddress(system.address(worker)?);
    let job_id = submit(&system, actor::CLIENT, model, HOUR, PAYMENT).await?;
    assign(&system, job_id).await?;
    complete(&system, worker, job_id).await?;

    // The attack: delegate 100k CIRO, release the payment and undelegate, in one transaction.
    let outsider = actor::OTHER_CLIENT;
    let outsider_address = ContractAddress(system.address(outsider)?);
    let principal = 100_000 * CIRO;
    system.fund(outsider, principal).await?;
    let start_balance = system.balance(outsider_address.0).await?;
    let approve = || system.token().approve_getcall(&ContractAddress(system.pool), &u256(principal));
    let delegate = || system.pool().delegate_stake_getcall(&worker_address, &u256(principal));
    let release = || system.job_manager().release_payment_getcall(&job_id);
    let undelegate = system.pool().request_undelegate_getcall(&worker_address, &u256(principal));
    let attack = vec![approve(), delegate(), release(), undelegate];
    expect_revert(system.send_all(outsider, attack).await, errors::cdc_pool::INSUFFICIENT_SHARES);

    // Without the undelegation it goes through, but the delegation is still warming up: the
    // whole reward is the worker's.
    system.send_all(outsider, vec![approve(), delegate(), release()]).await?;
    assert!(system.job(job_id).await?.settled);
    let pool = system.pool_reader();
    // Every unclaimed reward in the pool (this payment after the fee, 95.007 CIRO) is the worker's.
    let reward = to_u128(pool.totals().call().await?.unclaimed_rewards)?;
    assert!(reward > 90 * CIRO, "the payment was credited: {reward}");
    assert_eq!(to_u128(pool.pending_rewards(&worker_address).call().await?)?, reward);
    assert_eq!(to_u128(pool.pending_delegation_rewards(&outsider_address, &worker_address).call().await?)?, 0);
    let delegation = pool.get_delegation(&outsider_address, &worker_address).call().await?;
    assert_eq!((to_u128(delegation.shares)?, to_u128(delegation.activating_amount)?), (0, principal));

    // Leaving as soon as it can: after the warm-up its tokens are at risk, then they wait out
    // the unstake cooldown. The outsider gets its principal back and not one wei of the reward.
    system.chain.advance_time(WARMUP).await?;
    system.send(outsider, system.pool().request_undelegate_getcall(&worker_address, &u256(principal))).await?;
    system.chain.advance_time(ciro_tests::system::COOLDOWN_SECONDS).await?;
    system.send(outsider, system.pool().withdraw_delegation_getcall(&worker_address)).await?;
    assert_eq!(system.balance(outsider_address.0).await?, start_balance);
    assert_eq!(to_u128(pool.pending_delegation_rewards(&outsider_address, &worker_address).call().await?)?, 0);
    assert_eq!(to_u128(pool.pending_rewards(&worker_address).call().await?)?, reward);
    system.check_invariants().await
}

#[tokio::test]
async fn undelegating_before_a_timeout_does_not_escape_its_slash() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let worker = actor::WORKERS[0];
    let worker_address = ContractAddress(system.address(worker)?);
    let delegator = actor::OTHER_CLIENT;
    let delegator_address = ContractAddress(system.address(delegator)?);
    let delegated = 1_000 * CIRO;
    system.fund(delegator, delegated).await?;
    let approve = system.token().approve_getcall(&ContractAddress(system.pool), &u256(delegated));
    system.send_all(delegator, vec![approve, system.pool().delegate_stake_getcall(&worker_address, &u256(delegated))]).await?;
    system.chain.advance_time(WARMUP).await?;
    system.send(delegator, system.pool().activate_delegation_getcall(&delegator_address, &worker_address)).await?;

    // The worker is about to miss a deadline; its delegator sees it coming and asks to leave.
    let job_id = submit(&system, actor::CLIENT, model, HOUR, PAYMENT).await?;
    assign(&system, job_id).await?;
    system.send(delegator, system.pool().request_undelegate_getcall(&worker_address, &u256(delegated))).await?;
    system.chain.advance_time(HOUR + 1).await?;
    system.send(actor::KEEPER, system.job_manager().timeout_job_getcall(&job_id)).await?;

    // The unavailability slash (10%) still reaches the pending undelegation.
    let pool = system.pool_reader();
    let pending = to_u128(pool.get_delegation(&delegator_address, &worker_address).call().await?.pending_amount)?;
    assert_eq!(pending, delegated - delegated / 10);
    assert_eq!(to_u128(pool.pending_undelegations_of(&worker_address).call().await?)?, pending);
    assert_eq!(stake_of(&system, worker).await?, STAKE - STAKE / 10);
    system.chain.advance_time(ciro_tests::system::COOLDOWN_SECONDS).await?;
    system.send(delegator, system.pool().withdraw_delegation_getcall(&worker_address)).await?;
    assert_eq!(system.balance(delegator_address.0).await?, pending);
    system.check_invariants().await
}

fn tx_error(error: anyhow::Error) -> ciro_deploy::TxError {
    ciro_deploy::TxError::Rejected { reason: format!("{error:#}") }
}
