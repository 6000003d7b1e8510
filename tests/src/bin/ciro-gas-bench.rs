//! `ciro-gas-bench`: L2 gas of the core contracts' main calls on a local devnet, as a table.
//!
//! Each row is one transaction from a predeployed OpenZeppelin account, so the figure includes
//! the account's validation and `__execute__` (the same overhead for every row). `complete_job`
//! runs against the test verifier here: the STARK verification's own cost is measured separately
//! by the ProofVerifier's bench.
//!
//! Run: `cargo run -p ciro-tests --bin ciro-gas-bench` (contracts built first).

use anyhow::Result;
use cainome::cairo_serde::ContractAddress;
use ciro_bindings::cdc_pool::SlashReason;
use ciro_tests::system::{actor, u256, System, CAP_CUDA, CIRO};
use starknet::core::types::{Call, Felt, TransactionReceipt, TransactionReceiptWithBlockInfo};

fn l2_gas(receipt: &TransactionReceiptWithBlockInfo) -> u64 {
    match &receipt.receipt {
        TransactionReceipt::Invoke(r) => r.execution_resources.l2_gas,
        TransactionReceipt::Declare(r) => r.execution_resources.l2_gas,
        TransactionReceipt::DeployAccount(r) => r.execution_resources.l2_gas,
        TransactionReceipt::Deploy(r) => r.execution_resources.l2_gas,
        TransactionReceipt::L1Handler(r) => r.execution_resources.l2_gas,
    }
}

struct Table(Vec<(&'static str, u64)>);

impl Table {
    async fn measure(&mut self, system: &System, name: &'static str, caller: usize, call: Call) -> Result<()> {
        let receipt = system.send(caller, call).await?;
        self.0.push((name, l2_gas(&receipt)));
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
    table.measure(&system, "request_unstake", worker, pool.request_unstake_getcall(&u256(100 * CIRO))).await?;
    system.chain.advance_time(7 * 24 * 3600 + 1).await?;
    table.measure(&system, "withdraw", worker, pool.withdraw_getcall()).await?;
    let governance = ContractAddress(system.address(actor::GOVERNANCE)?);
    system.send(actor::GOVERNANCE, pool.set_slasher_getcall(&governance)).await?;
    table.measure(&system, "slash", actor::GOVERNANCE, pool.slash_getcall(&worker_address, &SlashReason::PoorPerformance, &Felt::TWO)).await?;
    table.measure(&system, "transfer (CIRO)", actor::CLIENT, token.transfer_getcall(&governance, &u256(CIRO))).await?;

    println!("| call | L2 gas |");
    println!("|---|---:|");
    for (name, gas) in &table.0 {
        println!("| {name} | {gas} |");
    }
    Ok(())
}
