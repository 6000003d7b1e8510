//! The harness against a real devnet process.

use std::time::Duration;

use ciro_devnet::{Devnet, DevnetConfig, DevnetError, STRK_ADDRESS};
use starknet::accounts::Account;
use starknet::core::types::{BlockId, BlockTag, Felt, FunctionCall};
use starknet::providers::Provider;

#[tokio::test]
async fn the_same_seed_gives_the_same_funded_accounts() -> anyhow::Result<()> {
    let first = Devnet::spawn(DevnetConfig::default()).await?;
    let second = Devnet::spawn(DevnetConfig::default()).await?;
    assert_ne!(first.url(), second.url(), "each devnet gets its own port");
    assert_eq!(first.predeployed_accounts().len(), 10);
    assert_eq!(first.predeployed_accounts(), second.predeployed_accounts());
    assert_eq!(first.account(3)?.address(), first.predeployed_accounts()[3].address);
    assert!(matches!(first.account(10), Err(DevnetError::NoSuchAccount { index: 10, count: 10 })));
    Ok(())
}

#[tokio::test]
async fn time_moves_forward_and_can_be_set() -> anyhow::Result<()> {
    let devnet = Devnet::spawn(DevnetConfig::default()).await?;
    devnet.set_time(2_000_000_000).await?;
    assert_eq!(devnet.block_timestamp().await?, 2_000_000_000);
    devnet.increase_time(7 * 24 * 3600).await?;
    let now = devnet.block_timestamp().await?;
    assert!(now >= 2_000_000_000 + 7 * 24 * 3600, "clock at {now}");
    Ok(())
}

/// Devnet's clock stands still between blocks; an empty block brings it to the wall clock.
#[tokio::test]
async fn the_clock_moves_only_with_a_new_block() -> anyhow::Result<()> {
    let devnet = Devnet::spawn(DevnetConfig::default()).await?;
    let before = devnet.block_timestamp().await?;
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(devnet.block_timestamp().await?, before, "no block, no time");
    devnet.create_block().await?;
    let after = devnet.block_timestamp().await?;
    assert!(after >= before + 2, "an empty block at the wall clock: {before} -> {after}");
    Ok(())
}

#[tokio::test]
async fn mint_credits_strk() -> anyhow::Result<()> {
    let devnet = Devnet::spawn(DevnetConfig::default()).await?;
    let address = devnet.predeployed_accounts()[1].address;
    let before = strk_balance(&devnet, address).await?;
    let amount = 5 * 10u128.pow(20); // above u64::MAX: exercises the JSON number encoding
    let reported = devnet.mint_strk(address, amount).await?;
    let after = strk_balance(&devnet, address).await?;
    assert_eq!(after, before + amount);
    assert_eq!(reported, after);
    Ok(())
}

#[tokio::test]
async fn dropping_the_devnet_stops_the_node() -> anyhow::Result<()> {
    let devnet = Devnet::spawn(DevnetConfig::default()).await?;
    let provider = devnet.provider();
    provider.block_number().await?;
    drop(devnet);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(provider.block_number().await.is_err(), "the node still answers after drop");
    Ok(())
}

#[tokio::test]
async fn a_missing_binary_says_how_to_install_it() {
    let config = DevnetConfig { binary: "/nonexistent/starknet-devnet".into(), ..DevnetConfig::default() };
    let error = Devnet::spawn(config).await.err().expect("spawning a missing binary fails");
    assert!(matches!(error, DevnetError::NotInstalled { .. }), "{error:?}");
    assert!(error.to_string().contains("cargo install --locked starknet-devnet --version 0.10.1"), "{error}");
}

async fn strk_balance(devnet: &Devnet, address: Felt) -> anyhow::Result<u128> {
    let call = FunctionCall {
        contract_address: STRK_ADDRESS,
        // STRK is an ERC20 like CIRO_Token: same selector.
        entry_point_selector: ciro_bindings::selectors::token::BALANCEOF,
        calldata: vec![address],
    };
    let result = devnet.provider().call(call, BlockId::Tag(BlockTag::Latest)).await?;
    let low: u128 = result.first().copied().unwrap_or_default().try_into()?;
    let high: u128 = result.get(1).copied().unwrap_or_default().try_into()?;
    anyhow::ensure!(high == 0, "balance above 2^128");
    Ok(low)
}
