//! Field helpers: powers, inverses and the domain constants of PROOF_FORMAT.md §2.

use option::OptionTrait;
use traits::{DivRem, Into, TryInto};
use zeroable::NonZero;

/// ω_(2^27) = 3^((p−1)/2^27); squaring it `27 − k` times gives ω_(2^k).
const OMEGA_2_27: felt252 = 0x1f05206a93b28f3ce0bc0d9fee282e4102e16b264c12e72eac5be9eea5f81cf;
/// ω_8^-1.
const OMEGA_8_INV: felt252 = 0x446ed3ce295dda2b5ea677394813e6eab8bfbc55397aacac8e6df6f4bc9ca34;
/// ω_4^-1 (= ω_8^-2).
const OMEGA_4_INV: felt252 = 0x1dafdc6d65d66b5accedf99bcd607383ad971a9537cdf25d59e99d90becc81e;
/// The LDE coset shift.
const COSET_SHIFT: felt252 = 3;
/// log2 of the largest domain the constants reach.
const MAX_LOG_DOMAIN: u32 = 27;

/// `x^(2^times)`.
fn square_times(x: felt252, times: u32) -> felt252 {
    let mut value = x;
    let mut i: u32 = 0;
    loop {
        if i == times {
            break;
        }
        value = value * value;
        i = i + 1;
    };
    value
}

/// `base^exponent`, square and multiply on the exponent's bits.
fn pow_u32(base: felt252, exponent: u32) -> felt252 {
    let two: NonZero<u32> = 2_u32.try_into().unwrap();
    let mut result: felt252 = 1;
    let mut b = base;
    let mut e = exponent;
    loop {
        if e == 0 {
            break result;
        }
        let (half, bit) = DivRem::div_rem(e, two);
        if bit == 1 {
            result = result * b;
        }
        b = b * b;
        e = half;
    }
}

/// ω_(2^log_size); requires `log_size ≤ 27`.
fn root_of_unity(log_size: u32) -> felt252 {
    square_times(OMEGA_2_27, MAX_LOG_DOMAIN - log_size)
}


/// `a / b`, or None when `b` is zero.
fn div(a: felt252, b: felt252) -> Option<felt252> {
    let b_nz: Option<NonZero<felt252>> = b.try_into();
    match b_nz {
        Option::Some(nz) => Option::Some(felt252_div(a, nz)),
        Option::None => Option::None,
    }
}

/// `2^k` as a u128; requires `k ≤ 127`.
fn pow2(k: u32) -> u128 {
    let mut result: u128 = 1;
    let mut i: u32 = 0;
    loop {
        if i == k {
            break;
        }
        result = result * 2;
        i = i + 1;
    };
    result
}

/// The low 128 bits of the canonical integer of `x`.
fn low128(x: felt252) -> u128 {
    let v: u256 = x.into();
    v.low
}
