//! The sample contract on a real devnet: declare (Blake2 compiled class hash), deploy, invoke from
//! two accounts, read storage and events, and see failing asserts come back with their messages.

use ciro_tests::{events_named, expect_revert, felt, TestChain};
use starknet::core::types::Felt;

const CONTRACT: &str = "OwnedCounter";

async fn deployed_counter(chain: &TestChain) -> anyhow::Result<(Felt, Felt)> {
    let owner = chain.address_of(0)?;
    let counter = chain.deploy(CONTRACT, vec![owner]).await?;
    Ok((counter, owner))
}

#[tokio::test]
async fn constructor_stores_the_owner() -> anyhow::Result<()> {
    let chain = TestChain::start().await?;
    let (counter, owner) = deployed_counter(&chain).await?;
    assert_eq!(chain.call(counter, "get_owner", vec![]).await?, vec![owner]);
    assert_eq!(chain.call(counter, "get_value", vec![]).await?, vec![felt(0)]);
    Ok(())
}

#[tokio::test]
async fn constructor_rejects_zero_owner() -> anyhow::Result<()> {
    let chain = TestChain::start().await?;
    expect_revert(chain.deploy(CONTRACT, vec![Felt::ZERO]).await, "Counter: owner is zero");
    Ok(())
}

#[tokio::test]
async fn declare_is_skipped_when_the_class_exists() -> anyhow::Result<()> {
    let chain = TestChain::start().await?;
    let class = ciro_deploy::PreparedClass::from_sierra_json(
        &ciro_deploy::ContractArtifacts::load(&ciro_tests::artifacts_dir(), ciro_tests::PACKAGE)?.sierra_json(CONTRACT)?,
    )?;
    let first = ciro_deploy::tx::declare(&chain.account(0)?, &class).await?;
    let second = ciro_deploy::tx::declare(&chain.account(1)?, &class).await?;
    assert!(first.transaction_hash.is_some(), "the first declaration sends a transaction");
    assert_eq!(second.transaction_hash, None, "the second finds the class declared");
    assert_eq!(first.class_hash, second.class_hash);
    Ok(())
}

#[tokio::test]
async fn increase_from_two_accounts_adds_up_and_emits_events() -> anyhow::Result<()> {
    let chain = TestChain::start().await?;
    let (counter, _) = deployed_counter(&chain).await?;

    let first = chain.invoke(1, counter, "increase", vec![felt(5)]).await?;
    let second = chain.invoke(2, counter, "increase", vec![felt(7)]).await?;

    assert_eq!(chain.call(counter, "get_value", vec![]).await?, vec![felt(12)]);
    let first_events = events_named(&first, counter, "CounterIncreased");
    assert_eq!(first_events.len(), 1);
    assert_eq!(first_events[0].keys[1], chain.address_of(1)?, "the caller is the event's key");
    assert_eq!(first_events[0].data, vec![felt(5), felt(5)]);
    let second_events = events_named(&second, counter, "CounterIncreased");
    assert_eq!(second_events[0].keys[1], chain.address_of(2)?);
    assert_eq!(second_events[0].data, vec![felt(7), felt(12)]);
    Ok(())
}

#[tokio::test]
async fn increase_rejects_zero_amount() -> anyhow::Result<()> {
    let chain = TestChain::start().await?;
    let (counter, _) = deployed_counter(&chain).await?;
    expect_revert(chain.invoke(1, counter, "increase", vec![felt(0)]).await, "Counter: amount is zero");
    assert_eq!(chain.call(counter, "get_value", vec![]).await?, vec![felt(0)]);
    Ok(())
}

#[tokio::test]
async fn reset_by_owner_sets_zero_and_emits_event() -> anyhow::Result<()> {
    let chain = TestChain::start().await?;
    let (counter, owner) = deployed_counter(&chain).await?;
    chain.invoke(1, counter, "increase", vec![felt(9)]).await?;

    let receipt = chain.invoke(0, counter, "reset", vec![]).await?;

    assert_eq!(chain.call(counter, "get_value", vec![]).await?, vec![felt(0)]);
    let events = events_named(&receipt, counter, "CounterReset");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1], owner);
    assert_eq!(events[0].data, vec![felt(9)]);
    Ok(())
}

#[tokio::test]
async fn reset_rejects_non_owner_and_keeps_the_value() -> anyhow::Result<()> {
    let chain = TestChain::start().await?;
    let (counter, _) = deployed_counter(&chain).await?;
    chain.invoke(1, counter, "increase", vec![felt(3)]).await?;

    let result = chain.invoke(1, counter, "reset", vec![]).await;

    expect_revert(result, "Counter: caller is not owner");
    assert_eq!(chain.call(counter, "get_value", vec![]).await?, vec![felt(3)]);
    Ok(())
}

#[tokio::test]
async fn expect_revert_names_the_exact_message() -> anyhow::Result<()> {
    let chain = TestChain::start().await?;
    let (counter, _) = deployed_counter(&chain).await?;
    let error = chain.invoke(1, counter, "reset", vec![]).await.expect_err("a non-owner reset fails");
    assert!(error.has_revert_message("Counter: caller is not owner"));
    assert!(!error.has_revert_message("Counter: caller is not"), "prefixes do not match");
    assert!(!error.has_revert_message("Counter: amount is zero"));
    Ok(())
}
