//! CIRO_Token on a real devnet: ERC20 (snake_case and camelCase), capped and rate-limited minting,
//! burning, the emergency pause, the governance setters, vote delegation with checkpoints, and the
//! governance two-step transfer and upgrade. Tests that move tokens end with `assert_invariants`:
//! the total supply is the sum of the balances of every address a `Transfer` ever reached, and
//! every delegate's votes are the sum of the balances delegated to it.
//!
//! Time: on devnet 0.10 a transaction runs at the time of the latest block, and
//! `devnet().set_time(t)` makes a block at `t`, so the next transaction after `set_time(t)` runs at
//! exactly `t`, and a view called right after it runs at `t` too (the tests use `Token::at`).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{ensure, Result};
use ciro_deploy::tx::TxError;
use ciro_tests::rng::Rng;
use ciro_tests::{events_named, expect_revert, felt, u256_felts, u256_from_felts, TestChain};
use starknet::core::types::{BlockId, BlockTag, Felt, TransactionReceiptWithBlockInfo};
use starknet::core::utils::{cairo_short_string_to_felt, get_selector_from_name};
use starknet::providers::Provider;

type Receipt = TransactionReceiptWithBlockInfo;

// Actors: predeployed accounts.
const GOVERNANCE: usize = 0; // also the deployer
const HOLDER: usize = 1; // receives the initial 50,000,000 CIRO
const MINTER: usize = 2;
const COUNCIL: usize = 3;
const ALICE: usize = 4;
const BOB: usize = 5;
const CAROL: usize = 6;
const DAVE: usize = 7;
const OUTSIDER: usize = 9;

const CIRO: u128 = 1_000_000_000_000_000_000;
const INITIAL_SUPPLY: u128 = 50_000_000 * CIRO;
const MAX_SUPPLY: u128 = 1_000_000_000 * CIRO;
const MINT_LIMIT: u128 = 1_000 * CIRO;
const MINT_PERIOD: u64 = 3_600;
/// A block time after the tests start, at the start of a mint window (a multiple of MINT_PERIOD).
const T0: u64 = 2_000_001_600;

use ciro_bindings::errors::access::{
    CALLER_NOT_COUNCIL as CANNOT_PAUSE, CALLER_NOT_GOVERNANCE as NOT_GOVERNANCE, CALLER_NOT_PENDING as NOT_PENDING,
    CLASS_HASH_IS_ZERO, GOVERNANCE_IS_ZERO, INVALID_PAUSE_END, NOT_PAUSED, PAUSED,
};
use ciro_bindings::errors::token::{
    AMOUNT_IS_ZERO, APPROVE_FROM_ZERO, APPROVE_TO_ZERO, BURN_FROM_ZERO, CALLER_NOT_MINTER as NOT_MINTER,
    CAP_EXCEEDED, FUTURE_LOOKUP, INSUFFICIENT_ALLOWANCE, INSUFFICIENT_BALANCE,
    MINT_RATE_EXCEEDED as RATE_EXCEEDED, MINT_TO_ZERO, PERIOD_IS_ZERO, TRANSFER_FROM_ZERO, TRANSFER_TO_ZERO,
};

/// `u256` calldata.
fn amount(value: u128) -> Vec<Felt> {
    u256_felts(value).to_vec()
}

/// 2^256 - 1, the unlimited allowance.
fn unlimited() -> Vec<Felt> {
    vec![Felt::from(u128::MAX), Felt::from(u128::MAX)]
}

/// Calldata from parts.
fn data(parts: &[&[Felt]]) -> Vec<Felt> {
    parts.concat()
}

fn selector(name: &str) -> Felt {
    get_selector_from_name(name).expect("an ASCII event name")
}

/// Asserts that a view call failed with exactly `message`.
#[track_caller]
fn expect_call_revert(result: Result<Vec<Felt>>, message: &str) {
    expect_revert(result.map_err(|e| TxError::Rejected { reason: format!("{e:#}") }), message);
}

/// Asserts that `receipt` holds exactly one `Transfer` of `token`: `from` → `to`, `value`.
#[track_caller]
fn assert_transfer(receipt: &Receipt, token: Felt, from: Felt, to: Felt, value: u128) {
    let events = events_named(receipt, token, "Transfer");
    assert_eq!(events.len(), 1, "one Transfer event");
    assert_eq!(events[0].keys, vec![selector("Transfer"), from, to], "Transfer keys: selector, from, to");
    assert_eq!(events[0].data, amount(value), "Transfer data: value");
}

/// Asserts that `receipt` holds exactly one `Approval` of `token`: `owner` lets `spender` spend `value`.
#[track_caller]
fn assert_approval(receipt: &Receipt, token: Felt, owner: Felt, spender: Felt, value: u128) {
    let events = events_named(receipt, token, "Approval");
    assert_eq!(events.len(), 1, "one Approval event");
    assert_eq!(events[0].keys, vec![selector("Approval"), owner, spender], "Approval keys: selector, owner, spender");
    assert_eq!(events[0].data, amount(value), "Approval data: value");
}

/// The `DelegateVotesChanged` events of `receipt`, as `(delegate, previous, new)`.
fn votes_changed(receipt: &Receipt, token: Felt) -> Result<Vec<(Felt, u128, u128)>> {
    events_named(receipt, token, "DelegateVotesChanged")
        .into_iter()
        .map(|e| {
            ensure!(e.keys.len() == 2 && e.data.len() == 4, "DelegateVotesChanged layout: {e:?}");
            Ok((e.keys[1], u256_from_felts(e.data[0], e.data[1])?, u256_from_felts(e.data[2], e.data[3])?))
        })
        .collect()
}

/// A devnet with the CIRO token: 50M CIRO to HOLDER, governance GOVERNANCE, minter MINTER,
/// emergency council COUNCIL, at most MINT_LIMIT minted per MINT_PERIOD.
struct Token {
    chain: TestChain,
    address: Felt,
}

impl Token {
    async fn start() -> Result<Self> {
        let chain = TestChain::start().await?;
        let address = Self::deploy(&chain).await?;
        Ok(Token { chain, address })
    }

    /// As `start`, with the constructor run at block time `time`.
    async fn start_at(time: u64) -> Result<Self> {
        let chain = TestChain::start().await?;
        chain.declare("CIROToken").await?;
        chain.devnet().set_time(time).await?;
        let address = Self::deploy(&chain).await?;
        Ok(Token { chain, address })
    }

    async fn deploy(chain: &TestChain) -> Result<Felt> {
        let (holder, governance) = (chain.address_of(HOLDER)?, chain.address_of(GOVERNANCE)?);
        let (minter, council) = (chain.address_of(MINTER)?, chain.address_of(COUNCIL)?);
        Ok(chain.deploy_ciro_token(holder, governance, minter, council, MINT_LIMIT, MINT_PERIOD).await?)
    }

    fn addr(&self, account: usize) -> Felt {
        self.chain.address_of(account).expect("a predeployed account")
    }

    /// Makes a block at `time`: the next transaction and views run at `time`.
    async fn at(&self, time: u64) -> Result<()> {
        Ok(self.chain.devnet().set_time(time).await?)
    }

    async fn send(&self, caller: usize, entry_point: &str, calldata: Vec<Felt>) -> Result<Receipt, TxError> {
        self.chain.invoke(caller, self.address, entry_point, calldata).await
    }

    async fn view(&self, entry_point: &str, calldata: Vec<Felt>) -> Result<Vec<Felt>> {
        self.chain.call(self.address, entry_point, calldata).await
    }

    async fn view_u256(&self, entry_point: &str, calldata: Vec<Felt>) -> Result<u128> {
        let felts = self.view(entry_point, calldata).await?;
        ensure!(felts.len() == 2, "{entry_point} returned {felts:?}, not a u256");
        u256_from_felts(felts[0], felts[1])
    }

    async fn balance(&self, account: Felt) -> Result<u128> {
        self.view_u256("balance_of", vec![account]).await
    }

    async fn supply(&self) -> Result<u128> {
        self.view_u256("total_supply", vec![]).await
    }

    async fn allowance(&self, owner: Felt, spender: Felt) -> Result<u128> {
        self.view_u256("allowance", vec![owner, spender]).await
    }

    async fn votes(&self, account: Felt) -> Result<u128> {
        self.view_u256("get_votes", vec![account]).await
    }

    async fn past_votes(&self, account: Felt, timestamp: u64) -> Result<u128> {
        self.view_u256("get_past_votes", vec![account, Felt::from(timestamp)]).await
    }

    async fn past_supply(&self, timestamp: u64) -> Result<u128> {
        self.view_u256("get_past_total_supply", vec![Felt::from(timestamp)]).await
    }

    async fn minted_in_period(&self) -> Result<u128> {
        self.view_u256("minted_in_current_period", vec![]).await
    }

    async fn delegates(&self, account: Felt) -> Result<Felt> {
        Ok(self.view("delegates", vec![account]).await?[0])
    }

    async fn is_paused(&self) -> Result<bool> {
        Ok(self.view("is_paused", vec![]).await? == vec![Felt::ONE])
    }

    async fn transfer(&self, from: usize, to: Felt, value: u128) -> Result<Receipt, TxError> {
        self.send(from, "transfer", data(&[&[to], &amount(value)])).await
    }

    async fn approve(&self, owner: usize, spender: Felt, value: u128) -> Result<Receipt, TxError> {
        self.send(owner, "approve", data(&[&[spender], &amount(value)])).await
    }

    async fn transfer_from(&self, spender: usize, from: Felt, to: Felt, value: u128) -> Result<Receipt, TxError> {
        self.send(spender, "transfer_from", data(&[&[from, to], &amount(value)])).await
    }

    async fn mint(&self, caller: usize, to: Felt, value: u128) -> Result<Receipt, TxError> {
        self.send(caller, "mint", data(&[&[to], &amount(value)])).await
    }

    async fn burn(&self, caller: usize, value: u128) -> Result<Receipt, TxError> {
        self.send(caller, "burn", amount(value)).await
    }

    async fn burn_from(&self, caller: usize, account: Felt, value: u128) -> Result<Receipt, TxError> {
        self.send(caller, "burn_from", data(&[&[account], &amount(value)])).await
    }

    async fn delegate(&self, caller: usize, delegatee: Felt) -> Result<Receipt, TxError> {
        self.send(caller, "delegate", vec![delegatee]).await
    }

    /// Gives `to` `value` CIRO from HOLDER.
    async fn give(&self, to: usize, value: u128) -> Result<()> {
        self.transfer(HOLDER, self.addr(to), value).await?;
        Ok(())
    }

    /// The total supply equals the sum of `balance_of` over every address that ever received
    /// tokens (every `to` of a `Transfer`), and within the cap; every account's votes equal the
    /// balances delegated to it.
    async fn assert_invariants(&self) -> Result<()> {
        let mut holders = BTreeSet::new();
        for event in self.chain.events_of(self.address, "Transfer").await? {
            ensure!(event.keys.len() == 3, "Transfer layout: {event:?}");
            holders.extend(event.keys[1..].iter().copied().filter(|a| *a != Felt::ZERO));
        }
        let mut sum = 0u128;
        let mut delegated: BTreeMap<Felt, u128> = BTreeMap::new();
        for holder in &holders {
            let balance = self.balance(*holder).await?;
            ensure!(
                self.view_u256("balanceOf", vec![*holder]).await? == balance,
                "balanceOf and balance_of differ for {holder:#x}"
            );
            sum += balance;
            let delegate = self.delegates(*holder).await?;
            if delegate != Felt::ZERO {
                *delegated.entry(delegate).or_default() += balance;
            }
        }
        let supply = self.supply().await?;
        ensure!(supply == sum, "total supply {supply} != sum of balances {sum} over {} holders", holders.len());
        ensure!(self.view_u256("totalSupply", vec![]).await? == supply, "totalSupply differs from total_supply");
        ensure!(supply <= MAX_SUPPLY, "total supply {supply} above the cap");

        let mut accounts: BTreeSet<Felt> = holders;
        for event in self.chain.events_of(self.address, "DelegateChanged").await? {
            ensure!(event.keys.len() == 4, "DelegateChanged layout: {event:?}");
            accounts.extend(event.keys[1..].iter().copied().filter(|a| *a != Felt::ZERO));
        }
        for account in accounts {
            let expected = delegated.get(&account).copied().unwrap_or(0);
            let votes = self.votes(account).await?;
            ensure!(votes == expected, "votes of {account:#x}: {votes}, but {expected} is delegated to it");
        }
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------------
// constructor

#[tokio::test]
async fn constructor_sets_metadata_supply_roles_and_limits() -> Result<()> {
    let t = Token::start().await?;
    let ciro = cairo_short_string_to_felt("CIRO")?;
    assert_eq!(t.view("name", vec![]).await?, vec![ciro]);
    assert_eq!(t.view("symbol", vec![]).await?, vec![ciro]);
    assert_eq!(t.view("decimals", vec![]).await?, vec![felt(18)]);
    assert_eq!(t.supply().await?, 50_000_000 * 10u128.pow(18));
    assert_eq!(t.view_u256("totalSupply", vec![]).await?, INITIAL_SUPPLY);
    assert_eq!(t.balance(t.addr(HOLDER)).await?, INITIAL_SUPPLY);
    assert_eq!(t.balance(t.addr(GOVERNANCE)).await?, 0, "the deployer gets nothing");
    assert_eq!(t.view_u256("max_supply", vec![]).await?, 10u128.pow(27));
    assert_eq!(t.view("governance", vec![]).await?, vec![t.addr(GOVERNANCE)]);
    assert_eq!(t.view("pending_governance", vec![]).await?, vec![Felt::ZERO]);
    assert_eq!(t.view("minter", vec![]).await?, vec![t.addr(MINTER)]);
    assert_eq!(t.view("emergency_council", vec![]).await?, vec![t.addr(COUNCIL)]);
    assert_eq!(t.view("mint_rate_limit", vec![]).await?, data(&[&amount(MINT_LIMIT), &[Felt::from(MINT_PERIOD)]]));
    assert_eq!(t.minted_in_period().await?, 0, "the initial supply is outside the rate limit");
    assert!(!t.is_paused().await?);
    assert_eq!(t.delegates(t.addr(HOLDER)).await?, Felt::ZERO);
    assert_eq!(t.votes(t.addr(HOLDER)).await?, 0, "undelegated tokens carry no votes");
    t.assert_invariants().await
}

#[tokio::test]
async fn constructor_emits_the_initial_transfer_and_role_events() -> Result<()> {
    let t = Token::start().await?;
    let transfers = t.chain.events_of(t.address, "Transfer").await?;
    assert_eq!(transfers.len(), 1);
    assert_eq!(transfers[0].keys, vec![selector("Transfer"), Felt::ZERO, t.addr(HOLDER)]);
    assert_eq!(transfers[0].data, amount(INITIAL_SUPPLY));
    let governance = t.chain.events_of(t.address, "GovernanceTransferred").await?;
    assert_eq!(governance.len(), 1);
    assert_eq!(governance[0].keys, vec![selector("GovernanceTransferred"), Felt::ZERO, t.addr(GOVERNANCE)]);
    // The library's event, emitted from the token's address, decodes with the bindings by name.
    match ciro_bindings::governed::Event::try_from(&governance[0]).map_err(|e| anyhow::anyhow!("{e}"))? {
        ciro_bindings::governed::Event::GovernanceTransferred(e) => {
            assert_eq!((e.previous_governance.0, e.new_governance.0), (Felt::ZERO, t.addr(GOVERNANCE)));
        }
        other => panic!("decoded as {other:?}"),
    }
    let minter = t.chain.events_of(t.address, "MinterChanged").await?;
    assert_eq!(minter.len(), 1);
    assert_eq!(minter[0].data, vec![Felt::ZERO, t.addr(MINTER)]);
    // The shared Pausable's event, decoded with its bindings.
    let council = t.chain.events_of(t.address, "EmergencyCouncilChanged").await?;
    assert_eq!(council.len(), 1);
    match ciro_bindings::pausable::Event::try_from(&council[0]).map_err(|e| anyhow::anyhow!("{e}"))? {
        ciro_bindings::pausable::Event::EmergencyCouncilChanged(e) => assert_eq!(e.council.0, t.addr(COUNCIL)),
        other => panic!("decoded as {other:?}"),
    }
    let limit = t.chain.events_of(t.address, "MintRateLimitChanged").await?;
    assert_eq!(limit.len(), 1);
    assert_eq!(limit[0].data, data(&[&amount(MINT_LIMIT), &[Felt::from(MINT_PERIOD)]]));
    Ok(())
}

#[tokio::test]
async fn constructor_rejects_zero_governance_zero_holder_and_zero_period() -> Result<()> {
    let chain = TestChain::start().await?;
    let a = chain.address_of(HOLDER)?;
    expect_revert(chain.deploy_ciro_token(a, Felt::ZERO, a, a, MINT_LIMIT, MINT_PERIOD).await, GOVERNANCE_IS_ZERO);
    expect_revert(chain.deploy_ciro_token(Felt::ZERO, a, a, a, MINT_LIMIT, MINT_PERIOD).await, MINT_TO_ZERO);
    expect_revert(chain.deploy_ciro_token(a, a, a, a, MINT_LIMIT, 0).await, PERIOD_IS_ZERO);
    // The same arguments with the faults fixed deploy.
    let token = chain.deploy_ciro_token(a, a, a, a, MINT_LIMIT, MINT_PERIOD).await?;
    assert_eq!(chain.call(token, "balance_of", vec![a]).await?, amount(INITIAL_SUPPLY));
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// transfer

#[tokio::test]
async fn transfer_moves_the_exact_amount_emits_transfer_and_returns_true() -> Result<()> {
    let t = Token::start().await?;
    let (holder, alice) = (t.addr(HOLDER), t.addr(ALICE));
    let value = 1_234 * CIRO + 5;
    let receipt = t.transfer(HOLDER, alice, value).await?;
    assert_transfer(&receipt, t.address, holder, alice, value);
    assert!(events_named(&receipt, t.address, "DelegateVotesChanged").is_empty(), "no delegates, no vote events");
    assert_eq!(t.chain.call_results(&receipt).await?, vec![vec![Felt::ONE]], "transfer returns true");
    assert_eq!(t.balance(holder).await?, INITIAL_SUPPLY - value);
    assert_eq!(t.balance(alice).await?, value);
    assert_eq!(t.supply().await?, INITIAL_SUPPLY);

    // Onwards from the recipient, and all of a balance.
    let receipt = t.transfer(ALICE, t.addr(BOB), value).await?;
    assert_transfer(&receipt, t.address, alice, t.addr(BOB), value);
    assert_eq!(t.balance(alice).await?, 0);
    assert_eq!(t.balance(t.addr(BOB)).await?, value);
    t.assert_invariants().await
}

#[tokio::test]
async fn transfer_rejects_insufficient_balance_and_moves_nothing() -> Result<()> {
    let t = Token::start().await?;
    t.give(ALICE, 100).await?;
    expect_revert(t.transfer(ALICE, t.addr(BOB), 101).await, INSUFFICIENT_BALANCE);
    expect_revert(t.transfer(BOB, t.addr(ALICE), 1).await, INSUFFICIENT_BALANCE);
    expect_revert(t.transfer(HOLDER, t.addr(BOB), INITIAL_SUPPLY + 1).await, INSUFFICIENT_BALANCE);
    assert_eq!(t.balance(t.addr(ALICE)).await?, 100);
    assert_eq!(t.balance(t.addr(BOB)).await?, 0);
    assert_eq!(t.balance(t.addr(HOLDER)).await?, INITIAL_SUPPLY - 100);
    t.transfer(ALICE, t.addr(BOB), 100).await?;
    assert_eq!(t.balance(t.addr(BOB)).await?, 100);
    t.assert_invariants().await
}

#[tokio::test]
async fn transfer_rejects_zero_recipient() -> Result<()> {
    let t = Token::start().await?;
    expect_revert(t.transfer(HOLDER, Felt::ZERO, 1).await, TRANSFER_TO_ZERO);
    assert_eq!(t.balance(t.addr(HOLDER)).await?, INITIAL_SUPPLY);
    t.assert_invariants().await
}

#[tokio::test]
async fn transfer_rejects_zero_caller() -> Result<()> {
    // A view call runs with caller address zero.
    let t = Token::start().await?;
    expect_call_revert(t.view("transfer", data(&[&[t.addr(ALICE)], &amount(0)])).await, TRANSFER_FROM_ZERO);
    Ok(())
}

#[tokio::test]
async fn transfer_to_self_and_of_zero_keep_balances() -> Result<()> {
    let t = Token::start().await?;
    let holder = t.addr(HOLDER);
    t.send(HOLDER, "delegate", vec![holder]).await?;
    let receipt = t.transfer(HOLDER, holder, 10 * CIRO).await?;
    assert_transfer(&receipt, t.address, holder, holder, 10 * CIRO);
    assert!(votes_changed(&receipt, t.address)?.is_empty(), "votes stay with the same delegate");
    assert_eq!(t.balance(holder).await?, INITIAL_SUPPLY);
    let receipt = t.transfer(HOLDER, t.addr(ALICE), 0).await?;
    assert_transfer(&receipt, t.address, holder, t.addr(ALICE), 0);
    assert_eq!(t.balance(holder).await?, INITIAL_SUPPLY);
    assert_eq!(t.balance(t.addr(ALICE)).await?, 0);
    assert_eq!(t.votes(holder).await?, INITIAL_SUPPLY);
    t.assert_invariants().await
}

// ------------------------------------------------------------------------------------------------
// approve

#[tokio::test]
async fn approve_sets_the_allowance_and_emits_approval() -> Result<()> {
    let t = Token::start().await?;
    let (holder, bob) = (t.addr(HOLDER), t.addr(BOB));
    let receipt = t.approve(HOLDER, bob, 500).await?;
    assert_approval(&receipt, t.address, holder, bob, 500);
    assert_eq!(t.chain.call_results(&receipt).await?, vec![vec![Felt::ONE]], "approve returns true");
    assert_eq!(t.allowance(holder, bob).await?, 500);
    assert_eq!(t.allowance(bob, holder).await?, 0, "allowances are directed");
    // A second approval replaces the first, it does not add to it.
    let receipt = t.approve(HOLDER, bob, 200).await?;
    assert_approval(&receipt, t.address, holder, bob, 200);
    assert_eq!(t.allowance(holder, bob).await?, 200);
    t.approve(HOLDER, bob, 0).await?;
    assert_eq!(t.allowance(holder, bob).await?, 0);
    // Approving moves no tokens, and more than the balance may be approved.
    t.approve(ALICE, bob, 7 * CIRO).await?;
    assert_eq!(t.allowance(t.addr(ALICE), bob).await?, 7 * CIRO);
    assert_eq!(t.balance(holder).await?, INITIAL_SUPPLY);
    Ok(())
}

#[tokio::test]
async fn approve_rejects_zero_spender_and_zero_caller() -> Result<()> {
    let t = Token::start().await?;
    expect_revert(t.approve(HOLDER, Felt::ZERO, 1).await, APPROVE_TO_ZERO);
    expect_call_revert(t.view("approve", data(&[&[t.addr(ALICE)], &amount(1)])).await, APPROVE_FROM_ZERO);
    assert_eq!(t.allowance(t.addr(HOLDER), Felt::ZERO).await?, 0);
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// transfer_from / transferFrom

#[tokio::test]
async fn transfer_from_spends_the_allowance_and_emits_transfer_and_approval() -> Result<()> {
    let t = Token::start().await?;
    let (holder, bob, carol) = (t.addr(HOLDER), t.addr(BOB), t.addr(CAROL));
    t.approve(HOLDER, bob, 1_000).await?;
    let receipt = t.transfer_from(BOB, holder, carol, 300).await?;
    assert_transfer(&receipt, t.address, holder, carol, 300);
    assert_approval(&receipt, t.address, holder, bob, 700);
    assert_eq!(t.chain.call_results(&receipt).await?, vec![vec![Felt::ONE]], "transfer_from returns true");
    assert_eq!(t.allowance(holder, bob).await?, 700);
    assert_eq!(t.balance(holder).await?, INITIAL_SUPPLY - 300);
    assert_eq!(t.balance(carol).await?, 300);
    assert_eq!(t.balance(bob).await?, 0, "the spender receives nothing");
    // The spender may send to itself, and spend the allowance to exactly zero.
    t.transfer_from(BOB, holder, bob, 700).await?;
    assert_eq!(t.allowance(holder, bob).await?, 0);
    assert_eq!(t.balance(bob).await?, 700);
    expect_revert(t.transfer_from(BOB, holder, bob, 1).await, INSUFFICIENT_ALLOWANCE);
    t.assert_invariants().await
}

#[tokio::test]
async fn transfer_from_rejects_insufficient_allowance() -> Result<()> {
    let t = Token::start().await?;
    let (holder, bob, carol) = (t.addr(HOLDER), t.addr(BOB), t.addr(CAROL));
    expect_revert(t.transfer_from(BOB, holder, carol, 1).await, INSUFFICIENT_ALLOWANCE);
    t.approve(HOLDER, bob, 299).await?;
    expect_revert(t.transfer_from(BOB, holder, carol, 300).await, INSUFFICIENT_ALLOWANCE);
    // Another spender's allowance does not count.
    expect_revert(t.transfer_from(CAROL, holder, carol, 1).await, INSUFFICIENT_ALLOWANCE);
    // The owner itself needs an allowance too.
    expect_revert(t.transfer_from(HOLDER, holder, carol, 1).await, INSUFFICIENT_ALLOWANCE);
    assert_eq!(t.allowance(holder, bob).await?, 299);
    assert_eq!(t.balance(holder).await?, INITIAL_SUPPLY);
    assert_eq!(t.balance(carol).await?, 0);
    t.assert_invariants().await
}

#[tokio::test]
async fn transfer_from_rejects_insufficient_balance_and_zero_recipient() -> Result<()> {
    let t = Token::start().await?;
    let (alice, bob) = (t.addr(ALICE), t.addr(BOB));
    t.give(ALICE, 50).await?;
    t.approve(ALICE, bob, 1_000).await?;
    expect_revert(t.transfer_from(BOB, alice, bob, 51).await, INSUFFICIENT_BALANCE);
    expect_revert(t.transfer_from(BOB, alice, Felt::ZERO, 10).await, TRANSFER_TO_ZERO);
    assert_eq!(t.allowance(alice, bob).await?, 1_000, "a failed transfer_from spends no allowance");
    assert_eq!(t.balance(alice).await?, 50);
    assert_eq!(t.balance(bob).await?, 0);
    t.assert_invariants().await
}

#[tokio::test]
async fn transfer_from_with_unlimited_allowance_does_not_decrease_it() -> Result<()> {
    let t = Token::start().await?;
    let (holder, bob, carol) = (t.addr(HOLDER), t.addr(BOB), t.addr(CAROL));
    let receipt = t.send(HOLDER, "approve", data(&[&[bob], &unlimited()])).await?;
    assert_eq!(events_named(&receipt, t.address, "Approval")[0].data, unlimited());
    let receipt = t.transfer_from(BOB, holder, carol, 5 * CIRO).await?;
    assert_transfer(&receipt, t.address, holder, carol, 5 * CIRO);
    assert!(events_named(&receipt, t.address, "Approval").is_empty(), "an unlimited allowance is not rewritten");
    t.transfer_from(BOB, holder, carol, INITIAL_SUPPLY - 5 * CIRO).await?;
    assert_eq!(t.view("allowance", vec![holder, bob]).await?, unlimited());
    assert_eq!(t.balance(carol).await?, INITIAL_SUPPLY);
    assert_eq!(t.balance(holder).await?, 0);
    // Unlimited allowance, but no balance left.
    expect_revert(t.transfer_from(BOB, holder, carol, 1).await, INSUFFICIENT_BALANCE);
    t.assert_invariants().await
}

#[allow(non_snake_case)]
#[tokio::test]
async fn totalSupply_and_balanceOf_match_the_snake_case_views() -> Result<()> {
    let t = Token::start().await?;
    t.give(ALICE, 77).await?;
    t.burn(HOLDER, 3).await?;
    for account in [HOLDER, ALICE, BOB] {
        let address = t.addr(account);
        assert_eq!(t.view("balanceOf", vec![address]).await?, t.view("balance_of", vec![address]).await?);
    }
    assert_eq!(t.view_u256("balanceOf", vec![t.addr(ALICE)]).await?, 77);
    assert_eq!(t.view_u256("totalSupply", vec![]).await?, INITIAL_SUPPLY - 3);
    assert_eq!(t.view("totalSupply", vec![]).await?, t.view("total_supply", vec![]).await?);
    t.assert_invariants().await
}

#[allow(non_snake_case)]
#[tokio::test]
async fn transferFrom_spends_the_allowance_like_transfer_from() -> Result<()> {
    let t = Token::start().await?;
    let (holder, bob, carol) = (t.addr(HOLDER), t.addr(BOB), t.addr(CAROL));
    t.approve(HOLDER, bob, 100).await?;
    let receipt = t.send(BOB, "transferFrom", data(&[&[holder, carol], &amount(60)])).await?;
    assert_transfer(&receipt, t.address, holder, carol, 60);
    assert_approval(&receipt, t.address, holder, bob, 40);
    assert_eq!(t.chain.call_results(&receipt).await?, vec![vec![Felt::ONE]], "transferFrom returns true");
    assert_eq!(t.allowance(holder, bob).await?, 40);
    assert_eq!(t.balance(carol).await?, 60);
    expect_revert(t.send(BOB, "transferFrom", data(&[&[holder, carol], &amount(41)])).await, INSUFFICIENT_ALLOWANCE);
    expect_revert(t.send(BOB, "transferFrom", data(&[&[holder, Felt::ZERO], &amount(1)])).await, TRANSFER_TO_ZERO);
    t.give(DAVE, 5).await?;
    t.approve(DAVE, bob, 10).await?;
    expect_revert(t.send(BOB, "transferFrom", data(&[&[t.addr(DAVE), carol], &amount(6)])).await, INSUFFICIENT_BALANCE);
    assert_eq!(t.allowance(holder, bob).await?, 40);
    t.assert_invariants().await
}

// ------------------------------------------------------------------------------------------------
// mint

#[tokio::test]
async fn mint_by_the_minter_adds_to_balance_and_supply() -> Result<()> {
    let t = Token::start_at(T0).await?;
    let alice = t.addr(ALICE);
    t.at(T0 + 10).await?;
    let receipt = t.mint(MINTER, alice, 250 * CIRO).await?;
    assert_transfer(&receipt, t.address, Felt::ZERO, alice, 250 * CIRO);
    assert_eq!(t.balance(alice).await?, 250 * CIRO);
    assert_eq!(t.supply().await?, INITIAL_SUPPLY + 250 * CIRO);
    assert_eq!(t.minted_in_period().await?, 250 * CIRO);
    t.mint(MINTER, t.addr(MINTER), 1).await?;
    assert_eq!(t.balance(t.addr(MINTER)).await?, 1);
    assert_eq!(t.minted_in_period().await?, 250 * CIRO + 1);
    t.assert_invariants().await
}

#[tokio::test]
async fn mint_rejects_callers_other_than_the_minter() -> Result<()> {
    let t = Token::start().await?;
    let alice = t.addr(ALICE);
    for caller in [GOVERNANCE, HOLDER, COUNCIL, ALICE, OUTSIDER] {
        expect_revert(t.mint(caller, alice, 1).await, NOT_MINTER);
    }
    assert_eq!(t.supply().await?, INITIAL_SUPPLY);
    assert_eq!(t.balance(alice).await?, 0);
    assert_eq!(t.minted_in_period().await?, 0);
    t.assert_invariants().await
}

#[tokio::test]
async fn mint_rejects_zero_amount_and_zero_recipient() -> Result<()> {
    let t = Token::start().await?;
    expect_revert(t.mint(MINTER, t.addr(ALICE), 0).await, AMOUNT_IS_ZERO);
    expect_revert(t.mint(MINTER, Felt::ZERO, 1).await, MINT_TO_ZERO);
    assert_eq!(t.supply().await?, INITIAL_SUPPLY);
    assert_eq!(t.minted_in_period().await?, 0);
    t.assert_invariants().await
}

#[tokio::test]
async fn mint_is_limited_per_rate_window() -> Result<()> {
    // Windows are [k·MINT_PERIOD, (k+1)·MINT_PERIOD); T0 starts one.
    let t = Token::start().await?;
    let alice = t.addr(ALICE);
    t.at(T0 + 100).await?;
    assert_eq!(t.minted_in_period().await?, 0);
    t.mint(MINTER, alice, 600 * CIRO).await?;
    t.at(T0 + 200).await?;
    assert_eq!(t.minted_in_period().await?, 600 * CIRO);
    expect_revert(t.mint(MINTER, alice, 400 * CIRO + 1).await, RATE_EXCEEDED);
    t.mint(MINTER, alice, 400 * CIRO).await?; // up to the limit exactly
    t.at(T0 + 300).await?;
    assert_eq!(t.minted_in_period().await?, MINT_LIMIT);
    expect_revert(t.mint(MINTER, alice, 1).await, RATE_EXCEEDED);
    t.at(T0 + MINT_PERIOD - 1).await?; // the window's last second
    expect_revert(t.mint(MINTER, alice, 1).await, RATE_EXCEEDED);
    assert_eq!(t.balance(alice).await?, MINT_LIMIT);
    assert_eq!(t.supply().await?, INITIAL_SUPPLY + MINT_LIMIT);

    // The next window starts empty.
    t.at(T0 + MINT_PERIOD).await?;
    assert_eq!(t.minted_in_period().await?, 0);
    t.mint(MINTER, alice, 1).await?;
    t.at(T0 + MINT_PERIOD + 10).await?;
    assert_eq!(t.minted_in_period().await?, 1);
    t.mint(MINTER, alice, MINT_LIMIT - 1).await?;
    t.at(T0 + MINT_PERIOD + 20).await?;
    expect_revert(t.mint(MINTER, alice, 1).await, RATE_EXCEEDED);
    assert_eq!(t.minted_in_period().await?, MINT_LIMIT);

    // A window with no mints reads zero.
    t.at(T0 + 5 * MINT_PERIOD + 1).await?;
    assert_eq!(t.minted_in_period().await?, 0);
    assert_eq!(t.balance(alice).await?, 2 * MINT_LIMIT);
    assert_eq!(t.supply().await?, INITIAL_SUPPLY + 2 * MINT_LIMIT);
    t.assert_invariants().await
}

#[tokio::test]
async fn mint_rejects_exceeding_the_cap() -> Result<()> {
    let t = Token::start().await?;
    let alice = t.addr(ALICE);
    t.send(GOVERNANCE, "set_mint_rate_limit", data(&[&amount(2 * MAX_SUPPLY), &[Felt::from(MINT_PERIOD)]])).await?;
    let room = MAX_SUPPLY - INITIAL_SUPPLY;
    expect_revert(t.mint(MINTER, alice, room + 1).await, CAP_EXCEEDED);
    assert_eq!(t.supply().await?, INITIAL_SUPPLY);
    t.mint(MINTER, alice, room).await?;
    assert_eq!(t.supply().await?, MAX_SUPPLY);
    assert_eq!(t.balance(alice).await?, room);
    expect_revert(t.mint(MINTER, alice, 1).await, CAP_EXCEEDED);
    // Burning makes room again: the cap bounds the supply, not the sum ever minted.
    t.burn(ALICE, 5).await?;
    expect_revert(t.mint(MINTER, alice, 6).await, CAP_EXCEEDED);
    t.mint(MINTER, t.addr(BOB), 5).await?;
    assert_eq!(t.supply().await?, MAX_SUPPLY);
    t.assert_invariants().await
}

// ------------------------------------------------------------------------------------------------
// burn / burn_from

#[tokio::test]
async fn burn_lowers_balance_and_supply_by_exactly_the_amount() -> Result<()> {
    let t = Token::start().await?;
    let alice = t.addr(ALICE);
    t.give(ALICE, 1_000 * CIRO).await?;
    let receipt = t.burn(ALICE, 123 * CIRO + 7).await?;
    assert_transfer(&receipt, t.address, alice, Felt::ZERO, 123 * CIRO + 7);
    assert_eq!(t.balance(alice).await?, 877 * CIRO - 7);
    assert_eq!(t.supply().await?, INITIAL_SUPPLY - 123 * CIRO - 7);
    t.burn(ALICE, 877 * CIRO - 7).await?;
    assert_eq!(t.balance(alice).await?, 0);
    assert_eq!(t.supply().await?, INITIAL_SUPPLY - 1_000 * CIRO);
    assert_eq!(t.balance(t.addr(HOLDER)).await?, INITIAL_SUPPLY - 1_000 * CIRO);
    t.assert_invariants().await
}

#[tokio::test]
async fn burn_rejects_zero_amount_insufficient_balance_and_zero_caller() -> Result<()> {
    let t = Token::start().await?;
    t.give(ALICE, 10).await?;
    expect_revert(t.burn(ALICE, 0).await, AMOUNT_IS_ZERO);
    expect_revert(t.burn(ALICE, 11).await, INSUFFICIENT_BALANCE);
    expect_revert(t.burn(BOB, 1).await, INSUFFICIENT_BALANCE);
    expect_call_revert(t.view("burn", amount(1)).await, BURN_FROM_ZERO);
    assert_eq!(t.balance(t.addr(ALICE)).await?, 10);
    assert_eq!(t.supply().await?, INITIAL_SUPPLY);
    t.assert_invariants().await
}

#[tokio::test]
async fn burn_from_spends_the_allowance_and_burns() -> Result<()> {
    let t = Token::start().await?;
    let (alice, bob) = (t.addr(ALICE), t.addr(BOB));
    t.give(ALICE, 1_000).await?;
    t.approve(ALICE, bob, 600).await?;
    let receipt = t.burn_from(BOB, alice, 400).await?;
    assert_transfer(&receipt, t.address, alice, Felt::ZERO, 400);
    assert_approval(&receipt, t.address, alice, bob, 200);
    assert_eq!(t.allowance(alice, bob).await?, 200);
    assert_eq!(t.balance(alice).await?, 600);
    assert_eq!(t.balance(bob).await?, 0);
    assert_eq!(t.supply().await?, INITIAL_SUPPLY - 400);
    // Unlimited allowance: burned, allowance untouched.
    t.send(ALICE, "approve", data(&[&[bob], &unlimited()])).await?;
    t.burn_from(BOB, alice, 600).await?;
    assert_eq!(t.view("allowance", vec![alice, bob]).await?, unlimited());
    assert_eq!(t.balance(alice).await?, 0);
    assert_eq!(t.supply().await?, INITIAL_SUPPLY - 1_000);
    t.assert_invariants().await
}

#[tokio::test]
async fn burn_from_rejects_insufficient_allowance_balance_and_zero_amount() -> Result<()> {
    let t = Token::start().await?;
    let (alice, bob) = (t.addr(ALICE), t.addr(BOB));
    t.give(ALICE, 100).await?;
    expect_revert(t.burn_from(BOB, alice, 1).await, INSUFFICIENT_ALLOWANCE);
    t.approve(ALICE, bob, 500).await?;
    expect_revert(t.burn_from(BOB, alice, 101).await, INSUFFICIENT_BALANCE);
    expect_revert(t.burn_from(BOB, alice, 501).await, INSUFFICIENT_ALLOWANCE);
    expect_revert(t.burn_from(BOB, alice, 0).await, AMOUNT_IS_ZERO);
    expect_revert(t.burn_from(CAROL, alice, 1).await, INSUFFICIENT_ALLOWANCE);
    assert_eq!(t.allowance(alice, bob).await?, 500);
    assert_eq!(t.balance(alice).await?, 100);
    assert_eq!(t.supply().await?, INITIAL_SUPPLY);
    t.assert_invariants().await
}

// ------------------------------------------------------------------------------------------------
// pause / unpause

/// Every movement of tokens, attempted while paused, fails with `Pause: paused` and moves nothing.
async fn assert_nothing_moves_while_paused(t: &Token) -> Result<()> {
    let (alice, bob, carol) = (t.addr(ALICE), t.addr(BOB), t.addr(CAROL));
    let accounts = [t.addr(HOLDER), alice, bob, carol];
    let mut before = Vec::new();
    for a in accounts {
        before.push(t.balance(a).await?);
    }
    let (supply, allowance, minted) = (t.supply().await?, t.allowance(alice, bob).await?, t.minted_in_period().await?);
    expect_revert(t.transfer(ALICE, bob, 1).await, PAUSED);
    expect_revert(t.transfer(HOLDER, carol, 1).await, PAUSED);
    expect_revert(t.transfer_from(BOB, alice, carol, 1).await, PAUSED);
    expect_revert(t.send(BOB, "transferFrom", data(&[&[alice, carol], &amount(1)])).await, PAUSED);
    expect_revert(t.mint(MINTER, carol, 1).await, PAUSED);
    expect_revert(t.burn(ALICE, 1).await, PAUSED);
    expect_revert(t.burn_from(BOB, alice, 1).await, PAUSED);
    for (a, b) in accounts.into_iter().zip(before) {
        assert_eq!(t.balance(a).await?, b, "balance of {a:#x} moved while paused");
    }
    assert_eq!(t.supply().await?, supply);
    assert_eq!(t.allowance(alice, bob).await?, allowance);
    assert_eq!(t.minted_in_period().await?, minted);
    Ok(())
}

#[tokio::test]
async fn pause_by_the_emergency_council_stops_transfers_mints_and_burns() -> Result<()> {
    let t = Token::start().await?;
    t.give(ALICE, 1_000).await?;
    t.approve(ALICE, t.addr(BOB), 500).await?;
    let receipt = t.send(COUNCIL, "pause", vec![]).await?;
    let paused = events_named(&receipt, t.address, "Paused");
    assert_eq!(paused.len(), 1);
    assert_eq!(paused[0].keys, vec![selector("Paused"), t.addr(COUNCIL)]);
    assert!(t.is_paused().await?);
    assert_nothing_moves_while_paused(&t).await?;
    t.assert_invariants().await
}

#[tokio::test]
async fn pause_by_governance_then_unpause_resumes_transfers() -> Result<()> {
    let t = Token::start().await?;
    t.give(ALICE, 1_000).await?;
    t.approve(ALICE, t.addr(BOB), 500).await?;
    let receipt = t.send(GOVERNANCE, "pause", vec![]).await?;
    assert_eq!(events_named(&receipt, t.address, "Paused")[0].keys, vec![selector("Paused"), t.addr(GOVERNANCE)]);
    assert!(t.is_paused().await?);
    assert_nothing_moves_while_paused(&t).await?;

    let receipt = t.send(GOVERNANCE, "unpause", vec![]).await?;
    let unpaused = events_named(&receipt, t.address, "Unpaused");
    assert_eq!(unpaused.len(), 1);
    assert_eq!(unpaused[0].keys, vec![selector("Unpaused"), t.addr(GOVERNANCE)]);
    assert!(!t.is_paused().await?);
    t.transfer(ALICE, t.addr(BOB), 1).await?;
    t.transfer_from(BOB, t.addr(ALICE), t.addr(CAROL), 2).await?;
    t.mint(MINTER, t.addr(CAROL), 3).await?;
    t.burn(ALICE, 4).await?;
    assert_eq!(t.balance(t.addr(ALICE)).await?, 1_000 - 1 - 2 - 4);
    assert_eq!(t.balance(t.addr(CAROL)).await?, 5);
    assert_eq!(t.supply().await?, INITIAL_SUPPLY + 3 - 4);
    t.assert_invariants().await
}

#[tokio::test]
async fn pause_rejects_other_callers_and_pausing_twice() -> Result<()> {
    let t = Token::start().await?;
    for caller in [HOLDER, MINTER, ALICE, OUTSIDER] {
        expect_revert(t.send(caller, "pause", vec![]).await, CANNOT_PAUSE);
    }
    assert!(!t.is_paused().await?);
    t.send(COUNCIL, "pause", vec![]).await?;
    expect_revert(t.send(COUNCIL, "pause", vec![]).await, PAUSED);
    expect_revert(t.send(GOVERNANCE, "pause", vec![]).await, PAUSED);
    assert!(t.is_paused().await?);
    Ok(())
}

/// The token's pause is the shared `Pausable`: a pause ends by itself after 14 days unless
/// governance extends it (never more than 90 days ahead), and its clock counts the seconds paused.
#[tokio::test]
async fn a_pause_ends_by_itself_unless_governance_extends_it() -> Result<()> {
    const DAY: u64 = 86_400;
    let t = Token::start_at(T0).await?;
    t.give(ALICE, 1_000).await?;
    let start = T0 + 100;
    t.at(start).await?;
    t.send(COUNCIL, "pause", vec![]).await?;
    assert_eq!(t.view("paused_until", vec![]).await?, vec![Felt::from(start + 14 * DAY)]);
    expect_revert(t.send(COUNCIL, "extend_pause", vec![Felt::from(start + 20 * DAY)]).await, NOT_GOVERNANCE);
    expect_revert(t.send(GOVERNANCE, "extend_pause", vec![Felt::from(start + 91 * DAY)]).await, INVALID_PAUSE_END);
    t.at(start + 14 * DAY).await?;
    t.transfer(ALICE, t.addr(BOB), 1).await?;
    assert!(!t.is_paused().await?, "the council's pause is over by itself");
    assert_eq!(t.view("paused_seconds", vec![]).await?, vec![Felt::from(14 * DAY)]);
    expect_revert(t.send(GOVERNANCE, "extend_pause", vec![Felt::from(start + 20 * DAY)]).await, NOT_PAUSED);

    let again = start + 15 * DAY;
    t.at(again).await?;
    t.send(COUNCIL, "pause", vec![]).await?;
    t.send(GOVERNANCE, "extend_pause", vec![Felt::from(again + 30 * DAY)]).await?;
    t.at(again + 20 * DAY).await?;
    expect_revert(t.transfer(ALICE, t.addr(BOB), 1).await, PAUSED);
    assert!(t.is_paused().await?, "extended past 14 days");
    t.send(GOVERNANCE, "unpause", vec![]).await?;
    assert_eq!(t.view("paused_seconds", vec![]).await?, vec![Felt::from(34 * DAY)]);
    t.assert_invariants().await
}

#[tokio::test]
async fn unpause_is_governance_only() -> Result<()> {
    let t = Token::start().await?;
    t.send(COUNCIL, "pause", vec![]).await?;
    for caller in [COUNCIL, MINTER, HOLDER, OUTSIDER] {
        expect_revert(t.send(caller, "unpause", vec![]).await, NOT_GOVERNANCE);
    }
    assert!(t.is_paused().await?);
    t.send(GOVERNANCE, "unpause", vec![]).await?;
    assert!(!t.is_paused().await?);
    Ok(())
}

#[tokio::test]
async fn unpause_rejects_when_not_paused() -> Result<()> {
    let t = Token::start().await?;
    expect_revert(t.send(GOVERNANCE, "unpause", vec![]).await, NOT_PAUSED);
    t.send(COUNCIL, "pause", vec![]).await?;
    t.send(GOVERNANCE, "unpause", vec![]).await?;
    expect_revert(t.send(GOVERNANCE, "unpause", vec![]).await, NOT_PAUSED);
    // The council may pause again after an unpause.
    t.send(COUNCIL, "pause", vec![]).await?;
    assert!(t.is_paused().await?);
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// admin setters

#[tokio::test]
async fn set_minter_is_governance_only_and_moves_the_role() -> Result<()> {
    let t = Token::start().await?;
    let alice = t.addr(ALICE);
    for caller in [MINTER, HOLDER, COUNCIL, ALICE] {
        expect_revert(t.send(caller, "set_minter", vec![alice]).await, NOT_GOVERNANCE);
    }
    assert_eq!(t.view("minter", vec![]).await?, vec![t.addr(MINTER)]);
    let receipt = t.send(GOVERNANCE, "set_minter", vec![alice]).await?;
    let changed = events_named(&receipt, t.address, "MinterChanged");
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].data, vec![t.addr(MINTER), alice]);
    assert_eq!(t.view("minter", vec![]).await?, vec![alice]);
    expect_revert(t.mint(MINTER, alice, 1).await, NOT_MINTER);
    t.mint(ALICE, t.addr(BOB), 9).await?;
    assert_eq!(t.balance(t.addr(BOB)).await?, 9);
    // Minting can be switched off with a zero minter.
    t.send(GOVERNANCE, "set_minter", vec![Felt::ZERO]).await?;
    expect_revert(t.mint(ALICE, t.addr(BOB), 1).await, NOT_MINTER);
    t.assert_invariants().await
}

#[tokio::test]
async fn set_emergency_council_is_governance_only_and_moves_the_role() -> Result<()> {
    let t = Token::start().await?;
    let alice = t.addr(ALICE);
    for caller in [COUNCIL, MINTER, HOLDER, ALICE] {
        expect_revert(t.send(caller, "set_emergency_council", vec![alice]).await, NOT_GOVERNANCE);
    }
    assert_eq!(t.view("emergency_council", vec![]).await?, vec![t.addr(COUNCIL)]);
    let receipt = t.send(GOVERNANCE, "set_emergency_council", vec![alice]).await?;
    let changed = events_named(&receipt, t.address, "EmergencyCouncilChanged");
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].keys, vec![selector("EmergencyCouncilChanged"), alice]);
    assert_eq!(t.view("emergency_council", vec![]).await?, vec![alice]);
    expect_revert(t.send(COUNCIL, "pause", vec![]).await, CANNOT_PAUSE);
    t.send(ALICE, "pause", vec![]).await?;
    assert!(t.is_paused().await?);
    Ok(())
}

#[tokio::test]
async fn set_mint_rate_limit_is_governance_only_and_rejects_zero_period() -> Result<()> {
    let t = Token::start().await?;
    let alice = t.addr(ALICE);
    let args = |value: u128, period: u64| data(&[&amount(value), &[Felt::from(period)]]);
    for caller in [MINTER, COUNCIL, HOLDER] {
        expect_revert(t.send(caller, "set_mint_rate_limit", args(5 * CIRO, 60)).await, NOT_GOVERNANCE);
    }
    expect_revert(t.send(GOVERNANCE, "set_mint_rate_limit", args(5 * CIRO, 0)).await, PERIOD_IS_ZERO);
    assert_eq!(t.view("mint_rate_limit", vec![]).await?, args(MINT_LIMIT, MINT_PERIOD));

    let receipt = t.send(GOVERNANCE, "set_mint_rate_limit", args(5 * CIRO, 60)).await?;
    let changed = events_named(&receipt, t.address, "MintRateLimitChanged");
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].data, args(5 * CIRO, 60));
    assert_eq!(t.view("mint_rate_limit", vec![]).await?, args(5 * CIRO, 60));

    // The new limit applies: 5 CIRO per 60-second window.
    let window = T0 + 600; // a multiple of 60
    t.at(window + 10).await?;
    t.mint(MINTER, alice, 5 * CIRO).await?;
    t.at(window + 20).await?;
    expect_revert(t.mint(MINTER, alice, 1).await, RATE_EXCEEDED);
    t.at(window + 60).await?;
    t.mint(MINTER, alice, 5 * CIRO).await?;
    assert_eq!(t.balance(alice).await?, 10 * CIRO);

    // A zero limit stops minting.
    t.send(GOVERNANCE, "set_mint_rate_limit", args(0, 60)).await?;
    t.at(window + 600).await?;
    expect_revert(t.mint(MINTER, alice, 1).await, RATE_EXCEEDED);
    t.assert_invariants().await
}

// ------------------------------------------------------------------------------------------------
// votes

#[tokio::test]
async fn delegate_to_self_gives_the_balance_as_votes() -> Result<()> {
    let t = Token::start().await?;
    let holder = t.addr(HOLDER);
    let receipt = t.delegate(HOLDER, holder).await?;
    let changed = events_named(&receipt, t.address, "DelegateChanged");
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].keys, vec![selector("DelegateChanged"), holder, Felt::ZERO, holder]);
    assert_eq!(votes_changed(&receipt, t.address)?, vec![(holder, 0, INITIAL_SUPPLY)]);
    assert_eq!(t.delegates(holder).await?, holder);
    assert_eq!(t.votes(holder).await?, INITIAL_SUPPLY);
    // Delegating to the same delegate again changes nothing.
    let receipt = t.delegate(HOLDER, holder).await?;
    assert!(votes_changed(&receipt, t.address)?.is_empty());
    assert_eq!(t.votes(holder).await?, INITIAL_SUPPLY);
    t.assert_invariants().await
}

#[tokio::test]
async fn delegate_to_others_moves_votes_and_zero_withdraws_them() -> Result<()> {
    let t = Token::start().await?;
    let (alice, bob, carol) = (t.addr(ALICE), t.addr(BOB), t.addr(CAROL));
    t.give(ALICE, 700).await?;
    let receipt = t.delegate(ALICE, bob).await?;
    assert_eq!(votes_changed(&receipt, t.address)?, vec![(bob, 0, 700)]);
    assert_eq!((t.votes(alice).await?, t.votes(bob).await?), (0, 700));

    // Redelegating moves the votes, with events for both delegates.
    let receipt = t.delegate(ALICE, carol).await?;
    let changed = events_named(&receipt, t.address, "DelegateChanged");
    assert_eq!(changed[0].keys, vec![selector("DelegateChanged"), alice, bob, carol]);
    assert_eq!(votes_changed(&receipt, t.address)?, vec![(bob, 700, 0), (carol, 0, 700)]);
    assert_eq!((t.votes(bob).await?, t.votes(carol).await?), (0, 700));

    // Two delegators add up.
    t.give(DAVE, 300).await?;
    t.delegate(DAVE, carol).await?;
    assert_eq!(t.votes(carol).await?, 1_000);

    // Delegating to zero withdraws the votes.
    let receipt = t.delegate(ALICE, Felt::ZERO).await?;
    assert_eq!(votes_changed(&receipt, t.address)?, vec![(carol, 1_000, 300)]);
    assert_eq!(t.delegates(alice).await?, Felt::ZERO);
    assert_eq!(t.votes(carol).await?, 300);
    t.assert_invariants().await
}

#[tokio::test]
async fn delegate_without_balance_records_the_delegate_and_moves_no_votes() -> Result<()> {
    let t = Token::start().await?;
    let (alice, bob) = (t.addr(ALICE), t.addr(BOB));
    let receipt = t.delegate(ALICE, bob).await?;
    assert_eq!(events_named(&receipt, t.address, "DelegateChanged").len(), 1);
    assert!(votes_changed(&receipt, t.address)?.is_empty());
    assert_eq!(t.delegates(alice).await?, bob);
    assert_eq!(t.votes(bob).await?, 0);
    // Tokens received later count for the delegate.
    t.give(ALICE, 42).await?;
    assert_eq!(t.votes(bob).await?, 42);
    assert_eq!(t.votes(alice).await?, 0);
    t.assert_invariants().await
}

#[tokio::test]
async fn get_votes_follows_transfers_mints_and_burns() -> Result<()> {
    let t = Token::start().await?;
    let (holder, alice, bob, carol, dave) = (t.addr(HOLDER), t.addr(ALICE), t.addr(BOB), t.addr(CAROL), t.addr(DAVE));
    t.give(ALICE, 1_000).await?;
    t.delegate(ALICE, dave).await?; // alice's votes go to dave
    t.delegate(BOB, bob).await?;
    t.delegate(HOLDER, holder).await?;
    assert_eq!(t.votes(dave).await?, 1_000);
    assert_eq!(t.votes(holder).await?, INITIAL_SUPPLY - 1_000);

    // Transfer between two delegated accounts.
    let receipt = t.transfer(ALICE, bob, 400).await?;
    assert_eq!(votes_changed(&receipt, t.address)?, vec![(dave, 1_000, 600), (bob, 0, 400)]);
    assert_eq!((t.votes(dave).await?, t.votes(bob).await?), (600, 400));

    // Mint to a delegator.
    let receipt = t.mint(MINTER, alice, 50).await?;
    assert_eq!(votes_changed(&receipt, t.address)?, vec![(dave, 600, 650)]);
    assert_eq!(t.votes(dave).await?, 650);

    // Burn, and burn_from.
    let receipt = t.burn(BOB, 100).await?;
    assert_eq!(votes_changed(&receipt, t.address)?, vec![(bob, 400, 300)]);
    t.approve(ALICE, carol, 25).await?;
    t.burn_from(CAROL, alice, 25).await?;
    assert_eq!((t.votes(bob).await?, t.votes(dave).await?), (300, 625));

    // To an account that never delegated: the votes leave, none arrive.
    let receipt = t.transfer(ALICE, carol, 125).await?;
    assert_eq!(votes_changed(&receipt, t.address)?, vec![(dave, 625, 500)]);
    assert_eq!(t.votes(carol).await?, 0);
    // From it: votes arrive only.
    let receipt = t.transfer(CAROL, holder, 5).await?;
    assert_eq!(votes_changed(&receipt, t.address)?, vec![(holder, INITIAL_SUPPLY - 1_000, INITIAL_SUPPLY - 995)]);

    // transfer_from moves the owner's votes.
    t.approve(HOLDER, carol, 10).await?;
    t.transfer_from(CAROL, holder, alice, 10).await?;
    assert_eq!((t.votes(holder).await?, t.votes(dave).await?), (INITIAL_SUPPLY - 1_005, 510));
    t.assert_invariants().await
}

#[tokio::test]
async fn get_past_votes_and_get_past_total_supply_read_the_checkpoints() -> Result<()> {
    // Checkpoints at known block times: T0 deployment, T1 delegate, T2 transfer, T3 mint, T4 burn.
    let (t1, t2, t3, t4, now) = (T0 + 100, T0 + 200, T0 + 300, T0 + 400, T0 + 500);
    let t = Token::start_at(T0).await?;
    let (holder, alice, bob) = (t.addr(HOLDER), t.addr(ALICE), t.addr(BOB));
    t.at(t1).await?;
    t.delegate(HOLDER, holder).await?;
    t.at(t1 + 50).await?;
    t.delegate(ALICE, bob).await?; // no balance yet: no checkpoint
    t.at(t2).await?;
    t.transfer(HOLDER, alice, 10_000).await?;
    t.at(t3).await?;
    t.mint(MINTER, alice, 500).await?;
    t.at(t4).await?;
    t.burn(ALICE, 200).await?;
    t.at(now).await?;

    let expect_votes = |account: Felt, points: Vec<(u64, u128)>| {
        let t = &t;
        async move {
            for (timestamp, expected) in points {
                assert_eq!(
                    t.past_votes(account, timestamp).await?,
                    expected,
                    "votes of {account:#x} at {timestamp} (T0 + {})",
                    timestamp - T0
                );
            }
            anyhow::Ok(())
        }
    };
    expect_votes(holder, vec![
        (T0 - 1, 0), (T0, 0), (t1 - 1, 0),
        (t1, INITIAL_SUPPLY), (t1 + 1, INITIAL_SUPPLY), (t2 - 1, INITIAL_SUPPLY),
        (t2, INITIAL_SUPPLY - 10_000), (t2 + 1, INITIAL_SUPPLY - 10_000), (now - 1, INITIAL_SUPPLY - 10_000),
    ])
    .await?;
    expect_votes(bob, vec![
        (t1 + 50, 0), (t2 - 1, 0),
        (t2, 10_000), (t2 + 1, 10_000), (t3 - 1, 10_000),
        (t3, 10_500), (t3 + 1, 10_500), (t4 - 1, 10_500),
        (t4, 10_300), (t4 + 1, 10_300), (now - 1, 10_300),
    ])
    .await?;
    expect_votes(alice, vec![(t2, 0), (t3, 0), (now - 1, 0)]).await?;

    for (timestamp, expected) in [
        (0, 0),
        (T0 - 1, 0),
        (T0, INITIAL_SUPPLY),
        (T0 + 1, INITIAL_SUPPLY),
        (t2, INITIAL_SUPPLY), // a transfer leaves the supply as it is
        (t3 - 1, INITIAL_SUPPLY),
        (t3, INITIAL_SUPPLY + 500),
        (t3 + 1, INITIAL_SUPPLY + 500),
        (t4 - 1, INITIAL_SUPPLY + 500),
        (t4, INITIAL_SUPPLY + 300),
        (now - 1, INITIAL_SUPPLY + 300),
    ] {
        assert_eq!(t.past_supply(timestamp).await?, expected, "total supply at {timestamp}");
    }
    assert_eq!(t.votes(holder).await?, INITIAL_SUPPLY - 10_000);
    assert_eq!(t.votes(bob).await?, 10_300);
    t.assert_invariants().await
}

#[tokio::test]
async fn get_past_votes_rejects_future_lookup() -> Result<()> {
    let t = Token::start().await?;
    let holder = t.addr(HOLDER);
    t.delegate(HOLDER, holder).await?;
    t.at(T0).await?;
    // The current block's time is not yet past.
    expect_call_revert(t.view("get_past_votes", vec![holder, Felt::from(T0)]).await, FUTURE_LOOKUP);
    expect_call_revert(t.view("get_past_votes", vec![holder, Felt::from(T0 + 1_000)]).await, FUTURE_LOOKUP);
    expect_call_revert(t.view("get_past_total_supply", vec![Felt::from(T0)]).await, FUTURE_LOOKUP);
    expect_call_revert(t.view("get_past_total_supply", vec![Felt::from(u64::MAX)]).await, FUTURE_LOOKUP);
    assert_eq!(t.past_votes(holder, T0 - 1).await?, INITIAL_SUPPLY);
    assert_eq!(t.past_supply(T0 - 1).await?, INITIAL_SUPPLY);
    // Once time moves on, that moment can be read.
    t.at(T0 + 1).await?;
    assert_eq!(t.past_votes(holder, T0).await?, INITIAL_SUPPLY);
    assert_eq!(t.past_supply(T0).await?, INITIAL_SUPPLY);
    Ok(())
}

#[tokio::test]
async fn get_past_votes_is_unchanged_when_tokens_move_after_the_snapshot() -> Result<()> {
    // The double-voting scenario: A has weight W at snapshot S, then hands its tokens to B, who
    // delegates to itself. At S, A still has W and B has nothing: W is counted once.
    let weight = 5_000 * CIRO;
    let snapshot = T0 + 100;
    let t = Token::start().await?;
    let (a, b) = (t.addr(ALICE), t.addr(BOB));
    t.at(T0).await?;
    t.give(ALICE, weight).await?;
    t.at(T0 + 10).await?;
    t.delegate(ALICE, a).await?;
    t.at(snapshot).await?;
    assert_eq!(t.votes(a).await?, weight);
    t.at(snapshot + 50).await?;
    t.transfer(ALICE, b, weight).await?;
    t.at(snapshot + 60).await?;
    t.delegate(BOB, b).await?;
    t.at(snapshot + 100).await?;

    assert_eq!(t.votes(a).await?, 0);
    assert_eq!(t.votes(b).await?, weight);
    assert_eq!(t.past_votes(a, snapshot).await?, weight);
    assert_eq!(t.past_votes(b, snapshot).await?, 0);
    assert_eq!(t.past_votes(a, snapshot).await? + t.past_votes(b, snapshot).await?, weight);
    // Between the transfer and B's delegation nobody holds those votes.
    assert_eq!(t.past_votes(a, snapshot + 55).await?, 0);
    assert_eq!(t.past_votes(b, snapshot + 55).await?, 0);
    assert_eq!(t.past_votes(b, snapshot + 60).await?, weight);
    assert_eq!(t.past_supply(snapshot).await?, INITIAL_SUPPLY);

    // B moving them again later does not change the snapshot either.
    t.at(snapshot + 200).await?;
    t.transfer(BOB, a, weight / 2).await?;
    t.at(snapshot + 300).await?;
    assert_eq!(t.past_votes(a, snapshot).await?, weight);
    assert_eq!(t.past_votes(b, snapshot).await?, 0);
    assert_eq!(t.past_votes(b, snapshot + 199).await?, weight);
    assert_eq!((t.votes(a).await?, t.votes(b).await?), (weight / 2, weight / 2));
    t.assert_invariants().await
}

#[tokio::test]
async fn get_past_votes_at_a_block_time_with_two_changes_is_the_last() -> Result<()> {
    let t = Token::start().await?;
    let (holder, alice) = (t.addr(HOLDER), t.addr(ALICE));
    t.at(T0).await?;
    t.delegate(HOLDER, holder).await?;
    t.at(T0 + 100).await?;
    // Three changes of the holder's votes and two of the supply in one transaction, at T0 + 100.
    t.chain
        .invoke_many(
            HOLDER,
            vec![
                (t.address, "transfer", data(&[&[alice], &amount(1_000)])),
                (t.address, "burn", amount(30)),
                (t.address, "transfer", data(&[&[alice], &amount(2_000)])),
                (t.address, "burn", amount(70)),
            ],
        )
        .await?;
    t.at(T0 + 200).await?;
    assert_eq!(t.past_votes(holder, T0 + 99).await?, INITIAL_SUPPLY);
    assert_eq!(t.past_votes(holder, T0 + 100).await?, INITIAL_SUPPLY - 3_100);
    assert_eq!(t.past_votes(holder, T0 + 199).await?, INITIAL_SUPPLY - 3_100);
    assert_eq!(t.past_supply(T0 + 99).await?, INITIAL_SUPPLY);
    assert_eq!(t.past_supply(T0 + 100).await?, INITIAL_SUPPLY - 100);
    assert_eq!(t.votes(holder).await?, INITIAL_SUPPLY - 3_100);
    assert_eq!(t.balance(alice).await?, 3_000);
    t.assert_invariants().await
}

// ------------------------------------------------------------------------------------------------
// governance

#[tokio::test]
async fn transfer_governance_then_accept_governance_moves_the_role() -> Result<()> {
    let t = Token::start().await?;
    let (governance, alice) = (t.addr(GOVERNANCE), t.addr(ALICE));
    let receipt = t.send(GOVERNANCE, "transfer_governance", vec![alice]).await?;
    let started = events_named(&receipt, t.address, "GovernanceTransferStarted");
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].keys, vec![selector("GovernanceTransferStarted"), governance, alice]);
    assert_eq!(t.view("pending_governance", vec![]).await?, vec![alice]);
    // Until accepted, the old governance keeps the role.
    assert_eq!(t.view("governance", vec![]).await?, vec![governance]);
    expect_revert(t.send(ALICE, "set_minter", vec![alice]).await, NOT_GOVERNANCE);
    t.send(GOVERNANCE, "set_minter", vec![t.addr(MINTER)]).await?;

    let receipt = t.send(ALICE, "accept_governance", vec![]).await?;
    let transferred = events_named(&receipt, t.address, "GovernanceTransferred");
    assert_eq!(transferred.len(), 1);
    assert_eq!(transferred[0].keys, vec![selector("GovernanceTransferred"), governance, alice]);
    assert_eq!(t.view("governance", vec![]).await?, vec![alice]);
    assert_eq!(t.view("pending_governance", vec![]).await?, vec![Felt::ZERO]);
    expect_revert(t.send(GOVERNANCE, "set_minter", vec![governance]).await, NOT_GOVERNANCE);
    expect_revert(t.send(GOVERNANCE, "transfer_governance", vec![governance]).await, NOT_GOVERNANCE);
    t.send(ALICE, "set_minter", vec![alice]).await?;
    assert_eq!(t.view("minter", vec![]).await?, vec![alice]);
    // Accepting twice fails: the pending governance was cleared.
    expect_revert(t.send(ALICE, "accept_governance", vec![]).await, NOT_PENDING);
    Ok(())
}

#[tokio::test]
async fn transfer_governance_rejects_non_governance_and_zero() -> Result<()> {
    let t = Token::start().await?;
    for caller in [HOLDER, MINTER, COUNCIL, ALICE] {
        expect_revert(t.send(caller, "transfer_governance", vec![t.addr(caller)]).await, NOT_GOVERNANCE);
    }
    expect_revert(t.send(GOVERNANCE, "transfer_governance", vec![Felt::ZERO]).await, GOVERNANCE_IS_ZERO);
    assert_eq!(t.view("pending_governance", vec![]).await?, vec![Felt::ZERO]);
    // A second transfer replaces the pending one.
    t.send(GOVERNANCE, "transfer_governance", vec![t.addr(ALICE)]).await?;
    t.send(GOVERNANCE, "transfer_governance", vec![t.addr(BOB)]).await?;
    assert_eq!(t.view("pending_governance", vec![]).await?, vec![t.addr(BOB)]);
    expect_revert(t.send(ALICE, "accept_governance", vec![]).await, NOT_PENDING);
    t.send(BOB, "accept_governance", vec![]).await?;
    assert_eq!(t.view("governance", vec![]).await?, vec![t.addr(BOB)]);
    Ok(())
}

#[tokio::test]
async fn accept_governance_rejects_callers_other_than_the_pending_governance() -> Result<()> {
    let t = Token::start().await?;
    // Nothing pending: nobody, governance included, can accept.
    for caller in [GOVERNANCE, ALICE] {
        expect_revert(t.send(caller, "accept_governance", vec![]).await, NOT_PENDING);
    }
    t.send(GOVERNANCE, "transfer_governance", vec![t.addr(ALICE)]).await?;
    for caller in [GOVERNANCE, BOB, MINTER, COUNCIL] {
        expect_revert(t.send(caller, "accept_governance", vec![]).await, NOT_PENDING);
    }
    assert_eq!(t.view("governance", vec![]).await?, vec![t.addr(GOVERNANCE)]);
    assert_eq!(t.view("pending_governance", vec![]).await?, vec![t.addr(ALICE)]);
    Ok(())
}

#[tokio::test]
async fn upgrade_rejects_non_governance_and_zero_class_hash() -> Result<()> {
    let t = Token::start().await?;
    let class_hash = t.chain.declare("CIROToken").await?;
    for caller in [HOLDER, MINTER, COUNCIL, OUTSIDER] {
        expect_revert(t.send(caller, "upgrade", vec![class_hash]).await, NOT_GOVERNANCE);
    }
    expect_revert(t.send(GOVERNANCE, "upgrade", vec![Felt::ZERO]).await, CLASS_HASH_IS_ZERO);
    // A pending governance is not governance yet.
    t.send(GOVERNANCE, "transfer_governance", vec![t.addr(ALICE)]).await?;
    expect_revert(t.send(ALICE, "upgrade", vec![class_hash]).await, NOT_GOVERNANCE);
    Ok(())
}

#[tokio::test]
async fn upgrade_to_its_own_class_keeps_balances_and_state() -> Result<()> {
    let t = Token::start().await?;
    let (holder, alice, bob) = (t.addr(HOLDER), t.addr(ALICE), t.addr(BOB));
    t.at(T0 + 10).await?; // all in one mint window
    t.give(ALICE, 1_000).await?;
    t.approve(ALICE, bob, 300).await?;
    t.delegate(ALICE, bob).await?;
    t.mint(MINTER, alice, 5).await?;
    let class_hash = t.chain.declare("CIROToken").await?;

    let receipt = t.send(GOVERNANCE, "upgrade", vec![class_hash]).await?;
    let upgraded = events_named(&receipt, t.address, "Upgraded");
    assert_eq!(upgraded.len(), 1);
    assert_eq!(upgraded[0].data, vec![class_hash]);
    let provider = t.chain.devnet().provider();
    assert_eq!(provider.get_class_hash_at(BlockId::Tag(BlockTag::Latest), t.address).await?, class_hash);

    assert_eq!(t.balance(holder).await?, INITIAL_SUPPLY - 1_000);
    assert_eq!(t.balance(alice).await?, 1_005);
    assert_eq!(t.supply().await?, INITIAL_SUPPLY + 5);
    assert_eq!(t.allowance(alice, bob).await?, 300);
    assert_eq!(t.votes(bob).await?, 1_005);
    assert_eq!(t.view("governance", vec![]).await?, vec![t.addr(GOVERNANCE)]);
    assert_eq!(t.view("minter", vec![]).await?, vec![t.addr(MINTER)]);
    assert_eq!(t.minted_in_period().await?, 5);
    // And it still works.
    t.transfer_from(BOB, alice, bob, 300).await?;
    assert_eq!(t.balance(bob).await?, 300);
    t.assert_invariants().await
}

#[tokio::test]
async fn upgrade_replaces_the_class_at_the_address() -> Result<()> {
    let t = Token::start().await?;
    let counter_class = t.chain.declare("OwnedCounter").await?;
    let provider = t.chain.devnet().provider();
    assert_ne!(provider.get_class_hash_at(BlockId::Tag(BlockTag::Latest), t.address).await?, counter_class);
    assert!(t.view("get_value", vec![]).await.is_err(), "the token has no get_value");

    t.send(GOVERNANCE, "upgrade", vec![counter_class]).await?;
    assert_eq!(provider.get_class_hash_at(BlockId::Tag(BlockTag::Latest), t.address).await?, counter_class);
    // The address now runs the counter's code over the token's storage.
    assert_eq!(t.view("get_value", vec![]).await?, vec![felt(0)]);
    assert!(t.view("balance_of", vec![t.addr(HOLDER)]).await.is_err(), "the token's entry points are gone");
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// a seeded random sequence

/// Mostly within `balance`, sometimes zero, sometimes just above.
fn random_amount(rng: &mut Rng, balance: u128) -> u128 {
    match rng.below(6) {
        0 => 0,
        1 => balance + 1,
        2 => balance,
        _ => (u128::from(rng.next_u64()) % (balance + 1)).min(balance),
    }
}

#[tokio::test]
async fn transfer_mint_burn_delegate_random_sequence_keeps_the_model_and_invariants() -> Result<()> {
    // 100 operations drawn from a fixed seed: transfer, approve, transfer_from, mint, burn,
    // burn_from, delegate. A model predicts each outcome (success or the exact revert) and, after
    // each step, every balance, allowance and vote.
    const STEPS: usize = 100;
    let t = Token::start().await?;
    let actors = [HOLDER, ALICE, BOB, CAROL, DAVE];
    let mut rng = Rng::seeded(0x00c1_0ce8);
    t.send(GOVERNANCE, "set_mint_rate_limit", data(&[&amount(MAX_SUPPLY), &[Felt::from(MINT_PERIOD)]])).await?;

    let mut balance: BTreeMap<usize, u128> = actors.iter().map(|a| (*a, 0)).collect();
    balance.insert(HOLDER, INITIAL_SUPPLY);
    for actor in [ALICE, BOB, CAROL, DAVE] {
        t.give(actor, 10_000).await?;
        *balance.get_mut(&actor).unwrap() += 10_000;
        *balance.get_mut(&HOLDER).unwrap() -= 10_000;
    }
    let mut allowance: BTreeMap<(usize, usize), u128> = BTreeMap::new();
    let mut delegate: BTreeMap<usize, Option<usize>> = actors.iter().map(|a| (*a, None)).collect();
    // Votes in play from the start: to self, to another, and two delegators on one delegate.
    for (delegator, delegatee) in [(ALICE, ALICE), (BOB, CAROL), (DAVE, ALICE), (HOLDER, DAVE)] {
        t.delegate(delegator, t.addr(delegatee)).await?;
        delegate.insert(delegator, Some(delegatee));
    }
    let mut supply = INITIAL_SUPPLY;
    // (operation, succeeded) → count, and transactions that moved votes: the seed must exercise
    // every operation, its reverts, and vote movements.
    let mut outcomes: BTreeMap<(u64, bool), usize> = BTreeMap::new();
    let mut vote_moves = 0;

    for step in 0..STEPS {
        let op = rng.below(7);
        let (mut x, mut y) = (rng.pick(&actors), rng.pick(&actors));
        // Spending ops mostly use a pair with an allowance.
        let approved: Vec<(usize, usize)> = allowance.iter().filter(|(_, v)| **v > 0).map(|(k, _)| *k).collect();
        if (op == 2 || op == 5) && !approved.is_empty() && rng.below(4) != 0 {
            (x, y) = rng.pick(&approved);
        }
        let bx = balance[&x];
        let allowed = allowance.get(&(x, y)).copied().unwrap_or(0);
        // (the outcome, the model's change)
        let (result, expected): (Result<Receipt, TxError>, Option<&str>) = match op {
            0 => {
                let v = random_amount(&mut rng, bx);
                let r = t.transfer(x, t.addr(y), v).await;
                if v > bx {
                    (r, Some(INSUFFICIENT_BALANCE))
                } else {
                    *balance.get_mut(&x).unwrap() -= v;
                    *balance.get_mut(&y).unwrap() += v;
                    (r, None)
                }
            }
            1 => {
                let v = random_amount(&mut rng, bx);
                let r = t.approve(x, t.addr(y), v).await;
                allowance.insert((x, y), v);
                (r, None)
            }
            2 => {
                // y spends x's allowance to send to a third actor.
                let z = rng.pick(&actors);
                let v = random_amount(&mut rng, allowed.min(bx));
                let r = t.transfer_from(y, t.addr(x), t.addr(z), v).await;
                if v > allowed {
                    (r, Some(INSUFFICIENT_ALLOWANCE))
                } else if v > bx {
                    (r, Some(INSUFFICIENT_BALANCE))
                } else {
                    allowance.insert((x, y), allowed - v);
                    *balance.get_mut(&x).unwrap() -= v;
                    *balance.get_mut(&z).unwrap() += v;
                    (r, None)
                }
            }
            3 => {
                let v = random_amount(&mut rng, 5_000);
                let r = t.mint(MINTER, t.addr(y), v).await;
                if v == 0 {
                    (r, Some(AMOUNT_IS_ZERO))
                } else {
                    *balance.get_mut(&y).unwrap() += v;
                    supply += v;
                    (r, None)
                }
            }
            4 => {
                let v = random_amount(&mut rng, bx);
                let r = t.burn(x, v).await;
                if v == 0 {
                    (r, Some(AMOUNT_IS_ZERO))
                } else if v > bx {
                    (r, Some(INSUFFICIENT_BALANCE))
                } else {
                    *balance.get_mut(&x).unwrap() -= v;
                    supply -= v;
                    (r, None)
                }
            }
            5 => {
                let v = random_amount(&mut rng, allowed.min(bx));
                let r = t.burn_from(y, t.addr(x), v).await;
                if v > allowed {
                    (r, Some(INSUFFICIENT_ALLOWANCE))
                } else if v == 0 {
                    (r, Some(AMOUNT_IS_ZERO))
                } else if v > bx {
                    (r, Some(INSUFFICIENT_BALANCE))
                } else {
                    allowance.insert((x, y), allowed - v);
                    *balance.get_mut(&x).unwrap() -= v;
                    supply -= v;
                    (r, None)
                }
            }
            _ => {
                let to = if rng.below(4) == 0 { None } else { Some(y) };
                let r = t.delegate(x, to.map_or(Felt::ZERO, |a| t.addr(a))).await;
                delegate.insert(x, to);
                (r, None)
            }
        };
        *outcomes.entry((op, expected.is_none())).or_default() += 1;
        match expected {
            None => {
                let receipt = result.map_err(|e| anyhow::anyhow!("step {step} (op {op}, {x} → {y}) failed: {e}"))?;
                if !votes_changed(&receipt, t.address)?.is_empty() {
                    vote_moves += 1;
                }
            }
            Some(message) => expect_revert(result, message),
        }

        assert_eq!(t.supply().await?, supply, "supply after step {step}");
        for a in actors {
            assert_eq!(t.balance(t.addr(a)).await?, balance[&a], "balance of #{a} after step {step}");
            let votes: u128 = actors.iter().filter(|h| delegate[h] == Some(a)).map(|h| balance[h]).sum();
            assert_eq!(t.votes(t.addr(a)).await?, votes, "votes of #{a} after step {step}");
        }
        if op == 1 || op == 2 || op == 5 {
            let owed = allowance.get(&(x, y)).copied().unwrap_or(0);
            assert_eq!(t.allowance(t.addr(x), t.addr(y)).await?, owed, "allowance #{x} → #{y} after step {step}");
        }
    }
    for op in 0..7 {
        assert!(outcomes.contains_key(&(op, true)), "operation {op} never succeeded: {outcomes:?}");
    }
    for op in [0, 2, 3, 4, 5] {
        assert!(outcomes.contains_key(&(op, false)), "operation {op} never reverted: {outcomes:?}");
    }
    assert!(vote_moves >= STEPS / 4, "only {vote_moves} transactions moved votes");
    t.assert_invariants().await
}
