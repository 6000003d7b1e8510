//! MilestoneVesting on a real devnet with the real CIRO token: milestones pull real tokens, are
//! approved by governance by their deadline, claimed once by their beneficiary, or reclaimed to
//! their funder after an unapproved deadline; every rejection fails with its exact message. Tests
//! that move tokens end with `assert_invariant`: the contract's balance equals `total_locked()`
//! and the amounts of the Pending and Approved milestones.
//!
//! Time: `devnet().set_time(t)` makes a block at `t`; the next transaction, and views called right
//! after it, run at exactly `t` (see `ciro_token.rs`).

use anyhow::{ensure, Result};
use cainome::cairo_serde::ContractAddress;
use ciro_bindings::milestone_vesting::{
    Event as MilestoneEvent, Milestone, MilestoneStatus, MilestoneVesting, MilestoneVestingReader,
};
use ciro_deploy::tx::TxError;
use ciro_devnet::{DevnetAccount, DevnetProvider};
use ciro_tests::system::{to_u128, u256};
use ciro_tests::token_fixture::{governance_and_token, TokenFixture};
use ciro_tests::{decoded_events, expect_view_revert, expect_revert, TestChain};
use starknet::core::types::{Felt, TransactionReceiptWithBlockInfo};

type Receipt = TransactionReceiptWithBlockInfo;

// Actors: predeployed accounts.
const GOVERNANCE: usize = 0; // deployer, governance of both contracts, initial CIRO holder
const FUNDER: usize = 1; // a third party funding milestones
const BENEFICIARY: usize = 2;
const OUTSIDER: usize = 4;
const COUNCIL: usize = 9;

const CIRO: u128 = 1_000_000_000_000_000_000;
const AMOUNT: u128 = 25_000 * CIRO + 3;
/// A block time after the tests start.
const T0: u64 = 2_000_000_000;
const DEADLINE: u64 = T0 + 30 * 24 * 3600;

use ciro_bindings::errors::access::{CALLER_NOT_GOVERNANCE as NOT_GOVERNANCE, GOVERNANCE_IS_ZERO};
use ciro_bindings::errors::milestone_vesting::{
    ALREADY_APPROVED, ALREADY_CLAIMED, ALREADY_RECLAIMED, AMOUNT_IS_ZERO, BENEFICIARY_IS_ZERO,
    CALLER_NOT_BENEFICIARY as NOT_BENEFICIARY, CALLER_NOT_OWNER_OR_FUNDER as NOT_OWNER_OR_FUNDER,
    DEADLINE_NOT_IN_FUTURE, DEADLINE_NOT_PASSED, DEADLINE_PASSED, MILESTONE_NOT_FOUND as NOT_FOUND,
    NOT_APPROVED, TOKEN_IS_ZERO,
};
use ciro_bindings::errors::token::INSUFFICIENT_ALLOWANCE;

/// A devnet with the CIRO token (50M to GOVERNANCE, some given to FUNDER) and MilestoneVesting
/// governed by GOVERNANCE, at block time T0.
struct Milestones {
    base: TokenFixture,
    vesting: Felt,
    calls: MilestoneVesting<DevnetAccount>,
}

impl std::ops::Deref for Milestones {
    type Target = TokenFixture;

    fn deref(&self) -> &TokenFixture {
        &self.base
    }
}

impl Milestones {
    async fn start() -> Result<Self> {
        let chain = TestChain::start().await?;
        let governance = chain.address_of(GOVERNANCE)?;
        let council = chain.address_of(COUNCIL)?;
        let token = chain.deploy_ciro_token(governance, governance, governance, council, 1_000 * CIRO, 3_600).await?;
        let vesting = chain.deploy("MilestoneVesting", governance_and_token(governance, token)).await?;
        let builder = chain.account(GOVERNANCE)?;
        let m = Milestones {
            base: TokenFixture::new(chain, token)?,
            calls: MilestoneVesting::new(vesting, builder),
            vesting,
        };
        let fund = m.token_calls.transfer_getcall(&ContractAddress(m.addr(FUNDER)), &u256(10 * AMOUNT));
        m.send(GOVERNANCE, fund).await?;
        m.at(T0).await?;
        Ok(m)
    }

    fn reader(&self) -> MilestoneVestingReader<DevnetProvider> {
        MilestoneVestingReader::new(self.vesting, self.provider())
    }

    /// Approves and adds a milestone as `funder` in one multicall.
    async fn add_as(&self, funder: usize, beneficiary: Felt, amount: u128, deadline: u64) -> Result<Receipt, TxError> {
        let approve = self.token_calls.approve_getcall(&ContractAddress(self.vesting), &u256(amount));
        let add = self.calls.add_milestone_getcall(&ContractAddress(beneficiary), &u256(amount), &deadline);
        self.send_all(funder, vec![approve, add]).await
    }

    /// A milestone of AMOUNT for BENEFICIARY due at DEADLINE, funded by FUNDER; returns its id.
    async fn add_standard(&self) -> Result<u64> {
        self.add_as(FUNDER, self.addr(BENEFICIARY), AMOUNT, DEADLINE).await?;
        Ok(self.reader().milestone_count().call().await?)
    }

    async fn milestone(&self, id: u64) -> Result<Milestone> {
        Ok(self.reader().get_milestone(&id).call().await?)
    }

    async fn approve(&self, caller: usize, id: u64) -> Result<Receipt, TxError> {
        self.send(caller, self.calls.approve_milestone_getcall(&id)).await
    }

    async fn claim(&self, caller: usize, id: u64) -> Result<Receipt, TxError> {
        self.send(caller, self.calls.claim_milestone_getcall(&id)).await
    }

    async fn reclaim(&self, caller: usize, id: u64) -> Result<Receipt, TxError> {
        self.send(caller, self.calls.reclaim_milestone_getcall(&id)).await
    }

    /// balance_of(vesting) = total_locked() = Σ amounts of Pending and Approved milestones.
    async fn assert_invariant(&self) -> Result<()> {
        let count = self.reader().milestone_count().call().await?;
        let mut locked = 0u128;
        for id in 1..=count {
            let m = self.milestone(id).await?;
            if matches!(m.status, MilestoneStatus::Pending | MilestoneStatus::Approved) {
                locked += to_u128(m.amount)?;
            }
        }
        let balance = self.balance(self.vesting).await?;
        let total_locked = to_u128(self.reader().total_locked().call().await?)?;
        ensure!(balance == locked, "balance {balance} != open milestones {locked}");
        ensure!(total_locked == locked, "total_locked {total_locked} != {locked}");
        Ok(())
    }
}

#[tokio::test]
async fn constructor_stores_governance_and_token() -> Result<()> {
    let m = Milestones::start().await?;
    assert_eq!(m.reader().governance().call().await?, ContractAddress(m.addr(GOVERNANCE)));
    assert_eq!(m.reader().token().call().await?, ContractAddress(m.token));
    assert_eq!(m.reader().milestone_count().call().await?, 0);
    Ok(())
}

#[tokio::test]
async fn constructor_rejects_zero_addresses() -> Result<()> {
    let m = Milestones::start().await?;
    let governance = m.addr(GOVERNANCE);
    expect_revert(m.chain.deploy("MilestoneVesting", governance_and_token(governance, Felt::ZERO)).await, TOKEN_IS_ZERO);
    expect_revert(m.chain.deploy("MilestoneVesting", governance_and_token(Felt::ZERO, m.token)).await, GOVERNANCE_IS_ZERO);
    Ok(())
}

#[tokio::test]
async fn add_milestone_pulls_amount_and_emits_event() -> Result<()> {
    let m = Milestones::start().await?;
    let funder_before = m.balance(m.addr(FUNDER)).await?;
    let receipt = m.add_as(FUNDER, m.addr(BENEFICIARY), AMOUNT, DEADLINE).await?;
    assert_eq!(m.balance(m.addr(FUNDER)).await?, funder_before - AMOUNT);
    assert_eq!(m.balance(m.vesting).await?, AMOUNT);

    let milestone = m.milestone(1).await?;
    assert_eq!(milestone.beneficiary, ContractAddress(m.addr(BENEFICIARY)));
    assert_eq!(milestone.funder, ContractAddress(m.addr(FUNDER)));
    assert_eq!(milestone.amount, u256(AMOUNT));
    assert_eq!(milestone.deadline, DEADLINE);
    assert_eq!(milestone.status, MilestoneStatus::Pending);

    let events = decoded_events::<MilestoneEvent>(&receipt, m.vesting, "MilestoneAdded")?;
    assert_eq!(events.len(), 1);
    let MilestoneEvent::MilestoneAdded(event) = &events[0] else { panic!("not MilestoneAdded: {events:?}") };
    assert_eq!(event.milestone_id, 1);
    assert_eq!(event.beneficiary, ContractAddress(m.addr(BENEFICIARY)));
    assert_eq!(event.funder, ContractAddress(m.addr(FUNDER)));
    assert_eq!((event.amount, event.deadline), (u256(AMOUNT), DEADLINE));

    m.add_as(GOVERNANCE, m.addr(OUTSIDER), CIRO, DEADLINE + 1).await?;
    assert_eq!(m.reader().milestone_count().call().await?, 2);
    m.assert_invariant().await
}

#[tokio::test]
async fn add_milestone_rejects_invalid_parameters() -> Result<()> {
    let m = Milestones::start().await?;
    let beneficiary = m.addr(BENEFICIARY);
    expect_revert(m.add_as(FUNDER, Felt::ZERO, AMOUNT, DEADLINE).await, BENEFICIARY_IS_ZERO);
    expect_revert(m.add_as(FUNDER, beneficiary, 0, DEADLINE).await, AMOUNT_IS_ZERO);
    // The transaction runs at T0: a deadline at T0 is not in the future.
    expect_revert(m.add_as(FUNDER, beneficiary, AMOUNT, T0).await, DEADLINE_NOT_IN_FUTURE);
    expect_revert(m.add_as(FUNDER, beneficiary, AMOUNT, T0 - 1).await, DEADLINE_NOT_IN_FUTURE);
    let add = m.calls.add_milestone_getcall(&ContractAddress(beneficiary), &u256(AMOUNT), &DEADLINE);
    expect_revert(m.send(FUNDER, add).await, INSUFFICIENT_ALLOWANCE);
    assert_eq!(m.reader().milestone_count().call().await?, 0);
    m.assert_invariant().await
}

#[tokio::test]
async fn approve_milestone_then_claim_pays_the_beneficiary_once() -> Result<()> {
    let m = Milestones::start().await?;
    let id = m.add_standard().await?;
    // Approval at the deadline itself is still in time.
    m.at(DEADLINE).await?;
    let receipt = m.approve(GOVERNANCE, id).await?;
    assert_eq!(m.milestone(id).await?.status, MilestoneStatus::Approved);
    let events = decoded_events::<MilestoneEvent>(&receipt, m.vesting, "MilestoneApproved")?;
    assert_eq!(events.len(), 1);
    let MilestoneEvent::MilestoneApproved(event) = &events[0] else { panic!("not MilestoneApproved: {events:?}") };
    assert_eq!((event.milestone_id, event.beneficiary), (id, ContractAddress(m.addr(BENEFICIARY))));
    m.assert_invariant().await?;

    // Once approved, the deadline no longer matters for the claim.
    m.at(DEADLINE + 7 * 24 * 3600).await?;
    let receipt = m.claim(BENEFICIARY, id).await?;
    assert_eq!(m.balance(m.addr(BENEFICIARY)).await?, AMOUNT);
    assert_eq!(m.balance(m.vesting).await?, 0);
    assert_eq!(m.milestone(id).await?.status, MilestoneStatus::Claimed);
    let events = decoded_events::<MilestoneEvent>(&receipt, m.vesting, "MilestoneClaimed")?;
    assert_eq!(events.len(), 1);
    let MilestoneEvent::MilestoneClaimed(event) = &events[0] else { panic!("not MilestoneClaimed: {events:?}") };
    assert_eq!(event.milestone_id, id);
    assert_eq!(event.beneficiary, ContractAddress(m.addr(BENEFICIARY)));
    assert_eq!(event.amount, u256(AMOUNT));

    expect_revert(m.claim(BENEFICIARY, id).await, ALREADY_CLAIMED);
    expect_revert(m.reclaim(FUNDER, id).await, ALREADY_CLAIMED);
    expect_revert(m.approve(GOVERNANCE, id).await, ALREADY_CLAIMED);
    assert_eq!(m.balance(m.addr(BENEFICIARY)).await?, AMOUNT, "paid once");
    m.assert_invariant().await
}

#[tokio::test]
async fn approve_milestone_rejects_non_governance() -> Result<()> {
    let m = Milestones::start().await?;
    let id = m.add_standard().await?;
    for caller in [FUNDER, BENEFICIARY, OUTSIDER] {
        expect_revert(m.approve(caller, id).await, NOT_GOVERNANCE);
    }
    assert_eq!(m.milestone(id).await?.status, MilestoneStatus::Pending);
    Ok(())
}

#[tokio::test]
async fn approve_milestone_rejects_after_deadline_twice_and_unknown() -> Result<()> {
    let m = Milestones::start().await?;
    let late = m.add_standard().await?;
    m.add_as(FUNDER, m.addr(BENEFICIARY), AMOUNT, DEADLINE + 3_600).await?;
    let on_time = m.reader().milestone_count().call().await?;
    m.at(DEADLINE + 1).await?;
    expect_revert(m.approve(GOVERNANCE, late).await, DEADLINE_PASSED);
    m.approve(GOVERNANCE, on_time).await?;
    expect_revert(m.approve(GOVERNANCE, on_time).await, ALREADY_APPROVED);
    expect_revert(m.approve(GOVERNANCE, 0).await, NOT_FOUND);
    expect_revert(m.approve(GOVERNANCE, 3).await, NOT_FOUND);
    m.assert_invariant().await
}

#[tokio::test]
async fn claim_milestone_rejects_unapproved_other_callers_and_unknown() -> Result<()> {
    let m = Milestones::start().await?;
    let id = m.add_standard().await?;
    expect_revert(m.claim(BENEFICIARY, id).await, NOT_APPROVED);
    m.approve(GOVERNANCE, id).await?;
    for caller in [GOVERNANCE, FUNDER, OUTSIDER] {
        expect_revert(m.claim(caller, id).await, NOT_BENEFICIARY);
    }
    expect_revert(m.claim(BENEFICIARY, 0).await, NOT_FOUND);
    expect_revert(m.claim(BENEFICIARY, 2).await, NOT_FOUND);
    assert_eq!(m.balance(m.addr(BENEFICIARY)).await?, 0);
    m.assert_invariant().await
}

#[tokio::test]
async fn reclaim_milestone_by_funder_returns_funds_after_deadline() -> Result<()> {
    let m = Milestones::start().await?;
    let id = m.add_standard().await?;
    let funder_before = m.balance(m.addr(FUNDER)).await?;
    // Not before the deadline, nor at it (governance may still approve then).
    expect_revert(m.reclaim(FUNDER, id).await, DEADLINE_NOT_PASSED);
    m.at(DEADLINE).await?;
    expect_revert(m.reclaim(FUNDER, id).await, DEADLINE_NOT_PASSED);

    m.at(DEADLINE + 1).await?;
    let receipt = m.reclaim(FUNDER, id).await?;
    assert_eq!(m.balance(m.addr(FUNDER)).await?, funder_before + AMOUNT);
    assert_eq!(m.balance(m.vesting).await?, 0);
    assert_eq!(m.milestone(id).await?.status, MilestoneStatus::Reclaimed);
    let events = decoded_events::<MilestoneEvent>(&receipt, m.vesting, "MilestoneReclaimed")?;
    assert_eq!(events.len(), 1);
    let MilestoneEvent::MilestoneReclaimed(event) = &events[0] else { panic!("not MilestoneReclaimed: {events:?}") };
    assert_eq!(event.milestone_id, id);
    assert_eq!(event.funder, ContractAddress(m.addr(FUNDER)));
    assert_eq!(event.amount, u256(AMOUNT));

    expect_revert(m.reclaim(FUNDER, id).await, ALREADY_RECLAIMED);
    expect_revert(m.claim(BENEFICIARY, id).await, ALREADY_RECLAIMED);
    expect_revert(m.approve(GOVERNANCE, id).await, ALREADY_RECLAIMED);
    m.assert_invariant().await
}

#[tokio::test]
async fn reclaim_milestone_by_governance_returns_funds_to_the_funder() -> Result<()> {
    let m = Milestones::start().await?;
    let id = m.add_standard().await?;
    let funder_before = m.balance(m.addr(FUNDER)).await?;
    let governance_before = m.balance(m.addr(GOVERNANCE)).await?;
    m.at(DEADLINE + 1).await?;
    m.reclaim(GOVERNANCE, id).await?;
    assert_eq!(m.balance(m.addr(FUNDER)).await?, funder_before + AMOUNT);
    assert_eq!(m.balance(m.addr(GOVERNANCE)).await?, governance_before);
    m.assert_invariant().await
}

#[tokio::test]
async fn reclaim_milestone_rejects_others_approved_and_unknown() -> Result<()> {
    let m = Milestones::start().await?;
    let pending = m.add_standard().await?;
    let approved = m.add_standard().await?;
    m.approve(GOVERNANCE, approved).await?;
    m.at(DEADLINE + 1).await?;
    for caller in [BENEFICIARY, OUTSIDER] {
        expect_revert(m.reclaim(caller, pending).await, NOT_OWNER_OR_FUNDER);
    }
    expect_revert(m.reclaim(FUNDER, approved).await, ALREADY_APPROVED);
    expect_revert(m.reclaim(GOVERNANCE, approved).await, ALREADY_APPROVED);
    expect_revert(m.reclaim(FUNDER, 3).await, NOT_FOUND);
    // The approved one is still claimable after its deadline.
    m.claim(BENEFICIARY, approved).await?;
    assert_eq!(m.balance(m.addr(BENEFICIARY)).await?, AMOUNT);
    m.assert_invariant().await
}

#[tokio::test]
async fn get_milestone_rejects_unknown() -> Result<()> {
    let m = Milestones::start().await?;
    expect_view_revert(m.reader().get_milestone(&0).call().await, NOT_FOUND);
    expect_view_revert(m.reader().get_milestone(&1).call().await, NOT_FOUND);
    Ok(())
}
