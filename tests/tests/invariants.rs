//! Flow: a seeded random sequence of a few hundred operations across JobManager, CDC_Pool and the
//! token (submit, cancel, assign, complete with valid and invalid proofs, time out, release
//! payment, stake, unstake, withdraw, delegate, slash, claim), with a stranger calling the open
//! entry points (the role-gated ones must refuse it), a just-in-time delegation bundled with a
//! payment's release (it must earn nothing of it), council pauses and governance unpauses of
//! JobManager and CDC_Pool, and day-long time jumps (delegation warm-ups end, deadlines pass).
//! After every operation, successful or reverted:
//! - JobManager's CIRO balance = escrowed_total = the payments of its unsettled jobs;
//! - CDC_Pool's CIRO balance = stakes + pending unstakes + delegated + pending undelegations +
//!   unclaimed rewards;
//! - the total supply = the sum of every holder's balance;
//! - clients' balances change only by the rules: −payment on submit, +payment on a refund.
//!
//! `CIRO_INVARIANT_SEED` and `CIRO_INVARIANT_STEPS` override the seed and the length.

use ciro_bindings::errors;
use std::collections::HashMap;

use cainome::cairo_serde::ContractAddress;
use ciro_bindings::cdc_pool::SlashReason;
use ciro_bindings::job_manager::JobState;
use ciro_tests::rng::Rng;
use ciro_tests::system::{actor, to_u128, u256, System, CAP_CUDA, CIRO, PRICE_USD_E8};
use starknet::core::types::Felt;


const CLIENTS: [usize; 2] = [actor::CLIENT, actor::OTHER_CLIENT];
const DELEGATOR: usize = actor::KEEPER;
/// Holds no role the walk uses: the treasury's account, which only receives (fees, slashes).
const STRANGER: usize = actor::TREASURY;
const DAY: u64 = 86_400;
/// JobManager's default minimum completion window.
const MIN_WINDOW: u64 = 300;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::test]
async fn random_operation_sequences_keep_every_invariant() -> anyhow::Result<()> {
    let seed = env_u64("CIRO_INVARIANT_SEED", 0x0c1e_0c1e);
    let steps = env_u64("CIRO_INVARIANT_STEPS", 240);
    println!("seed {seed:#x}, {steps} steps");
    let mut rng = Rng::seeded(seed);

    let system = System::deploy().await?;
    for (i, worker) in actor::WORKERS.into_iter().enumerate() {
        system.add_worker(worker, CAP_CUDA, 24, (1_000 + 500 * i as u128) * CIRO).await?;
    }
    for client in CLIENTS {
        system.fund(client, 100_000 * CIRO).await?;
    }
    for worker in actor::WORKERS {
        system.fund(worker, 20_000 * CIRO).await?;
    }
    system.fund(DELEGATOR, 10_000 * CIRO).await?;
    system.fund(STRANGER, 100_000 * CIRO).await?;
    let council = ContractAddress(system.address(actor::COUNCIL)?);
    system.send(actor::GOVERNANCE, system.pool().set_emergency_council_getcall(&council)).await?;
    system.send(actor::GOVERNANCE, system.job_manager().set_emergency_council_getcall(&council)).await?;
    let model = system.register_model(actor::CLIENT, Felt::from(0xabcu64)).await?;
    let governance = ContractAddress(system.address(actor::GOVERNANCE)?);
    system.send(actor::GOVERNANCE, system.pool().set_slasher_getcall(&governance)).await?;
    let approve_all = |spender: Felt| system.token().approve_getcall(&ContractAddress(spender), &u256(u128::MAX));
    for worker in actor::WORKERS {
        system.send(worker, approve_all(system.pool)).await?;
    }
    system.send(DELEGATOR, approve_all(system.pool)).await?;
    system.send(STRANGER, approve_all(system.pool)).await?;
    system.check_invariants().await?;
    let stranger = ContractAddress(system.address(STRANGER)?);
    let delegator = ContractAddress(system.address(DELEGATOR)?);

    let mut client_balances: HashMap<usize, u128> = HashMap::new();
    for client in CLIENTS {
        client_balances.insert(client, system.balance(system.address(client)?).await?);
    }
    let mut job_client: HashMap<u64, usize> = HashMap::new();
    let (mut succeeded, mut reverted) = (0u32, 0u32);
    let mut reverted_by_label: std::collections::BTreeMap<&str, u32> = Default::default();
    let mut succeeded_by_label: std::collections::BTreeMap<&str, u32> = Default::default();

    for step in 0..steps {
        if rng.below(4) == 0 {
            system.chain.advance_time(rng.below(600)).await?;
        }
        if rng.below(50) == 0 {
            system.chain.advance_time(DAY).await?;
        }
        // A pause lasts a few steps: each step, governance lifts one with a chance of one in three.
        if rng.below(3) == 0 {
            if system.job_reader().is_paused().call().await? {
                system.send(actor::GOVERNANCE, system.job_manager().unpause_getcall()).await?;
            }
            if system.pool_reader().is_paused().call().await? {
                system.send(actor::GOVERNANCE, system.pool().unpause_getcall()).await?;
            }
        }
        let job_count = system.job_reader().job_count().call().await?;
        let now = system.now().await?;
        let mut by_state: HashMap<&'static str, Vec<u64>> = HashMap::new();
        for job_id in 1..=job_count {
            let job = system.job(job_id).await?;
            let key = match (job.state, job.settled) {
                (JobState::Pending, _) => "pending",
                (JobState::Assigned, _) => "assigned",
                (JobState::Completed, false) => "unpaid",
                _ => "closed",
            };
            by_state.entry(key).or_default().push(job_id);
            // Jobs an honest keeper or worker would act on: still inside their window.
            let live = job.deadline > now + MIN_WINDOW + 60;
            if key == "pending" || key == "assigned" {
                by_state.entry("open").or_default().push(job_id);
                if job.deadline < now {
                    by_state.entry("expired").or_default().push(job_id);
                }
            }
            if live && key == "pending" {
                by_state.entry("assignable").or_default().push(job_id);
            }
            if live && key == "assigned" {
                by_state.entry("in time").or_default().push(job_id);
            }
        }
        let jobs = |key: &str| by_state.get(key).cloned().unwrap_or_default();
        // Three times in four a job in `preferred` when there is one, else any in `key`.
        let pick_job = |rng: &mut Rng, preferred: &str, key: &str| {
            let fitting = jobs(preferred);
            if !fitting.is_empty() && rng.below(4) != 0 {
                rng.pick_any(&fitting)
            } else {
                rng.pick_any(&jobs(key))
            }
        };
        let worker = rng.pick_any(&actor::WORKERS).unwrap_or(actor::WORKERS[0]);
        let worker_address = ContractAddress(system.address(worker)?);
        let mut expected_refund: Option<u64> = None;

        let (label, outcome) = match rng.below(16) {
            0..=2 => {
                let client = rng.pick_any(&CLIENTS).unwrap_or(actor::CLIENT);
                let payment = (1 + rng.below(50) as u128) * CIRO + rng.below(1_000) as u128;
                let deadline = system.now().await? + 600 + rng.below(3_000);
                let result = system.submit_job(client, &system.inference_spec(model, deadline), payment).await;
                if let Ok(job_id) = &result {
                    job_client.insert(*job_id, client);
                    *client_balances.entry(client).or_default() -= payment;
                }
                ("submit", result.map(drop))
            }
            3 => match rng.pick_any(&jobs("pending")) {
                Some(job_id) => {
                    let client = job_client[&job_id];
                    expected_refund = Some(job_id);
                    ("cancel", system.send(client, system.job_manager().cancel_job_getcall(&job_id)).await.map(drop))
                }
                None => continue,
            },
            4 | 5 => match pick_job(&mut rng, "assignable", "pending") {
                Some(job_id) => ("assign", system.send(actor::KEEPER, system.job_manager().assign_job_getcall(&job_id)).await.map(drop)),
                None => continue,
            },
            6 | 7 => match pick_job(&mut rng, "in time", "assigned") {
                Some(job_id) => {
                    let valid = rng.below(5) != 0;
                    system.set_proof_answer(valid).await?;
                    let assigned = system.job(job_id).await?.worker;
                    let holder = actor::WORKERS.into_iter().find(|w| system.address(*w).ok() == Some(assigned.0)).unwrap_or(worker);
                    let call = system.job_manager().complete_job_getcall(&job_id, &Felt::from(step + 1), &vec![Felt::ONE]);
                    ("complete", system.send(holder, call).await.map(drop))
                }
                None => continue,
            },
            8 => match pick_job(&mut rng, "expired", "open") {
                Some(job_id) => {
                    expected_refund = Some(job_id);
                    ("timeout", system.send(actor::KEEPER, system.job_manager().timeout_job_getcall(&job_id)).await.map(drop))
                }
                None => continue,
            },
            9 => match rng.pick_any(&jobs("unpaid")) {
                Some(job_id) => ("release", system.send(actor::KEEPER, system.job_manager().release_payment_getcall(&job_id)).await.map(drop)),
                None => continue,
            },
            10 => {
                let call = match rng.below(4) {
                    0 => system.pool().stake_getcall(&u256((1 + rng.below(200) as u128) * CIRO)),
                    1 => system.pool().request_unstake_getcall(&u256((1 + rng.below(300) as u128) * CIRO)),
                    2 => system.pool().withdraw_getcall(),
                    _ => system.pool().claim_rewards_getcall(),
                };
                ("worker", system.send(worker, call).await.map(drop))
            }
            11 => {
                let pool = system.pool();
                let call = match rng.below(4) {
                    0 => pool.delegate_stake_getcall(&worker_address, &u256((1 + rng.below(500) as u128) * CIRO)),
                    1 => {
                        let shares = system.pool_reader().get_delegation(&ContractAddress(system.address(DELEGATOR)?), &worker_address).call().await?.shares;
                        pool.request_undelegate_getcall(&worker_address, &u256(to_u128(shares)? / 2))
                    }
                    2 => pool.withdraw_delegation_getcall(&worker_address),
                    _ => pool.claim_delegation_rewards_getcall(&worker_address),
                };
                ("delegator", system.send(DELEGATOR, call).await.map(drop))
            }
            13 => {
                // A stranger at the open entry points; the role-gated ones must refuse it.
                let pool = system.pool();
                let jm = system.job_manager();
                let open_jobs = [jobs("pending"), jobs("assigned")].concat();
                match rng.below(6) {
                    0 => match rng.pick_any(&jobs("pending")) {
                        Some(job_id) => {
                            let result = system.send(STRANGER, jm.assign_job_getcall(&job_id)).await;
                            ciro_tests::expect_revert(result, errors::job_manager::CALLER_NOT_ASSIGNER);
                            continue;
                        }
                        None => continue,
                    },
                    1 => {
                        let call = pool.slash_getcall(&worker_address, &SlashReason::Fraud, &Felt::from(step));
                        ciro_tests::expect_revert(system.send(STRANGER, call).await, errors::cdc_pool::CALLER_NOT_SLASHER);
                        continue;
                    }
                    2 => {
                        let call = pool.credit_reward_getcall(&worker_address, &u256(CIRO));
                        ciro_tests::expect_revert(system.send(STRANGER, call).await, errors::cdc_pool::CALLER_NOT_JOB_MANAGER);
                        continue;
                    }
                    3 => match rng.pick_any(&open_jobs) {
                        Some(job_id) => {
                            expected_refund = Some(job_id);
                            ("stranger timeout", system.send(STRANGER, jm.timeout_job_getcall(&job_id)).await.map(drop))
                        }
                        None => continue,
                    },
                    4 => match rng.pick_any(&jobs("unpaid")) {
                        Some(job_id) => ("stranger release", system.send(STRANGER, jm.release_payment_getcall(&job_id)).await.map(drop)),
                        None => continue,
                    },
                    _ => {
                        let call = pool.activate_delegation_getcall(&delegator, &worker_address);
                        ("stranger activate", system.send(STRANGER, call).await.map(drop))
                    }
                }
            }
            14 => match rng.pick_any(&jobs("unpaid")) {
                // Just in time: delegate to the job's worker and release its payment in one
                // transaction. The new delegation must not earn any of it.
                Some(job_id) => {
                    let job_worker = system.job(job_id).await?.worker;
                    let reader = system.pool_reader();
                    let shares_before = to_u128(reader.get_delegation(&stranger, &job_worker).call().await?.shares)?;
                    let rewards_before = to_u128(reader.pending_delegation_rewards(&stranger, &job_worker).call().await?)?;
                    let calls = vec![
                        system.pool().delegate_stake_getcall(&job_worker, &u256((1 + rng.below(50_000) as u128) * CIRO)),
                        system.job_manager().release_payment_getcall(&job_id),
                    ];
                    let outcome = system.send_all(STRANGER, calls).await.map(drop);
                    let rewards_after = to_u128(reader.pending_delegation_rewards(&stranger, &job_worker).call().await?)?;
                    if shares_before == 0 {
                        assert_eq!(rewards_after, rewards_before, "step {step}: a just-in-time delegation earned from the payment it released");
                    }
                    ("just-in-time delegation", outcome)
                }
                None => continue,
            },
            15 => {
                // The council pauses JobManager or CDC_Pool; governance unpauses (below).
                let (paused, pause) = if rng.below(2) == 0 {
                    (system.job_reader().is_paused().call().await?, system.job_manager().pause_getcall())
                } else {
                    (system.pool_reader().is_paused().call().await?, system.pool().pause_getcall())
                };
                if paused {
                    continue;
                }
                ("pause", system.send(actor::COUNCIL, pause).await.map(drop))
            }
            _ if rng.below(2) == 0 => {
                // Slashes lower stakes and tiers; top-ups (at a fresh price) keep workers eligible.
                system.send(actor::ORACLE, system.pool().set_ciro_price_getcall(&PRICE_USD_E8)).await?;
                ("top-up", system.send(worker, system.pool().stake_getcall(&u256(500 * CIRO))).await.map(drop))
            }
            _ => {
                // Fraud bans for good: rare, so that the walk keeps workers to assign to.
                let reason = match rng.below(24) {
                    0..=5 => SlashReason::Malicious,
                    6..=11 => SlashReason::Unavailability,
                    12..=17 => SlashReason::PoorPerformance,
                    18..=22 => SlashReason::ProtocolViolation,
                    _ => SlashReason::Fraud,
                };
                let call = system.pool().slash_getcall(&worker_address, &reason, &Felt::from(step));
                ("slash", system.send(actor::GOVERNANCE, call).await.map(drop))
            }
        };

        match &outcome {
            Ok(()) => {
                succeeded += 1;
                *succeeded_by_label.entry(label).or_default() += 1;
            }
            Err(_) => {
                reverted += 1;
                *reverted_by_label.entry(label).or_default() += 1;
            }
        }
        if let (Ok(()), Some(job_id)) = (&outcome, expected_refund) {
            let job = system.job(job_id).await?;
            if job.settled {
                *client_balances.entry(job_client[&job_id]).or_default() += to_u128(job.payment)?;
            }
        }
        if let Err(error) = system.check_invariants().await {
            panic!("step {step} ({label}, {:?}) broke an invariant: {error:#}", outcome.err());
        }
        for client in CLIENTS {
            let actual = system.balance(system.address(client)?).await?;
            assert_eq!(actual, client_balances[&client], "step {step} ({label}): client {client}'s balance moved outside the rules");
        }
    }
    println!("{succeeded} operations succeeded: {succeeded_by_label:?}");
    println!("{reverted} reverted (each checked): {reverted_by_label:?}");
    assert!(succeeded > steps as u32 / 3, "too few operations succeeded to mean anything");
    Ok(())
}
