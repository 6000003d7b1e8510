//! The protocol on a small AIR: Fibonacci with a preprocessed first-row selector and one
//! interaction column (`c = a / β`).

use super::*;
use crate::air::{Air, AirError, ColumnCounts, Frame, TraceSource};
use crate::backend::cpu::CpuBackend;
use crate::merkle::MerkleTree;
use crate::poly::{Coset, PolyOps};

struct FibAir {
    log_n: u32,
    a0: Felt,
    b0: Felt,
    preprocessed_root: Felt,
}

fn first_row_selector(log_n: u32) -> Vec<Felt> {
    let mut column = vec![Felt::ZERO; 1 << log_n];
    column[0] = Felt::ONE;
    column
}

fn commit_preprocessed(log_n: u32, params: &ProofParams) -> Felt {
    let coefficients =
        CpuBackend::interpolate(&first_row_selector(log_n), Coset::subgroup(log_n)).unwrap();
    let lde = CpuBackend::evaluate(&coefficients, Coset::lde(log_n, params.log_blowup)).unwrap();
    MerkleTree::<CpuBackend>::commit(&[&lde]).unwrap().root()
}

impl Air for FibAir {
    fn log_trace_rows(&self) -> u32 {
        self.log_n
    }
    fn columns(&self) -> ColumnCounts {
        ColumnCounts {
            preprocessed: 1,
            main: 2,
            interaction: 1,
        }
    }
    fn n_interaction_challenges(&self) -> usize {
        1
    }
    fn n_constraints(&self) -> usize {
        5
    }
    fn composition_segments(&self) -> usize {
        1
    }
    fn statement(&self) -> Vec<Felt> {
        vec![self.a0, self.b0]
    }
    fn preprocessed_root(&self) -> Felt {
        self.preprocessed_root
    }
    fn constants(&self, _challenges: &[Felt]) -> Result<Vec<Felt>, AirError> {
        Ok(vec![])
    }
    fn evaluate(
        &self,
        frame: &Frame<'_>,
        challenges: &[Felt],
        _constants: &[Felt],
        out: &mut [Felt],
    ) {
        let (first, a, b, c) = (
            frame.current[0],
            frame.current[1],
            frame.current[2],
            frame.current[3],
        );
        let (first_next, a_next, b_next) = (frame.next[0], frame.next[1], frame.next[2]);
        out[0] = (Felt::ONE - first_next) * (a_next - b);
        out[1] = (Felt::ONE - first_next) * (b_next - a - b);
        out[2] = first * (a - self.a0);
        out[3] = first * (b - self.b0);
        out[4] = c * challenges[0] - a;
    }
}

struct FibWitness {
    log_n: u32,
    a: Vec<Felt>,
    b: Vec<Felt>,
}

impl FibWitness {
    fn new(log_n: u32, a0: Felt, b0: Felt) -> Self {
        let n = 1 << log_n;
        let (mut a, mut b) = (vec![a0], vec![b0]);
        for i in 1..n {
            a.push(b[i - 1]);
            b.push(a[i - 1] + b[i - 1]);
        }
        Self { log_n, a, b }
    }
}

impl TraceSource for FibWitness {
    fn preprocessed_columns(&self) -> Vec<Vec<Felt>> {
        vec![first_row_selector(self.log_n)]
    }
    fn main_columns(&self) -> Vec<Vec<Felt>> {
        vec![self.a.clone(), self.b.clone()]
    }
    fn interaction_columns(
        &self,
        challenges: &[Felt],
        _constants: &[Felt],
    ) -> Result<Vec<Vec<Felt>>, AirError> {
        let beta_inv = crate::field::inverse(challenges[0])?;
        Ok(vec![self.a.iter().map(|a| *a * beta_inv).collect()])
    }
}

fn test_params() -> ProofParams {
    ProofParams {
        grinding_bits: 4,
        ..ProofParams::default()
    }
}

fn setup(log_n: u32) -> (FibAir, FibWitness) {
    let params = test_params();
    let air = FibAir {
        log_n,
        a0: Felt::ONE,
        b0: Felt::ONE,
        preprocessed_root: commit_preprocessed(log_n, &params),
    };
    let witness = FibWitness::new(log_n, Felt::ONE, Felt::ONE);
    (air, witness)
}

#[test]
fn fibonacci_round_trip_is_deterministic() {
    let (air, witness) = setup(6);
    let params = test_params();
    let proof =
        prove::<CpuBackend, _, _>(&air, &witness, &params, &ProveOptions::default()).unwrap();
    verify(&air, &proof, &params).unwrap();
    let again =
        prove::<CpuBackend, _, _>(&air, &witness, &params, &ProveOptions::default()).unwrap();
    assert_eq!(proof, again);
    // Felt encoding round trip.
    let mut felts = Vec::new();
    proof.write_felts(&mut felts);
    let mut reader = FeltReader::new(&felts);
    assert_eq!(StarkProof::read_felts(&mut reader).unwrap(), proof);
    reader.finish().unwrap();
}

#[test]
fn fibonacci_rejects_wrong_statement_and_tampering() {
    let (air, witness) = setup(5);
    let params = test_params();
    let proof =
        prove::<CpuBackend, _, _>(&air, &witness, &params, &ProveOptions::default()).unwrap();
    let wrong = FibAir {
        a0: Felt::TWO,
        ..air
    };
    assert!(verify(&wrong, &proof, &params).is_err());
    let air = FibAir {
        a0: Felt::ONE,
        ..wrong
    };
    let mut felts = Vec::new();
    proof.write_felts(&mut felts);
    // Flip felts all over the proof body (every one of the first 64, then a spread): each
    // change is rejected.
    let stride = (felts.len() / 48).max(1);
    for i in (0..felts.len()).filter(|i| *i < 64 || i % stride == 0) {
        let mut bad = felts.clone();
        bad[i] += Felt::ONE;
        let mut reader = FeltReader::new(&bad);
        if let Ok(parsed) = StarkProof::read_felts(&mut reader) {
            assert!(
                verify(&air, &parsed, &params).is_err(),
                "felt {i} changed but accepted"
            );
        }
    }
}

#[test]
fn prover_refuses_an_invalid_witness() {
    let (air, mut witness) = setup(5);
    witness.b[7] += Felt::ONE;
    let result =
        prove::<CpuBackend, _, _>(&air, &witness, &test_params(), &ProveOptions::default());
    assert!(matches!(
        result,
        Err(ProverError::Air(AirError::UnsatisfiedConstraint { .. }))
    ));
}
