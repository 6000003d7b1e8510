//! Poseidon's round constants for the kernels, taken from the implementation the CPU backend
//! hashes with (starknet-types-core's Poseidon is lambdaworks' `PoseidonCairoStark252`), so the
//! two cannot drift apart.

use lambdaworks_crypto::hash::poseidon::parameters::PermutationParameters;
use lambdaworks_crypto::hash::poseidon::starknet::PoseidonCairoStark252;

/// How many constants the kernels take (`CIRO_POSEIDON_CONSTANTS` in `poseidon.cuh`): 3 for
/// each of the 8 full rounds, 1 for each of the 83 partial rounds.
pub(crate) const POSEIDON_CONSTANTS: usize = 3 * 8 + 83;

/// The round constants in the order the permutation uses them, canonical, 4 little-endian limbs
/// each.
pub(crate) fn poseidon_round_constants() -> Vec<u64> {
    let constants = <PoseidonCairoStark252 as PermutationParameters>::ROUND_CONSTANTS;
    debug_assert_eq!(constants.len(), POSEIDON_CONSTANTS);
    constants
        .iter()
        .flat_map(|constant| {
            let mut limbs = constant.representative().limbs;
            limbs.reverse();
            limbs
        })
        .collect()
}
