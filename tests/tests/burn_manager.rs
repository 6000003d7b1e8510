//! BurnManager on a real devnet with the real CIRO token: `burn_received` burns the whole balance
//! it holds (the total supply falls by exactly that amount), the reporter's revenue moves the burn
//! share along the governance-set thresholds, bad schedules are rejected with their exact
//! messages, and every entry point's access control holds.

use anyhow::Result;
use cainome::cairo_serde::{ContractAddress, U256};
use ciro_bindings::burn_manager::{BurnManager, BurnManagerReader, BurnTier, Event as BurnEvent};
use ciro_deploy::tx::TxError;
use ciro_devnet::{DevnetAccount, DevnetProvider};
use ciro_tests::system::{to_u128, u256};
use ciro_tests::token_fixture::{governance_and_token, TokenFixture};
use ciro_tests::{decoded_events, events_named, expect_revert, TestChain};
use starknet::core::types::{Felt, TransactionReceiptWithBlockInfo};

type Receipt = TransactionReceiptWithBlockInfo;

// Actors: predeployed accounts.
const GOVERNANCE: usize = 0; // deployer, governance of both contracts, initial CIRO holder
const REPORTER: usize = 1; // stands in for JobManager
const KEEPER: usize = 2;
const OUTSIDER: usize = 4;
const COUNCIL: usize = 9; // may pause the token

const CIRO: u128 = 1_000_000_000_000_000_000;
const BASE_SHARE: u16 = 3000;

use ciro_bindings::errors::access::{CALLER_NOT_GOVERNANCE as NOT_GOVERNANCE, GOVERNANCE_IS_ZERO};
use ciro_bindings::errors::burn_manager::{
    ADDRESS_IS_ZERO, AMOUNT_IS_ZERO, CALLER_NOT_REPORTER as NOT_REPORTER, LENGTH_MISMATCH, NOTHING_TO_BURN,
    SHARE_OUT_OF_RANGE, SHARES_DECREASING, THRESHOLD_IS_ZERO, THRESHOLDS_NOT_ASCENDING, TOO_MANY_THRESHOLDS,
};
use ciro_bindings::errors::access::PAUSED;

/// Thresholds in whole CIRO.
fn thresholds(ciro: &[u128]) -> Vec<U256> {
    ciro.iter().map(|c| u256(c * CIRO)).collect()
}

/// A devnet with the CIRO token (50M to GOVERNANCE) and BurnManager governed by GOVERNANCE, with
/// REPORTER as its reporter.
struct Burner {
    base: TokenFixture,
    burner: Felt,
    calls: BurnManager<DevnetAccount>,
}

impl std::ops::Deref for Burner {
    type Target = TokenFixture;

    fn deref(&self) -> &TokenFixture {
        &self.base
    }
}

impl Burner {
    async fn start() -> Result<Self> {
        let chain = TestChain::start().await?;
        let governance = chain.address_of(GOVERNANCE)?;
        let council = chain.address_of(COUNCIL)?;
        let token = chain.deploy_ciro_token(governance, governance, governance, council, 1_000 * CIRO, 3_600).await?;
        let burner = chain.deploy("BurnManager", governance_and_token(governance, token)).await?;
        let builder = chain.account(GOVERNANCE)?;
        let b = Burner {
            base: TokenFixture::new(chain, token)?,
            calls: BurnManager::new(burner, builder),
            burner,
        };
        b.send(GOVERNANCE, b.calls.set_reporter_getcall(&ContractAddress(b.addr(REPORTER)))).await?;
        Ok(b)
    }

    fn reader(&self) -> BurnManagerReader<DevnetProvider> {
        BurnManagerReader::new(self.burner, self.provider())
    }

    async fn supply(&self) -> Result<u128> {
        to_u128(self.token_reader().total_supply().call().await?)
    }

    /// Sends `amount` CIRO from GOVERNANCE to BurnManager, as JobManager sends the burn share.
    async fn send_burn_share(&self, amount: u128) -> Result<()> {
        let call = self.token_calls.transfer_getcall(&ContractAddress(self.burner), &u256(amount));
        self.send(GOVERNANCE, call).await?;
        Ok(())
    }

    async fn set_schedule(&self, caller: usize, thresholds: &[U256], shares: &[u16]) -> Result<Receipt, TxError> {
        self.send(caller, self.calls.set_burn_schedule_getcall(&thresholds.to_vec(), &shares.to_vec())).await
    }

    async fn record(&self, caller: usize, amount: u128) -> Result<Receipt, TxError> {
        self.send(caller, self.calls.record_revenue_getcall(&u256(amount))).await
    }

    async fn share(&self) -> Result<u16> {
        Ok(self.reader().current_burn_share_bps().call().await?)
    }

    async fn share_at(&self, revenue: u128) -> Result<u16> {
        Ok(self.reader().burn_share_bps_at(&u256(revenue)).call().await?)
    }
}

#[tokio::test]
async fn constructor_starts_at_the_base_share_with_nothing_burned() -> Result<()> {
    let chain = TestChain::start().await?;
    let governance = chain.address_of(GOVERNANCE)?;
    let token = chain.deploy_ciro_token(governance, governance, governance, governance, CIRO, 3_600).await?;
    let burner = chain.deploy("BurnManager", governance_and_token(governance, token)).await?;
    let reader = BurnManagerReader::new(burner, (*chain.devnet().provider()).clone());
    assert_eq!(reader.governance().call().await?, ContractAddress(governance));
    assert_eq!(reader.token().call().await?, ContractAddress(token));
    assert_eq!(reader.reporter().call().await?, ContractAddress(Felt::ZERO), "no reporter until set");
    assert_eq!(reader.current_burn_share_bps().call().await?, BASE_SHARE);
    assert_eq!(reader.burn_schedule().call().await?, Vec::<BurnTier>::new());
    assert_eq!(reader.cumulative_burned().call().await?, u256(0));
    assert_eq!(reader.cumulative_revenue().call().await?, u256(0));
    Ok(())
}

#[tokio::test]
async fn constructor_rejects_zero_addresses() -> Result<()> {
    let b = Burner::start().await?;
    let governance = b.addr(GOVERNANCE);
    expect_revert(b.chain.deploy("BurnManager", governance_and_token(governance, Felt::ZERO)).await, ADDRESS_IS_ZERO);
    expect_revert(b.chain.deploy("BurnManager", governance_and_token(Felt::ZERO, b.token)).await, GOVERNANCE_IS_ZERO);
    Ok(())
}

#[tokio::test]
async fn burn_received_burns_the_whole_balance_and_lowers_supply() -> Result<()> {
    let b = Burner::start().await?;
    let first = 1_234 * CIRO + 5;
    b.send_burn_share(first).await?;
    let supply_before = b.supply().await?;

    let receipt = b.send(KEEPER, b.calls.burn_received_getcall()).await?;
    assert_eq!(b.supply().await?, supply_before - first, "the supply falls by exactly the burned amount");
    assert_eq!(b.balance(b.burner).await?, 0);
    assert_eq!(b.reader().cumulative_burned().call().await?, u256(first));
    let events = decoded_events::<BurnEvent>(&receipt, b.burner, "TokensBurned")?;
    assert_eq!(events.len(), 1);
    let BurnEvent::TokensBurned(event) = &events[0] else { panic!("not TokensBurned: {events:?}") };
    assert_eq!(event.caller, ContractAddress(b.addr(KEEPER)));
    assert_eq!((event.amount, event.cumulative_burned), (u256(first), u256(first)));
    let transfers = events_named(&receipt, b.token, "Transfer");
    assert_eq!(transfers.len(), 1, "the token's burn: one Transfer to zero");
    assert_eq!(transfers[0].keys[1..], [b.burner, Felt::ZERO]);

    // A second batch, burned by another caller, adds up.
    let second = 99 * CIRO;
    b.send_burn_share(second).await?;
    b.send(OUTSIDER, b.calls.burn_received_getcall()).await?;
    assert_eq!(b.supply().await?, supply_before - first - second);
    assert_eq!(b.reader().cumulative_burned().call().await?, u256(first + second));
    Ok(())
}

#[tokio::test]
async fn burn_received_rejects_an_empty_balance() -> Result<()> {
    let b = Burner::start().await?;
    expect_revert(b.send(KEEPER, b.calls.burn_received_getcall()).await, NOTHING_TO_BURN);
    b.send_burn_share(CIRO).await?;
    b.send(KEEPER, b.calls.burn_received_getcall()).await?;
    expect_revert(b.send(KEEPER, b.calls.burn_received_getcall()).await, NOTHING_TO_BURN);
    Ok(())
}

#[tokio::test]
async fn burn_received_fails_while_the_token_is_paused() -> Result<()> {
    let b = Burner::start().await?;
    b.send_burn_share(CIRO).await?;
    b.send(COUNCIL, b.token_calls.pause_getcall()).await?;
    expect_revert(b.send(KEEPER, b.calls.burn_received_getcall()).await, PAUSED);
    assert_eq!(b.reader().cumulative_burned().call().await?, u256(0));
    assert_eq!(b.balance(b.burner).await?, CIRO);
    Ok(())
}

#[tokio::test]
async fn record_revenue_accumulates_and_switches_share_at_thresholds() -> Result<()> {
    let b = Burner::start().await?;
    b.set_schedule(GOVERNANCE, &thresholds(&[1_000, 5_000, 10_000]), &[4000, 6000, 8000]).await?;
    // (revenue to record, cumulative revenue after it, share after it)
    let steps = [
        (999 * CIRO, 999 * CIRO, 3000),
        (CIRO, 1_000 * CIRO, 4000), // exactly at the first threshold
        (4_000 * CIRO - 1, 5_000 * CIRO - 1, 4000),
        (1, 5_000 * CIRO, 6000),
        (4_999 * CIRO, 9_999 * CIRO, 6000),
        (1_000_000 * CIRO, 1_009_999 * CIRO, 8000),
    ];
    for (amount, cumulative, share) in steps {
        let receipt = b.record(REPORTER, amount).await?;
        assert_eq!(b.reader().cumulative_revenue().call().await?, u256(cumulative));
        assert_eq!(b.share().await?, share, "share at cumulative revenue {cumulative}");
        let events = decoded_events::<BurnEvent>(&receipt, b.burner, "RevenueRecorded")?;
        assert_eq!(events.len(), 1);
        let BurnEvent::RevenueRecorded(event) = &events[0] else { panic!("not RevenueRecorded: {events:?}") };
        assert_eq!(event.reporter, ContractAddress(b.addr(REPORTER)));
        assert_eq!((event.amount, event.cumulative_revenue), (u256(amount), u256(cumulative)));
        assert_eq!(event.burn_share_bps, share);
    }
    Ok(())
}

#[tokio::test]
async fn record_revenue_rejects_non_reporter_and_zero() -> Result<()> {
    let b = Burner::start().await?;
    for caller in [GOVERNANCE, KEEPER, OUTSIDER] {
        expect_revert(b.record(caller, CIRO).await, NOT_REPORTER);
    }
    expect_revert(b.record(REPORTER, 0).await, AMOUNT_IS_ZERO);
    assert_eq!(b.reader().cumulative_revenue().call().await?, u256(0));
    Ok(())
}

#[tokio::test]
async fn set_reporter_changes_who_may_record() -> Result<()> {
    let b = Burner::start().await?;
    let receipt = b.send(GOVERNANCE, b.calls.set_reporter_getcall(&ContractAddress(b.addr(KEEPER)))).await?;
    let events = decoded_events::<BurnEvent>(&receipt, b.burner, "ReporterChanged")?;
    assert_eq!(events.len(), 1);
    let BurnEvent::ReporterChanged(event) = &events[0] else { panic!("not ReporterChanged: {events:?}") };
    assert_eq!(event.previous_reporter, ContractAddress(b.addr(REPORTER)));
    assert_eq!(event.new_reporter, ContractAddress(b.addr(KEEPER)));
    assert_eq!(b.reader().reporter().call().await?, ContractAddress(b.addr(KEEPER)));
    expect_revert(b.record(REPORTER, CIRO).await, NOT_REPORTER);
    b.record(KEEPER, CIRO).await?;
    assert_eq!(b.reader().cumulative_revenue().call().await?, u256(CIRO));
    Ok(())
}

#[tokio::test]
async fn set_reporter_rejects_non_governance_and_zero() -> Result<()> {
    let b = Burner::start().await?;
    let keeper = ContractAddress(b.addr(KEEPER));
    for caller in [REPORTER, KEEPER, OUTSIDER] {
        expect_revert(b.send(caller, b.calls.set_reporter_getcall(&keeper)).await, NOT_GOVERNANCE);
    }
    expect_revert(b.send(GOVERNANCE, b.calls.set_reporter_getcall(&ContractAddress(Felt::ZERO))).await, ADDRESS_IS_ZERO);
    assert_eq!(b.reader().reporter().call().await?, ContractAddress(b.addr(REPORTER)));
    Ok(())
}

#[tokio::test]
async fn set_burn_schedule_stores_tiers_and_emits_event() -> Result<()> {
    let b = Burner::start().await?;
    let limits = thresholds(&[100, 200, 300]);
    // Equal consecutive shares are allowed (non-decreasing), and so are both ends of the range.
    let receipt = b.set_schedule(GOVERNANCE, &limits, &[3000, 5000, 8000]).await?;
    let tiers = b.reader().burn_schedule().call().await?;
    assert_eq!(
        tiers,
        vec![
            BurnTier { threshold: limits[0], share_bps: 3000 },
            BurnTier { threshold: limits[1], share_bps: 5000 },
            BurnTier { threshold: limits[2], share_bps: 8000 },
        ]
    );
    let events = decoded_events::<BurnEvent>(&receipt, b.burner, "BurnScheduleSet")?;
    assert_eq!(events.len(), 1);
    let BurnEvent::BurnScheduleSet(event) = &events[0] else { panic!("not BurnScheduleSet: {events:?}") };
    assert_eq!(event.thresholds, limits);
    assert_eq!(event.shares_bps, vec![3000, 5000, 8000]);

    assert_eq!(b.share_at(0).await?, BASE_SHARE);
    assert_eq!(b.share_at(100 * CIRO - 1).await?, 3000);
    assert_eq!(b.share_at(100 * CIRO).await?, 3000);
    assert_eq!(b.share_at(200 * CIRO).await?, 5000);
    assert_eq!(b.share_at(300 * CIRO - 1).await?, 5000);
    assert_eq!(b.share_at(300 * CIRO).await?, 8000);
    assert_eq!(b.share_at(u128::MAX).await?, 8000);

    b.set_schedule(GOVERNANCE, &thresholds(&[100, 200]), &[5000, 5000]).await?;
    assert_eq!(b.reader().burn_schedule().call().await?.len(), 2, "a new schedule replaces the old one");
    assert_eq!(b.share_at(300 * CIRO).await?, 5000);
    Ok(())
}

#[tokio::test]
async fn set_burn_schedule_replaces_and_clears_the_current_share() -> Result<()> {
    let b = Burner::start().await?;
    b.record(REPORTER, 2_000 * CIRO).await?;
    assert_eq!(b.share().await?, BASE_SHARE);
    b.set_schedule(GOVERNANCE, &thresholds(&[1_000]), &[7000]).await?;
    assert_eq!(b.share().await?, 7000, "past revenue counts against a new schedule");
    b.set_schedule(GOVERNANCE, &thresholds(&[5_000]), &[7000]).await?;
    assert_eq!(b.share().await?, BASE_SHARE);
    b.set_schedule(GOVERNANCE, &[], &[]).await?;
    assert_eq!(b.reader().burn_schedule().call().await?, Vec::<BurnTier>::new());
    assert_eq!(b.share_at(u128::MAX).await?, BASE_SHARE, "an empty schedule is a constant 30%");
    Ok(())
}

#[tokio::test]
async fn set_burn_schedule_rejects_bad_schedules() -> Result<()> {
    let b = Burner::start().await?;
    let bad: Vec<(Vec<U256>, Vec<u16>, &str)> = vec![
        (thresholds(&[1, 2]), vec![4000], LENGTH_MISMATCH),
        (thresholds(&[1]), vec![4000, 5000], LENGTH_MISMATCH),
        (vec![u256(0)], vec![4000], THRESHOLD_IS_ZERO),
        (thresholds(&[5, 5]), vec![4000, 5000], THRESHOLDS_NOT_ASCENDING),
        (thresholds(&[5, 4]), vec![4000, 5000], THRESHOLDS_NOT_ASCENDING),
        (thresholds(&[1]), vec![2999], SHARE_OUT_OF_RANGE),
        (thresholds(&[1]), vec![8001], SHARE_OUT_OF_RANGE),
        (thresholds(&[1, 2]), vec![4000, 10_000], SHARE_OUT_OF_RANGE),
        (thresholds(&[1, 2]), vec![6000, 5000], SHARES_DECREASING),
        ((1..=17).map(u256).collect(), vec![3000; 17], TOO_MANY_THRESHOLDS),
    ];
    for (limits, shares, message) in bad {
        expect_revert(b.set_schedule(GOVERNANCE, &limits, &shares).await, message);
    }
    assert!(b.reader().burn_schedule().call().await?.is_empty(), "nothing was stored");
    // Sixteen tiers is the most allowed.
    b.set_schedule(GOVERNANCE, &(1..=16).map(u256).collect::<Vec<_>>(), &[3000; 16]).await?;
    assert_eq!(b.reader().burn_schedule().call().await?.len(), 16);
    Ok(())
}

#[tokio::test]
async fn set_burn_schedule_rejects_non_governance() -> Result<()> {
    let b = Burner::start().await?;
    for caller in [REPORTER, KEEPER, OUTSIDER] {
        expect_revert(b.set_schedule(caller, &thresholds(&[1]), &[8000]).await, NOT_GOVERNANCE);
    }
    assert_eq!(b.share_at(u128::MAX).await?, BASE_SHARE);
    Ok(())
}
