// The Starknet field p = 2^251 + 17·2^192 + 1 on 64-bit limbs, for the CUDA kernels and their host
// build. A felt is 4 limbs, least significant first. In memory (what the host sends and receives)
// values are canonical (< p); inside a kernel they are in Montgomery form, x·R mod p with R = 2^256.
//
// No standard header is included: NVRTC compiles this file as it is. `CIRO_MULHI(a, b)`, the high
// 64 bits of a·b, is `__umul64hi` on the device and a 128-bit multiply on the host (host.h).

typedef unsigned long long u64;

struct Fe {
    u64 l[4];
};

// p, least significant limb first. p ≡ 1 (mod 2^64), so -p^-1 mod 2^64 = 2^64 - 1.
#define CIRO_P0 0x0000000000000001ULL
#define CIRO_P1 0x0000000000000000ULL
#define CIRO_P2 0x0000000000000000ULL
#define CIRO_P3 0x0800000000000011ULL
#define CIRO_MONTGOMERY_MU 0xffffffffffffffffULL

__device__ __forceinline__ Fe fe_p() {
    Fe p = {{CIRO_P0, CIRO_P1, CIRO_P2, CIRO_P3}};
    return p;
}

// R^2 mod p: multiplying by it (Montgomery) takes a canonical value into Montgomery form.
__device__ __forceinline__ Fe fe_r2() {
    Fe r2 = {{0xfffffd737e000401ULL, 0x00000001330fffffULL, 0xffffffffff6f8000ULL, 0x07ffd4ab5e008810ULL}};
    return r2;
}

__device__ __forceinline__ Fe fe_zero() {
    Fe z = {{0, 0, 0, 0}};
    return z;
}

__device__ __forceinline__ Fe fe_load(const u64* source) {
    Fe a = {{source[0], source[1], source[2], source[3]}};
    return a;
}

__device__ __forceinline__ void fe_store(u64* target, Fe a) {
    target[0] = a.l[0];
    target[1] = a.l[1];
    target[2] = a.l[2];
    target[3] = a.l[3];
}

// a >= p, for a < 2^256.
__device__ __forceinline__ bool fe_at_least_p(const Fe& a) {
    if (a.l[3] != CIRO_P3) return a.l[3] > CIRO_P3;
    if (a.l[2] != CIRO_P2) return a.l[2] > CIRO_P2;
    if (a.l[1] != CIRO_P1) return a.l[1] > CIRO_P1;
    return a.l[0] >= CIRO_P0;
}

// a -= b on 256 bits; returns the borrow out of the top limb.
__device__ __forceinline__ u64 fe_sub_limbs(Fe& a, const Fe& b) {
    u64 borrow = 0;
    for (int i = 0; i < 4; i++) {
        u64 d = a.l[i] - b.l[i];
        u64 b1 = a.l[i] < b.l[i];
        u64 r = d - borrow;
        u64 b2 = d < borrow;
        a.l[i] = r;
        borrow = b1 | b2;
    }
    return borrow;
}

// a += b on 256 bits; returns the carry out of the top limb.
__device__ __forceinline__ u64 fe_add_limbs(Fe& a, const Fe& b) {
    u64 carry = 0;
    for (int i = 0; i < 4; i++) {
        u64 s = a.l[i] + b.l[i];
        u64 c1 = s < b.l[i];
        u64 r = s + carry;
        u64 c2 = r < carry;
        a.l[i] = r;
        carry = c1 | c2;
    }
    return carry;
}

// a - p, for a >= p.
__device__ __forceinline__ Fe fe_sub_p(Fe a) {
    fe_sub_limbs(a, fe_p());
    return a;
}

// (a + b) mod p for a, b < p: the sum is below 2p < 2^253, so it never overflows 256 bits.
__device__ __forceinline__ Fe fe_add(Fe a, const Fe& b) {
    fe_add_limbs(a, b);
    return fe_at_least_p(a) ? fe_sub_p(a) : a;
}

// (a - b) mod p for a, b < p.
__device__ __forceinline__ Fe fe_sub(Fe a, const Fe& b) {
    if (fe_sub_limbs(a, b)) fe_add_limbs(a, fe_p());
    return a;
}

// t[j] += lo + carry, returning the carry into the next limb (hi plus what overflowed).
__device__ __forceinline__ u64 fe_mac(u64& t, u64 a, u64 b, u64 carry) {
    u64 lo = a * b;
    u64 hi = CIRO_MULHI(a, b);
    u64 s = t + lo;
    u64 c = s < lo;
    u64 r = s + carry;
    c += r < carry;
    t = r;
    return hi + c;  // hi <= 2^64 - 2, so this does not overflow
}

// Montgomery product a·b·R^-1 mod p (CIOS), for a, b < p.
__device__ __forceinline__ Fe fe_mont_mul(const Fe& a, const Fe& b) {
    u64 t[6] = {0, 0, 0, 0, 0, 0};
    Fe p = fe_p();
    for (int i = 0; i < 4; i++) {
        u64 carry = 0;
        for (int j = 0; j < 4; j++) carry = fe_mac(t[j], a.l[j], b.l[i], carry);
        u64 s = t[4] + carry;
        t[5] = s < carry;
        t[4] = s;
        u64 m = t[0] * CIRO_MONTGOMERY_MU;
        carry = 0;
        for (int j = 0; j < 4; j++) carry = fe_mac(t[j], m, p.l[j], carry);
        s = t[4] + carry;
        t[5] += s < carry;
        t[4] = s;
        // t[0] is zero now: shift down one limb.
        t[0] = t[1];
        t[1] = t[2];
        t[2] = t[3];
        t[3] = t[4];
        t[4] = t[5];
        t[5] = 0;
    }
    Fe r = {{t[0], t[1], t[2], t[3]}};
    // r < 2p < 2^253, so t[4] is zero and one subtraction reduces it.
    return fe_at_least_p(r) ? fe_sub_p(r) : r;
}

__device__ __forceinline__ Fe fe_to_montgomery(const Fe& a) { return fe_mont_mul(a, fe_r2()); }

__device__ __forceinline__ Fe fe_from_montgomery(const Fe& a) {
    Fe one = {{1, 0, 0, 0}};
    return fe_mont_mul(a, one);
}

// Montgomery form of a small integer.
__device__ __forceinline__ Fe fe_small(u64 v) {
    Fe a = {{v, 0, 0, 0}};
    return fe_to_montgomery(a);
}
