// The kernels built for the host (see host.h), behind one entry point that launches kernel
// `kernel` over `threads` threads (blocks of CIRO_BLOCK, as on the device) with `args`, each
// argument one 64-bit word: a pointer or a value, in the kernel's parameter order. The order of
// the cases is `Kernel`'s in src/backend/cuda/mod.rs.

#include "host.h"
#include "field.cuh"
#include "poseidon.cuh"
#include "merkle.cu"
#include "ntt.cu"
#include "quotients.cu"

static const unsigned int CIRO_BLOCK = 256;

#define P(i) ((u64*)args[i])
#define V(i) (args[i])

extern "C" int ciro_host_launch(unsigned int kernel, u64 threads, const u64* args) {
    unsigned int grid = (unsigned int)((threads + CIRO_BLOCK - 1) / CIRO_BLOCK);
    switch (kernel) {
        case 0: ciro_launch(grid, CIRO_BLOCK, [&] { ciro_to_montgomery(P(0), V(1)); }); return 0;
        case 1: ciro_launch(grid, CIRO_BLOCK, [&] { ciro_field_ops(P(0), P(1), V(2), P(3), P(4), P(5)); }); return 0;
        case 2: ciro_launch(grid, CIRO_BLOCK, [&] { ciro_hades_permutation(P(0), V(1), P(2)); }); return 0;
        case 3: ciro_launch(grid, CIRO_BLOCK, [&] { ciro_hash_leaves(P(0), V(1), V(2), P(3), P(4)); }); return 0;
        case 4: ciro_launch(grid, CIRO_BLOCK, [&] { ciro_hash_parents(P(0), V(1), P(2), P(3)); }); return 0;
        case 5: ciro_launch(grid, CIRO_BLOCK, [&] { ciro_grind(P(0), V(1), V(2), V(3), P(4), P(5)); }); return 0;
        case 6: ciro_launch(grid, CIRO_BLOCK, [&] { ciro_load_montgomery(P(0), V(1), P(2), V(3)); }); return 0;
        case 7: ciro_launch(grid, CIRO_BLOCK, [&] { ciro_from_montgomery(P(0), V(1)); }); return 0;
        case 8: ciro_launch(grid, CIRO_BLOCK, [&] { ciro_powers(P(0), V(1), P(2)); }); return 0;
        case 9: ciro_launch(grid, CIRO_BLOCK, [&] { ciro_mul_powers(P(0), V(1), P(2), P(3)); }); return 0;
        case 10: ciro_launch(grid, CIRO_BLOCK, [&] { ciro_bit_reverse(P(0), V(1)); }); return 0;
        case 11: ciro_launch(grid, CIRO_BLOCK, [&] { ciro_ntt_layer(P(0), V(1), V(2), P(3)); }); return 0;
        case 12: ciro_launch(grid, CIRO_BLOCK, [&] { ciro_gather(P(0), P(1), V(2), P(3)); }); return 0;
        case 13: ciro_launch(grid, CIRO_BLOCK, [&] { ciro_fri_fold(P(0), V(1), V(2), P(3), P(4), P(5), P(6), P(7)); }); return 0;
        case 14: ciro_launch(grid, CIRO_BLOCK, [&] { ciro_mul_periodic(P(0), V(1), P(2), V(3), P(4)); }); return 0;
        case 15: ciro_launch(grid, CIRO_BLOCK, [&] { ciro_deep_quotient(P(0), V(1), P(2), P(3), V(4), P(5), P(6), P(7), P(8), P(9), P(10)); }); return 0;
        default: return -1;
    }
}
