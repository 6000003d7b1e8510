// The NTT stage: a radix-2 transform in place (bit reversal, then one launch per layer of
// butterflies), and the coset scalings around it. Values stay in Montgomery form from
// `ciro_load_montgomery` to `ciro_from_montgomery`.

// base^e, Montgomery form in and out.
__device__ __forceinline__ Fe fe_pow(Fe base, u64 e) {
    Fe result = fe_small(1);
    while (e != 0) {
        if (e & 1) result = fe_mont_mul(result, base);
        base = fe_mont_mul(base, base);
        e >>= 1;
    }
    return result;
}

// dst[i] = src[i] in Montgomery form for i < n_src, 0 for n_src <= i < n (zero padding).
extern "C" __global__ void ciro_load_montgomery(const u64* src, u64 n_src, u64* dst, u64 n) {
    u64 i = ciro_thread_index();
    if (i >= n) return;
    fe_store(dst + 4 * i, i < n_src ? fe_to_montgomery(fe_load(src + 4 * i)) : fe_zero());
}

// Montgomery form back to canonical, in place.
extern "C" __global__ void ciro_from_montgomery(u64* values, u64 n) {
    u64 i = ciro_thread_index();
    if (i >= n) return;
    fe_store(values + 4 * i, fe_from_montgomery(fe_load(values + 4 * i)));
}

// out[i] = base^i in Montgomery form (the twiddles); base is one canonical felt.
extern "C" __global__ void ciro_powers(const u64* base, u64 n, u64* out) {
    u64 i = ciro_thread_index();
    if (i >= n) return;
    fe_store(out + 4 * i, fe_pow(fe_to_montgomery(fe_load(base)), i));
}

// values[i] *= scalar · base^i (Montgomery values; base and scalar are canonical felts).
extern "C" __global__ void ciro_mul_powers(u64* values, u64 n, const u64* base, const u64* scalar) {
    u64 i = ciro_thread_index();
    if (i >= n) return;
    Fe factor = fe_mont_mul(fe_to_montgomery(fe_load(scalar)), fe_pow(fe_to_montgomery(fe_load(base)), i));
    fe_store(values + 4 * i, fe_mont_mul(fe_load(values + 4 * i), factor));
}

// The bit-reversal permutation of 2^log_n values: thread i swaps i and reverse(i) when i is the
// smaller.
extern "C" __global__ void ciro_bit_reverse(u64* values, u64 log_n) {
    u64 i = ciro_thread_index();
    if (log_n == 0 || i >= (1ULL << log_n)) return;
    u64 j = CIRO_BREV64(i) >> (64 - log_n);
    if (i >= j) return;
    Fe a = fe_load(values + 4 * i);
    Fe b = fe_load(values + 4 * j);
    fe_store(values + 4 * i, b);
    fe_store(values + 4 * j, a);
}

// One layer of the transform over 2^log_n bit-reversed values: blocks of 2·half (half =
// 2^log_half), thread t does the butterfly (i0, i0 + half) with w = root^(j·n/(2·half)), read
// from `twiddles` = root^0 .. root^(n/2 - 1) (Montgomery form).
extern "C" __global__ void ciro_ntt_layer(u64* values, u64 log_n, u64 log_half, const u64* twiddles) {
    u64 t = ciro_thread_index();
    if (log_n == 0 || t >= (1ULL << (log_n - 1))) return;
    u64 half = 1ULL << log_half;
    u64 j = t & (half - 1);
    u64 i0 = ((t >> log_half) << (log_half + 1)) + j;
    u64 i1 = i0 + half;
    Fe w = fe_load(twiddles + 4 * (j << (log_n - log_half - 1)));
    Fe u = fe_load(values + 4 * i0);
    Fe v = fe_mont_mul(fe_load(values + 4 * i1), w);
    fe_store(values + 4 * i0, fe_add(u, v));
    fe_store(values + 4 * i1, fe_sub(u, v));
}
