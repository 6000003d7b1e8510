// The kernels: Merkle hashing and grinding, and the arithmetic's test kernels. One thread per
// output element; felts in memory are canonical, 4 limbs each
// (field.cuh). `constants` is always the Poseidon round constants in Montgomery form, as
// `ciro_to_montgomery` leaves them.

__device__ __forceinline__ u64 ciro_thread_index() {
    return (u64)blockIdx.x * (u64)blockDim.x + (u64)threadIdx.x;
}

// values[i] = values[i]·R mod p: canonical to Montgomery form, in place (for the constants).
extern "C" __global__ void ciro_to_montgomery(u64* values, u64 n) {
    u64 i = ciro_thread_index();
    if (i >= n) return;
    fe_store(values + 4 * i, fe_to_montgomery(fe_load(values + 4 * i)));
}

// The arithmetic, element by element, for the parity tests: a·b, a + b and a - b mod p.
extern "C" __global__ void ciro_field_ops(const u64* a, const u64* b, u64 n, u64* product, u64* sum, u64* difference) {
    u64 i = ciro_thread_index();
    if (i >= n) return;
    Fe x = fe_load(a + 4 * i);
    Fe y = fe_load(b + 4 * i);
    Fe xm = fe_to_montgomery(x);
    Fe ym = fe_to_montgomery(y);
    fe_store(product + 4 * i, fe_from_montgomery(fe_mont_mul(xm, ym)));
    fe_store(sum + 4 * i, fe_add(x, y));
    fe_store(difference + 4 * i, fe_sub(x, y));
}

// The Hades permutation of states[i] (3 felts), in place.
extern "C" __global__ void ciro_hades_permutation(u64* states, u64 n, const u64* constants) {
    u64 i = ciro_thread_index();
    if (i >= n) return;
    u64* at = states + 12 * i;
    State s = {fe_to_montgomery(fe_load(at)), fe_to_montgomery(fe_load(at + 4)), fe_to_montgomery(fe_load(at + 8))};
    hades_permutation(s, constants);
    fe_store(at, fe_from_montgomery(s.s0));
    fe_store(at + 4, fe_from_montgomery(s.s1));
    fe_store(at + 8, fe_from_montgomery(s.s2));
}

// Merkle leaves: leaves[i] = poseidon_hash_many([columns[c][i] for c in 0..n_columns]), where
// column c is the n felts starting at columns + 4·c·n.
extern "C" __global__ void ciro_hash_leaves(const u64* columns, u64 n_columns, u64 n, const u64* constants, u64* leaves) {
    u64 i = ciro_thread_index();
    if (i >= n) return;
    State s = {fe_zero(), fe_zero(), fe_zero()};
    u64 c = 0;
    for (; c + 1 < n_columns; c += 2) {
        s.s0 = fe_add(s.s0, fe_to_montgomery(fe_load(columns + 4 * (c * n + i))));
        s.s1 = fe_add(s.s1, fe_to_montgomery(fe_load(columns + 4 * ((c + 1) * n + i))));
        hades_permutation(s, constants);
    }
    // The padding: 1, then a 0 if that leaves an odd length.
    Fe one = fe_small(1);
    if (c < n_columns) {
        s.s0 = fe_add(s.s0, fe_to_montgomery(fe_load(columns + 4 * (c * n + i))));
        s.s1 = fe_add(s.s1, one);
    } else {
        s.s0 = fe_add(s.s0, one);
    }
    hades_permutation(s, constants);
    fe_store(leaves + 4 * i, fe_from_montgomery(s.s0));
}

// One Merkle layer up: parents[i] = poseidon_hash(children[2i], children[2i + 1]).
extern "C" __global__ void ciro_hash_parents(const u64* children, u64 n_parents, const u64* constants, u64* parents) {
    u64 i = ciro_thread_index();
    if (i >= n_parents) return;
    Fe left = fe_to_montgomery(fe_load(children + 8 * i));
    Fe right = fe_to_montgomery(fe_load(children + 8 * i + 4));
    fe_store(parents + 4 * i, fe_from_montgomery(poseidon_hash(left, right, constants)));
}

// Grinding: for the nonces start + i, i < count, whether the low `bits` bits (bits ≤ 128) of
// poseidon_hash(seed, nonce) are zero; the smallest valid nonce goes to *found (atomic minimum),
// which the caller sets to 2^64 - 1 first. `seed` is one canonical felt.
extern "C" __global__ void ciro_grind(const u64* seed, u64 bits, u64 start, u64 count, const u64* constants, u64* found) {
    u64 i = ciro_thread_index();
    if (i >= count) return;
    u64 nonce = start + i;
    if (nonce < start) return;  // past 2^64 - 1
    Fe hash = fe_from_montgomery(poseidon_hash(fe_to_montgomery(fe_load(seed)), fe_small(nonce), constants));
    bool valid;
    if (bits >= 128) {
        valid = hash.l[0] == 0 && hash.l[1] == 0;
    } else if (bits >= 64) {
        valid = hash.l[0] == 0 && (hash.l[1] & ((1ULL << (bits - 64)) - 1)) == 0;
    } else {
        valid = (hash.l[0] & ((1ULL << bits) - 1)) == 0;
    }
    if (valid) CIRO_ATOMIC_MIN(found, nonce);
}
