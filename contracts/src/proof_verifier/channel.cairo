//! The Fiat–Shamir channel of PROOF_FORMAT.md §5: a Poseidon digest and a draw counter.

use array::{ArrayTrait, SpanTrait};
use poseidon::{hades_permutation, poseidon_hash_span};

/// Channel state.
#[derive(Copy, Drop)]
struct Channel {
    digest: felt252,
    counter: felt252,
}

/// init(items): `digest = Hmany(items)`, counter 0.
fn new_channel(items: Span<felt252>) -> Channel {
    Channel { digest: poseidon_hash_span(items), counter: 0 }
}

/// mix(items): `digest = Hmany([digest] ++ items)`, counter 0.
fn mix(channel: Channel, items: Span<felt252>) -> Channel {
    let mut input = ArrayTrait::new();
    input.append(channel.digest);
    let mut rest = items;
    loop {
        match rest.pop_front() {
            Option::Some(x) => {
                input.append(*x);
            },
            Option::None => {
                break;
            },
        };
    };
    Channel { digest: poseidon_hash_span(input.span()), counter: 0 }
}

/// mix([item]).
fn mix_one(channel: Channel, item: felt252) -> Channel {
    let mut input = ArrayTrait::new();
    input.append(channel.digest);
    input.append(item);
    Channel { digest: poseidon_hash_span(input.span()), counter: 0 }
}

/// draw(): `H2(digest, counter)`, then the counter moves on. Returns the new state and the felt.
fn draw(channel: Channel) -> (Channel, felt252) {
    let (value, _, _) = hades_permutation(channel.digest, channel.counter, 2);
    (Channel { digest: channel.digest, counter: channel.counter + 1 }, value)
}
