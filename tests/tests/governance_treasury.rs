//! GovernanceTreasury on a real devnet with the real CIRO token: proposals carry calls that are
//! performed for real once voted, queued and past the timelock (a token parameter changes, the
//! treasury pays a recipient); votes are weighed at the snapshot (tokens moved later add nothing);
//! quorum, simple majority and the 67% supermajority of critical proposals decide the outcome; the
//! proposer cancels before voting, the council's 2-of-3 multisig cancels later and pauses the token;
//! every guard fails with its exact message.
//!
//! The fixture: CIROToken (50M CIRO to DEPLOYER, who never delegates), the treasury holding
//! `TREASURY_FUNDS`, four voters who delegate to themselves, and the token's emergency council set
//! to the treasury and its governance handed over (pending until a proposal calls
//! `accept_governance`). Quorum is 4% of the 50M supply: 2M CIRO.
//!
//! Time: `devnet().set_time(t)` makes a block at `t`; the next transaction, and views called right
//! after it, run at exactly `t` (see `ciro_token.rs`). Voting is open for `snapshot < t ≤ deadline`.

use ciro_bindings::errors;
use anyhow::{ensure, Result};
use cainome::cairo_serde::{CairoSerde, ClassHash, ContractAddress};
use ciro_bindings::governance_treasury::{
    Call as ProposalCall, CouncilAction, Event as TreasuryEvent, GovernanceTreasury, GovernanceTreasuryReader,
    Parameters, Proposal, ProposalState,
};
use ciro_bindings::cdc_pool::{CdcPool, CdcPoolReader, SlashReason};
use ciro_bindings::token::CiroTokenReader;
use ciro_deploy::tx::TxError;
use ciro_devnet::{DevnetAccount, DevnetProvider};
use ciro_tests::system::{to_u128, u256};
use ciro_tests::token_fixture::TokenFixture;
use ciro_tests::{decoded_events, expect_view_revert, events_named, expect_revert, TestChain};
use starknet::core::types::{Call, Felt, TransactionReceiptWithBlockInfo};
use starknet::core::utils::get_selector_from_name;

type Receipt = TransactionReceiptWithBlockInfo;

// Actors: predeployed accounts.
const DEPLOYER: usize = 0; // initial CIRO holder and first token governance; never votes
const ALICE: usize = 1;
const BOB: usize = 2;
const CAROL: usize = 3;
const DAVE: usize = 4;
const MEMBER_A: usize = 5;
const MEMBER_B: usize = 6;
const MEMBER_C: usize = 7;
const OUTSIDER: usize = 8;
const RECIPIENT: usize = 9;

const CIRO: u128 = 1_000_000_000_000_000_000;
/// Votes of each voter (delegated to itself at setup).
const VOTERS: [(usize, u128); 4] =
    [(ALICE, 7_000_000 * CIRO), (BOB, 3_000_000 * CIRO), (CAROL, 1_000_000 * CIRO), (DAVE, 2_000_000 * CIRO)];
const TREASURY_FUNDS: u128 = 5_000_000 * CIRO;
const COUNCIL: [usize; 3] = [MEMBER_A, MEMBER_B, MEMBER_C];
const COUNCIL_THRESHOLD: u32 = 2;

const PROPOSAL_THRESHOLD: u128 = 100_000 * CIRO;
const VOTING_DELAY: u64 = 100;
const VOTING_PERIOD: u64 = 1_000;
const QUORUM_BPS: u16 = 400;
/// 4% of the 50M supply.
const QUORUM: u128 = 2_000_000 * CIRO;
const TIMELOCK: u64 = 500;
const CRITICAL_THRESHOLD: u128 = 1_000_000 * CIRO;
/// The contract's grace period after the eta: 14 days.
const GRACE_PERIOD: u64 = 14 * 24 * 3_600;

/// Block time of the deployment; proposals are made from `T1`, after every setup transaction.
const T0: u64 = 2_000_000_000;
const T1: u64 = T0 + 1_000;

/// The description hash every proposal of these tests carries.
const DESCRIPTION_HASH: u64 = 0xd0c;

const AGAINST: u8 = 0;
const FOR: u8 = 1;
const ABSTAIN: u8 = 2;

use ciro_bindings::errors::governance_treasury::{
    ACTION_EXECUTED, ACTION_STALE, ALREADY_CONFIRMED, ALREADY_VOTED,
    BELOW_PROPOSAL_THRESHOLD as BELOW_THRESHOLD, CANNOT_CANCEL, COUNCIL_CANNOT_CANCEL, DUPLICATE_MEMBER,
    INVALID_QUORUM, INVALID_SUPPORT, INVALID_THRESHOLD, MEMBER_IS_ZERO, NO_CALLS, NO_VOTES_AT_SNAPSHOT,
    CALLER_NOT_MEMBER as NOT_COUNCIL_MEMBER, CALLER_NOT_PROPOSER as NOT_PROPOSER, NOT_QUEUED,
    CALLER_NOT_SELF as NOT_SELF, NOT_SUCCEEDED, PROPOSAL_NOT_FOUND, TARGET_NOT_PAUSABLE,
    TIMELOCK_NOT_EXPIRED, TOKEN_IS_ZERO, TREASURY_CANNOT_VOTE, TOO_MANY_CALLS, VOTING_NOT_ACTIVE,
    VOTING_PERIOD_IS_ZERO, VOTING_STARTED,
};
use ciro_bindings::errors::token::{INSUFFICIENT_ALLOWANCE, INSUFFICIENT_BALANCE};
use ciro_bindings::errors::access::PAUSED as TOKEN_PAUSED;
use ciro_bindings::errors::cdc_pool::CALLER_NOT_SLASHER as POOL_CANNOT_SLASH;

/// The only selectors a normal proposal may carry besides `transfer`/`approve`: parameter setters
/// that can neither move funds nor change roles, wiring or code.
const NORMAL_SETTERS: [&str; 11] = [
    "set_platform_fee_bps",
    "set_burn_share_bps",
    "set_min_completion_window",
    "set_min_reputation_payment",
    "set_max_price_age",
    "set_daily_quota",
    "set_reimbursement",
    "set_allowed",
    "pause",
    "unpause",
    "extend_pause",
];
/// Selectors that make a proposal critical by themselves: every other governance-only setter, role,
/// wiring and code change, the allowance paths, and selectors the treasury does not know.
const CRITICAL_SELECTORS: [&str; 24] = [
    "upgrade",
    "transfer_governance",
    "accept_governance",
    "set_slasher",
    "set_treasury",
    "set_oracle",
    "set_job_manager",
    "set_proof_verifier",
    "set_burn_manager",
    "set_minter",
    "set_mint_rate_limit",
    "set_emergency_council",
    "set_assigner",
    "set_pause_exempt",
    "set_unstake_cooldown",
    "set_price_bounds",
    "set_ciro_price",
    "set_relayer_approval",
    "set_burn_schedule",
    "set_reporter",
    "transfer_from",
    "increase_allowance",
    "delegate",
    "no_such_entry_point",
];

fn parameters() -> Parameters {
    Parameters {
        proposal_threshold: u256(PROPOSAL_THRESHOLD),
        voting_delay: VOTING_DELAY,
        voting_period: VOTING_PERIOD,
        quorum_bps: QUORUM_BPS,
        timelock_delay: TIMELOCK,
        critical_treasury_threshold: u256(CRITICAL_THRESHOLD),
    }
}

/// Constructor calldata `(token, parameters, council_members, council_threshold)`, serialized as the
/// bindings do.
fn constructor_calldata(token: Felt, parameters: &Parameters, council: &[Felt], threshold: u32) -> Vec<Felt> {
    let members: Vec<ContractAddress> = council.iter().copied().map(ContractAddress).collect();
    let mut calldata = ContractAddress::cairo_serialize(&ContractAddress(token));
    calldata.extend(Parameters::cairo_serialize(parameters));
    calldata.extend(Vec::<ContractAddress>::cairo_serialize(&members));
    calldata.extend(u32::cairo_serialize(&threshold));
    calldata
}

/// A call built by the bindings, as a proposal carries it.
fn proposal_call(call: &Call) -> ProposalCall {
    ProposalCall { to: ContractAddress(call.to), selector: call.selector, calldata: call.calldata.clone() }
}

fn proposal_calls(calls: &[Call]) -> Vec<ProposalCall> {
    calls.iter().map(proposal_call).collect()
}

/// `to.<name>()` with empty calldata: enough for `is_critical`, which reads only `transfer`/`approve`
/// calldata.
fn call_named(to: Felt, name: &str) -> Result<Call> {
    Ok(Call { to, selector: get_selector_from_name(name)?, calldata: vec![] })
}

/// A devnet with CIRO, the treasury (council MEMBER_A/B/C, 2 of 3) and the voters.
struct Gov {
    base: TokenFixture,
    treasury: Felt,
    calls: GovernanceTreasury<DevnetAccount>,
}

impl std::ops::Deref for Gov {
    type Target = TokenFixture;

    fn deref(&self) -> &TokenFixture {
        &self.base
    }
}

impl Gov {
    async fn start() -> Result<Self> {
        let chain = TestChain::start().await?;
        chain.devnet().set_time(T0).await?;
        let deployer = chain.address_of(DEPLOYER)?;
        let token = chain.deploy_ciro_token(deployer, deployer, deployer, deployer, 1_000 * CIRO, 3_600).await?;
        let council = COUNCIL.iter().map(|&member| chain.address_of(member)).collect::<Result<Vec<_>>>()?;
        let calldata = constructor_calldata(token, &parameters(), &council, COUNCIL_THRESHOLD);
        let treasury = chain.deploy("GovernanceTreasury", calldata).await?;
        let builder = chain.account(DEPLOYER)?;
        let gov = Gov {
            base: TokenFixture::new(chain, token)?,
            calls: GovernanceTreasury::new(treasury, builder),
            treasury,
        };

        // The treasury becomes the token's emergency council and pending governance, and is funded.
        let treasury_address = ContractAddress(treasury);
        let mut setup = vec![
            gov.token_calls.set_emergency_council_getcall(&treasury_address),
            gov.token_calls.transfer_governance_getcall(&treasury_address),
            gov.token_calls.transfer_getcall(&treasury_address, &u256(TREASURY_FUNDS)),
        ];
        for (voter, votes) in VOTERS {
            setup.push(gov.token_calls.transfer_getcall(&ContractAddress(gov.addr(voter)), &u256(votes)));
        }
        gov.send_all(DEPLOYER, setup).await?;
        for (voter, _) in VOTERS {
            gov.send(voter, gov.token_calls.delegate_getcall(&ContractAddress(gov.addr(voter)))).await?;
        }
        ensure!(gov.chain.devnet().block_timestamp().await? < T1, "the setup ran past T1");
        Ok(gov)
    }

    fn reader(&self) -> GovernanceTreasuryReader<DevnetProvider> {
        GovernanceTreasuryReader::new(self.treasury, self.provider())
    }

    /// `token.transfer(recipient, amount)`, as a proposal's call.
    fn payout(&self, recipient: usize, amount: u128) -> Call {
        self.token_calls.transfer_getcall(&ContractAddress(self.addr(recipient)), &u256(amount))
    }

    fn propose_call(&self, calls: &[Call], critical: bool) -> Call {
        self.calls.propose_getcall(&proposal_calls(calls), &Felt::from(DESCRIPTION_HASH), &critical)
    }

    /// Proposes `calls` as `proposer` at block time `at`; returns the new proposal's id.
    async fn propose_at(&self, proposer: usize, at: u64, calls: &[Call], critical: bool) -> Result<u64> {
        self.at(at).await?;
        self.send(proposer, self.propose_call(calls, critical)).await?;
        Ok(self.reader().proposal_count().call().await?)
    }

    async fn proposal(&self, id: u64) -> Result<Proposal> {
        Ok(self.reader().get_proposal(&id).call().await?)
    }

    async fn state(&self, id: u64) -> Result<ProposalState> {
        Ok(self.reader().state(&id).call().await?)
    }

    async fn vote(&self, voter: usize, id: u64, support: u8) -> Result<Receipt, TxError> {
        self.send(voter, self.calls.cast_vote_getcall(&id, &support)).await
    }

    /// Opens the vote of `id` (one second after its snapshot), casts `votes`, and moves to one
    /// second after its deadline.
    async fn vote_through(&self, id: u64, votes: &[(usize, u8)]) -> Result<()> {
        let proposal = self.proposal(id).await?;
        self.at(proposal.snapshot + 1).await?;
        for &(voter, support) in votes {
            self.vote(voter, id, support).await?;
        }
        self.at(proposal.deadline + 1).await
    }

    /// Votes `votes` on `id`, queues it and executes it at its eta; returns the execution's receipt.
    async fn pass(&self, id: u64, votes: &[(usize, u8)]) -> Result<Receipt> {
        self.vote_through(id, votes).await?;
        self.send(OUTSIDER, self.calls.queue_getcall(&id)).await?;
        self.at(self.proposal(id).await?.eta).await?;
        Ok(self.send(OUTSIDER, self.calls.execute_getcall(&id)).await?)
    }

    fn council_propose_call(&self, action: CouncilAction) -> Call {
        self.calls.propose_council_action_getcall(&action)
    }

    fn council_confirm_call(&self, action_id: u64) -> Call {
        self.calls.confirm_council_action_getcall(&action_id)
    }

    async fn is_critical(&self, calls: &[Call]) -> Result<bool> {
        Ok(self.reader().is_critical(&proposal_calls(calls)).call().await?)
    }

    /// The council (MEMBER_A proposes, MEMBER_B confirms) tries to cancel `id`: both steps must fail
    /// with `COUNCIL_CANNOT_CANCEL`, and the proposal keeps its state.
    async fn assert_council_cannot_cancel(&self, id: u64) -> Result<()> {
        let state = self.state(id).await?;
        let actions = self.reader().council_action_count().call().await?;
        let cancel = CouncilAction::CancelProposal(id);
        for member in [MEMBER_A, MEMBER_B] {
            expect_revert(self.send(member, self.council_propose_call(cancel.clone())).await, COUNCIL_CANNOT_CANCEL);
        }
        ensure!(self.reader().council_action_count().call().await? == actions, "a council action was recorded");
        ensure!(self.state(id).await? == state, "the proposal changed state");
        Ok(())
    }

    /// A CDC_Pool governed by the treasury, whose slashed stakes go to the treasury.
    async fn deploy_pool(&self) -> Result<Felt> {
        let price_usd_e8: u128 = 100_000_000;
        let mut calldata = ContractAddress::cairo_serialize(&ContractAddress(self.treasury));
        calldata.extend(ContractAddress::cairo_serialize(&ContractAddress(self.token)));
        calldata.extend(ContractAddress::cairo_serialize(&ContractAddress(self.treasury)));
        calldata.extend(ContractAddress::cairo_serialize(&ContractAddress(self.addr(DEPLOYER))));
        calldata.extend(u128::cairo_serialize(&price_usd_e8));
        calldata.extend(u128::cairo_serialize(&(price_usd_e8 / 100)));
        calldata.extend(u128::cairo_serialize(&(price_usd_e8 * 100)));
        calldata.extend(u64::cairo_serialize(&3_600));
        calldata.extend(u64::cairo_serialize(&(7 * 24 * 3_600)));
        Ok(self.chain.deploy("CDCPool", calldata).await?)
    }
}

#[tokio::test]
async fn constructor_stores_token_parameters_and_council() -> Result<()> {
    let g = Gov::start().await?;
    let reader = g.reader();
    assert_eq!(reader.token().call().await?, ContractAddress(g.token));
    assert_eq!(reader.get_parameters().call().await?, parameters());
    let members: Vec<ContractAddress> = COUNCIL.iter().map(|&m| ContractAddress(g.addr(m))).collect();
    assert_eq!(reader.council_members().call().await?, members);
    assert_eq!(reader.council_threshold().call().await?, COUNCIL_THRESHOLD);
    assert_eq!(reader.council_epoch().call().await?, 1);
    assert!(reader.is_council_member(&ContractAddress(g.addr(MEMBER_B))).call().await?);
    assert!(!reader.is_council_member(&ContractAddress(g.addr(OUTSIDER))).call().await?);
    assert!(reader.is_pausable_target(&ContractAddress(g.token)).call().await?, "the token is pausable");
    assert!(!reader.is_pausable_target(&ContractAddress(g.addr(OUTSIDER))).call().await?);
    assert_eq!(to_u128(reader.treasury_balance().call().await?)?, TREASURY_FUNDS);
    assert_eq!(reader.proposal_count().call().await?, 0);
    Ok(())
}

#[tokio::test]
async fn constructor_rejects_invalid_arguments() -> Result<()> {
    let g = Gov::start().await?;
    let council = [g.addr(MEMBER_A), g.addr(MEMBER_B)];
    let deploy = |calldata: Vec<Felt>| g.chain.deploy("GovernanceTreasury", calldata);
    expect_revert(deploy(constructor_calldata(Felt::ZERO, &parameters(), &council, 1)).await, TOKEN_IS_ZERO);
    let no_period = Parameters { voting_period: 0, ..parameters() };
    expect_revert(deploy(constructor_calldata(g.token, &no_period, &council, 1)).await, VOTING_PERIOD_IS_ZERO);
    for quorum_bps in [0, 10_001] {
        let quorum = Parameters { quorum_bps, ..parameters() };
        expect_revert(deploy(constructor_calldata(g.token, &quorum, &council, 1)).await, INVALID_QUORUM);
    }
    for threshold in [0, 3] {
        expect_revert(
            deploy(constructor_calldata(g.token, &parameters(), &council, threshold)).await,
            INVALID_THRESHOLD,
        );
    }
    expect_revert(deploy(constructor_calldata(g.token, &parameters(), &[], 1)).await, INVALID_THRESHOLD);
    let duplicated = [g.addr(MEMBER_A), g.addr(MEMBER_A)];
    expect_revert(deploy(constructor_calldata(g.token, &parameters(), &duplicated, 1)).await, DUPLICATE_MEMBER);
    let with_zero = [g.addr(MEMBER_A), Felt::ZERO];
    expect_revert(deploy(constructor_calldata(g.token, &parameters(), &with_zero, 1)).await, MEMBER_IS_ZERO);
    Ok(())
}

/// Flow: propose [token.accept_governance, token.set_mint_rate_limit] → Pending → vote (quorum) →
/// Succeeded → queue → too early to execute → execute at the eta → the token's governance and
/// mint rate limit changed → Executed, and a second execution fails.
#[tokio::test]
async fn execute_changes_a_token_parameter_after_vote_queue_and_timelock() -> Result<()> {
    let g = Gov::start().await?;
    let new_limit = 5_000 * CIRO;
    let new_period = 7_200;
    let calls = [
        g.token_calls.accept_governance_getcall(),
        g.token_calls.set_mint_rate_limit_getcall(&u256(new_limit), &new_period),
    ];
    g.at(T1).await?;
    let receipt = g.send(ALICE, g.propose_call(&calls, false)).await?;
    let id = g.reader().proposal_count().call().await?;
    assert_eq!(id, 1);

    let proposal = g.proposal(id).await?;
    assert_eq!(proposal.proposer, ContractAddress(g.addr(ALICE)));
    assert_eq!((proposal.snapshot, proposal.deadline), (T1 + VOTING_DELAY, T1 + VOTING_DELAY + VOTING_PERIOD));
    assert_eq!((proposal.eta, proposal.call_count, proposal.quorum_bps), (0, 2, QUORUM_BPS));
    // Neither a governance hand-over nor the mint rate limit is an allowlisted parameter setter.
    assert!(proposal.critical && !proposal.executed && !proposal.canceled);
    assert_eq!(g.reader().get_proposal_calls(&id).call().await?, proposal_calls(&calls));
    let events = decoded_events::<TreasuryEvent>(&receipt, g.treasury, "ProposalCreated")?;
    let [TreasuryEvent::ProposalCreated(created)] = &events[..] else { panic!("not one ProposalCreated: {events:?}") };
    assert_eq!((created.proposal_id, created.proposer), (id, ContractAddress(g.addr(ALICE))));
    assert_eq!((created.call_count, created.description_hash), (2, Felt::from(DESCRIPTION_HASH)));
    assert_eq!((created.snapshot, created.deadline, created.critical), (proposal.snapshot, proposal.deadline, true));
    assert_eq!(g.state(id).await?, ProposalState::Pending);

    // Voting: ALICE's 7M reach the 2M quorum.
    g.at(proposal.snapshot + 1).await?;
    assert_eq!(g.state(id).await?, ProposalState::Active);
    let receipt = g.vote(ALICE, id, FOR).await?;
    let events = decoded_events::<TreasuryEvent>(&receipt, g.treasury, "VoteCast")?;
    let [TreasuryEvent::VoteCast(vote)] = &events[..] else { panic!("not one VoteCast: {events:?}") };
    assert_eq!((vote.proposal_id, vote.voter, vote.support), (id, ContractAddress(g.addr(ALICE)), FOR));
    assert_eq!(vote.weight, u256(VOTERS[0].1));
    expect_revert(g.send(OUTSIDER, g.calls.queue_getcall(&id)).await, NOT_SUCCEEDED);

    g.at(proposal.deadline + 1).await?;
    assert_eq!(g.state(id).await?, ProposalState::Succeeded);
    assert_eq!(to_u128(g.reader().proposal_quorum(&id).call().await?)?, QUORUM);
    expect_revert(g.send(OUTSIDER, g.calls.execute_getcall(&id)).await, NOT_QUEUED);

    // Queue: executable after the timelock.
    let receipt = g.send(OUTSIDER, g.calls.queue_getcall(&id)).await?;
    let eta = proposal.deadline + 1 + TIMELOCK;
    assert_eq!(g.proposal(id).await?.eta, eta);
    assert_eq!(g.state(id).await?, ProposalState::Queued);
    let events = decoded_events::<TreasuryEvent>(&receipt, g.treasury, "ProposalQueued")?;
    assert!(
        matches!(&events[..], [TreasuryEvent::ProposalQueued(q)] if q.proposal_id == id && q.eta == eta),
        "{events:?}"
    );
    expect_revert(g.send(OUTSIDER, g.calls.queue_getcall(&id)).await, NOT_SUCCEEDED);
    g.at(eta - 1).await?;
    expect_revert(g.send(OUTSIDER, g.calls.execute_getcall(&id)).await, TIMELOCK_NOT_EXPIRED);
    assert_eq!(g.token_reader().governance().call().await?, ContractAddress(g.addr(DEPLOYER)), "nothing ran yet");

    // Execute: the calls run from the treasury.
    g.at(eta).await?;
    let receipt = g.send(OUTSIDER, g.calls.execute_getcall(&id)).await?;
    assert_eq!(g.token_reader().governance().call().await?, ContractAddress(g.treasury));
    assert_eq!(g.token_reader().mint_rate_limit().call().await?, (u256(new_limit), new_period));
    assert_eq!(events_named(&receipt, g.token, "MintRateLimitChanged").len(), 1);
    let events = decoded_events::<TreasuryEvent>(&receipt, g.treasury, "ProposalExecuted")?;
    assert!(matches!(&events[..], [TreasuryEvent::ProposalExecuted(e)] if e.proposal_id == id), "{events:?}");
    assert_eq!(g.state(id).await?, ProposalState::Executed);
    assert!(g.proposal(id).await?.executed);

    expect_revert(g.send(OUTSIDER, g.calls.execute_getcall(&id)).await, NOT_QUEUED);
    Ok(())
}

/// Three proposals voted differently: below quorum (Defeated), the same `for` plus abstentions
/// that reach the quorum (Succeeded), and a majority against (Defeated).
#[tokio::test]
async fn queue_requires_quorum_and_a_majority() -> Result<()> {
    let g = Gov::start().await?;
    let calls = [g.payout(RECIPIENT, CIRO)];
    let below_quorum = g.propose_at(ALICE, T1, &calls, false).await?;
    let with_abstentions = g.propose_at(ALICE, T1 + 10, &calls, false).await?;
    let against = g.propose_at(ALICE, T1 + 20, &calls, false).await?;

    g.at(T1 + 20 + VOTING_DELAY + 1).await?;
    g.vote(CAROL, below_quorum, FOR).await?; // 1M < 2M
    g.vote(CAROL, with_abstentions, FOR).await?;
    g.vote(DAVE, with_abstentions, ABSTAIN).await?; // 1M + 2M ≥ 2M
    g.vote(CAROL, against, FOR).await?;
    g.vote(DAVE, against, AGAINST).await?; // 1M for, 2M against
    let tally = g.proposal(with_abstentions).await?;
    assert_eq!(
        (tally.for_votes, tally.against_votes, tally.abstain_votes),
        (u256(VOTERS[2].1), u256(0), u256(VOTERS[3].1))
    );

    g.at(T1 + 20 + VOTING_DELAY + VOTING_PERIOD + 1).await?;
    assert_eq!(g.state(below_quorum).await?, ProposalState::Defeated);
    assert_eq!(g.state(with_abstentions).await?, ProposalState::Succeeded);
    assert_eq!(g.state(against).await?, ProposalState::Defeated);
    for id in [below_quorum, against] {
        expect_revert(g.send(OUTSIDER, g.calls.queue_getcall(&id)).await, NOT_SUCCEEDED);
        expect_revert(g.send(OUTSIDER, g.calls.execute_getcall(&id)).await, NOT_QUEUED);
    }
    g.send(OUTSIDER, g.calls.queue_getcall(&with_abstentions)).await?;
    assert_eq!(g.state(with_abstentions).await?, ProposalState::Queued);
    Ok(())
}

/// The same 60% vote passes a normal proposal and defeats a critical one; 70% passes a critical one.
#[tokio::test]
async fn critical_proposal_needs_67_percent_of_for_and_against() -> Result<()> {
    let g = Gov::start().await?;
    let calls = [g.payout(RECIPIENT, CIRO)];
    let critical_60 = g.propose_at(ALICE, T1, &calls, true).await?;
    let normal_60 = g.propose_at(ALICE, T1 + 10, &calls, false).await?;
    let critical_70 = g.propose_at(ALICE, T1 + 20, &calls, true).await?;
    assert!(g.proposal(critical_60).await?.critical && !g.proposal(normal_60).await?.critical);

    g.at(T1 + 20 + VOTING_DELAY + 1).await?;
    for id in [critical_60, normal_60] {
        g.vote(BOB, id, FOR).await?; // 3M
        g.vote(DAVE, id, AGAINST).await?; // 2M: 60% for
        g.vote(CAROL, id, ABSTAIN).await?; // abstentions do not dilute the share
    }
    g.vote(ALICE, critical_70, FOR).await?; // 7M
    g.vote(BOB, critical_70, AGAINST).await?; // 3M: 70% for

    g.at(T1 + 20 + VOTING_DELAY + VOTING_PERIOD + 1).await?;
    assert_eq!(g.state(critical_60).await?, ProposalState::Defeated);
    assert_eq!(g.state(normal_60).await?, ProposalState::Succeeded);
    assert_eq!(g.state(critical_70).await?, ProposalState::Succeeded);
    expect_revert(g.send(OUTSIDER, g.calls.queue_getcall(&critical_60)).await, NOT_SUCCEEDED);
    g.send(OUTSIDER, g.calls.queue_getcall(&critical_70)).await?;
    Ok(())
}

#[tokio::test]
async fn is_critical_detects_upgrades_handovers_self_calls_and_large_transfers() -> Result<()> {
    let g = Gov::start().await?;
    let critical = |calls: Vec<Call>| {
        let reader = g.reader();
        async move { reader.is_critical(&proposal_calls(&calls)).call().await }
    };
    let small = g.payout(RECIPIENT, CRITICAL_THRESHOLD);
    let large = g.payout(RECIPIENT, CRITICAL_THRESHOLD + 1);
    let large_approval =
        g.token_calls.approve_getcall(&ContractAddress(g.addr(RECIPIENT)), &u256(CRITICAL_THRESHOLD + 1));
    let upgrade = g.token_calls.upgrade_getcall(&ClassHash(Felt::from(0x1234_u64)));
    let handover = g.token_calls.transfer_governance_getcall(&ContractAddress(g.addr(OUTSIDER)));
    let own_parameters = g.calls.set_parameters_getcall(&parameters());
    let mint_rate_limit = g.token_calls.set_mint_rate_limit_getcall(&u256(1), &60);
    let routine = g.token_calls.pause_getcall();

    assert!(!critical(vec![small.clone()]).await?, "a transfer at the threshold is not critical");
    assert!(!critical(vec![routine.clone()]).await?);
    for call in [large.clone(), large_approval, upgrade, handover, own_parameters, mint_rate_limit] {
        assert!(critical(vec![routine.clone(), call.clone()]).await?, "critical: {call:?}");
    }
    // A malformed transfer cannot be read as an amount: critical.
    let malformed = Call { calldata: vec![g.addr(RECIPIENT)], ..small };
    assert!(critical(vec![malformed]).await?);

    // `propose` marks a proposal critical by itself.
    let id = g.propose_at(ALICE, T1, &[large], false).await?;
    assert!(g.proposal(id).await?.critical);
    Ok(())
}

/// Flow: ALICE votes, then moves her tokens to BOB, who votes: BOB weighs what he had at the
/// snapshot; an outsider who receives tokens and delegates after the snapshot cannot vote.
#[tokio::test]
async fn cast_vote_counts_only_the_votes_held_at_the_snapshot() -> Result<()> {
    let g = Gov::start().await?;
    let id = g.propose_at(ALICE, T1, &[g.payout(RECIPIENT, CIRO)], false).await?;
    let snapshot = g.proposal(id).await?.snapshot;
    g.at(snapshot + 1).await?;

    let (alice_votes, bob_votes) = (VOTERS[0].1, VOTERS[1].1);
    g.vote(ALICE, id, FOR).await?;
    g.send(ALICE, g.token_calls.transfer_getcall(&ContractAddress(g.addr(BOB)), &u256(alice_votes))).await?;
    let bob = ContractAddress(g.addr(BOB));
    assert_eq!(to_u128(g.token_reader().get_votes(&bob).call().await?)?, alice_votes + bob_votes);
    let receipt = g.vote(BOB, id, FOR).await?;
    let events = decoded_events::<TreasuryEvent>(&receipt, g.treasury, "VoteCast")?;
    assert!(matches!(&events[..], [TreasuryEvent::VoteCast(v)] if v.weight == u256(bob_votes)), "{events:?}");
    expect_revert(g.vote(ALICE, id, AGAINST).await, ALREADY_VOTED);
    expect_revert(g.vote(BOB, id, FOR).await, ALREADY_VOTED);

    let outsider = ContractAddress(g.addr(OUTSIDER));
    g.send(BOB, g.token_calls.transfer_getcall(&outsider, &u256(bob_votes))).await?;
    g.send(OUTSIDER, g.token_calls.delegate_getcall(&outsider)).await?;
    expect_revert(g.vote(OUTSIDER, id, FOR).await, NO_VOTES_AT_SNAPSHOT);

    let proposal = g.proposal(id).await?;
    assert_eq!(proposal.for_votes, u256(alice_votes + bob_votes), "each vote counted once, at the snapshot");
    assert_eq!((proposal.against_votes, proposal.abstain_votes), (u256(0), u256(0)));
    let receipt = g.reader().get_receipt(&id, &bob).call().await?;
    assert!(receipt.has_voted);
    assert_eq!((receipt.support, receipt.weight), (FOR, u256(bob_votes)));
    assert!(!g.reader().get_receipt(&id, &outsider).call().await?.has_voted);
    Ok(())
}

#[tokio::test]
async fn cast_vote_only_while_voting_is_open() -> Result<()> {
    let g = Gov::start().await?;
    let id = g.propose_at(ALICE, T1, &[g.payout(RECIPIENT, CIRO)], false).await?;
    let proposal = g.proposal(id).await?;
    expect_revert(g.vote(ALICE, id, FOR).await, VOTING_NOT_ACTIVE);
    g.at(proposal.snapshot).await?;
    expect_revert(g.vote(ALICE, id, FOR).await, VOTING_NOT_ACTIVE);
    g.at(proposal.snapshot + 1).await?;
    expect_revert(g.vote(ALICE, id, 3).await, INVALID_SUPPORT);
    g.vote(ALICE, id, FOR).await?;
    g.at(proposal.deadline).await?;
    g.vote(CAROL, id, AGAINST).await?;
    g.at(proposal.deadline + 1).await?;
    expect_revert(g.vote(DAVE, id, FOR).await, VOTING_NOT_ACTIVE);
    expect_revert(g.vote(DAVE, 99, FOR).await, PROPOSAL_NOT_FOUND);
    expect_revert(g.vote(DAVE, 0, FOR).await, PROPOSAL_NOT_FOUND);
    expect_view_revert(g.reader().state(&99).call().await, PROPOSAL_NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn propose_requires_threshold_votes_and_calls() -> Result<()> {
    let g = Gov::start().await?;
    g.at(T1).await?;
    let calls = [g.payout(RECIPIENT, CIRO)];
    expect_revert(g.send(OUTSIDER, g.propose_call(&calls, false)).await, BELOW_THRESHOLD);
    // The deployer holds 32M CIRO but never delegated: no votes.
    expect_revert(g.send(DEPLOYER, g.propose_call(&calls, false)).await, BELOW_THRESHOLD);
    expect_revert(g.send(ALICE, g.propose_call(&[], false)).await, NO_CALLS);
    let too_many = vec![g.payout(RECIPIENT, CIRO); 17];
    expect_revert(g.send(ALICE, g.propose_call(&too_many, false)).await, TOO_MANY_CALLS);
    assert_eq!(g.reader().proposal_count().call().await?, 0);

    // The most calls, with long calldata (40 felts each): stored and read back felt for felt.
    let members = vec![ContractAddress(g.addr(MEMBER_A)); 38];
    let mut calls = vec![g.calls.set_council_getcall(&members, &1); 15];
    calls.push(g.payout(RECIPIENT, CIRO));
    let id = g.propose_at(CAROL, T1 + 10, &calls, false).await?;
    assert_eq!(id, 1);
    assert_eq!(g.proposal(id).await?.call_count, 16);
    assert_eq!(g.reader().get_proposal_calls(&id).call().await?, proposal_calls(&calls));
    Ok(())
}

/// Flow: the treasury pays RECIPIENT through an executed proposal, to the unit; nobody can move
/// its tokens otherwise, and a large payout is critical and fails at 60%.
#[tokio::test]
async fn execute_pays_from_the_treasury_only_through_a_proposal() -> Result<()> {
    let g = Gov::start().await?;
    let amount = 250_000 * CIRO + 7;
    let recipient = g.addr(RECIPIENT);
    let treasury = ContractAddress(g.treasury);
    expect_revert(
        g.send(OUTSIDER, g.token_calls.transfer_from_getcall(&treasury, &ContractAddress(recipient), &u256(amount)))
            .await,
        INSUFFICIENT_ALLOWANCE,
    );

    let small = g.propose_at(ALICE, T1, &[g.payout(RECIPIENT, amount)], false).await?;
    let large = g.propose_at(ALICE, T1 + 10, &[g.payout(RECIPIENT, 2 * CRITICAL_THRESHOLD)], false).await?;
    assert!(!g.proposal(small).await?.critical);
    assert!(g.proposal(large).await?.critical, "above the critical threshold");
    let last = g.proposal(large).await?;
    g.at(last.snapshot + 1).await?;
    for id in [small, large] {
        g.vote(BOB, id, FOR).await?; // 3M
        g.vote(DAVE, id, AGAINST).await?; // 2M: 60%
    }
    g.at(last.deadline + 1).await?;
    assert_eq!(g.state(large).await?, ProposalState::Defeated);
    g.send(OUTSIDER, g.calls.queue_getcall(&small)).await?;
    assert_eq!(g.balance(recipient).await?, 0, "queued is not paid");
    g.at(g.proposal(small).await?.eta).await?;
    let receipt = g.send(OUTSIDER, g.calls.execute_getcall(&small)).await?;

    assert_eq!(g.balance(recipient).await?, amount);
    assert_eq!(g.balance(g.treasury).await?, TREASURY_FUNDS - amount);
    assert_eq!(to_u128(g.reader().treasury_balance().call().await?)?, TREASURY_FUNDS - amount);
    assert_eq!(events_named(&receipt, g.token, "Transfer").len(), 1);
    Ok(())
}

#[tokio::test]
async fn execute_reverts_when_a_call_fails_and_the_proposal_stays_queued() -> Result<()> {
    let g = Gov::start().await?;
    // More than the treasury holds (critical, passed by ALICE's 7M alone).
    let id = g.propose_at(ALICE, T1, &[g.payout(RECIPIENT, TREASURY_FUNDS + 1)], false).await?;
    g.vote_through(id, &[(ALICE, FOR)]).await?;
    g.send(OUTSIDER, g.calls.queue_getcall(&id)).await?;
    g.at(g.proposal(id).await?.eta).await?;
    expect_revert(g.send(OUTSIDER, g.calls.execute_getcall(&id)).await, INSUFFICIENT_BALANCE);
    assert_eq!(g.state(id).await?, ProposalState::Queued);
    assert_eq!(g.balance(g.treasury).await?, TREASURY_FUNDS);
    Ok(())
}

#[tokio::test]
async fn queued_proposal_expires_after_the_grace_period() -> Result<()> {
    let g = Gov::start().await?;
    let id = g.propose_at(ALICE, T1, &[g.payout(RECIPIENT, CIRO)], false).await?;
    g.vote_through(id, &[(ALICE, FOR)]).await?;
    g.send(OUTSIDER, g.calls.queue_getcall(&id)).await?;
    let eta = g.proposal(id).await?.eta;
    g.at(eta + GRACE_PERIOD - 1).await?;
    assert_eq!(g.state(id).await?, ProposalState::Queued);
    g.at(eta + GRACE_PERIOD).await?;
    assert_eq!(g.state(id).await?, ProposalState::Expired);
    expect_revert(g.send(OUTSIDER, g.calls.execute_getcall(&id)).await, NOT_QUEUED);
    assert_eq!(g.balance(g.addr(RECIPIENT)).await?, 0);
    Ok(())
}

#[tokio::test]
async fn cancel_by_the_proposer_only_before_voting_opens() -> Result<()> {
    let g = Gov::start().await?;
    let calls = [g.payout(RECIPIENT, CIRO)];
    let first = g.propose_at(ALICE, T1, &calls, false).await?;
    let second = g.propose_at(ALICE, T1 + 10, &calls, false).await?;

    expect_revert(g.send(BOB, g.calls.cancel_getcall(&first)).await, NOT_PROPOSER);
    let receipt = g.send(ALICE, g.calls.cancel_getcall(&first)).await?;
    assert_eq!(g.state(first).await?, ProposalState::Canceled);
    let events = decoded_events::<TreasuryEvent>(&receipt, g.treasury, "ProposalCanceled")?;
    let [TreasuryEvent::ProposalCanceled(canceled)] = &events[..] else {
        panic!("not one ProposalCanceled: {events:?}")
    };
    assert_eq!(
        (canceled.proposal_id, canceled.canceled_by, canceled.by_council),
        (first, ContractAddress(g.addr(ALICE)), false)
    );
    expect_revert(g.send(ALICE, g.calls.cancel_getcall(&first)).await, CANNOT_CANCEL);

    g.at(g.proposal(second).await?.snapshot + 1).await?;
    expect_revert(g.vote(ALICE, first, FOR).await, VOTING_NOT_ACTIVE);
    expect_revert(g.send(ALICE, g.calls.cancel_getcall(&second)).await, VOTING_STARTED);
    expect_revert(g.send(ALICE, g.calls.cancel_getcall(&7)).await, PROPOSAL_NOT_FOUND);
    Ok(())
}

/// Flow: a queued proposal; an outsider cannot act for the council; MEMBER_A proposes the
/// cancellation (1 of 2) and cannot confirm twice; MEMBER_B's confirmation executes it; the
/// proposal cannot be executed; a late confirmation is rejected.
#[tokio::test]
async fn council_cancels_a_queued_proposal_at_m_confirmations() -> Result<()> {
    let g = Gov::start().await?;
    let id = g.propose_at(ALICE, T1, &[g.payout(RECIPIENT, CIRO)], false).await?;
    g.vote_through(id, &[(ALICE, FOR)]).await?;
    g.send(OUTSIDER, g.calls.queue_getcall(&id)).await?;

    let cancel = CouncilAction::CancelProposal(id);
    expect_revert(g.send(OUTSIDER, g.council_propose_call(cancel.clone())).await, NOT_COUNCIL_MEMBER);
    expect_revert(g.send(MEMBER_A, g.council_propose_call(CouncilAction::CancelProposal(9))).await, PROPOSAL_NOT_FOUND);
    let receipt = g.send(MEMBER_A, g.council_propose_call(cancel.clone())).await?;
    let action_id = g.reader().council_action_count().call().await?;
    assert_eq!(action_id, 1);
    let events = decoded_events::<TreasuryEvent>(&receipt, g.treasury, "CouncilActionProposed")?;
    let [TreasuryEvent::CouncilActionProposed(proposed)] = &events[..] else { panic!("{events:?}") };
    assert_eq!((proposed.action_id, &proposed.action), (action_id, &cancel));
    let action = g.reader().get_council_action(&action_id).call().await?;
    assert_eq!((action.confirmations, action.executed, action.proposer), (1, false, ContractAddress(g.addr(MEMBER_A))));
    assert_eq!(g.state(id).await?, ProposalState::Queued, "one confirmation is not enough");

    expect_revert(g.send(MEMBER_A, g.council_confirm_call(action_id)).await, ALREADY_CONFIRMED);
    expect_revert(g.send(OUTSIDER, g.council_confirm_call(action_id)).await, NOT_COUNCIL_MEMBER);
    expect_revert(g.send(MEMBER_B, g.council_confirm_call(2)).await, errors::governance_treasury::ACTION_NOT_FOUND);
    assert_eq!(g.reader().get_council_action(&action_id).call().await?.confirmations, 1);

    let receipt = g.send(MEMBER_B, g.council_confirm_call(action_id)).await?;
    assert_eq!(g.state(id).await?, ProposalState::Canceled);
    let action = g.reader().get_council_action(&action_id).call().await?;
    assert_eq!((action.confirmations, action.executed), (2, true));
    assert!(g.reader().has_confirmed(&action_id, &ContractAddress(g.addr(MEMBER_B))).call().await?);
    assert!(!g.reader().has_confirmed(&action_id, &ContractAddress(g.addr(MEMBER_C))).call().await?);
    let confirmed = decoded_events::<TreasuryEvent>(&receipt, g.treasury, "CouncilActionConfirmed")?;
    assert!(
        matches!(&confirmed[..], [TreasuryEvent::CouncilActionConfirmed(c)] if c.confirmations == 2),
        "{confirmed:?}"
    );
    assert_eq!(decoded_events::<TreasuryEvent>(&receipt, g.treasury, "CouncilActionExecuted")?.len(), 1);
    let canceled = decoded_events::<TreasuryEvent>(&receipt, g.treasury, "ProposalCanceled")?;
    let [TreasuryEvent::ProposalCanceled(canceled)] = &canceled[..] else { panic!("{canceled:?}") };
    assert!(canceled.by_council);
    assert_eq!(canceled.canceled_by, ContractAddress(g.addr(MEMBER_B)), "the member whose confirmation executed it");

    expect_revert(g.send(MEMBER_C, g.council_confirm_call(action_id)).await, ACTION_EXECUTED);
    g.at(g.proposal(id).await?.eta).await?;
    expect_revert(g.send(OUTSIDER, g.calls.execute_getcall(&id)).await, NOT_QUEUED);
    assert_eq!(g.balance(g.addr(RECIPIENT)).await?, 0);

    expect_revert(g.send(MEMBER_C, g.council_propose_call(cancel)).await, CANNOT_CANCEL);
    Ok(())
}

/// Flow: the council starts cancelling a queued proposal (1 of 2), the proposal is executed, and
/// the confirmation that would cancel it fails.
#[tokio::test]
async fn council_cannot_cancel_an_executed_proposal() -> Result<()> {
    let g = Gov::start().await?;
    let id = g.propose_at(ALICE, T1, &[g.payout(RECIPIENT, CIRO)], false).await?;
    g.vote_through(id, &[(ALICE, FOR)]).await?;
    g.send(OUTSIDER, g.calls.queue_getcall(&id)).await?;
    g.send(MEMBER_A, g.council_propose_call(CouncilAction::CancelProposal(id))).await?;
    g.at(g.proposal(id).await?.eta).await?;
    g.send(OUTSIDER, g.calls.execute_getcall(&id)).await?;
    expect_revert(g.send(MEMBER_B, g.council_confirm_call(1)).await, CANNOT_CANCEL);
    expect_revert(g.send(MEMBER_B, g.council_propose_call(CouncilAction::CancelProposal(id))).await, CANNOT_CANCEL);
    assert_eq!(g.state(id).await?, ProposalState::Executed);
    assert_eq!(g.balance(g.addr(RECIPIENT)).await?, CIRO);
    Ok(())
}

#[tokio::test]
async fn council_pauses_the_token_at_m_confirmations() -> Result<()> {
    let g = Gov::start().await?;
    assert_eq!(g.token_reader().emergency_council().call().await?, ContractAddress(g.treasury));
    let outsider = ContractAddress(g.addr(OUTSIDER));
    expect_revert(g.send(MEMBER_A, g.council_propose_call(CouncilAction::Pause(outsider))).await, TARGET_NOT_PAUSABLE);

    let pause = CouncilAction::Pause(ContractAddress(g.token));
    g.send(MEMBER_A, g.council_propose_call(pause.clone())).await?;
    let action_id = g.reader().council_action_count().call().await?;
    assert!(!g.token_reader().is_paused().call().await?, "below the threshold nothing happens");
    g.send(ALICE, g.payout(CAROL, CIRO)).await?;

    let receipt = g.send(MEMBER_C, g.council_confirm_call(action_id)).await?;
    assert!(g.token_reader().is_paused().call().await?);
    assert_eq!(events_named(&receipt, g.token, "Paused").len(), 1);
    let executed = decoded_events::<TreasuryEvent>(&receipt, g.treasury, "CouncilActionExecuted")?;
    assert!(matches!(&executed[..], [TreasuryEvent::CouncilActionExecuted(e)] if e.action == pause), "{executed:?}");
    expect_revert(g.send(ALICE, g.payout(CAROL, CIRO)).await, TOKEN_PAUSED);
    // The council cannot unpause: only the token's governance can.
    expect_revert(g.send(MEMBER_B, g.council_confirm_call(action_id)).await, ACTION_EXECUTED);
    Ok(())
}

/// Flow: `set_council` and `set_parameters` refuse direct calls; a (critical) proposal replaces the
/// council with a 1-of-2 council and changes the parameters; the old council's pending action is
/// stale; a member of the new council pauses the token alone.
#[tokio::test]
async fn set_council_and_set_parameters_only_through_a_proposal() -> Result<()> {
    let g = Gov::start().await?;
    let new_members = [ContractAddress(g.addr(OUTSIDER)), ContractAddress(g.addr(MEMBER_A))];
    let new_parameters = Parameters { voting_delay: 50, quorum_bps: 1_000, timelock_delay: 60, ..parameters() };
    let set_council = g.calls.set_council_getcall(&new_members.to_vec(), &1);
    let set_parameters = g.calls.set_parameters_getcall(&new_parameters);
    for caller in [DEPLOYER, MEMBER_A, OUTSIDER] {
        expect_revert(g.send(caller, set_council.clone()).await, NOT_SELF);
        expect_revert(g.send(caller, set_parameters.clone()).await, NOT_SELF);
        expect_revert(
            g.send(caller, g.calls.set_pausable_target_getcall(&ContractAddress(g.addr(OUTSIDER)), &true)).await,
            NOT_SELF,
        );
        expect_revert(g.send(caller, g.calls.upgrade_getcall(&ClassHash(Felt::from(1_u64)))).await, NOT_SELF);
    }

    let stale = CouncilAction::Pause(ContractAddress(g.token));
    g.send(MEMBER_B, g.council_propose_call(stale)).await?;

    let id = g.propose_at(ALICE, T1, &[set_council, set_parameters], false).await?;
    assert!(g.proposal(id).await?.critical, "calls to the treasury itself are critical");
    let receipt = g.pass(id, &[(ALICE, FOR), (BOB, AGAINST)]).await?; // 70%

    assert_eq!(g.reader().get_parameters().call().await?, new_parameters);
    assert_eq!(g.reader().council_members().call().await?, new_members.to_vec());
    assert_eq!((g.reader().council_threshold().call().await?, g.reader().council_epoch().call().await?), (1, 2));
    assert!(!g.reader().is_council_member(&ContractAddress(g.addr(MEMBER_B))).call().await?);
    let changed = decoded_events::<TreasuryEvent>(&receipt, g.treasury, "ParametersChanged")?;
    assert!(
        matches!(&changed[..], [TreasuryEvent::ParametersChanged(c)] if c.parameters == new_parameters),
        "{changed:?}"
    );
    assert_eq!(decoded_events::<TreasuryEvent>(&receipt, g.treasury, "CouncilChanged")?.len(), 1);

    expect_revert(g.send(MEMBER_B, g.council_confirm_call(1)).await, NOT_COUNCIL_MEMBER);
    expect_revert(g.send(MEMBER_A, g.council_confirm_call(1)).await, ACTION_STALE);
    assert!(!g.token_reader().is_paused().call().await?);
    g.send(OUTSIDER, g.council_propose_call(CouncilAction::Pause(ContractAddress(g.token)))).await?;
    assert!(g.token_reader().is_paused().call().await?, "one confirmation of the new council suffices");

    // New proposals use the new parameters.
    let now = g.chain.devnet().block_timestamp().await?;
    let next = g.propose_at(ALICE, now + 10, &[g.payout(RECIPIENT, CIRO)], false).await?;
    let proposal = g.proposal(next).await?;
    assert_eq!((proposal.snapshot, proposal.quorum_bps), (now + 10 + 50, 1_000));
    Ok(())
}

#[tokio::test]
async fn execute_of_invalid_parameters_fails_with_the_treasury_message() -> Result<()> {
    let g = Gov::start().await?;
    let invalid = Parameters { quorum_bps: 0, ..parameters() };
    let id = g.propose_at(ALICE, T1, &[g.calls.set_parameters_getcall(&invalid)], false).await?;
    g.vote_through(id, &[(ALICE, FOR)]).await?;
    g.send(OUTSIDER, g.calls.queue_getcall(&id)).await?;
    g.at(g.proposal(id).await?.eta).await?;
    expect_revert(g.send(OUTSIDER, g.calls.execute_getcall(&id)).await, INVALID_QUORUM);
    assert_eq!(g.reader().get_parameters().call().await?, parameters());
    assert_eq!(g.state(id).await?, ProposalState::Queued);
    Ok(())
}

/// Flow: one (critical) proposal registers a second pausable contract (another CIRO deployment,
/// whose emergency council is the treasury) and upgrades the treasury to its own class; the council
/// can then pause the new target.
#[tokio::test]
async fn set_pausable_target_and_upgrade_through_a_proposal() -> Result<()> {
    let g = Gov::start().await?;
    let deployer = g.addr(DEPLOYER);
    let other = g.chain.deploy_ciro_token(deployer, deployer, deployer, g.treasury, CIRO, 3_600).await?;
    let other_address = ContractAddress(other);
    expect_revert(
        g.send(MEMBER_A, g.council_propose_call(CouncilAction::Pause(other_address))).await,
        TARGET_NOT_PAUSABLE,
    );

    let class_hash = g.chain.declare("GovernanceTreasury").await?;
    let calls =
        [g.calls.set_pausable_target_getcall(&other_address, &true), g.calls.upgrade_getcall(&ClassHash(class_hash))];
    let id = g.propose_at(ALICE, T1, &calls, false).await?;
    assert!(g.proposal(id).await?.critical);
    let receipt = g.pass(id, &[(ALICE, FOR)]).await?;
    assert!(g.reader().is_pausable_target(&other_address).call().await?);
    let set = decoded_events::<TreasuryEvent>(&receipt, g.treasury, "PausableTargetSet")?;
    assert!(
        matches!(&set[..], [TreasuryEvent::PausableTargetSet(s)] if s.target == other_address && s.pausable),
        "{set:?}"
    );
    let upgraded = decoded_events::<TreasuryEvent>(&receipt, g.treasury, "Upgraded")?;
    assert!(
        matches!(&upgraded[..], [TreasuryEvent::Upgraded(u)] if u.class_hash == ClassHash(class_hash)),
        "{upgraded:?}"
    );

    g.send(MEMBER_B, g.council_propose_call(CouncilAction::Pause(other_address))).await?;
    g.send(MEMBER_C, g.council_confirm_call(1)).await?;
    assert!(CiroTokenReader::new(other, g.provider()).is_paused().call().await?);
    assert!(!g.token_reader().is_paused().call().await?, "only the named target is paused");
    expect_revert(g.send(MEMBER_A, g.calls.upgrade_getcall(&ClassHash(class_hash))).await, NOT_SELF);
    Ok(())
}

#[tokio::test]
async fn accept_governance_of_and_register_pausable_target_need_no_proposal() -> Result<()> {
    let g = Gov::start().await?;
    // The token's governance already chose the treasury (pending): anyone completes the transfer.
    expect_revert(g.send(OUTSIDER, g.token_calls.accept_governance_getcall()).await, errors::access::CALLER_NOT_PENDING);
    g.send(OUTSIDER, g.calls.accept_governance_of_getcall(&ContractAddress(g.token))).await?;
    assert_eq!(g.token_reader().governance().call().await?, ContractAddress(g.treasury));
    // Nothing is pending any more, so a second call fails.
    expect_revert(
        g.send(OUTSIDER, g.calls.accept_governance_of_getcall(&ContractAddress(g.token))).await,
        errors::access::CALLER_NOT_PENDING,
    );

    // A second token that names the treasury as its emergency council can be registered by anyone;
    // one that does not cannot.
    let deployer = g.addr(DEPLOYER);
    let trusting = g.chain.deploy_ciro_token(deployer, deployer, deployer, g.treasury, CIRO, 3_600).await?;
    let other = g.chain.deploy_ciro_token(deployer, deployer, deployer, deployer, CIRO, 3_600).await?;
    expect_revert(
        g.send(OUTSIDER, g.calls.register_pausable_target_getcall(&ContractAddress(other))).await,
        TARGET_NOT_PAUSABLE,
    );
    g.send(OUTSIDER, g.calls.register_pausable_target_getcall(&ContractAddress(trusting))).await?;
    assert!(g.reader().is_pausable_target(&ContractAddress(trusting)).call().await?);
    let pause = CouncilAction::Pause(ContractAddress(trusting));
    g.send(MEMBER_A, g.council_propose_call(pause)).await?;
    let action_id = g.reader().council_action_count().call().await?;
    g.send(MEMBER_B, g.council_confirm_call(action_id)).await?;
    assert!(CiroTokenReader::new(trusting, g.provider()).is_paused().call().await?);
    Ok(())
}

/// Every allowlisted setter together is normal; each other selector makes a proposal critical,
/// alone or after the allowlisted ones, and so does an allowlisted setter aimed at the treasury.
#[tokio::test]
async fn is_critical_allows_only_the_allowlisted_parameter_setters() -> Result<()> {
    let g = Gov::start().await?;
    let target = g.addr(OUTSIDER);
    let normal = NORMAL_SETTERS.iter().map(|name| call_named(target, name)).collect::<Result<Vec<_>>>()?;
    assert!(!g.is_critical(&normal).await?, "the allowlist is normal");
    for name in CRITICAL_SELECTORS {
        let call = call_named(target, name)?;
        assert!(g.is_critical(std::slice::from_ref(&call)).await?, "critical alone: {name}");
        let mut bundled = normal.clone();
        bundled.push(call);
        assert!(g.is_critical(&bundled).await?, "critical after the allowlist: {name}");
    }
    for name in NORMAL_SETTERS {
        assert!(g.is_critical(&[call_named(g.treasury, name)?]).await?, "a call to the treasury: {name}");
    }
    Ok(())
}

/// Flow (the devnet attack): a CDC_Pool governed by the treasury; BOB proposes to point the pool's
/// slasher and treasury at himself (next he would slash every worker for Fraud). The proposal is
/// critical although not marked; BOB's 60% of the votes cast defeat it; it cannot be queued; the
/// pool keeps the treasury and BOB cannot slash.
#[tokio::test]
async fn majority_cannot_repoint_the_pool_slasher_without_67_percent() -> Result<()> {
    let g = Gov::start().await?;
    let pool = g.deploy_pool().await?;
    let pool_calls = CdcPool::new(pool, g.chain.account(DEPLOYER)?);
    let attacker = ContractAddress(g.addr(BOB));
    let calls = [pool_calls.set_slasher_getcall(&attacker), pool_calls.set_treasury_getcall(&attacker)];
    for call in &calls {
        assert!(g.is_critical(std::slice::from_ref(call)).await?, "critical: {call:?}");
    }

    let id = g.propose_at(BOB, T1, &calls, false).await?;
    assert!(g.proposal(id).await?.critical, "detected from the calls");
    g.vote_through(id, &[(BOB, FOR), (DAVE, AGAINST)]).await?; // 3M for, 2M against: 60%
    assert_eq!(g.state(id).await?, ProposalState::Defeated);
    expect_revert(g.send(BOB, g.calls.queue_getcall(&id)).await, NOT_SUCCEEDED);

    let pool_reader = CdcPoolReader::new(pool, g.provider());
    assert_eq!(pool_reader.treasury().call().await?, ContractAddress(g.treasury));
    expect_revert(
        g.send(BOB, pool_calls.slash_getcall(&ContractAddress(g.addr(CAROL)), &SlashReason::Fraud, &Felt::ONE)).await,
        POOL_CANNOT_SLASH,
    );
    Ok(())
}

/// Flow: four transfers of a quarter of the critical threshold each are normal (exactly the
/// threshold in total); a fifth, or an approval on top, makes the proposal critical. BOB's proposal
/// of five small payouts to RECIPIENT is critical, fails at 60%, and the treasury keeps its funds.
#[tokio::test]
async fn many_small_transfers_count_as_one_payout() -> Result<()> {
    let g = Gov::start().await?;
    let quarter = CRITICAL_THRESHOLD / 4;
    let at_threshold = vec![g.payout(RECIPIENT, quarter); 4];
    assert!(!g.is_critical(&at_threshold).await?, "the sum equals the threshold");
    let split = vec![g.payout(RECIPIENT, quarter); 5];
    assert!(g.is_critical(&split).await?, "the sum exceeds the threshold");
    let approval = g.token_calls.approve_getcall(&ContractAddress(g.addr(RECIPIENT)), &u256(1));
    let mut with_approval = at_threshold.clone();
    with_approval.push(approval);
    assert!(g.is_critical(&with_approval).await?, "approvals count towards the sum");
    let mut with_setter = at_threshold;
    with_setter.push(call_named(g.addr(OUTSIDER), "set_platform_fee_bps")?);
    assert!(!g.is_critical(&with_setter).await?, "a parameter setter moves nothing");

    let id = g.propose_at(BOB, T1, &split, false).await?;
    assert!(g.proposal(id).await?.critical);
    g.vote_through(id, &[(BOB, FOR), (DAVE, AGAINST)]).await?; // 60%
    assert_eq!(g.state(id).await?, ProposalState::Defeated);
    expect_revert(g.send(BOB, g.calls.queue_getcall(&id)).await, NOT_SUCCEEDED);
    assert_eq!(g.balance(g.addr(RECIPIENT)).await?, 0);
    assert_eq!(g.balance(g.treasury).await?, TREASURY_FUNDS);
    Ok(())
}

/// Flow (the devnet attack): BOB proposes that the treasury delegate its 5M CIRO to him, alone, in
/// a bundle marked critical, or aimed at another contract: every proposal is refused. The treasury's
/// tokens carry no votes and BOB's votes are his own.
#[tokio::test]
async fn treasury_cannot_delegate_its_votes() -> Result<()> {
    let g = Gov::start().await?;
    let bob = ContractAddress(g.addr(BOB));
    let delegate = g.token_calls.delegate_getcall(&bob);
    let elsewhere = Call { to: g.addr(OUTSIDER), ..delegate.clone() };
    assert!(g.is_critical(std::slice::from_ref(&delegate)).await?);
    g.at(T1).await?;
    expect_revert(g.send(BOB, g.propose_call(std::slice::from_ref(&delegate), false)).await, TREASURY_CANNOT_VOTE);
    expect_revert(
        g.send(BOB, g.propose_call(&[g.payout(RECIPIENT, CIRO), delegate], true)).await,
        TREASURY_CANNOT_VOTE,
    );
    expect_revert(g.send(BOB, g.propose_call(&[elsewhere], false)).await, TREASURY_CANNOT_VOTE);
    assert_eq!(g.reader().proposal_count().call().await?, 0);

    let votes = |account: Felt| {
        let reader = g.token_reader();
        async move { to_u128(reader.get_votes(&ContractAddress(account)).call().await?) }
    };
    assert_eq!(votes(g.treasury).await?, 0, "the treasury's tokens carry no votes");
    assert_eq!(votes(bob.0).await?, VOTERS[1].1, "BOB has only his own votes");
    assert_eq!(g.balance(g.treasury).await?, TREASURY_FUNDS);
    Ok(())
}

/// Flow: holders propose to replace the council (`set_council`) and to move the token's emergency
/// council away from the treasury (`set_emergency_council`); the council can cancel neither, while
/// Pending or once queued; both execute; the old members are no longer the council.
#[tokio::test]
async fn council_cannot_cancel_a_proposal_that_replaces_it() -> Result<()> {
    let g = Gov::start().await?;
    g.send(OUTSIDER, g.calls.accept_governance_of_getcall(&ContractAddress(g.token))).await?;
    let new_members = vec![ContractAddress(g.addr(OUTSIDER)), ContractAddress(g.addr(RECIPIENT))];
    let new_token_council = ContractAddress(g.addr(RECIPIENT));
    let replace = g.propose_at(ALICE, T1, &[g.calls.set_council_getcall(&new_members, &1)], false).await?;
    let move_away = g
        .propose_at(ALICE, T1 + 10, &[g.token_calls.set_emergency_council_getcall(&new_token_council)], false)
        .await?;
    for id in [replace, move_away] {
        assert!(g.proposal(id).await?.critical, "council changes are critical");
        g.assert_council_cannot_cancel(id).await?;
    }

    let last = g.proposal(move_away).await?;
    g.at(last.snapshot + 1).await?;
    for id in [replace, move_away] {
        g.vote(ALICE, id, FOR).await?;
    }
    g.at(last.deadline + 1).await?;
    for id in [replace, move_away] {
        g.send(OUTSIDER, g.calls.queue_getcall(&id)).await?;
        g.assert_council_cannot_cancel(id).await?;
    }
    g.at(g.proposal(move_away).await?.eta).await?;
    for id in [replace, move_away] {
        g.send(OUTSIDER, g.calls.execute_getcall(&id)).await?;
        assert_eq!(g.state(id).await?, ProposalState::Executed);
    }
    assert_eq!(g.reader().council_members().call().await?, new_members);
    assert!(!g.reader().is_council_member(&ContractAddress(g.addr(MEMBER_A))).call().await?);
    assert_eq!(g.token_reader().emergency_council().call().await?, new_token_council);
    Ok(())
}

/// Flow (the devnet attack): the council pauses the token; holders propose `token.unpause()` (a
/// normal proposal); the council cannot cancel it, before voting or once queued; it executes and
/// ALICE can transfer again.
#[tokio::test]
async fn council_cannot_cancel_an_unpause() -> Result<()> {
    let g = Gov::start().await?;
    g.send(OUTSIDER, g.calls.accept_governance_of_getcall(&ContractAddress(g.token))).await?;
    g.send(MEMBER_A, g.council_propose_call(CouncilAction::Pause(ContractAddress(g.token)))).await?;
    g.send(MEMBER_B, g.council_confirm_call(1)).await?;
    assert!(g.token_reader().is_paused().call().await?);
    expect_revert(g.send(ALICE, g.payout(CAROL, CIRO)).await, TOKEN_PAUSED);

    let id = g.propose_at(ALICE, T1, &[g.token_calls.unpause_getcall()], false).await?;
    assert!(!g.proposal(id).await?.critical, "unpause is a normal call");
    g.assert_council_cannot_cancel(id).await?;
    g.vote_through(id, &[(BOB, FOR), (DAVE, AGAINST)]).await?; // a simple majority suffices
    g.send(OUTSIDER, g.calls.queue_getcall(&id)).await?;
    g.assert_council_cannot_cancel(id).await?;
    g.at(g.proposal(id).await?.eta).await?;
    g.send(OUTSIDER, g.calls.execute_getcall(&id)).await?;
    assert!(!g.token_reader().is_paused().call().await?);
    g.send(ALICE, g.payout(CAROL, CIRO)).await?;
    Ok(())
}

/// Flow: a proposal bundles a harmless `set_emergency_council` (the token's council stays the
/// treasury) with a payout: one shielding call does not shield the payout, so the council cancels
/// it at 2 confirmations and RECIPIENT is never paid.
#[tokio::test]
async fn council_cancels_a_payout_bundled_with_a_council_call() -> Result<()> {
    let g = Gov::start().await?;
    let shield = g.token_calls.set_emergency_council_getcall(&ContractAddress(g.treasury));
    let id = g.propose_at(BOB, T1, &[shield, g.payout(RECIPIENT, CIRO)], false).await?;
    g.vote_through(id, &[(BOB, FOR), (ALICE, FOR)]).await?;
    g.send(OUTSIDER, g.calls.queue_getcall(&id)).await?;
    g.send(MEMBER_A, g.council_propose_call(CouncilAction::CancelProposal(id))).await?;
    g.send(MEMBER_C, g.council_confirm_call(1)).await?;
    assert_eq!(g.state(id).await?, ProposalState::Canceled);
    g.at(g.proposal(id).await?.eta).await?;
    expect_revert(g.send(OUTSIDER, g.calls.execute_getcall(&id)).await, NOT_QUEUED);
    assert_eq!(g.balance(g.addr(RECIPIENT)).await?, 0);
    Ok(())
}
