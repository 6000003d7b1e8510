//! What every single-contract test fixture shares: a devnet with a CIRO token, and the helpers to
//! act as predeployed accounts, set the clock and read balances. A contract's fixture holds one
//! and dereferences to it, so `fixture.send(ALICE, call)` reads the same in every test file.

use anyhow::{ensure, Result};
use cainome::cairo_serde::{CairoSerde, ContractAddress, U256};
use ciro_bindings::token::{CiroToken, CiroTokenReader};
use ciro_deploy::tx::{self, TxError};
use ciro_devnet::{DevnetAccount, DevnetProvider};
use starknet::core::types::{Call, Felt, TransactionReceiptWithBlockInfo};

use crate::TestChain;

/// A devnet and a CIRO token on it.
pub struct TokenFixture {
    /// The chain.
    pub chain: TestChain,
    /// CIRO_Token's address.
    pub token: Felt,
    /// Call builders for the token.
    pub token_calls: CiroToken<DevnetAccount>,
}

impl TokenFixture {
    /// Wraps `chain` and its `token`.
    ///
    /// # Errors
    /// The chain has no account #0 (to build calls with).
    pub fn new(chain: TestChain, token: Felt) -> Result<Self> {
        let builder = chain.account(0)?;
        Ok(TokenFixture { token_calls: CiroToken::new(token, builder), chain, token })
    }

    /// The address of predeployed account `actor`.
    ///
    /// # Panics
    /// If there is no such account (a test's own constant is wrong).
    pub fn addr(&self, actor: usize) -> Felt {
        self.chain.address_of(actor).expect("a predeployed account")
    }

    /// A provider for readers.
    pub fn provider(&self) -> DevnetProvider {
        (*self.chain.devnet().provider()).clone()
    }

    /// A reader for the token.
    pub fn token_reader(&self) -> CiroTokenReader<DevnetProvider> {
        CiroTokenReader::new(self.token, self.provider())
    }

    /// Makes a block at `time`: the next transaction and views run at `time`.
    ///
    /// # Errors
    /// The request fails.
    pub async fn at(&self, time: u64) -> Result<()> {
        Ok(self.chain.devnet().set_time(time).await?)
    }

    /// Sends `call` as `actor`.
    ///
    /// # Errors
    /// [`TxError`] with the contract's revert message.
    pub async fn send(&self, actor: usize, call: Call) -> Result<TransactionReceiptWithBlockInfo, TxError> {
        self.send_all(actor, vec![call]).await
    }

    /// Sends `calls` as one multicall from `actor`.
    ///
    /// # Errors
    /// [`TxError`] with the contract's revert message.
    pub async fn send_all(&self, actor: usize, calls: Vec<Call>) -> Result<TransactionReceiptWithBlockInfo, TxError> {
        let account = self.chain.account(actor).map_err(|e| TxError::Account(e.to_string()))?;
        tx::invoke(&account, calls).await
    }

    /// The CIRO balance of `address`.
    ///
    /// # Errors
    /// The call fails, or the balance does not fit in u128.
    pub async fn balance(&self, address: Felt) -> Result<u128> {
        let balance: U256 = self.token_reader().balance_of(&ContractAddress(address)).call().await?;
        ensure!(balance.high == 0, "u256 above 2^128: {balance:?}");
        Ok(balance.low)
    }
}

/// Constructor calldata `(governance, token)`, the constructor of every contract that is governed
/// and holds CIRO (vesting, BurnManager), serialized as the bindings do.
pub fn governance_and_token(governance: Felt, token: Felt) -> Vec<Felt> {
    [ContractAddress(governance), ContractAddress(token)].iter().flat_map(ContractAddress::cairo_serialize).collect()
}
