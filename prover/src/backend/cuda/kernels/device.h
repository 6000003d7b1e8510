// The prelude of the kernels when NVRTC compiles them for the device (host.h is the host's).
#define CIRO_MULHI(a, b) __umul64hi((a), (b))
#define CIRO_ATOMIC_MIN(address, value) atomicMin((address), (value))
#define CIRO_BREV64(x) __brevll(x)
