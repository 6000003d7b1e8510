/// What several contracts need alike: token transfers that revert with the calling contract's own
/// message when the token answers `false`, and basis-point arithmetic.
///
/// Free functions, not a contract: each host calls them with its token address and its error
/// constant, so a revert still names the contract that failed (`'JM: token transfer failed'`).
use starknet::{ContractAddress, get_contract_address};
use traits::Into;

use super::token::interface::{IERC20Dispatcher, IERC20DispatcherTrait};

/// 100% in basis points.
const BPS: u128 = 10000;

/// Sends `amount` of `token` from this contract to `to`; reverts with `error` if the token
/// answers `false`.
fn transfer_or_revert(token: ContractAddress, to: ContractAddress, amount: u256, error: felt252) {
    assert(IERC20Dispatcher { contract_address: token }.transfer(to, amount), error);
}

/// Pulls `amount` of `token` from `from` (who approved this contract) into this contract; reverts
/// with `error` if the token answers `false`.
fn pull_or_revert(token: ContractAddress, from: ContractAddress, amount: u256, error: felt252) {
    let pulled = IERC20Dispatcher { contract_address: token }
        .transfer_from(from, get_contract_address(), amount);
    assert(pulled, error);
}

/// floor(`amount` × `bps` / 10,000).
fn bps_of(amount: u256, bps: u256) -> u256 {
    amount * bps / BPS.into()
}

/// ceil(`amount` × `bps` / 10,000); never above `amount` for `bps` ≤ 10,000.
fn bps_of_rounded_up(amount: u256, bps: u256) -> u256 {
    (amount * bps + (BPS - 1).into()) / BPS.into()
}
