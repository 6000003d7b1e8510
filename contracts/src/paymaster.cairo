//! Paymaster: gas-free requests for users with no fee tokens, relayed through SNIP-9 outside
//! execution and paid for out of sponsors' deposits.
mod errors;
mod interface;
mod paymaster;

use paymaster::Paymaster;
