//! LinearVesting on a real devnet with the real CIRO token: schedules pull real tokens, `release`
//! pays exactly `vested − released` at chosen block times (before the cliff, at it, midway, after
//! the end), revocation splits a schedule between the beneficiary and the funder and freezes it,
//! and every entry point's access control and invalid inputs fail with their exact messages.
//! Tests that move tokens end with `assert_invariant`: the contract's balance equals
//! `total_locked()` and the sum over schedules of `total − released − returned`.
//!
//! Time: `devnet().set_time(t)` makes a block at `t`; the next transaction, and views called right
//! after it, run at exactly `t` (see `ciro_token.rs`).

use anyhow::{ensure, Result};
use cainome::cairo_serde::ContractAddress;
use ciro_bindings::linear_vesting::{Event as VestingEvent, LinearVesting, LinearVestingReader, Schedule};
use ciro_deploy::tx::TxError;
use ciro_devnet::{DevnetAccount, DevnetProvider};
use ciro_tests::system::{to_u128, u256};
use ciro_tests::token_fixture::{governance_and_token, TokenFixture};
use ciro_tests::{decoded_events, expect_view_revert, events_named, expect_revert, TestChain};
use starknet::core::types::{Felt, TransactionReceiptWithBlockInfo};

type Receipt = TransactionReceiptWithBlockInfo;

// Actors: predeployed accounts.
const GOVERNANCE: usize = 0; // deployer, governance of both contracts, initial CIRO holder
const FUNDER: usize = 1; // a third party funding schedules
const BENEFICIARY: usize = 2;
const OTHER_BENEFICIARY: usize = 3;
const OUTSIDER: usize = 4;
const COUNCIL: usize = 9;

const CIRO: u128 = 1_000_000_000_000_000_000;
/// Not a multiple of `DURATION`, so the linear part rounds.
const TOTAL: u128 = 1_000_000 * CIRO + 7;
/// A block time after the tests start.
const T0: u64 = 2_000_000_000;
const START: u64 = T0 + 100;
const CLIFF: u64 = 600;
const DURATION: u64 = 3_000;

use ciro_bindings::errors::access::{CALLER_NOT_GOVERNANCE as NOT_GOVERNANCE, GOVERNANCE_IS_ZERO};
use ciro_bindings::errors::linear_vesting::{
    ALREADY_REVOKED, AMOUNT_IS_ZERO, BENEFICIARY_IS_ZERO, CLIFF_EXCEEDS_DURATION, DURATION_IS_ZERO,
    END_OVERFLOWS, NOT_REVOCABLE, NOTHING_TO_RELEASE, SCHEDULE_NOT_FOUND, TOKEN_IS_ZERO,
};
use ciro_bindings::errors::token::INSUFFICIENT_ALLOWANCE;

/// The contract's formula, in Rust: 0 before the cliff, floor(total · elapsed / duration) until the
/// end, total after.
fn expected_vested(total: u128, start: u64, cliff: u64, duration: u64, at: u64) -> u128 {
    if at < start + cliff {
        0
    } else if at - start >= duration {
        total
    } else {
        total * u128::from(at - start) / u128::from(duration)
    }
}

/// The `start`/`CLIFF`/`DURATION` schedule of `TOTAL`, vested at `at`.
fn vested(at: u64) -> u128 {
    expected_vested(TOTAL, START, CLIFF, DURATION, at)
}

/// A devnet with the CIRO token (50M to GOVERNANCE) and LinearVesting governed by GOVERNANCE.
struct Vesting {
    base: TokenFixture,
    vesting: Felt,
    calls: LinearVesting<DevnetAccount>,
}

impl std::ops::Deref for Vesting {
    type Target = TokenFixture;

    fn deref(&self) -> &TokenFixture {
        &self.base
    }
}

impl Vesting {
    async fn start() -> Result<Self> {
        let chain = TestChain::start().await?;
        let governance = chain.address_of(GOVERNANCE)?;
        let council = chain.address_of(COUNCIL)?;
        let token = chain.deploy_ciro_token(governance, governance, governance, council, 1_000 * CIRO, 3_600).await?;
        let vesting = chain.deploy("LinearVesting", governance_and_token(governance, token)).await?;
        let builder = chain.account(GOVERNANCE)?;
        Ok(Vesting {
            base: TokenFixture::new(chain, token)?,
            calls: LinearVesting::new(vesting, builder),
            vesting,
        })
    }

    fn reader(&self) -> LinearVestingReader<DevnetProvider> {
        LinearVestingReader::new(self.vesting, self.provider())
    }

    /// Gives `actor` `amount` CIRO from GOVERNANCE.
    async fn fund(&self, actor: usize, amount: u128) -> Result<()> {
        let call = self.token_calls.transfer_getcall(&ContractAddress(self.addr(actor)), &u256(amount));
        self.send(GOVERNANCE, call).await?;
        Ok(())
    }

    /// Approves and creates a schedule as `funder` in one multicall.
    #[allow(clippy::too_many_arguments)]
    async fn create_as(
        &self,
        funder: usize,
        beneficiary: Felt,
        start: u64,
        cliff: u64,
        duration: u64,
        total: u128,
        revocable: bool,
    ) -> Result<Receipt, TxError> {
        let approve = self.token_calls.approve_getcall(&ContractAddress(self.vesting), &u256(total));
        let create = self.calls.create_schedule_getcall(
            &ContractAddress(beneficiary),
            &start,
            &cliff,
            &duration,
            &u256(total),
            &revocable,
        );
        self.send_all(funder, vec![approve, create]).await
    }

    /// The standard schedule (START, CLIFF, DURATION, TOTAL) for BENEFICIARY, funded by `funder`;
    /// returns its id.
    async fn create_standard(&self, funder: usize, revocable: bool) -> Result<u64> {
        self.create_as(funder, self.addr(BENEFICIARY), START, CLIFF, DURATION, TOTAL, revocable).await?;
        Ok(self.reader().schedule_count().call().await?)
    }

    async fn schedule(&self, id: u64) -> Result<Schedule> {
        Ok(self.reader().get_schedule(&id).call().await?)
    }

    async fn releasable(&self, id: u64) -> Result<u128> {
        to_u128(self.reader().releasable(&id).call().await?)
    }

    async fn vested_at(&self, id: u64, at: u64) -> Result<u128> {
        to_u128(self.reader().vested_amount(&id, &at).call().await?)
    }

    /// Releases schedule `id` as `caller`; returns the amount its beneficiary received, checked
    /// against the `TokensReleased` event.
    async fn release(&self, caller: usize, id: u64) -> Result<u128> {
        let beneficiary = self.schedule(id).await?.beneficiary.0;
        let before = self.balance(beneficiary).await?;
        let receipt = self.send(caller, self.calls.release_getcall(&id)).await?;
        let received = self.balance(beneficiary).await? - before;
        let events = decoded_events::<VestingEvent>(&receipt, self.vesting, "TokensReleased")?;
        ensure!(events.len() == 1, "one TokensReleased event, got {events:?}");
        let VestingEvent::TokensReleased(event) = &events[0] else { anyhow::bail!("not TokensReleased: {events:?}") };
        ensure!(event.schedule_id == id && event.beneficiary == ContractAddress(beneficiary), "event ids: {event:?}");
        ensure!(to_u128(event.amount)? == received, "event amount {:?} vs received {received}", event.amount);
        ensure!(event.released_total == self.schedule(id).await?.released, "event released_total: {event:?}");
        Ok(received)
    }

    /// balance_of(vesting) = total_locked() = Σ (total − released − returned).
    async fn assert_invariant(&self) -> Result<()> {
        let count = self.reader().schedule_count().call().await?;
        let mut locked = 0u128;
        for id in 1..=count {
            let s = self.schedule(id).await?;
            locked += to_u128(s.total)? - to_u128(s.released)? - to_u128(s.returned)?;
        }
        let balance = self.balance(self.vesting).await?;
        let total_locked = to_u128(self.reader().total_locked().call().await?)?;
        ensure!(balance == locked, "balance {balance} != Σ(total − released − returned) {locked}");
        ensure!(total_locked == locked, "total_locked {total_locked} != {locked}");
        Ok(())
    }
}

#[tokio::test]
async fn constructor_stores_governance_and_token() -> Result<()> {
    let v = Vesting::start().await?;
    assert_eq!(v.reader().governance().call().await?, ContractAddress(v.addr(GOVERNANCE)));
    assert_eq!(v.reader().token().call().await?, ContractAddress(v.token));
    assert_eq!(v.reader().schedule_count().call().await?, 0);
    assert_eq!(v.reader().total_locked().call().await?, u256(0));
    Ok(())
}

#[tokio::test]
async fn constructor_rejects_zero_addresses() -> Result<()> {
    let v = Vesting::start().await?;
    let governance = v.addr(GOVERNANCE);
    expect_revert(v.chain.deploy("LinearVesting", governance_and_token(governance, Felt::ZERO)).await, TOKEN_IS_ZERO);
    expect_revert(v.chain.deploy("LinearVesting", governance_and_token(Felt::ZERO, v.token)).await, GOVERNANCE_IS_ZERO);
    Ok(())
}

#[tokio::test]
async fn create_schedule_pulls_total_and_emits_event() -> Result<()> {
    let v = Vesting::start().await?;
    v.fund(FUNDER, TOTAL).await?;
    v.at(T0).await?;
    let receipt = v.create_as(FUNDER, v.addr(BENEFICIARY), START, CLIFF, DURATION, TOTAL, true).await?;

    assert_eq!(v.balance(v.addr(FUNDER)).await?, 0, "the whole total was pulled from the funder");
    assert_eq!(v.balance(v.vesting).await?, TOTAL);
    assert_eq!(v.reader().schedule_count().call().await?, 1);
    let schedule = v.schedule(1).await?;
    assert_eq!(schedule.beneficiary, ContractAddress(v.addr(BENEFICIARY)));
    assert_eq!(schedule.funder, ContractAddress(v.addr(FUNDER)));
    assert_eq!((schedule.start, schedule.cliff_duration, schedule.duration), (START, CLIFF, DURATION));
    assert_eq!((schedule.total, schedule.released, schedule.returned), (u256(TOTAL), u256(0), u256(0)));
    assert!(schedule.revocable && !schedule.revoked);
    assert_eq!(schedule.revoked_at, 0);

    let events = decoded_events::<VestingEvent>(&receipt, v.vesting, "ScheduleCreated")?;
    assert_eq!(events.len(), 1);
    let VestingEvent::ScheduleCreated(event) = &events[0] else { panic!("not ScheduleCreated: {events:?}") };
    assert_eq!(event.schedule_id, 1);
    assert_eq!(event.beneficiary, ContractAddress(v.addr(BENEFICIARY)));
    assert_eq!(event.funder, ContractAddress(v.addr(FUNDER)));
    assert_eq!((event.start, event.cliff_duration, event.duration), (START, CLIFF, DURATION));
    assert_eq!(event.total, u256(TOTAL));
    assert!(event.revocable);
    v.assert_invariant().await
}

#[tokio::test]
async fn create_schedule_numbers_schedules_and_accepts_a_past_start() -> Result<()> {
    let v = Vesting::start().await?;
    v.at(T0).await?;
    let first = v.create_standard(GOVERNANCE, false).await?;
    // Back-dated: started 2,000 s ago, so two thirds vested at creation.
    v.create_as(GOVERNANCE, v.addr(OTHER_BENEFICIARY), T0 - 2_000, 0, DURATION, 3 * CIRO, false).await?;
    let second = v.reader().schedule_count().call().await?;
    assert_eq!((first, second), (1, 2));
    // Each block after the first runs on the wall clock from `T0`: set it back before the view.
    v.at(T0).await?;
    assert_eq!(v.releasable(second).await?, 2 * CIRO);
    v.assert_invariant().await
}

#[tokio::test]
async fn create_schedule_rejects_invalid_parameters() -> Result<()> {
    let v = Vesting::start().await?;
    let beneficiary = v.addr(BENEFICIARY);
    expect_revert(v.create_as(GOVERNANCE, Felt::ZERO, START, CLIFF, DURATION, TOTAL, true).await, BENEFICIARY_IS_ZERO);
    expect_revert(v.create_as(GOVERNANCE, beneficiary, START, CLIFF, DURATION, 0, true).await, AMOUNT_IS_ZERO);
    expect_revert(v.create_as(GOVERNANCE, beneficiary, START, 0, 0, TOTAL, true).await, DURATION_IS_ZERO);
    expect_revert(
        v.create_as(GOVERNANCE, beneficiary, START, DURATION + 1, DURATION, TOTAL, true).await,
        CLIFF_EXCEEDS_DURATION,
    );
    expect_revert(v.create_as(GOVERNANCE, beneficiary, u64::MAX - 10, 0, 11, TOTAL, true).await, END_OVERFLOWS);
    // Without an allowance the pull fails in the token.
    let create = v.calls.create_schedule_getcall(
        &ContractAddress(beneficiary),
        &START,
        &CLIFF,
        &DURATION,
        &u256(TOTAL),
        &true,
    );
    expect_revert(v.send(GOVERNANCE, create).await, INSUFFICIENT_ALLOWANCE);
    assert_eq!(v.reader().schedule_count().call().await?, 0);
    v.assert_invariant().await
}

#[tokio::test]
async fn vested_amount_follows_cliff_and_linear_formula() -> Result<()> {
    let v = Vesting::start().await?;
    v.at(T0).await?;
    let id = v.create_standard(GOVERNANCE, false).await?;
    let times = [
        0,
        START - 1,
        START,
        START + CLIFF - 1,
        START + CLIFF,
        START + CLIFF + 1,
        START + DURATION / 2,
        START + DURATION - 1,
        START + DURATION,
        START + DURATION + 1,
        u64::MAX,
    ];
    for at in times {
        assert_eq!(v.vested_at(id, at).await?, vested(at), "vested at {at}");
    }
    assert_eq!(vested(START + CLIFF), TOTAL * 600 / 3000, "the cliff releases its linear part at once");
    assert_ne!(vested(START + CLIFF) * 5, TOTAL, "the example rounds down");
    Ok(())
}

#[tokio::test]
async fn vested_amount_rejects_unknown_schedule() -> Result<()> {
    let v = Vesting::start().await?;
    expect_view_revert(v.reader().vested_amount(&1, &T0).call().await, SCHEDULE_NOT_FOUND);
    expect_view_revert(v.reader().releasable(&0).call().await, SCHEDULE_NOT_FOUND);
    expect_view_revert(v.reader().get_schedule(&1).call().await, SCHEDULE_NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn release_pays_exactly_vested_minus_released_over_time() -> Result<()> {
    let v = Vesting::start().await?;
    v.at(T0).await?;
    let id = v.create_standard(GOVERNANCE, false).await?;

    // Before the start, and in the last second before the cliff: nothing.
    v.at(START - 50).await?;
    assert_eq!(v.releasable(id).await?, 0);
    expect_revert(v.send(BENEFICIARY, v.calls.release_getcall(&id)).await, NOTHING_TO_RELEASE);
    v.at(START + CLIFF - 1).await?;
    assert_eq!(v.releasable(id).await?, 0);
    expect_revert(v.send(BENEFICIARY, v.calls.release_getcall(&id)).await, NOTHING_TO_RELEASE);

    // At the cliff: the linear part up to the cliff at once.
    v.at(START + CLIFF).await?;
    assert_eq!(v.releasable(id).await?, vested(START + CLIFF));
    let mut paid = v.release(BENEFICIARY, id).await?;
    assert_eq!(paid, vested(START + CLIFF));
    v.assert_invariant().await?;

    // Midway, and one second before the end (both round down).
    for at in [START + DURATION / 2, START + DURATION - 1] {
        v.at(at).await?;
        let received = v.release(BENEFICIARY, id).await?;
        assert_eq!(received, vested(at) - paid, "paid at {at}");
        paid += received;
        assert_eq!(v.schedule(id).await?.released, u256(paid));
        v.assert_invariant().await?;
    }

    // After the end: the rest, to the last unit.
    v.at(START + DURATION + 500).await?;
    let received = v.release(BENEFICIARY, id).await?;
    assert_eq!(paid + received, TOTAL);
    assert_eq!(v.balance(v.addr(BENEFICIARY)).await?, TOTAL);
    assert_eq!(v.balance(v.vesting).await?, 0);
    assert_eq!(v.releasable(id).await?, 0);
    expect_revert(v.send(BENEFICIARY, v.calls.release_getcall(&id)).await, NOTHING_TO_RELEASE);
    v.assert_invariant().await
}

#[tokio::test]
async fn release_after_the_end_pays_the_total_at_once() -> Result<()> {
    let v = Vesting::start().await?;
    v.at(T0).await?;
    let id = v.create_standard(GOVERNANCE, false).await?;
    v.at(START + DURATION).await?;
    assert_eq!(v.release(BENEFICIARY, id).await?, TOTAL);
    v.assert_invariant().await
}

#[tokio::test]
async fn release_by_anyone_pays_the_beneficiary() -> Result<()> {
    let v = Vesting::start().await?;
    v.at(T0).await?;
    let id = v.create_standard(GOVERNANCE, false).await?;
    v.at(START + DURATION / 3).await?;
    let outsider_before = v.balance(v.addr(OUTSIDER)).await?;
    let received = v.release(OUTSIDER, id).await?;
    assert_eq!(received, vested(START + DURATION / 3));
    assert_eq!(v.balance(v.addr(OUTSIDER)).await?, outsider_before, "the caller receives nothing");
    v.assert_invariant().await
}

#[tokio::test]
async fn release_keeps_schedules_apart() -> Result<()> {
    let v = Vesting::start().await?;
    v.at(T0).await?;
    let first = v.create_standard(GOVERNANCE, false).await?;
    v.create_as(GOVERNANCE, v.addr(OTHER_BENEFICIARY), START, 0, 2 * DURATION, 10 * CIRO, false).await?;
    let second = v.reader().schedule_count().call().await?;
    v.at(START + DURATION).await?;
    assert_eq!(v.release(BENEFICIARY, first).await?, TOTAL);
    // Back to the same instant: the block after the first release may be a second later.
    v.at(START + DURATION).await?;
    assert_eq!(v.release(OTHER_BENEFICIARY, second).await?, 5 * CIRO);
    assert_eq!(v.balance(v.vesting).await?, 5 * CIRO);
    v.assert_invariant().await
}

#[tokio::test]
async fn release_rejects_unknown_schedule() -> Result<()> {
    let v = Vesting::start().await?;
    expect_revert(v.send(BENEFICIARY, v.calls.release_getcall(&0)).await, SCHEDULE_NOT_FOUND);
    expect_revert(v.send(BENEFICIARY, v.calls.release_getcall(&1)).await, SCHEDULE_NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn revoke_returns_unvested_to_funder_and_freezes_the_schedule() -> Result<()> {
    let v = Vesting::start().await?;
    v.fund(FUNDER, TOTAL).await?;
    v.at(T0).await?;
    let id = v.create_standard(FUNDER, true).await?;

    // The beneficiary releases part, then governance revokes a little later.
    v.at(START + CLIFF + 100).await?;
    let released = v.release(BENEFICIARY, id).await?;
    let revoked_at = START + DURATION / 2;
    v.at(revoked_at).await?;
    let governance_before = v.balance(v.addr(GOVERNANCE)).await?;
    let receipt = v.send(GOVERNANCE, v.calls.revoke_getcall(&id)).await?;

    let vested_then = vested(revoked_at);
    let unvested = TOTAL - vested_then;
    assert_eq!(v.balance(v.addr(FUNDER)).await?, unvested, "the unvested part goes back to the funder");
    assert_eq!(v.balance(v.addr(GOVERNANCE)).await?, governance_before, "governance keeps nothing");
    let schedule = v.schedule(id).await?;
    assert!(schedule.revoked);
    assert_eq!(schedule.revoked_at, revoked_at);
    assert_eq!(schedule.returned, u256(unvested));
    let events = decoded_events::<VestingEvent>(&receipt, v.vesting, "ScheduleRevoked")?;
    assert_eq!(events.len(), 1);
    let VestingEvent::ScheduleRevoked(event) = &events[0] else { panic!("not ScheduleRevoked: {events:?}") };
    assert_eq!(event.schedule_id, id);
    assert_eq!(event.beneficiary, ContractAddress(v.addr(BENEFICIARY)));
    assert_eq!(event.funder, ContractAddress(v.addr(FUNDER)));
    assert_eq!((event.vested, event.returned), (u256(vested_then), u256(unvested)));
    v.assert_invariant().await?;

    // Frozen: vesting stopped at the revocation; what was vested stays releasable.
    v.at(START + DURATION + 1_000).await?;
    assert_eq!(v.vested_at(id, START + DURATION).await?, vested_then);
    assert_eq!(v.releasable(id).await?, vested_then - released);
    assert_eq!(v.release(BENEFICIARY, id).await?, vested_then - released);
    assert_eq!(v.balance(v.addr(BENEFICIARY)).await?, vested_then);
    assert_eq!(v.balance(v.addr(BENEFICIARY)).await? + v.balance(v.addr(FUNDER)).await?, TOTAL, "the split adds up");
    expect_revert(v.send(BENEFICIARY, v.calls.release_getcall(&id)).await, NOTHING_TO_RELEASE);
    assert_eq!(v.balance(v.vesting).await?, 0);
    v.assert_invariant().await
}

#[tokio::test]
async fn revoke_before_the_cliff_returns_everything() -> Result<()> {
    let v = Vesting::start().await?;
    v.at(T0).await?;
    let id = v.create_standard(GOVERNANCE, true).await?;
    v.at(START + CLIFF - 1).await?;
    let before = v.balance(v.addr(GOVERNANCE)).await?;
    v.send(GOVERNANCE, v.calls.revoke_getcall(&id)).await?;
    assert_eq!(v.balance(v.addr(GOVERNANCE)).await?, before + TOTAL);
    v.at(START + DURATION).await?;
    assert_eq!(v.releasable(id).await?, 0);
    expect_revert(v.send(BENEFICIARY, v.calls.release_getcall(&id)).await, NOTHING_TO_RELEASE);
    v.assert_invariant().await
}

#[tokio::test]
async fn revoke_after_the_end_returns_nothing() -> Result<()> {
    let v = Vesting::start().await?;
    v.at(T0).await?;
    let id = v.create_standard(GOVERNANCE, true).await?;
    v.at(START + DURATION).await?;
    let before = v.balance(v.addr(GOVERNANCE)).await?;
    let receipt = v.send(GOVERNANCE, v.calls.revoke_getcall(&id)).await?;
    assert_eq!(v.balance(v.addr(GOVERNANCE)).await?, before);
    assert!(events_named(&receipt, v.token, "Transfer").is_empty(), "no transfer of zero");
    assert_eq!(v.release(BENEFICIARY, id).await?, TOTAL);
    v.assert_invariant().await
}

#[tokio::test]
async fn revoke_rejects_non_governance() -> Result<()> {
    let v = Vesting::start().await?;
    v.fund(FUNDER, TOTAL).await?;
    v.at(T0).await?;
    let id = v.create_standard(FUNDER, true).await?;
    for caller in [FUNDER, BENEFICIARY, OUTSIDER] {
        expect_revert(v.send(caller, v.calls.revoke_getcall(&id)).await, NOT_GOVERNANCE);
    }
    assert!(!v.schedule(id).await?.revoked);
    v.assert_invariant().await
}

#[tokio::test]
async fn revoke_rejects_irrevocable_revoked_and_unknown_schedules() -> Result<()> {
    let v = Vesting::start().await?;
    v.at(T0).await?;
    let fixed = v.create_standard(GOVERNANCE, false).await?;
    let revocable = v.create_standard(GOVERNANCE, true).await?;
    expect_revert(v.send(GOVERNANCE, v.calls.revoke_getcall(&fixed)).await, NOT_REVOCABLE);
    v.send(GOVERNANCE, v.calls.revoke_getcall(&revocable)).await?;
    expect_revert(v.send(GOVERNANCE, v.calls.revoke_getcall(&revocable)).await, ALREADY_REVOKED);
    expect_revert(v.send(GOVERNANCE, v.calls.revoke_getcall(&3)).await, SCHEDULE_NOT_FOUND);
    v.assert_invariant().await
}

#[tokio::test]
async fn revoke_follows_a_governance_transfer() -> Result<()> {
    let v = Vesting::start().await?;
    v.at(T0).await?;
    let id = v.create_standard(GOVERNANCE, true).await?;
    let new_governance = ContractAddress(v.addr(OUTSIDER));
    v.send(GOVERNANCE, v.calls.transfer_governance_getcall(&new_governance)).await?;
    v.send(OUTSIDER, v.calls.accept_governance_getcall()).await?;
    expect_revert(v.send(GOVERNANCE, v.calls.revoke_getcall(&id)).await, NOT_GOVERNANCE);
    v.send(OUTSIDER, v.calls.revoke_getcall(&id)).await?;
    assert!(v.schedule(id).await?.revoked);
    v.assert_invariant().await
}
