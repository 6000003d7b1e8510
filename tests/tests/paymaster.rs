//! Paymaster on a real devnet, with the real CIRO token and JobManager (the `System` fixture), and
//! a real OpenZeppelin 1.0.0 account (devnet's predeployed account class, SNIP-9 v2) deployed for a
//! fresh key and holding no STRK at all.
//!
//! The user signs a SNIP-9 `OutsideExecution` naming the Paymaster as its caller; the SNIP-12
//! (revision 1) hash is computed by `ciro_tests::outside_execution` with starknet-rs's `TypedData`, the way a wallet would, from
//! the type strings OpenZeppelin's account hashes with (checked against its constants in
//! `snip12_type_hashes_match_openzeppelin`). A relayer (the keeper) submits it through
//! `sponsor_execution`; the account checks the signature and runs the calls as the user; the
//! relayer is reimbursed out of the sponsor's deposit.
//!
//! Tests that move tokens end with `assert_invariant`: the Paymaster's CIRO balance equals
//! `total_budgets()` and the sum of the sponsors' budgets; and with the System's own invariants.

use anyhow::{ensure, Context, Result};
use cainome::cairo_serde::{CairoSerde, ContractAddress, U256};
use ciro_bindings::paymaster::{Event as PaymasterEvent, Paymaster, PaymasterReader};
use ciro_bindings::token::CiroTokenReader;
use ciro_deploy::tx::{self, TxError};
use ciro_devnet::{DevnetAccount, DevnetProvider, STRK_ADDRESS};
use ciro_tests::outside_execution::{named, types, NamedCall, Request};
use ciro_tests::system::{actor, to_u128, u256, System, CIRO};
use ciro_tests::{decoded_events, expect_revert};
use starknet::core::types::{BlockId, BlockTag, Call, Felt, TransactionReceiptWithBlockInfo};
use starknet::core::utils::{get_selector_from_name, starknet_keccak};
use starknet::providers::Provider;
use starknet::signers::SigningKey;

type Receipt = TransactionReceiptWithBlockInfo;

// Actors: predeployed accounts (System's names where they apply).
const GOVERNANCE: usize = actor::GOVERNANCE;
const SPONSOR: usize = actor::OTHER_CLIENT;
const OTHER_SPONSOR: usize = 3;
const RELAYER: usize = actor::KEEPER;
const OUTSIDER: usize = 4;

const DAILY_QUOTA: u32 = 3;
/// Sponsored requests per day a sponsor pays RELAYER for in the fixture.
const RELAYER_DAILY_LIMIT: u32 = 10;
const REIMBURSEMENT: u128 = 2 * CIRO;
const BUDGET: u128 = 100 * CIRO;
const USER_CIRO: u128 = 500 * CIRO;
const DAY: u64 = 86_400;

use ciro_bindings::errors::access::{CALLER_NOT_GOVERNANCE as NOT_GOVERNANCE, GOVERNANCE_IS_ZERO};
use ciro_bindings::errors::paymaster::{
    ALREADY_RELAYED, AMOUNT_EXCEEDS_BUDGET, AMOUNT_IS_ZERO, BUDGET_EXHAUSTED, CALL_NOT_ALLOWED,
    CALLER_NOT_PAYMASTER, NO_CALLS, NOT_YET_VALID, QUOTA_EXHAUSTED, RELAYER_NOT_APPROVED,
    RELAYER_LIMIT_REACHED, REQUEST_EXPIRED, TARGET_IS_PAYMASTER, TOKEN_IS_ZERO,
};
use ciro_bindings::errors::token::INSUFFICIENT_ALLOWANCE;
/// OpenZeppelin's SRC9 component (the account) on a used nonce and on a bad signature.
const ACCOUNT_DUPLICATED_NONCE: &str = "SRC9: duplicated nonce";
const ACCOUNT_INVALID_SIGNATURE: &str = "SRC9: invalid signature";

// SNIP-12 revision 1 type strings of SNIP-9 v2, as OpenZeppelin's account hashes them
// (`openzeppelin_account::extensions::src9::snip12_utils`, `openzeppelin_utils::cryptography::snip12`).
const OUTSIDE_EXECUTION_TYPE: &str = concat!(
    r#""OutsideExecution"("Caller":"ContractAddress","Nonce":"felt","Execute After":"u128","#,
    r#""Execute Before":"u128","Calls":"Call*")"#,
    r#""Call"("To":"ContractAddress","Selector":"selector","Calldata":"felt*")"#,
);
const CALL_TYPE: &str = r#""Call"("To":"ContractAddress","Selector":"selector","Calldata":"felt*")"#;
const STARKNET_DOMAIN_TYPE: &str =
    r#""StarknetDomain"("name":"shortstring","version":"shortstring","chainId":"shortstring","revision":"shortstring")"#;
/// OpenZeppelin's `OUTSIDE_EXECUTION_TYPE_HASH`, `CALL_TYPE_HASH` and `STARKNET_DOMAIN_TYPE_HASH`.
const OZ_OUTSIDE_EXECUTION_TYPE_HASH: Felt =
    Felt::from_hex_unchecked("0x312b56c05a7965066ddbda31c016d8d05afc305071c0ca3cdc2192c3c2f1f0f");
const OZ_CALL_TYPE_HASH: Felt =
    Felt::from_hex_unchecked("0x3635c7f2a7ba93844c0d064e18e487f35ab90f7c39d00f186a781fc3f0c2ca9");
const OZ_STARKNET_DOMAIN_TYPE_HASH: Felt =
    Felt::from_hex_unchecked("0x1ff2f602e42168014d405a94f75e8a93d640751d71d16311266e140d8b0a210");
// ---------------------------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------------------------

/// An OpenZeppelin account deployed for a fresh key, holding CIRO and no STRK.
struct User {
    address: Felt,
    key: SigningKey,
}

/// The System, a Paymaster (CIRO as fee token) governed by GOVERNANCE that allows CIRO `approve`
/// and JobManager `submit_ai_job`/`cancel_job`, SPONSOR's budget of `BUDGET` with RELAYER
/// approved for `RELAYER_DAILY_LIMIT` requests a day, and a user holding `USER_CIRO` and no STRK.
struct Sponsored {
    system: System,
    paymaster: Felt,
    calls: Paymaster<DevnetAccount>,
    user: User,
    model_id: u64,
}

impl Sponsored {
    async fn start() -> Result<Self> {
        let system = System::deploy().await?;
        let paymaster = deploy_paymaster(&system).await?;
        let calls = Paymaster::new(paymaster, system.chain.account(GOVERNANCE)?);
        system.track_holder(paymaster);
        let user = deploy_user(&system, Felt::from(0x5eed_0001u64)).await?;
        system.track_holder(user.address);
        system
            .send(GOVERNANCE, system.token().transfer_getcall(&ContractAddress(user.address), &u256(USER_CIRO)))
            .await?;
        let model_id = system.register_model(GOVERNANCE, Felt::from(0xc0ffeeu64)).await?;
        let s = Sponsored { system, paymaster, calls, user, model_id };
        s.allow_standard_calls(paymaster).await?;
        s.sponsor(SPONSOR, paymaster, BUDGET).await?;
        Ok(s)
    }

    fn addr(&self, actor: usize) -> Felt {
        self.system.address(actor).expect("a predeployed account")
    }

    fn provider(&self) -> DevnetProvider {
        (*self.system.chain.devnet().provider()).clone()
    }

    fn reader(&self) -> PaymasterReader<DevnetProvider> {
        PaymasterReader::new(self.paymaster, self.provider())
    }

    fn chain_id(&self) -> Felt {
        self.system.chain.devnet().chain_id()
    }

    fn builder(&self, paymaster: Felt) -> Paymaster<DevnetAccount> {
        Paymaster::new(paymaster, self.calls.account.clone())
    }

    async fn now(&self) -> Result<u64> {
        self.system.now().await
    }

    /// Governance allows CIRO `approve` and JobManager `submit_ai_job` and `cancel_job` on
    /// `paymaster`.
    async fn allow_standard_calls(&self, paymaster: Felt) -> Result<()> {
        let pm = self.builder(paymaster);
        let allow = |target: Felt, entry_point: &str| -> Result<Call> {
            Ok(pm.set_allowed_getcall(&ContractAddress(target), &get_selector_from_name(entry_point)?, &true))
        };
        let calls = vec![
            allow(self.system.token, "approve")?,
            allow(self.system.job_manager, "submit_ai_job")?,
            allow(self.system.job_manager, "cancel_job")?,
        ];
        self.system.send_all(GOVERNANCE, calls).await?;
        Ok(())
    }

    /// Funds `sponsor` with `amount` CIRO, which it deposits in `paymaster`, approving RELAYER for
    /// `RELAYER_DAILY_LIMIT` requests a day.
    async fn sponsor(&self, sponsor: usize, paymaster: Felt, amount: u128) -> Result<()> {
        self.system.fund(sponsor, amount).await?;
        let pm = self.builder(paymaster);
        self.system
            .send_all(
                sponsor,
                vec![
                    self.system.token().approve_getcall(&ContractAddress(paymaster), &u256(amount)),
                    pm.deposit_getcall(&u256(amount)),
                    pm.set_relayer_allowance_getcall(&ContractAddress(self.addr(RELAYER)), &RELAYER_DAILY_LIMIT),
                ],
            )
            .await?;
        Ok(())
    }

    /// CIRO `approve(JobManager, amount)`: a small allowed call.
    fn approve_call(&self, amount: u128) -> Result<NamedCall> {
        Ok(named(self.system.token().approve_getcall(&ContractAddress(self.system.job_manager), &u256(amount)), "approve")?)
    }

    /// A request of the user's naming this Paymaster, valid for an hour from now.
    async fn request(&self, nonce: u64, calls: Vec<NamedCall>) -> Result<Request> {
        Ok(Request::new(self.paymaster, nonce, self.now().await? + 3_600, calls))
    }

    /// The user's signature of `request`.
    fn sign(&self, request: &Request) -> Result<Vec<Felt>> {
        Ok(request.sign(&self.user.key, self.chain_id(), self.user.address)?)
    }

    /// `sponsor_execution(sponsor, user, request, signature)` on `paymaster`, sent by `relayer`.
    async fn relay_to(
        &self,
        paymaster: Felt,
        relayer: usize,
        sponsor: usize,
        request: &Request,
        signature: Vec<Felt>,
    ) -> Result<Receipt, TxError> {
        self.relay_for(&self.user, paymaster, relayer, sponsor, request, signature).await
    }

    /// `sponsor_execution(sponsor, user, request, signature)` on `paymaster` for any `user`'s
    /// account, sent by `relayer`.
    async fn relay_for(
        &self,
        user: &User,
        paymaster: Felt,
        relayer: usize,
        sponsor: usize,
        request: &Request,
        signature: Vec<Felt>,
    ) -> Result<Receipt, TxError> {
        let call = self.builder(paymaster).sponsor_execution_getcall(
            &ContractAddress(self.addr(sponsor)),
            &ContractAddress(user.address),
            &request.outside_execution(),
            &signature,
        );
        self.system.send(relayer, call).await
    }

    /// `user` signs `request` and `relayer` relays it on this Paymaster for `sponsor`.
    async fn relay_signed_by(&self, user: &User, relayer: usize, sponsor: usize, request: &Request) -> Result<Receipt, TxError> {
        let signature =
            request.sign(&user.key, self.chain_id(), user.address).map_err(|e| TxError::Account(format!("{e:#}")))?;
        self.relay_for(user, self.paymaster, relayer, sponsor, request, signature).await
    }

    /// `sponsor` sets `relayer`'s daily request limit on this Paymaster.
    async fn set_allowance(&self, sponsor: usize, relayer: usize, daily_requests: u32) -> Result<Receipt> {
        let call = self.calls.set_relayer_allowance_getcall(&ContractAddress(self.addr(relayer)), &daily_requests);
        Ok(self.system.send(sponsor, call).await?)
    }

    /// Sponsored requests `relayer` made for `sponsor` on `day`.
    async fn relayed_on(&self, sponsor: usize, relayer: usize, day: u64) -> Result<u32> {
        let (sponsor, relayer) = (ContractAddress(self.addr(sponsor)), ContractAddress(self.addr(relayer)));
        Ok(self.reader().relayer_requests_on(&sponsor, &relayer, &day).call().await?)
    }

    /// Pins the clock a minute into the next day (so a test's requests all fall on one day);
    /// returns that day.
    async fn start_of_next_day(&self) -> Result<u64> {
        let day = self.now().await? / DAY + 1;
        self.system.chain.devnet().set_time(day * DAY + 60).await?;
        Ok(day)
    }

    /// The user signs `request` and RELAYER relays it for SPONSOR.
    async fn relay(&self, request: &Request) -> Result<Receipt, TxError> {
        let signature = self.sign(request).map_err(|e| TxError::Account(format!("{e:#}")))?;
        self.relay_to(self.paymaster, RELAYER, SPONSOR, request, signature).await
    }

    async fn budget(&self, sponsor: usize) -> Result<u128> {
        to_u128(self.reader().budget_of(&ContractAddress(self.addr(sponsor))).call().await?)
    }

    async fn balance(&self, address: Felt) -> Result<u128> {
        self.system.balance(address).await
    }

    async fn strk_balance(&self, address: Felt) -> Result<u128> {
        let strk = CiroTokenReader::new(STRK_ADDRESS, self.provider());
        to_u128(strk.balance_of(&ContractAddress(address)).call().await?)
    }

    /// balance_of(paymaster) = total_budgets() = Σ budget_of(sponsor), and the System's
    /// invariants.
    async fn assert_invariant(&self) -> Result<()> {
        let mut budgets = 0u128;
        for sponsor in 0..10 {
            budgets += self.budget(sponsor).await?;
        }
        let total = to_u128(self.reader().total_budgets().call().await?)?;
        let balance = self.balance(self.paymaster).await?;
        ensure!(balance == total && total == budgets, "Paymaster holds {balance}, total_budgets {total}, Σ budgets {budgets}");
        self.system.check_invariants().await
    }
}

/// Deploys a Paymaster (governance: GOVERNANCE, fee token: CIRO, `DAILY_QUOTA`, `REIMBURSEMENT`).
async fn deploy_paymaster(system: &System) -> Result<Felt> {
    let calldata = constructor_calldata(system.address(GOVERNANCE)?, system.token, DAILY_QUOTA, REIMBURSEMENT);
    Ok(system.chain.deploy("Paymaster", calldata).await?)
}

fn constructor_calldata(governance: Felt, token: Felt, quota: u32, reimbursement: u128) -> Vec<Felt> {
    [
        ContractAddress::cairo_serialize(&ContractAddress(governance)),
        ContractAddress::cairo_serialize(&ContractAddress(token)),
        u32::cairo_serialize(&quota),
        U256::cairo_serialize(&u256(reimbursement)),
    ]
    .concat()
}

/// Deploys an instance of devnet's predeployed account class (OpenZeppelin 1.0.0) for the key
/// `secret`, through the Universal Deployer, from GOVERNANCE: it holds no STRK and never pays for
/// anything.
async fn deploy_user(system: &System, secret: Felt) -> Result<User> {
    let provider = system.chain.devnet().provider();
    let class_hash = provider
        .get_class_hash_at(BlockId::Tag(BlockTag::Latest), system.address(GOVERNANCE)?)
        .await
        .context("the predeployed account's class")?;
    let key = SigningKey::from_secret_scalar(secret);
    let public_key = key.verifying_key().scalar();
    let deployer = system.chain.account(GOVERNANCE)?;
    let deployed = tx::deploy(&deployer, class_hash, vec![public_key], public_key).await?;
    Ok(User { address: deployed.address, key })
}

// ---------------------------------------------------------------------------------------------
// SNIP-12
// ---------------------------------------------------------------------------------------------

#[test]
fn snip12_type_hashes_match_openzeppelin() -> Result<()> {
    let types = types();
    assert_eq!(starknet_keccak(OUTSIDE_EXECUTION_TYPE.as_bytes()), OZ_OUTSIDE_EXECUTION_TYPE_HASH);
    assert_eq!(starknet_keccak(CALL_TYPE.as_bytes()), OZ_CALL_TYPE_HASH);
    assert_eq!(starknet_keccak(STARKNET_DOMAIN_TYPE.as_bytes()), OZ_STARKNET_DOMAIN_TYPE_HASH);
    assert_eq!(types.get_type_hash("OutsideExecution")?, OZ_OUTSIDE_EXECUTION_TYPE_HASH);
    assert_eq!(types.get_type_hash("Call")?, OZ_CALL_TYPE_HASH);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// sponsor_execution
// ---------------------------------------------------------------------------------------------

/// Flow: a user with zero STRK signs [approve(JobManager, payment), submit_ai_job(spec, payment)]
/// naming the Paymaster → the keeper relays it → the job exists with the user as client, the
/// payment left the user, the keeper got exactly the reimbursement, the sponsor's budget dropped
/// by exactly that, and the user still has no STRK.
#[tokio::test]
async fn sponsor_execution_submits_a_job_for_an_account_without_fee_tokens() -> Result<()> {
    let s = Sponsored::start().await?;
    let user = s.user.address;
    assert_eq!(s.strk_balance(user).await?, 0, "the user's account holds no STRK");
    assert_eq!(s.balance(user).await?, USER_CIRO);

    let payment = 100 * CIRO;
    let spec = s.system.inference_spec(s.model_id, s.now().await? + 7_200);
    let request = s
        .request(
            1,
            ciro_client::chain::submit_job_calls(s.system.token(), s.system.job_manager(), &spec, payment).to_vec(),
        )
        .await?;

    let relayer_before = s.balance(s.addr(RELAYER)).await?;
    let jobs_before = s.system.job_reader().job_count().call().await?;
    let receipt = s.relay(&request).await?;

    // The calls ran as the user.
    let job_id = s.system.job_reader().job_count().call().await?;
    assert_eq!(job_id, jobs_before + 1);
    let job = s.system.job(job_id).await?;
    assert_eq!(job.client, ContractAddress(user), "the job's client is the user's account");
    assert_eq!(to_u128(job.payment)?, payment);
    assert_eq!(s.balance(user).await?, USER_CIRO - payment, "the payment left the user");
    assert_eq!(s.balance(s.system.job_manager).await?, payment);

    // The relayer was reimbursed exactly, out of the sponsor's budget.
    assert_eq!(s.balance(s.addr(RELAYER)).await?, relayer_before + REIMBURSEMENT);
    assert_eq!(s.budget(SPONSOR).await?, BUDGET - REIMBURSEMENT);
    assert_eq!(s.balance(s.paymaster).await?, BUDGET - REIMBURSEMENT);
    assert_eq!(s.strk_balance(user).await?, 0, "the user paid no fee");

    let events = decoded_events::<PaymasterEvent>(&receipt, s.paymaster, "ExecutionSponsored")?;
    assert_eq!(events.len(), 1, "one ExecutionSponsored: {events:?}");
    let PaymasterEvent::ExecutionSponsored(event) = &events[0] else { panic!("not ExecutionSponsored: {events:?}") };
    assert_eq!(event.sponsor, ContractAddress(s.addr(SPONSOR)));
    assert_eq!(event.account, ContractAddress(user));
    assert_eq!(event.nonce, request.nonce);
    assert_eq!(event.relayer, ContractAddress(s.addr(RELAYER)));
    assert_eq!(to_u128(event.reimbursement)?, REIMBURSEMENT);

    let reader = s.reader();
    assert!(reader.is_relayed(&ContractAddress(user), &request.nonce).call().await?);
    let day = s.now().await? / DAY;
    assert_eq!(reader.requests_on(&ContractAddress(user), &day).call().await?, 1);
    assert_eq!(reader.remaining_quota(&ContractAddress(user)).call().await?, DAILY_QUOTA - 1);
    s.assert_invariant().await
}

/// Flow: a request relayed once → the same signed request again: the Paymaster refuses it →
/// the user signs a request with the same nonce for a second Paymaster (which never saw it):
/// the account itself refuses the nonce.
#[tokio::test]
async fn sponsor_execution_rejects_a_replayed_request() -> Result<()> {
    let s = Sponsored::start().await?;
    let request = s.request(7, vec![s.approve_call(5 * CIRO)?]).await?;
    let signature = s.sign(&request)?;
    s.relay_to(s.paymaster, RELAYER, SPONSOR, &request, signature.clone()).await?;
    let relayer_balance = s.balance(s.addr(RELAYER)).await?;

    expect_revert(s.relay_to(s.paymaster, RELAYER, SPONSOR, &request, signature).await, ALREADY_RELAYED);

    let second = deploy_paymaster(&s.system).await?;
    s.system.track_holder(second);
    s.allow_standard_calls(second).await?;
    s.sponsor(SPONSOR, second, BUDGET).await?;
    let mut same_nonce = request.clone();
    same_nonce.caller = second;
    let signature = s.sign(&same_nonce)?;
    expect_revert(s.relay_to(second, RELAYER, SPONSOR, &same_nonce, signature).await, ACCOUNT_DUPLICATED_NONCE);

    assert_eq!(s.balance(s.addr(RELAYER)).await?, relayer_balance, "no reimbursement for a replay");
    assert_eq!(s.budget(SPONSOR).await?, BUDGET - REIMBURSEMENT);
    s.assert_invariant().await
}

#[tokio::test]
async fn sponsor_execution_rejects_calls_not_allowed() -> Result<()> {
    let s = Sponsored::start().await?;
    let user = ContractAddress(s.user.address);
    // A selector not allowed on an allowed target: CIRO `transfer`.
    let transfer = named(s.system.token().transfer_getcall(&ContractAddress(s.addr(OUTSIDER)), &u256(CIRO)), "transfer")?;
    let request = s.request(1, vec![transfer.clone()]).await?;
    expect_revert(s.relay(&request).await, CALL_NOT_ALLOWED);
    // One disallowed call among allowed ones.
    let request = s.request(2, vec![s.approve_call(CIRO)?, transfer]).await?;
    expect_revert(s.relay(&request).await, CALL_NOT_ALLOWED);
    // An allowed selector on another target: `approve` on JobManager's address.
    let mut elsewhere = s.approve_call(CIRO)?;
    elsewhere.call.to = s.system.job_manager;
    let request = s.request(3, vec![elsewhere]).await?;
    expect_revert(s.relay(&request).await, CALL_NOT_ALLOWED);
    // No calls at all.
    let request = s.request(4, vec![]).await?;
    expect_revert(s.relay(&request).await, NO_CALLS);
    // Allowed, then disallowed by governance.
    let approve_selector = ciro_bindings::selectors::token::APPROVE;
    s.system.send(GOVERNANCE, s.calls.set_allowed_getcall(&ContractAddress(s.system.token), &approve_selector, &false)).await?;
    let request = s.request(5, vec![s.approve_call(CIRO)?]).await?;
    expect_revert(s.relay(&request).await, CALL_NOT_ALLOWED);

    assert_eq!(s.system.token_reader().balance_of(&user).call().await?, u256(USER_CIRO));
    assert_eq!(s.budget(SPONSOR).await?, BUDGET);
    s.assert_invariant().await
}

#[tokio::test]
async fn sponsor_execution_rejects_requests_outside_their_window_or_for_another_caller() -> Result<()> {
    let s = Sponsored::start().await?;
    let now = s.now().await?;
    // Expired when relayed: valid for 100 s, relayed 200 s later.
    let request = Request::new(s.paymaster, 1, now + 100, vec![s.approve_call(CIRO)?]);
    let signature = s.sign(&request)?;
    s.system.chain.advance_time(200).await?;
    expect_revert(s.relay_to(s.paymaster, RELAYER, SPONSOR, &request, signature).await, REQUEST_EXPIRED);
    // Not valid yet.
    let now = s.now().await?;
    let mut early = Request::new(s.paymaster, 2, now + 7_200, vec![s.approve_call(CIRO)?]);
    early.execute_after = now + 3_600;
    expect_revert(s.relay(&early).await, NOT_YET_VALID);
    // Naming another caller than the Paymaster.
    let other = Request::new(s.addr(RELAYER), 3, now + 3_600, vec![s.approve_call(CIRO)?]);
    expect_revert(s.relay(&other).await, CALLER_NOT_PAYMASTER);

    assert_eq!(s.budget(SPONSOR).await?, BUDGET);
    // Within its window, the same kind of request goes through.
    s.relay(&s.request(4, vec![s.approve_call(CIRO)?]).await?).await?;
    s.assert_invariant().await
}

/// Flow: pin the clock early in a day → `DAILY_QUOTA` requests go through → the next is refused →
/// a day later the quota is fresh.
#[tokio::test]
async fn sponsor_execution_enforces_the_daily_quota() -> Result<()> {
    let s = Sponsored::start().await?;
    let user = ContractAddress(s.user.address);
    let day = s.now().await? / DAY + 1;
    s.system.chain.devnet().set_time(day * DAY + 60).await?;
    for nonce in 1..=u64::from(DAILY_QUOTA) {
        s.relay(&s.request(nonce, vec![s.approve_call(u128::from(nonce) * CIRO)?]).await?).await?;
    }
    assert_eq!(s.reader().requests_on(&user, &day).call().await?, DAILY_QUOTA);
    assert_eq!(s.reader().remaining_quota(&user).call().await?, 0);
    let over = s.request(100, vec![s.approve_call(CIRO)?]).await?;
    expect_revert(s.relay(&over).await, QUOTA_EXHAUSTED);

    s.system.chain.advance_time(DAY).await?;
    assert_eq!(s.reader().remaining_quota(&user).call().await?, DAILY_QUOTA);
    let next_day = s.request(100, vec![s.approve_call(CIRO)?]).await?;
    s.relay(&next_day).await?;
    assert_eq!(s.reader().requests_on(&user, &(day + 1)).call().await?, 1);
    assert_eq!(s.budget(SPONSOR).await?, BUDGET - u128::from(DAILY_QUOTA + 1) * REIMBURSEMENT);
    s.assert_invariant().await
}

/// Flow: OTHER_SPONSOR deposits less than one reimbursement → refused → deposits the rest (exactly
/// one reimbursement) → one request goes through, leaving its budget at zero → the next is
/// refused. Only relayers the sponsor approved are paid.
#[tokio::test]
async fn sponsor_execution_rejects_an_exhausted_budget_and_unapproved_relayers() -> Result<()> {
    let s = Sponsored::start().await?;
    s.sponsor(OTHER_SPONSOR, s.paymaster, REIMBURSEMENT - 1).await?;
    let request = s.request(1, vec![s.approve_call(CIRO)?]).await?;
    let signature = s.sign(&request)?;
    expect_revert(s.relay_to(s.paymaster, RELAYER, OTHER_SPONSOR, &request, signature.clone()).await, BUDGET_EXHAUSTED);

    s.sponsor(OTHER_SPONSOR, s.paymaster, 1).await?;
    expect_revert(
        s.relay_to(s.paymaster, OUTSIDER, OTHER_SPONSOR, &request, signature.clone()).await,
        RELAYER_NOT_APPROVED,
    );
    let relayer_before = s.balance(s.addr(RELAYER)).await?;
    s.relay_to(s.paymaster, RELAYER, OTHER_SPONSOR, &request, signature).await?;
    assert_eq!(s.balance(s.addr(RELAYER)).await?, relayer_before + REIMBURSEMENT);
    assert_eq!(s.budget(OTHER_SPONSOR).await?, 0);
    assert_eq!(s.budget(SPONSOR).await?, BUDGET, "another sponsor's budget is untouched");

    let next = s.request(2, vec![s.approve_call(CIRO)?]).await?;
    let signature = s.sign(&next)?;
    expect_revert(s.relay_to(s.paymaster, RELAYER, OTHER_SPONSOR, &next, signature.clone()).await, BUDGET_EXHAUSTED);

    // A sponsor can stop paying a relayer.
    s.set_allowance(SPONSOR, RELAYER, 0).await?;
    assert!(!s.reader().is_relayer_approved(&ContractAddress(s.addr(SPONSOR)), &ContractAddress(s.addr(RELAYER))).call().await?);
    expect_revert(s.relay_to(s.paymaster, RELAYER, SPONSOR, &next, signature).await, RELAYER_NOT_APPROVED);
    s.assert_invariant().await
}

// ---------------------------------------------------------------------------------------------
// Relayer limits: what a sponsor's budget can lose per day
// ---------------------------------------------------------------------------------------------

/// The attack: a relayer the sponsor approved (or a user with many accounts, through it) brings a
/// fresh account whenever one reaches its daily quota, so per-account quotas alone bound nothing.
/// Flow: SPONSOR gives RELAYER a limit of 5 requests a day and OUTSIDER a limit of 2 → on one day,
/// three accounts each sign `DAILY_QUOTA` (3) requests, 9 in all, each within its account's quota
/// → RELAYER gets 5 through, and the other 4 revert with the relayer's limit, reimbursing nothing
/// → OUTSIDER gets its 2 through with the others' nonces and the next reverts → the sponsor's
/// budget dropped by exactly (5 + 2) × the reimbursement: Σ limits × reimbursement.
#[tokio::test]
async fn a_relayer_with_many_accounts_cannot_exceed_the_sponsors_daily_limit() -> Result<()> {
    const LIMIT: u32 = 5;
    const OUTSIDER_LIMIT: u32 = 2;
    let s = Sponsored::start().await?;
    s.set_allowance(SPONSOR, RELAYER, LIMIT).await?;
    s.set_allowance(SPONSOR, OUTSIDER, OUTSIDER_LIMIT).await?;
    let mut users = vec![deploy_user(&s.system, Felt::from(0x5eed_0002u64)).await?];
    users.push(deploy_user(&s.system, Felt::from(0x5eed_0003u64)).await?);
    for user in &users {
        s.system.track_holder(user.address);
    }
    let day = s.start_of_next_day().await?;
    let relayer_before = s.balance(s.addr(RELAYER)).await?;

    let accounts = [&s.user, &users[0], &users[1]];
    let (mut relayed, mut refused) = (0u32, Vec::new());
    for account in accounts {
        for nonce in 1..=u64::from(DAILY_QUOTA) {
            let request = s.request(nonce, vec![s.approve_call(CIRO)?]).await?;
            match s.relay_signed_by(account, RELAYER, SPONSOR, &request).await {
                Ok(_) => relayed += 1,
                Err(error) => {
                    expect_revert::<Receipt>(Err(error), RELAYER_LIMIT_REACHED);
                    refused.push((account, request));
                }
            }
        }
    }
    assert_eq!(relayed, LIMIT, "RELAYER gets exactly its limit through, whatever the accounts");
    assert_eq!(refused.len() as u32, 3 * DAILY_QUOTA - LIMIT);
    assert_eq!(s.relayed_on(SPONSOR, RELAYER, day).await?, LIMIT);
    assert_eq!(s.balance(s.addr(RELAYER)).await?, relayer_before + u128::from(LIMIT) * REIMBURSEMENT);
    assert_eq!(s.budget(SPONSOR).await?, BUDGET - u128::from(LIMIT) * REIMBURSEMENT);
    for (account, request) in &refused {
        assert!(!s.reader().is_relayed(&ContractAddress(account.address), &request.nonce).call().await?, "a refused request leaves no trace");
    }

    // Another relayer of the same sponsor has its own limit, and no more.
    for (index, (account, request)) in refused.iter().enumerate() {
        let outcome = s.relay_signed_by(account, OUTSIDER, SPONSOR, request).await;
        if index < OUTSIDER_LIMIT as usize {
            outcome?;
        } else {
            expect_revert(outcome, RELAYER_LIMIT_REACHED);
        }
    }
    assert_eq!(s.relayed_on(SPONSOR, OUTSIDER, day).await?, OUTSIDER_LIMIT);
    let spent = BUDGET - s.budget(SPONSOR).await?;
    assert_eq!(spent, u128::from(LIMIT + OUTSIDER_LIMIT) * REIMBURSEMENT, "the sponsor's day costs at most Σ limits × reimbursement");
    s.assert_invariant().await
}

/// Flow: SPONSOR sets RELAYER's limit to 2 (event, views) → two requests go through → the third is
/// refused with the relayer's limit although the account's quota is not used up → the same
/// relayer still relays for OTHER_SPONSOR (limits are per sponsor) → SPONSOR raises the limit to
/// 3: one more goes through → a day later the limit is fresh.
#[tokio::test]
async fn sponsor_execution_enforces_the_relayers_daily_limit() -> Result<()> {
    const QUOTA: u32 = 10;
    let s = Sponsored::start().await?;
    // An account quota above what this flow uses: only the relayer's limit refuses anything.
    s.system.send(GOVERNANCE, s.calls.set_daily_quota_getcall(&QUOTA)).await?;
    let (sponsor, relayer) = (ContractAddress(s.addr(SPONSOR)), ContractAddress(s.addr(RELAYER)));
    assert_eq!(s.reader().relayer_allowance(&sponsor, &relayer).call().await?, RELAYER_DAILY_LIMIT);
    let receipt = s.set_allowance(SPONSOR, RELAYER, 2).await?;
    let events = decoded_events::<PaymasterEvent>(&receipt, s.paymaster, "RelayerAllowanceSet")?;
    let [PaymasterEvent::RelayerAllowanceSet(event)] = events.as_slice() else { panic!("one RelayerAllowanceSet: {events:?}") };
    assert_eq!((event.sponsor, event.relayer, event.daily_requests), (sponsor, relayer, 2));
    assert_eq!(s.reader().relayer_allowance(&sponsor, &relayer).call().await?, 2);
    assert!(s.reader().is_relayer_approved(&sponsor, &relayer).call().await?);

    let day = s.start_of_next_day().await?;
    s.relay(&s.request(1, vec![s.approve_call(CIRO)?]).await?).await?;
    s.relay(&s.request(2, vec![s.approve_call(CIRO)?]).await?).await?;
    assert_eq!(s.relayed_on(SPONSOR, RELAYER, day).await?, 2);
    let user = ContractAddress(s.user.address);
    assert_eq!(s.reader().remaining_quota(&user).call().await?, QUOTA - 2, "the account's quota is not the limit");
    let third = s.request(3, vec![s.approve_call(CIRO)?]).await?;
    expect_revert(s.relay(&third).await, RELAYER_LIMIT_REACHED);
    assert_eq!(s.budget(SPONSOR).await?, BUDGET - 2 * REIMBURSEMENT, "a refused request costs the sponsor nothing");

    // Limits are per sponsor: OTHER_SPONSOR pays the same relayer under its own limit.
    s.sponsor(OTHER_SPONSOR, s.paymaster, 10 * REIMBURSEMENT).await?;
    let signature = s.sign(&third)?;
    s.relay_to(s.paymaster, RELAYER, OTHER_SPONSOR, &third, signature).await?;
    assert_eq!(s.relayed_on(OTHER_SPONSOR, RELAYER, day).await?, 1);
    assert_eq!(s.relayed_on(SPONSOR, RELAYER, day).await?, 2);

    // Raised mid-day, the new limit applies at once.
    s.set_allowance(SPONSOR, RELAYER, 3).await?;
    s.relay(&s.request(4, vec![s.approve_call(CIRO)?]).await?).await?;
    assert_eq!(s.relayed_on(SPONSOR, RELAYER, day).await?, 3);

    s.system.chain.advance_time(DAY).await?;
    s.relay(&s.request(5, vec![s.approve_call(CIRO)?]).await?).await?;
    assert_eq!(s.relayed_on(SPONSOR, RELAYER, day + 1).await?, 1);
    assert_eq!(s.budget(SPONSOR).await?, BUDGET - 4 * REIMBURSEMENT);
    s.assert_invariant().await
}

/// Flow: one request relayed → SPONSOR lowers RELAYER's limit to what it used today: the next is
/// refused → SPONSOR revokes it (limit 0, event): refused as not approved, the views say so →
/// SPONSOR approves it again: the request goes through. Only the sponsor's own relayers change.
#[tokio::test]
async fn set_relayer_allowance_to_zero_revokes_the_relayer() -> Result<()> {
    let s = Sponsored::start().await?;
    let (sponsor, relayer) = (ContractAddress(s.addr(SPONSOR)), ContractAddress(s.addr(RELAYER)));
    let day = s.start_of_next_day().await?;
    s.relay(&s.request(1, vec![s.approve_call(CIRO)?]).await?).await?;

    s.set_allowance(SPONSOR, RELAYER, 1).await?;
    let next = s.request(2, vec![s.approve_call(CIRO)?]).await?;
    expect_revert(s.relay(&next).await, RELAYER_LIMIT_REACHED);

    let receipt = s.set_allowance(SPONSOR, RELAYER, 0).await?;
    let events = decoded_events::<PaymasterEvent>(&receipt, s.paymaster, "RelayerAllowanceSet")?;
    let [PaymasterEvent::RelayerAllowanceSet(event)] = events.as_slice() else { panic!("one RelayerAllowanceSet: {events:?}") };
    assert_eq!((event.sponsor, event.relayer, event.daily_requests), (sponsor, relayer, 0));
    assert!(!s.reader().is_relayer_approved(&sponsor, &relayer).call().await?);
    assert_eq!(s.reader().relayer_allowance(&sponsor, &relayer).call().await?, 0);
    expect_revert(s.relay(&next).await, RELAYER_NOT_APPROVED);
    assert_eq!(s.budget(SPONSOR).await?, BUDGET - REIMBURSEMENT);

    // Someone else setting an allowance changes only its own: RELAYER stays revoked for SPONSOR.
    s.set_allowance(OUTSIDER, RELAYER, 100).await?;
    assert_eq!(s.reader().relayer_allowance(&sponsor, &relayer).call().await?, 0);
    expect_revert(s.relay(&next).await, RELAYER_NOT_APPROVED);

    s.set_allowance(SPONSOR, RELAYER, 2).await?;
    s.relay(&next).await?;
    assert_eq!(s.relayed_on(SPONSOR, RELAYER, day).await?, 2);
    assert_eq!(s.budget(SPONSOR).await?, BUDGET - 2 * REIMBURSEMENT);
    s.assert_invariant().await
}

/// Flow: signed by another key → the account refuses it; tampered after signing → refused; the
/// properly signed request with the same nonce then goes through (nothing was recorded).
#[tokio::test]
async fn sponsor_execution_rejects_a_wrong_signature() -> Result<()> {
    let s = Sponsored::start().await?;
    let request = s.request(1, vec![s.approve_call(3 * CIRO)?]).await?;
    let stranger = SigningKey::from_secret_scalar(Felt::from(0xbad_u64));
    let forged = request.sign(&stranger, s.chain_id(), s.user.address)?;
    expect_revert(s.relay_to(s.paymaster, RELAYER, SPONSOR, &request, forged).await, ACCOUNT_INVALID_SIGNATURE);

    let signature = s.sign(&request)?;
    let mut tampered = request.clone();
    tampered.calls = vec![s.approve_call(400 * CIRO)?];
    expect_revert(s.relay_to(s.paymaster, RELAYER, SPONSOR, &tampered, signature.clone()).await, ACCOUNT_INVALID_SIGNATURE);
    assert!(!s.reader().is_relayed(&ContractAddress(s.user.address), &request.nonce).call().await?);

    s.relay_to(s.paymaster, RELAYER, SPONSOR, &request, signature).await?;
    let allowance = s
        .system
        .token_reader()
        .allowance(&ContractAddress(s.user.address), &ContractAddress(s.system.job_manager))
        .call()
        .await?;
    assert_eq!(allowance, u256(3 * CIRO), "the signed call ran as the user");
    assert_eq!(s.budget(SPONSOR).await?, BUDGET - REIMBURSEMENT);
    s.assert_invariant().await
}

// ---------------------------------------------------------------------------------------------
// Sponsors
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn deposit_and_withdraw_move_real_tokens() -> Result<()> {
    let s = Sponsored::start().await?;
    let sponsor = s.addr(OTHER_SPONSOR);
    s.system.fund(OTHER_SPONSOR, 50 * CIRO).await?;
    // Without an allowance, or of nothing.
    expect_revert(s.system.send(OTHER_SPONSOR, s.calls.deposit_getcall(&u256(10 * CIRO))).await, INSUFFICIENT_ALLOWANCE);
    expect_revert(s.system.send(OTHER_SPONSOR, s.calls.deposit_getcall(&u256(0))).await, AMOUNT_IS_ZERO);

    let approve = s.system.token().approve_getcall(&ContractAddress(s.paymaster), &u256(30 * CIRO));
    let receipt = s.system.send_all(OTHER_SPONSOR, vec![approve, s.calls.deposit_getcall(&u256(30 * CIRO))]).await?;
    assert_eq!(s.balance(sponsor).await?, 20 * CIRO);
    assert_eq!(s.balance(s.paymaster).await?, BUDGET + 30 * CIRO);
    assert_eq!(s.budget(OTHER_SPONSOR).await?, 30 * CIRO);
    let events = decoded_events::<PaymasterEvent>(&receipt, s.paymaster, "Deposited")?;
    let [PaymasterEvent::Deposited(event)] = events.as_slice() else { panic!("one Deposited: {events:?}") };
    assert_eq!((event.sponsor, event.amount, event.budget), (ContractAddress(sponsor), u256(30 * CIRO), u256(30 * CIRO)));

    expect_revert(s.system.send(OTHER_SPONSOR, s.calls.withdraw_getcall(&u256(30 * CIRO + 1))).await, AMOUNT_EXCEEDS_BUDGET);
    expect_revert(s.system.send(OTHER_SPONSOR, s.calls.withdraw_getcall(&u256(0))).await, AMOUNT_IS_ZERO);
    // Someone else's budget is not the caller's to take.
    expect_revert(s.system.send(OUTSIDER, s.calls.withdraw_getcall(&u256(CIRO))).await, AMOUNT_EXCEEDS_BUDGET);

    let receipt = s.system.send(OTHER_SPONSOR, s.calls.withdraw_getcall(&u256(12 * CIRO))).await?;
    assert_eq!(s.balance(sponsor).await?, 32 * CIRO);
    assert_eq!(s.budget(OTHER_SPONSOR).await?, 18 * CIRO);
    let events = decoded_events::<PaymasterEvent>(&receipt, s.paymaster, "Withdrawn")?;
    let [PaymasterEvent::Withdrawn(event)] = events.as_slice() else { panic!("one Withdrawn: {events:?}") };
    assert_eq!((event.sponsor, event.amount, event.budget), (ContractAddress(sponsor), u256(12 * CIRO), u256(18 * CIRO)));
    s.assert_invariant().await?;

    s.system.send(OTHER_SPONSOR, s.calls.withdraw_getcall(&u256(18 * CIRO))).await?;
    assert_eq!(s.balance(sponsor).await?, 50 * CIRO);
    assert_eq!(s.budget(OTHER_SPONSOR).await?, 0);
    assert_eq!(s.budget(SPONSOR).await?, BUDGET);
    s.assert_invariant().await
}

// ---------------------------------------------------------------------------------------------
// Governance
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn admin_entry_points_are_governance_only() -> Result<()> {
    let s = Sponsored::start().await?;
    let target = ContractAddress(s.system.pool);
    let selector = ciro_bindings::selectors::cdc_pool::STAKE;
    expect_revert(s.system.send(OUTSIDER, s.calls.set_allowed_getcall(&target, &selector, &true)).await, NOT_GOVERNANCE);
    expect_revert(s.system.send(SPONSOR, s.calls.set_daily_quota_getcall(&100)).await, NOT_GOVERNANCE);
    expect_revert(s.system.send(RELAYER, s.calls.set_reimbursement_getcall(&u256(50 * CIRO))).await, NOT_GOVERNANCE);
    expect_revert(
        s.system.send(GOVERNANCE, s.calls.set_allowed_getcall(&ContractAddress(s.paymaster), &selector, &true)).await,
        TARGET_IS_PAYMASTER,
    );

    let receipt = s.system.send(GOVERNANCE, s.calls.set_allowed_getcall(&target, &selector, &true)).await?;
    assert!(s.reader().is_allowed(&target, &selector).call().await?);
    let events = decoded_events::<PaymasterEvent>(&receipt, s.paymaster, "AllowedCallSet")?;
    let [PaymasterEvent::AllowedCallSet(event)] = events.as_slice() else { panic!("one AllowedCallSet: {events:?}") };
    assert_eq!((event.target, event.selector, event.allowed), (target, selector, true));

    let receipt = s.system.send(GOVERNANCE, s.calls.set_daily_quota_getcall(&1)).await?;
    assert_eq!(s.reader().daily_quota().call().await?, 1);
    let events = decoded_events::<PaymasterEvent>(&receipt, s.paymaster, "DailyQuotaSet")?;
    assert!(matches!(events.as_slice(), [PaymasterEvent::DailyQuotaSet(e)] if e.quota == 1), "{events:?}");

    let new_reimbursement = 5 * CIRO;
    let receipt = s.system.send(GOVERNANCE, s.calls.set_reimbursement_getcall(&u256(new_reimbursement))).await?;
    assert_eq!(s.reader().reimbursement().call().await?, u256(new_reimbursement));
    let events = decoded_events::<PaymasterEvent>(&receipt, s.paymaster, "ReimbursementSet")?;
    assert!(matches!(events.as_slice(), [PaymasterEvent::ReimbursementSet(e)] if e.amount == u256(new_reimbursement)), "{events:?}");

    // The new parameters apply to the next request: the new reimbursement, a quota of one.
    let relayer_before = s.balance(s.addr(RELAYER)).await?;
    s.relay(&s.request(1, vec![s.approve_call(CIRO)?]).await?).await?;
    assert_eq!(s.balance(s.addr(RELAYER)).await?, relayer_before + new_reimbursement);
    assert_eq!(s.budget(SPONSOR).await?, BUDGET - new_reimbursement);
    expect_revert(s.relay(&s.request(2, vec![s.approve_call(CIRO)?]).await?).await, QUOTA_EXHAUSTED);
    s.assert_invariant().await
}

#[tokio::test]
async fn constructor_stores_parameters_and_rejects_zero_addresses() -> Result<()> {
    let s = Sponsored::start().await?;
    let reader = s.reader();
    assert_eq!(reader.governance().call().await?, ContractAddress(s.addr(GOVERNANCE)));
    assert_eq!(reader.token().call().await?, ContractAddress(s.system.token));
    assert_eq!(reader.daily_quota().call().await?, DAILY_QUOTA);
    assert_eq!(reader.reimbursement().call().await?, u256(REIMBURSEMENT));
    let governance = s.addr(GOVERNANCE);
    expect_revert(
        s.system.chain.deploy("Paymaster", constructor_calldata(governance, Felt::ZERO, 1, 1)).await,
        TOKEN_IS_ZERO,
    );
    expect_revert(
        s.system.chain.deploy("Paymaster", constructor_calldata(Felt::ZERO, s.system.token, 1, 1)).await,
        GOVERNANCE_IS_ZERO,
    );
    Ok(())
}
