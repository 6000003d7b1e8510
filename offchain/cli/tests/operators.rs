//! The operators as real processes against devnet: a crash-and-fault run of 20 jobs, bad inputs,
//! and the CLI's help and tables (insta snapshots).

mod common;

use std::time::{Duration, Instant};

use anyhow::{ensure, Result};
use ciro_bindings::job_manager::{JobPriority, JobSpec, JobState, JobType};
use ciro_demo::market::CIRO;
use ciro_demo::network::actor;
use ciro_demo::operators::free_address;
use common::{duplicate_actions, expect_failure, job_events, keeper_transactions, Fixture, FlakyRpc};
use starknet::core::types::Felt;
use starknet::providers::Provider;

const JOBS: usize = 20;

/// 20 jobs, plus 2 that no worker can take (they require CUDA) and expire after 30 s; inputs and
/// the model move through the keeper's data plane (the coordinator); the keeper is SIGKILLed at
/// random points and restarted each time, worker A is SIGKILLed once in the middle
/// of a proof, and every operator talks to the node through a proxy that drops or delays
/// requests. Every job must end Completed and paid, each expiring one TimedOut and refunded (no
/// missed timeout), with no duplicate keeper action and no reverted keeper transaction.
#[tokio::test(flavor = "multi_thread")]
async fn twenty_jobs_survive_keeper_kills_a_worker_kill_and_a_flaky_rpc() -> Result<()> {
    let mut fixture = Fixture::start(1).await?;
    let mut keeper = fixture.take_keeper()?;
    let market = fixture.market()?;
    let jobs = fixture.submit(actor::CLIENT, JOBS).await?;
    let expiring = fixture.submit_with(actor::CLIENT, 2, &["--required-capabilities", "1", "--deadline-in", "30"]).await?;
    let proxy = FlakyRpc::start(fixture.network.devnet.url().to_string(), 0.02, 0.02, 0.1).await?;
    fixture.use_rpc(&proxy.url)?;

    let site = &fixture.site;
    let sponsor = site.address(actor::DEPLOYER)?;
    let keeper_listen = fixture.keeper_listen.clone();
    let [first, second] = actor::WORKERS;
    // The keeper (the coordinator the jobs' inputs were uploaded to) starts over on the proxy.
    keeper.kill().await?;
    keeper = site.spawn_keeper(actor::KEEPER, sponsor, &keeper_listen, 200)?;
    let worker_a_listen = free_address()?;
    let mut worker_a = site.spawn_worker(first, "worker-a", &worker_a_listen, 200)?;
    let _worker_b = site.spawn_worker(second, "worker-b", &free_address()?, 200)?;

    let started = Instant::now();
    let (mut keeper_kills, mut worker_kills) = (0, 0);
    let mut next_keeper_kill = Instant::now() + Duration::from_millis(fastrand::u64(1_000..5_000));
    let mut next_block = Instant::now();
    loop {
        // A real chain makes blocks without traffic; devnet does not, and its clock (the one
        // the deadlines are read against) stops once the 20 jobs are done: tick it.
        if Instant::now() >= next_block {
            fixture.network.devnet.create_block().await?;
            next_block = Instant::now() + Duration::from_secs(2);
        }
        let mut unfinished = Vec::new();
        for (ids, expected) in [(&jobs, JobState::Completed), (&expiring, JobState::TimedOut)] {
            for id in ids {
                let job = market.job(*id).await?;
                if !(job.state == expected && job.settled) {
                    unfinished.push(format!("#{id} {:?} (settled: {}, expected {expected:?})", job.state, job.settled));
                }
            }
        }
        if unfinished.is_empty() {
            break;
        }
        ensure!(
            started.elapsed() < Duration::from_secs(900),
            "{} of {} jobs unfinished after 15 min: {}\n{}",
            unfinished.len(),
            jobs.len() + expiring.len(),
            unfinished.join(", "),
            common::log_tails(&site.dir, &["keeper.log", "worker-a.log", "worker-b.log"], 40),
        );
        if Instant::now() >= next_keeper_kill {
            keeper.kill().await?;
            keeper_kills += 1;
            keeper = site.spawn_keeper(actor::KEEPER, sponsor, &keeper_listen, 200)?;
            next_keeper_kill = Instant::now() + Duration::from_millis(fastrand::u64(1_000..5_000));
        }
        let proving = std::fs::read_dir(site.dir.join("worker-a/jobs"))
            .map(|entries| entries.flatten().any(|e| std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains("\"proving\""))))
            .unwrap_or(false);
        if worker_kills == 0 && proving {
            worker_a.kill().await?;
            worker_kills += 1;
            worker_a = site.spawn_worker(first, "worker-a", &worker_a_listen, 200)?;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let elapsed = started.elapsed();

    let keeper_address = site.address(actor::KEEPER)?;
    let (sent, reverted) = keeper_transactions(&fixture.network, keeper_address).await?;
    let events = job_events(&fixture.network, market.job_manager).await?;
    let duplicates = duplicate_actions(&sent, &events);
    let escrow = market.balance(market.job_manager).await?;
    println!(
        "crash safety: {} jobs and {} expiring in {:.1} s; keeper SIGKILLed {keeper_kills} times, worker SIGKILLed {worker_kills} time(s) mid-proof; \
         {} keeper transactions, {duplicates} duplicate actions, {reverted} reverted; \
         RPC proxy: {} requests forwarded, {} dropped before, {} answers dropped after, {} delayed",
        jobs.len(),
        expiring.len(),
        elapsed.as_secs_f64(),
        sent.values().sum::<u64>(),
        proxy.forwarded.load(std::sync::atomic::Ordering::Relaxed),
        proxy.dropped_requests.load(std::sync::atomic::Ordering::Relaxed),
        proxy.dropped_answers.load(std::sync::atomic::Ordering::Relaxed),
        proxy.delayed.load(std::sync::atomic::Ordering::Relaxed),
    );
    ensure!(keeper_kills >= 3, "the keeper was killed only {keeper_kills} times");
    ensure!(worker_kills == 1, "worker A was never caught proving");
    ensure!(duplicates == 0, "{duplicates} duplicate keeper actions: {sent:?} vs {events:?}");
    ensure!(reverted == 0, "{reverted} keeper transactions reverted");
    ensure!(escrow == 0, "{escrow} CIRO still escrowed");
    for id in &jobs {
        ensure!(events.get(&(*id, "PaymentReleased".to_owned())) == Some(&1), "job #{id} was not paid exactly once");
    }
    for id in &expiring {
        ensure!(events.get(&(*id, "JobTimedOut".to_owned())) == Some(&1), "job #{id} was not timed out exactly once");
    }
    Ok(())
}

/// A malformed input file, an input of the wrong size, an unknown model, an expired deadline:
/// each refused by `ciro submit-job` with a clear error and nothing sent. A job whose stored input
/// does not match its commitment is given back by the worker and refunded in full.
#[tokio::test(flavor = "multi_thread")]
async fn bad_inputs_get_clear_errors_and_change_nothing() -> Result<()> {
    let fixture = Fixture::start(1).await?;
    let market = fixture.market()?;
    let site = &fixture.site;
    let client = site.address(actor::CLIENT)?;
    let provider = fixture.network.devnet.provider();
    let nonce_before = provider.get_nonce(starknet::core::types::BlockId::Tag(starknet::core::types::BlockTag::Latest), client).await?;
    let jobs_before = market.job_reader().job_count().call().await?;

    let malformed = fixture.dir.path().join("malformed.json");
    std::fs::write(&malformed, "{\"input\": \"five\"}")?;
    let short = fixture.dir.path().join("short.json");
    std::fs::write(&short, "{\"input\": [1.0]}")?;
    let good = common::models().join("iris_input_0.json");
    let model = fixture.model_id.as_str();
    let submit = |input: &std::path::Path, extra: &[&str]| {
        let mut args = vec!["submit-job".to_owned(), "--model".into(), model.into(), "--input".into(), input.display().to_string()];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    };
    let run = |args: Vec<String>| async move { site.ciro(actor::CLIENT, &args.iter().map(String::as_str).collect::<Vec<_>>()).await };
    expect_failure(run(submit(&malformed, &[])).await, "malformed input file");
    expect_failure(run(submit(&common::models().join("missing.json"), &[])).await, "cannot read input file");
    expect_failure(run(submit(&short, &[])).await, "input has 1 values, the model takes 4");
    let mut unknown = submit(&good, &[]);
    unknown[2] = "99".into();
    expect_failure(run(unknown).await, "there is no model #99");
    expect_failure(run(submit(&good, &["--deadline", "1"])).await, "is not in the future");
    expect_failure(run(submit(&good, &["--payment", "5000"])).await, "the account holds 1000.0000 CIRO");
    expect_failure(run(submit(&good, &["--payment", "ten"])).await, "is not an amount of CIRO");
    expect_failure(site.ciro(actor::CLIENT, &["job-status", "42"]).await, "there is no job #42");
    let nonce_after = provider.get_nonce(starknet::core::types::BlockId::Tag(starknet::core::types::BlockTag::Latest), client).await?;
    ensure!(nonce_after == nonce_before, "a refused command sent a transaction");
    ensure!(market.job_reader().job_count().call().await? == jobs_before, "a refused command created a job");

    // A worker told to prove on a GPU that this binary (built without the `cuda` feature) cannot
    // use refuses to start, saying why.
    let worker_binary = site.binaries.worker.clone();
    let listen = free_address()?;
    expect_failure(
        site.run(&worker_binary, actor::WORKERS[0], &["start", "--backend", "cuda", "--listen", &listen]).await,
        "[worker] backend = \"cuda\": this build has no CUDA backend",
    );

    // A job whose input in the store is not the one it committed to.
    let wrong = Felt::from(0xbadc0ffee_u64);
    std::fs::create_dir_all(site.dir.join("inputs"))?;
    std::fs::copy(&good, site.dir.join("inputs").join(ciro_client::store::input_file_name(wrong)))?;
    let now = fixture.network.devnet.block_timestamp().await?;
    let spec = JobSpec {
        job_type: JobType::AIInference,
        priority: JobPriority::Standard,
        required_capabilities: 0,
        min_gpu_memory_gb: 0,
        min_tier: 1,
        model_id: model.parse()?,
        input_commitment: wrong,
        deadline: now + 3_600,
    };
    let balance_before = market.balance(client).await?;
    let (job_id, _) = market.submit_job(actor::CLIENT, &spec, 10 * CIRO).await?;
    // The coordinator would refuse those bytes (they do not commit to `wrong`): these workers
    // read inputs from the site's directory, where the client wrote them itself.
    let inputs = site.dir.join("inputs").display().to_string();
    let env = [("CIRO_INPUT_STORE", inputs.as_str())];
    let _worker = site.spawn_worker_with(actor::WORKERS[0], "worker-a", &free_address()?, 200, &env)?;
    let _other = site.spawn_worker_with(actor::WORKERS[1], "worker-b", &free_address()?, 200, &env)?;
    let started = Instant::now();
    loop {
        let job = market.job(job_id).await?;
        if job.state == JobState::Failed && job.settled {
            break;
        }
        ensure!(started.elapsed() < Duration::from_secs(120), "job #{job_id} is {:?}, not given back", job.state);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    ensure!(market.balance(client).await? == balance_before, "the client was not refunded in full");
    let logs = std::fs::read_to_string(site.dir.join("worker-a.log"))? + &std::fs::read_to_string(site.dir.join("worker-b.log"))?;
    ensure!(logs.contains("the job commits to"), "no worker explained the refusal: {logs}");
    Ok(())
}

fn help(binary: &std::path::Path, args: &[&str]) -> Result<String> {
    let output = std::process::Command::new(binary).args(args).env_clear().output()?;
    ensure!(output.status.success(), "{} {args:?} failed", binary.display());
    Ok(String::from_utf8(output.stdout)?)
}

#[test]
fn help_snapshots() -> Result<()> {
    let binaries = common::binaries();
    insta::assert_snapshot!("ciro_help", help(&binaries.ciro, &["--help"])?);
    insta::assert_snapshot!("ciro_submit_job_help", help(&binaries.ciro, &["submit-job", "--help"])?);
    insta::assert_snapshot!("ciro_worker_help", help(&binaries.ciro, &["worker", "--help"])?);
    insta::assert_snapshot!("ciro_models_register_help", help(&binaries.ciro, &["models", "register", "--help"])?);
    insta::assert_snapshot!("ciro_job_result_help", help(&binaries.ciro, &["job-result", "--help"])?);
    insta::assert_snapshot!("ciro_keeper_help", help(&binaries.keeper, &["--help"])?);
    insta::assert_snapshot!("ciro_worker_node_help", help(&binaries.worker, &["--help"])?);
    insta::assert_snapshot!("ciro_worker_start_help", help(&binaries.worker, &["start", "--help"])?);
    Ok(())
}

#[test]
fn table_snapshots() {
    use cainome::cairo_serde::{ContractAddress, U256};
    use ciro_bindings::job_manager::Job;
    use ciro_client::JobView;
    let job = |id: u64, state: JobState, worker: u64, settled: bool| JobView {
        id,
        job: Job {
            client: ContractAddress(Felt::from_hex_unchecked("0x064b48806902a367c8598f4f95c305e8c1a1acba5f082d294a43793113115691")),
            job_type: JobType::AIInference,
            priority: JobPriority::Standard,
            required_capabilities: 0,
            min_gpu_memory_gb: 0,
            min_tier: 1,
            model_id: 1,
            input_commitment: Felt::from(0x1234u32),
            deadline: 1_800_000_000,
            payment: U256 { low: 100 * CIRO + CIRO / 4, high: 0 },
            state,
            worker: ContractAddress(Felt::from(worker)),
            assigned_at: 0,
            reassignments: 0,
            paused_seconds_at_assignment: 0,
            output_commitment: Felt::ZERO,
            completed_at: 0,
            settled,
        },
    };
    let jobs = [job(1, JobState::Completed, 0xabcdef0123456789, true), job(2, JobState::Pending, 0, false)];
    insta::assert_snapshot!("jobs_table", ciro_cli::render::jobs_table(&jobs));
    insta::assert_snapshot!("job_detail", ciro_cli::render::job_detail(&jobs[0]));
    insta::assert_snapshot!("jobs_table_empty", ciro_cli::render::jobs_table(&[]));
}
