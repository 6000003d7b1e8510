// Maps the CUDA built-ins the kernels use onto ordinary C++, so that the very same kernel sources
// compile on the host (host.cpp) and the parity tests run them on machines without a GPU.
//
// - `__global__`, `__device__`, `__forceinline__`: plain (inline) functions;
// - `threadIdx`, `blockIdx`, `blockDim`, `gridDim`: thread-local variables that `ciro_launch`
//   sets before it calls the kernel once per (block, thread), in order;
// - `CIRO_MULHI`: the high half of a 64×64-bit product, through a 128-bit integer;
// - `CIRO_ATOMIC_MIN`: `atomicMin`, a plain minimum (the threads run one after the other);
// - `CIRO_BREV64`: `__brevll`, the bits of a 64-bit word reversed.
// The kernels use no shared memory and no synchronisation beyond that atomic, so a sequential loop over the
// threads computes exactly what the device computes.

#pragma once

#define __global__
#define __device__
#define __forceinline__ inline

struct ciro_dim3 {
    unsigned int x, y, z;
};

static thread_local ciro_dim3 threadIdx = {0, 0, 0};
static thread_local ciro_dim3 blockIdx = {0, 0, 0};
static thread_local ciro_dim3 blockDim = {1, 1, 1};
static thread_local ciro_dim3 gridDim = {1, 1, 1};

#define CIRO_MULHI(a, b) ((u64)(((unsigned __int128)(a) * (unsigned __int128)(b)) >> 64))
#define CIRO_ATOMIC_MIN(address, value) (*(address) = *(address) < (value) ? *(address) : (value))
#define CIRO_BREV64(x) ciro_brev64(x)

static inline unsigned long long ciro_brev64(unsigned long long x) {
    unsigned long long r = 0;
    for (int i = 0; i < 64; i++, x >>= 1) r = (r << 1) | (x & 1);
    return r;
}

// Runs `kernel` as a launch of `grid` blocks of `block` threads would.
template <typename Kernel>
static void ciro_launch(unsigned int grid, unsigned int block, Kernel kernel) {
    gridDim = {grid, 1, 1};
    blockDim = {block, 1, 1};
    for (unsigned int b = 0; b < grid; b++) {
        blockIdx = {b, 0, 0};
        for (unsigned int t = 0; t < block; t++) {
            threadIdx = {t, 0, 0};
            kernel();
        }
    }
}
