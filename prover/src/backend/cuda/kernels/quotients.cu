// FRI folding, the quotients, and gathering values at indices (decommitments).

// out[k] = values[indices[k]] (indices are plain 64-bit words).
extern "C" __global__ void ciro_gather(const u64* values, const u64* indices, u64 n, u64* out) {
    u64 k = ciro_thread_index();
    if (k >= n) return;
    fe_store(out + 4 * k, fe_load(values + 4 * indices[k]));
}

// base^e for a 256-bit exponent (4 limbs, least significant first), Montgomery form.
__device__ __forceinline__ Fe fe_pow_wide(const Fe& base, const Fe& e) {
    Fe result = fe_small(1);
    for (int limb = 3; limb >= 0; limb--) {
        for (int bit = 63; bit >= 0; bit--) {
            result = fe_mont_mul(result, result);
            if ((e.l[limb] >> bit) & 1) result = fe_mont_mul(result, base);
        }
    }
    return result;
}

// a^-1 = a^(p-2) (Fermat), Montgomery form; 0 for 0 (callers rule zero out first).
__device__ __forceinline__ Fe fe_inverse(const Fe& a) {
    // p - 2 = 2^251 + 17·2^192 - 1: limbs (2^64 - 1, 2^64 - 1, 2^64 - 1, 0x0800000000000010).
    Fe p_minus_2 = {{0xffffffffffffffffULL, 0xffffffffffffffffULL, 0xffffffffffffffffULL, CIRO_P3 - 1}};
    return fe_pow_wide(a, p_minus_2);
}

#define CIRO_MAX_LOG_FOLD 4

// One FRI layer: out[j] = fold_coset of evals[j + t·m], t < 2^log_fold (log_fold ≤ 4), at
// x^-1 = shift^-1 · (ω^-1)^j, exactly as fri.rs's `fold_coset`: binary fold r halves the list
// with u'[t] = (u[t] + u[t + L/2]) + α^(2^r)·(u[t] - u[t + L/2])·y_t^-1, y_t^-1 = x^(-2^r)·ω_L^(-t)
// (inv_roots[r] = ω_{2^(f-r)}^-1). shift_inv, omega_inv, alpha: one canonical felt each.
extern "C" __global__ void ciro_fri_fold(const u64* evals, u64 m, u64 log_fold, const u64* shift_inv, const u64* omega_inv,
                                         const u64* alpha, const u64* inv_roots, u64* out) {
    u64 j = ciro_thread_index();
    if (j >= m || log_fold > CIRO_MAX_LOG_FOLD) return;
    Fe u[1 << CIRO_MAX_LOG_FOLD];
    u64 width = 1ULL << log_fold;
    for (u64 t = 0; t < width; t++) u[t] = fe_to_montgomery(fe_load(evals + 4 * (j + t * m)));
    Fe point_inv = fe_mont_mul(fe_to_montgomery(fe_load(shift_inv)), fe_pow(fe_to_montgomery(fe_load(omega_inv)), j));
    Fe challenge = fe_to_montgomery(fe_load(alpha));
    u64 len = width;
    for (u64 r = 0; r < log_fold; r++) {
        u64 half = len / 2;
        Fe y_inv = point_inv;
        Fe step = fe_to_montgomery(fe_load(inv_roots + 4 * r));
        for (u64 t = 0; t < half; t++) {
            Fe a = u[t];
            Fe b = u[t + half];
            u[t] = fe_add(fe_add(a, b), fe_mont_mul(fe_mont_mul(challenge, fe_sub(a, b)), y_inv));
            y_inv = fe_mont_mul(y_inv, step);
        }
        len = half;
        challenge = fe_mont_mul(challenge, challenge);
        point_inv = fe_mont_mul(point_inv, point_inv);
    }
    fe_store(out + 4 * j, fe_from_montgomery(u[0]));
}

// out[i] = values[i] · factors[i mod period] (dividing by the vanishing polynomial, whose
// inverses repeat with the blowup's period on the LDE coset).
extern "C" __global__ void ciro_mul_periodic(const u64* values, u64 n, const u64* factors, u64 period, u64* out) {
    u64 i = ciro_thread_index();
    if (i >= n) return;
    Fe v = fe_to_montgomery(fe_load(values + 4 * i));
    Fe f = fe_to_montgomery(fe_load(factors + 4 * (i % period)));
    fe_store(out + 4 * i, fe_from_montgomery(fe_mont_mul(v, f)));
}

// The DEEP quotient at x_i = shift·ω^i, as quotients.rs's `deep_quotient`:
// D(x) = Σ_s (Σ_k c_k · column_k(x) - constant_s) / (x - point_s), with sample s's terms k in
// offsets[s] .. offsets[s + 1] (term_columns: column indices into the packed matrix of n rows;
// term_coefficients: felts). No point lies in the domain (the caller checks).
extern "C" __global__ void ciro_deep_quotient(const u64* columns, u64 n, const u64* shift, const u64* omega, u64 n_samples,
                                              const u64* points, const u64* constants, const u64* offsets,
                                              const u64* term_columns, const u64* term_coefficients, u64* out) {
    u64 i = ciro_thread_index();
    if (i >= n) return;
    Fe x = fe_mont_mul(fe_to_montgomery(fe_load(shift)), fe_pow(fe_to_montgomery(fe_load(omega)), i));
    Fe total = fe_zero();
    for (u64 s = 0; s < n_samples; s++) {
        Fe numerator = fe_sub(fe_zero(), fe_to_montgomery(fe_load(constants + 4 * s)));
        for (u64 k = offsets[s]; k < offsets[s + 1]; k++) {
            Fe value = fe_to_montgomery(fe_load(columns + 4 * (term_columns[k] * n + i)));
            numerator = fe_add(numerator, fe_mont_mul(fe_to_montgomery(fe_load(term_coefficients + 4 * k)), value));
        }
        Fe denominator = fe_sub(x, fe_to_montgomery(fe_load(points + 4 * s)));
        total = fe_add(total, fe_mont_mul(numerator, fe_inverse(denominator)));
    }
    fe_store(out + 4 * i, fe_from_montgomery(total));
}
