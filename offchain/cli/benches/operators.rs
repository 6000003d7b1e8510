//! Operator throughput on this machine, against a local devnet:
//! - jobs per minute end to end (submitted → assigned → proved → verified on-chain → paid) with
//!   the keeper and two workers as processes;
//! - keeper actions per second: `assign_job` transactions for a backlog of pending jobs.
//!
//! `cargo bench -p ciro-cli --bench operators` prints a table.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use anyhow::{ensure, Result};
use ciro_bindings::job_manager::JobState;
use ciro_demo::network::actor;
use ciro_demo::operators::free_address;
use common::Fixture;

const END_TO_END_JOBS: usize = 10;
const BACKLOG_JOBS: usize = 30;

async fn wait_until(fixture: &Fixture, jobs: &[u64], done: impl Fn(&JobState, bool) -> bool) -> Result<Duration> {
    let market = fixture.market()?;
    let started = Instant::now();
    loop {
        let mut finished = 0;
        for id in jobs {
            let job = market.job(*id).await?;
            if done(&job.state, job.settled) {
                finished += 1;
            }
        }
        if finished == jobs.len() {
            return Ok(started.elapsed());
        }
        ensure!(started.elapsed() < Duration::from_secs(1_200), "only {finished} of {} jobs done", jobs.len());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn end_to_end() -> Result<(usize, Duration)> {
    // The keeper runs from the start: it is the coordinator the client uploads inputs to.
    let fixture = Fixture::start(1).await?;
    let jobs = fixture.submit(actor::CLIENT, END_TO_END_JOBS).await?;
    let site = &fixture.site;
    let _a = site.spawn_worker(actor::WORKERS[0], "worker-a", &free_address()?, 200)?;
    let _b = site.spawn_worker(actor::WORKERS[1], "worker-b", &free_address()?, 200)?;
    let elapsed = wait_until(&fixture, &jobs, |state, settled| *state == JobState::Completed && settled).await?;
    Ok((jobs.len(), elapsed))
}

async fn keeper_backlog() -> Result<(usize, Duration)> {
    // No coordinator: the keeper starts only once the backlog is on-chain.
    let fixture = Fixture::without_coordinator(u8::try_from(BACKLOG_JOBS)?).await?;
    let jobs = fixture.submit(actor::CLIENT, BACKLOG_JOBS).await?;
    let site = &fixture.site;
    let _keeper = site.spawn_keeper(actor::KEEPER, site.address(actor::DEPLOYER)?, &free_address()?, 50)?;
    let elapsed = wait_until(&fixture, &jobs, |state, _| *state == JobState::Assigned).await?;
    Ok((jobs.len(), elapsed))
}

#[tokio::main]
async fn main() -> Result<()> {
    let (jobs, elapsed) = end_to_end().await?;
    let (actions, backlog) = keeper_backlog().await?;
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("Operators on a local devnet ({threads} CPU threads, CPU prover, iris MLP)");
    println!("{:<58} {:>10} {:>12} {:>12}", "measure", "count", "seconds", "rate");
    println!(
        "{:<58} {:>10} {:>12.1} {:>12}",
        "end to end, 2 workers: jobs completed and paid",
        jobs,
        elapsed.as_secs_f64(),
        format!("{:.1}/min", jobs as f64 * 60.0 / elapsed.as_secs_f64())
    );
    println!(
        "{:<58} {:>10} {:>12.1} {:>12}",
        "keeper: assign_job for a backlog of pending jobs",
        actions,
        backlog.as_secs_f64(),
        format!("{:.1}/s", actions as f64 / backlog.as_secs_f64())
    );
    Ok(())
}
