// Starknet's Poseidon: the Hades permutation over 3 felts with 8 full rounds and 83 partial
// rounds, S-box x^3, and the network's MDS mix
//     t = s0 + s1 + s2;  s0 = t + 2·s0;  s1 = t - 2·s1;  s2 = t - 3·s2.
// The round constants are not written here: the host passes the network's 107 "optimized"
// constants (3 per full round, 1 per partial round, in order; starknet-types-core's Poseidon
// takes them from lambdaworks), already in Montgomery form.
//
// hash(x, y) = hades(x, y, 2)[0]; hash_many(v) pads v with 1 then a 0 to an even length and
// absorbs two values per permutation into a zero state, returning s0 (Cairo's poseidon_hash_span).

#define CIRO_POSEIDON_FULL_ROUNDS 8
#define CIRO_POSEIDON_PARTIAL_ROUNDS 83
#define CIRO_POSEIDON_CONSTANTS 107

struct State {
    Fe s0, s1, s2;
};

__device__ __forceinline__ Fe fe_cube(const Fe& a) { return fe_mont_mul(fe_mont_mul(a, a), a); }

__device__ __forceinline__ void poseidon_mix(State& s) {
    Fe t = fe_add(fe_add(s.s0, s.s1), s.s2);
    Fe s0 = fe_add(t, fe_add(s.s0, s.s0));
    Fe s1 = fe_sub(t, fe_add(s.s1, s.s1));
    Fe s2 = fe_sub(t, fe_add(fe_add(s.s2, s.s2), s.s2));
    s.s0 = s0;
    s.s1 = s1;
    s.s2 = s2;
}

__device__ __forceinline__ void poseidon_full_round(State& s, const u64* constants) {
    s.s0 = fe_cube(fe_add(s.s0, fe_load(constants)));
    s.s1 = fe_cube(fe_add(s.s1, fe_load(constants + 4)));
    s.s2 = fe_cube(fe_add(s.s2, fe_load(constants + 8)));
    poseidon_mix(s);
}

__device__ __forceinline__ void poseidon_partial_round(State& s, const u64* constant) {
    s.s2 = fe_cube(fe_add(s.s2, fe_load(constant)));
    poseidon_mix(s);
}

// The permutation, in Montgomery form; `constants` holds CIRO_POSEIDON_CONSTANTS felts.
__device__ __forceinline__ void hades_permutation(State& s, const u64* constants) {
    const u64* c = constants;
    for (int r = 0; r < CIRO_POSEIDON_FULL_ROUNDS / 2; r++, c += 12) poseidon_full_round(s, c);
    for (int r = 0; r < CIRO_POSEIDON_PARTIAL_ROUNDS; r++, c += 4) poseidon_partial_round(s, c);
    for (int r = 0; r < CIRO_POSEIDON_FULL_ROUNDS / 2; r++, c += 12) poseidon_full_round(s, c);
}

// poseidon_hash(x, y), Montgomery form in and out.
__device__ __forceinline__ Fe poseidon_hash(const Fe& x, const Fe& y, const u64* constants) {
    State s = {x, y, fe_small(2)};
    hades_permutation(s, constants);
    return s.s0;
}
