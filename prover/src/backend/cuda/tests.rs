//! Parity of every operation with the CPU backend, byte for byte, over seeded inputs: on the
//! host build of the kernels (always), and on the GPU (`#[ignore]`d here; `scripts/gpu-check`
//! runs them on a machine with one). Both run the same [`super::ops`] code.

use super::host::HostLauncher;
use super::{ops, Launcher};
use crate::backend::cpu::CpuBackend;
use crate::field::Felt;
use crate::merkle::{hash_leaf, hash_node, MerkleOps};
use crate::poly::{Coset, PolyOps};
use crate::proof_of_work::{check_pow, pow_seed, GrindOps};
use starknet_types_core::hash::Poseidon;

/// Felts that stress the arithmetic (0, 1, p - 1, limb boundaries), then seeded random ones
/// spread over the whole field.
fn felts(seed: u64, n: usize) -> Vec<Felt> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let edges = [
        Felt::ZERO,
        Felt::ONE,
        Felt::TWO,
        Felt::MAX,
        Felt::MAX - Felt::ONE,
        Felt::from(u64::MAX),
        Felt::from(u128::MAX),
        Felt::TWO.pow(192u128),
        Felt::TWO.pow(251u128),
        Felt::TWO.pow(251u128) - Felt::ONE,
    ];
    let mut values: Vec<Felt> = edges.iter().copied().take(n).collect();
    while values.len() < n {
        let mut bytes = [0u8; 32];
        rng.fill(&mut bytes);
        // Below 2^252, that is below 2p; `from_bytes_le` reduces the few above p.
        bytes[31] &= 0x0f;
        values.push(Felt::from_bytes_le(&bytes));
    }
    values
}

fn bytes(values: &[Felt]) -> Vec<[u8; 32]> {
    values.iter().map(Felt::to_bytes_le).collect()
}

fn states(seed: u64, n: usize) -> Vec<[Felt; 3]> {
    felts(seed, 3 * n).chunks_exact(3).map(|s| [s[0], s[1], s[2]]).collect()
}

fn columns(seed: u64, width: usize, rows: usize) -> Vec<Vec<Felt>> {
    felts(seed, width * rows).chunks_exact(rows).map(<[Felt]>::to_vec).collect()
}

// The checks, over any launcher.

fn field_arithmetic_matches_the_cpu<L: Launcher>(l: &L, n: usize) {
    let (a, b) = (felts(2, n), felts(3, n).into_iter().rev().collect::<Vec<_>>());
    let [product, sum, difference] = ops::field_ops(l, &a, &b).expect("field ops");
    assert_eq!(bytes(&product), bytes(&a.iter().zip(&b).map(|(x, y)| x * y).collect::<Vec<_>>()));
    assert_eq!(bytes(&sum), bytes(&a.iter().zip(&b).map(|(x, y)| x + y).collect::<Vec<_>>()));
    assert_eq!(bytes(&difference), bytes(&a.iter().zip(&b).map(|(x, y)| x - y).collect::<Vec<_>>()));
    // Each operand against itself: squares, the top of the field doubled, a - a = 0.
    let [square, double, zero] = ops::field_ops(l, &a, &a).expect("field ops");
    assert_eq!(bytes(&square), bytes(&a.iter().map(|x| x * x).collect::<Vec<_>>()));
    assert_eq!(bytes(&double), bytes(&a.iter().map(|x| x + x).collect::<Vec<_>>()));
    assert!(zero.iter().all(|z| *z == Felt::ZERO));
}

fn hades_permutation_matches_starknet<L: Launcher>(l: &L, n: usize) {
    let states = states(4, n);
    let permuted = ops::hades_permutation(l, &states).expect("permutation");
    for (state, got) in states.iter().zip(&permuted) {
        let mut expected = *state;
        Poseidon::hades_permutation(&mut expected);
        assert_eq!(bytes(got), bytes(&expected), "hades({state:?})");
    }
    // The published vector poseidon_hash(1, 2) (starknet-crypto's and Cairo's tests).
    let hashed = ops::hades_permutation(l, &[[Felt::ONE, Felt::TWO, Felt::TWO]]).expect("permutation");
    assert_eq!(hashed[0][0], Felt::from_hex_unchecked("0x5d44a3decb2b2e0cc71071f7b802f45dd792d064f0fc7316c46514f70f9891a"));
}

fn merkle_tree_matches_the_cpu<L: Launcher>(l: &L, shapes: &[(usize, u32)]) {
    for &(width, log_rows) in shapes {
        let rows = 1usize << log_rows;
        let trace = columns(10 + width as u64, width, rows);
        let views: Vec<&[Felt]> = trace.iter().map(Vec::as_slice).collect();
        let refs: Vec<&Vec<Felt>> = trace.iter().collect();
        let layers = ops::commit(l, &ops::upload_columns(l, &views).expect("upload")).expect("commit");
        assert_eq!(layers.len(), log_rows as usize + 1, "width {width}: one layer per level");
        let mut cpu_layer = CpuBackend::hash_leaves(&refs);
        let leaves = ops::download(l, &layers[0]).expect("download");
        let row: Vec<Felt> = trace.iter().map(|c| c[rows - 1]).collect();
        assert_eq!(leaves[rows - 1], hash_leaf(&row));
        for (level, layer) in layers.iter().enumerate() {
            let got = ops::download(l, layer).expect("download");
            assert_eq!(bytes(&got), bytes(&cpu_layer), "width {width}, level {level}");
            if cpu_layer.len() > 1 {
                assert_eq!(CpuBackend::hash_parents(&cpu_layer)[0], hash_node(cpu_layer[0], cpu_layer[1]));
                cpu_layer = CpuBackend::hash_parents(&cpu_layer);
            }
        }
    }
}

fn grinding_finds_the_cpus_nonce<L: Launcher>(l: &L, cases: &[(u64, u32, u64)], batch: u64) {
    for &(digest, bits, start) in cases {
        let seed = pow_seed(Felt::from(digest), bits);
        let nonce = ops::grind(l, seed, bits, start, batch).expect("grind");
        assert_eq!(nonce, CpuBackend::grind(seed, bits, start), "digest {digest}, {bits} bits from {start}");
        assert!(check_pow(seed, bits, nonce));
    }
}

fn ntt_matches_the_cpu<L: Launcher>(l: &L, log_sizes: &[(u32, u32)]) {
    for &(log_trace, log_blowup) in log_sizes {
        let trace = felts(50 + u64::from(log_trace), 1 << log_trace);
        let subgroup = Coset::subgroup(log_trace);
        let lde = Coset::lde(log_trace, log_blowup);
        let cpu_coefficients = CpuBackend::interpolate(&trace, subgroup).expect("cpu interpolate");
        let cpu_lde = CpuBackend::evaluate(&cpu_coefficients, lde).expect("cpu evaluate");

        let evals = ops::upload(l, &trace).expect("upload");
        let coefficients = ops::interpolate(l, &evals, subgroup).expect("interpolate");
        assert_eq!(bytes(&ops::download(l, &coefficients).expect("download")), bytes(&cpu_coefficients), "interpolate 2^{log_trace}");
        let extended = ops::evaluate(l, &coefficients, lde).expect("evaluate");
        let got = ops::download(l, &extended).expect("download");
        assert_eq!(bytes(&got), bytes(&cpu_lde), "LDE 2^{log_trace} → 2^{}", log_trace + log_blowup);
        // And back from the coset: the coefficients again, zero-padded.
        let back = ops::download(l, &ops::interpolate(l, &extended, lde).expect("interpolate")).expect("download");
        assert_eq!(bytes(&back[..trace.len()]), bytes(&cpu_coefficients));
        assert!(back[trace.len()..].iter().all(|c| *c == Felt::ZERO));
    }
    // Refusals, as the CPU's: more coefficients than points, a length not the domain's.
    let five = ops::upload(l, &felts(1, 5)).expect("upload");
    assert!(ops::evaluate(l, &five, Coset::subgroup(2)).is_err());
    assert!(ops::interpolate(l, &five, Coset::subgroup(3)).is_err());
}

// On the host build of the kernels.

#[test]
fn kernels_are_listed_in_their_order() {
    for (index, kernel) in super::Kernel::ALL.iter().enumerate() {
        assert_eq!(kernel.index(), index, "{kernel:?}");
        assert!(super::KERNEL_SOURCE.contains(&format!("void {}(", kernel.name())), "{kernel:?} is not in the sources");
    }
}

#[test]
fn limbs_round_trip() {
    let values = felts(1, 200);
    assert_eq!(super::limbs_to_felts(&super::felts_to_limbs(&values)), values);
}

#[test]
fn host_field_arithmetic_matches_the_cpu() {
    field_arithmetic_matches_the_cpu(&HostLauncher::new(), 3000);
}

#[test]
fn host_hades_permutation_matches_starknet() {
    hades_permutation_matches_starknet(&HostLauncher::new(), 700);
}

#[test]
fn host_merkle_tree_matches_the_cpu_for_every_width() {
    // Odd and even widths take the two padding paths; 1 and 20 are the extremes the AIRs use.
    let shapes: Vec<(usize, u32)> = [1usize, 2, 3, 4, 5, 8, 20].iter().map(|&w| (w, 8)).chain([(2, 0), (3, 1)]).collect();
    merkle_tree_matches_the_cpu(&HostLauncher::new(), &shapes);
}

#[test]
fn host_grinding_finds_the_cpus_nonce() {
    // Batches of 1000 make later batches, and a start inside one, matter.
    let cases = [(1u64, 4u32, 0u64), (2, 8, 0), (3, 10, 0), (4, 8, 1000), (5, 1, 0), (6, 0, 17)];
    grinding_finds_the_cpus_nonce(&HostLauncher::new(), &cases, 1000);
}

#[test]
fn host_ntt_matches_the_cpu() {
    ntt_matches_the_cpu(&HostLauncher::new(), &[(0, 1), (1, 1), (3, 3), (6, 3), (10, 3)]);
}

#[test]
fn host_fri_folding_matches_the_cpu() {
    use crate::fri::FriOps;
    let l = HostLauncher::new();
    for (log_size, log_fold) in [(3u32, 1u32), (6, 3), (10, 3), (9, 4), (4, 0)] {
        let domain = Coset::lde(log_size - log_fold.min(log_size), log_fold.min(log_size));
        let evals = felts(60 + u64::from(log_size), 1 << log_size);
        let alpha = felts(61, 11)[10];
        let cpu = CpuBackend::fold(&evals, domain, log_fold, alpha).expect("cpu fold");
        let folded = ops::fri_fold(&l, &ops::upload(&l, &evals).expect("upload"), domain, log_fold, alpha).expect("fold");
        assert_eq!(bytes(&ops::download(&l, &folded).expect("download")), bytes(&cpu), "2^{log_size} folded by 2^{log_fold}");
    }
    let short = ops::upload(&l, &felts(1, 4)).expect("upload");
    assert!(ops::fri_fold(&l, &short, Coset::lde(3, 0), 1, Felt::ONE).is_err(), "a column shorter than its domain");
}

#[test]
fn host_quotients_match_the_cpu() {
    use crate::quotients::{DeepSample, QuotientOps};
    let l = HostLauncher::new();
    let (log_trace, log_blowup) = (6u32, 3u32);
    let lde = Coset::lde(log_trace, log_blowup);
    let numerators = felts(70, lde.size());
    let cpu = CpuBackend::divide_by_vanishing(&numerators, lde, log_trace).expect("cpu divide");
    let divided = ops::divide_by_vanishing(&l, &ops::upload(&l, &numerators).expect("upload"), lde, log_trace).expect("divide");
    assert_eq!(bytes(&ops::download(&l, &divided).expect("download")), bytes(&cpu));

    let trace = columns(71, 5, lde.size());
    let (z, zg) = (felts(72, 12)[11], felts(73, 12)[11]);
    let samples = vec![
        DeepSample { point: z, columns: vec![0, 1, 2, 3, 4], values: felts(74, 15)[10..].to_vec() },
        DeepSample { point: zg, columns: vec![1, 3], values: felts(75, 12)[10..].to_vec() },
    ];
    let rho = felts(76, 11)[10];
    let refs: Vec<&Vec<Felt>> = trace.iter().collect();
    let cpu = CpuBackend::deep_quotient(&refs, lde, &samples, rho).expect("cpu deep");
    let uploaded: Vec<_> = trace.iter().map(|c| ops::upload(&l, c).expect("upload")).collect();
    let views: Vec<_> = uploaded.iter().collect();
    let deep = ops::deep_quotient(&l, &views, lde, &samples, rho).expect("deep");
    assert_eq!(bytes(&ops::download(&l, &deep).expect("download")), bytes(&cpu));
    // A sample point inside the domain is refused as the CPU refuses it.
    let inside = vec![DeepSample { point: lde.at(5).expect("point"), columns: vec![0], values: vec![Felt::ONE] }];
    assert!(CpuBackend::deep_quotient(&refs, lde, &inside, rho).is_err());
    assert!(matches!(ops::deep_quotient(&l, &views, lde, &inside, rho), Err(super::CudaError::Field(_))));
}

#[test]
fn host_gather_and_chunks_match_the_cpu() {
    use crate::backend::ColumnOps;
    let l = HostLauncher::new();
    let values = felts(80, 64);
    let column = ops::upload(&l, &values).expect("upload");
    let indices = [0usize, 63, 7, 7, 31];
    assert_eq!(ops::values_at(&l, &column, &indices).expect("gather"), CpuBackend::column_values_at(&values, &indices));
    assert!(ops::values_at(&l, &column, &[64]).is_err());
    let chunks = ops::chunks(&l, &column, 8).expect("chunks");
    let got: Vec<Vec<Felt>> = chunks.iter().map(|c| ops::download(&l, c).expect("download")).collect();
    assert_eq!(got, CpuBackend::column_chunks(&values, 8));
}

/// Proves the committed golden vector (the digits MLP, production parameters) on backend `B`
/// and compares the proof file with the committed one, byte for byte; grinding starts at the
/// committed nonce, or at 0 (the whole search, which also checks it is the smallest).
fn golden_proof_on<B: crate::backend::Backend>(grind_from_zero: bool)
where
    crate::air::mlp::MlpAir: crate::air::AirProver<B>,
{
    use crate::api::{prove_inference, verify_proof_file, PreparedModel};
    use crate::model::input::InputFile;
    use crate::model::quantize::DEFAULT_SCALE_BITS;
    use crate::stark::{ProofParams, ProveOptions, SecurityPolicy};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let golden = root.join("tests/golden");
    let public: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(golden.join("digits_public_inputs.json")).expect("golden inputs")).expect("json");
    let model = PreparedModel::<B>::from_onnx_file(&root.join("examples/models/digits_mlp.onnx"), DEFAULT_SCALE_BITS, ProofParams::default())
        .expect("the digits model");
    let input = InputFile::read(&root.join("examples/models/digits_input_0.json")).expect("the input").input;
    let job_id = crate::field::parse_felt(public["job_id"].as_str().expect("job id")).expect("felt");
    let grinding_start = if grind_from_zero { 0 } else { public["pow_nonce"].as_u64().expect("nonce") };
    let proven = prove_inference(&model, &input, job_id, &ProveOptions { grinding_start, ..ProveOptions::default() }).expect("proving");
    let expected = std::fs::read_to_string(golden.join("digits_proof.json")).expect("golden proof");
    assert_eq!(proven.file.to_json().expect("json"), expected, "the {} backend's proof differs from the golden one", B::NAME);
    verify_proof_file(&proven.file, &SecurityPolicy::default()).expect("the proof verifies");
}

#[test]
fn host_kernel_backend_proves_the_golden_vector_byte_for_byte() {
    // The whole prover on the kernels (their host build).
    golden_proof_on::<super::KernelBackend<HostLauncher>>(false);
}

#[test]
fn a_device_is_refused_clearly_without_a_driver() {
    // Without CUDA (CI), opening a device is a typed error, never a panic; with a GPU it opens.
    match super::CudaDevice::open(0) {
        Ok(device) => assert!(!device.name().is_empty()),
        Err(error) => assert!(!error.to_string().is_empty()),
    }
}

// On the GPU.

mod device {
    use super::*;
    use crate::backend::cuda::CudaDevice;

    fn open() -> CudaDevice {
        CudaDevice::open(0).unwrap_or_else(|e| panic!("this test needs a CUDA GPU: {e}"))
    }

    #[test]
    #[ignore = "needs a CUDA GPU: scripts/gpu-check runs it"]
    fn device_field_arithmetic_matches_the_cpu() {
        field_arithmetic_matches_the_cpu(&open(), 1 << 16);
    }

    #[test]
    #[ignore = "needs a CUDA GPU: scripts/gpu-check runs it"]
    fn device_hades_permutation_matches_starknet() {
        hades_permutation_matches_starknet(&open(), 1 << 14);
    }

    #[test]
    #[ignore = "needs a CUDA GPU: scripts/gpu-check runs it"]
    fn device_merkle_tree_matches_the_cpu() {
        merkle_tree_matches_the_cpu(&open(), &[(1, 4), (2, 0), (3, 10), (8, 14), (20, 12)]);
    }

    #[test]
    #[ignore = "needs a CUDA GPU: scripts/gpu-check runs it"]
    fn device_grinding_finds_the_cpus_nonce() {
        // 20 bits are the production parameter; small batches make a start past the first matter.
        grinding_finds_the_cpus_nonce(&open(), &[(1, 8, 0), (2, 16, 5_000_000), (3, 20, 0)], 1 << 16);
        let device = open();
        let seed = pow_seed(Felt::from(9u64), 20);
        assert_eq!(device.grind(seed, 20, 0).expect("grind"), CpuBackend::grind(seed, 20, 0));
    }

    #[test]
    #[ignore = "needs a CUDA GPU: scripts/gpu-check runs it"]
    fn device_backend_proves_the_golden_vector_byte_for_byte() {
        CudaDevice::install(0).unwrap_or_else(|e| panic!("this test needs a CUDA GPU: {e}"));
        // The whole nonce search too: on a GPU it is quick.
        golden_proof_on::<crate::backend::cuda::CudaBackend>(true);
    }

    #[test]
    #[ignore = "needs a CUDA GPU: scripts/gpu-check runs it"]
    fn device_ntt_matches_the_cpu() {
        ntt_matches_the_cpu(&open(), &[(0, 1), (3, 3), (10, 3), (16, 3)]);
    }
}
