//! The STARK prover, generic over the backend `B` and the AIR.

use super::{channel_seed, ParamsError, ProofParams, StarkProof};
use crate::air::{check_constraints_on_trace, AirError, AirProver, TraceSource};
use crate::backend::Backend;
use crate::channel::Channel;
use crate::field::{pow, Felt, FieldError};
use crate::fri::{unique_sorted, FriConfig, FriError, FriProver, TreeDecommitment};
use crate::merkle::{MerkleError, MerkleTree};
use crate::poly::{Coset, PolyError};
use crate::proof_of_work::pow_seed;
use crate::quotients::DeepSample;

/// Errors while proving.
#[derive(Debug, thiserror::Error)]
pub enum ProverError {
    /// Unsupported parameters.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// The witness or statement does not fit the AIR.
    #[error("AIR: {0}")]
    Air(#[from] AirError),
    /// A polynomial operation failed.
    #[error(transparent)]
    Poly(#[from] PolyError),
    /// A commitment failed.
    #[error(transparent)]
    Merkle(#[from] MerkleError),
    /// FRI failed.
    #[error(transparent)]
    Fri(#[from] FriError),
    /// A field failure.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// The preprocessed trace does not commit to the root the statement names.
    #[error("preprocessed trace root {computed:#x} differs from the statement's {expected:#x}")]
    PreprocessedRootMismatch {
        /// Root in the statement.
        expected: Felt,
        /// Root of the given trace.
        computed: Felt,
    },
    /// A trace has the wrong shape.
    #[error("trace shape: {0}")]
    TraceShape(String),
    /// The composition quotient is not of the expected degree.
    #[error(
        "composition quotient has degree at least {bound}: the trace does not satisfy the AIR"
    )]
    CompositionDegree {
        /// The degree bound.
        bound: usize,
    },
    /// The out-of-domain point hit the trace or evaluation domain (probability about 2^-230).
    #[error("degenerate out-of-domain point")]
    DegenerateOodPoint,
}

/// Prover stages, reported to a [`ProgressSink`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Committing the preprocessed trace.
    Preprocessed,
    /// Committing the main trace.
    Main,
    /// Committing the interaction trace.
    Interaction,
    /// Evaluating and committing the composition quotient.
    Composition,
    /// Out-of-domain sampling and the DEEP quotient.
    Deep,
    /// FRI commit phase.
    Fri,
    /// Proof of work.
    Grinding,
    /// Decommitments.
    Decommit,
}

impl Stage {
    /// All stages in order.
    pub const ALL: [Stage; 8] = [
        Stage::Preprocessed,
        Stage::Main,
        Stage::Interaction,
        Stage::Composition,
        Stage::Deep,
        Stage::Fri,
        Stage::Grinding,
        Stage::Decommit,
    ];
}

/// Receives progress reports.
pub trait ProgressSink: Sync {
    /// A stage starts.
    fn stage(&self, stage: Stage);
}

/// A sink that ignores progress.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn stage(&self, _stage: Stage) {}
}

/// Prover options that do not change the proof.
#[derive(Clone, Copy)]
pub struct ProveOptions<'a> {
    /// The proof-of-work search starts here (0 for the canonical proof; a known nonce makes a
    /// reproduction fast, and yields the canonical proof when it is the smallest valid one).
    pub grinding_start: u64,
    /// Progress reports.
    pub progress: &'a dyn ProgressSink,
    /// Whether to refuse a trace that does not satisfy the AIR, and a composition quotient above
    /// its degree (the default). Soundness tests turn it off to build what a cheating prover
    /// would send, and check the verifiers reject it.
    pub check_trace: bool,
}

impl Default for ProveOptions<'_> {
    fn default() -> Self {
        Self {
            grinding_start: 0,
            progress: &NoProgress,
            check_trace: true,
        }
    }
}

struct CommittedTrace<B: Backend> {
    coefficients: Vec<B::Column>,
    ldes: Vec<B::Column>,
    tree: MerkleTree<B>,
}

fn commit_columns<B: Backend>(
    columns: &[Vec<Felt>],
    trace_domain: Coset,
    lde_domain: Coset,
) -> Result<CommittedTrace<B>, ProverError> {
    let mut coefficients = Vec::with_capacity(columns.len());
    let mut ldes = Vec::with_capacity(columns.len());
    for column in columns {
        if column.len() != trace_domain.size() {
            return Err(ProverError::TraceShape(format!(
                "column of {} rows, expected {}",
                column.len(),
                trace_domain.size()
            )));
        }
        let coeffs = B::interpolate(&B::column_from_vec(column.clone()), trace_domain)?;
        ldes.push(B::evaluate(&coeffs, lde_domain)?);
        coefficients.push(coeffs);
    }
    let refs: Vec<&B::Column> = ldes.iter().collect();
    let tree = MerkleTree::commit(&refs)?;
    Ok(CommittedTrace {
        coefficients,
        ldes,
        tree,
    })
}

fn decommit_rows<B: Backend>(
    trace: &CommittedTrace<B>,
    positions: &[usize],
) -> Result<TreeDecommitment, ProverError> {
    let per_column: Vec<Vec<Felt>> = trace
        .ldes
        .iter()
        .map(|c| B::column_values_at(c, positions))
        .collect();
    let mut values = Vec::with_capacity(positions.len() * per_column.len());
    for row in 0..positions.len() {
        values.extend(per_column.iter().map(|c| c[row]));
    }
    Ok(TreeDecommitment {
        values,
        siblings: trace.tree.decommit(positions)?,
    })
}

/// A committed preprocessed trace: computed once per model (its root is part of the model
/// commitment) and reused by every proof.
pub struct PreprocessedTrace<B: Backend> {
    columns: Vec<Vec<Felt>>,
    committed: CommittedTrace<B>,
}

impl<B: Backend> PreprocessedTrace<B> {
    /// Interpolates, extends and commits the preprocessed columns of a `2^log_trace_rows`-row trace.
    ///
    /// # Errors
    /// [`ProverError`] on bad shapes or parameters.
    pub fn commit(
        columns: Vec<Vec<Felt>>,
        log_trace_rows: u32,
        params: &ProofParams,
    ) -> Result<Self, ProverError> {
        params.validate()?;
        let committed = commit_columns::<B>(
            &columns,
            Coset::subgroup(log_trace_rows),
            Coset::lde(log_trace_rows, params.log_blowup),
        )?;
        Ok(Self { columns, committed })
    }

    /// The Merkle root of the preprocessed LDE.
    pub fn root(&self) -> Felt {
        self.committed.tree.root()
    }
}

/// Proves that `witness` satisfies `air` (see `PROOF_FORMAT.md` for the transcript), committing
/// the preprocessed trace first.
///
/// # Errors
/// [`ProverError`] when the parameters are unsupported or the witness does not satisfy the AIR.
pub fn prove<B: Backend, A: AirProver<B>, W: TraceSource>(
    air: &A,
    witness: &W,
    params: &ProofParams,
    options: &ProveOptions<'_>,
) -> Result<StarkProof, ProverError> {
    options.progress.stage(super::Stage::Preprocessed);
    let preprocessed = PreprocessedTrace::<B>::commit(
        witness.preprocessed_columns(),
        air.log_trace_rows(),
        params,
    )?;
    prove_with_preprocessed(air, witness, &preprocessed, params, options)
}

/// Proves with an already committed preprocessed trace.
///
/// # Errors
/// [`ProverError`] when the parameters are unsupported, the preprocessed root is not the
/// statement's, or the witness does not satisfy the AIR.
pub fn prove_with_preprocessed<B: Backend, A: AirProver<B>, W: TraceSource>(
    air: &A,
    witness: &W,
    preprocessed_trace: &PreprocessedTrace<B>,
    params: &ProofParams,
    options: &ProveOptions<'_>,
) -> Result<StarkProof, ProverError> {
    params.validate()?;
    let log_n = air.log_trace_rows();
    let n = 1usize << log_n;
    let counts = air.columns();
    let segments = air.composition_segments();
    let trace_domain = Coset::subgroup(log_n);
    let lde_domain = Coset::lde(log_n, params.log_blowup);
    let mut channel = Channel::new(&channel_seed(params, log_n, &air.statement()));

    // 1. Preprocessed trace: must be the one the statement commits to.
    let preprocessed_columns = &preprocessed_trace.columns;
    let preprocessed = &preprocessed_trace.committed;
    check_count(
        "preprocessed",
        preprocessed_columns.len(),
        counts.preprocessed,
    )?;
    if B::column_len(&preprocessed.ldes[0]) != lde_domain.size() {
        return Err(ProverError::TraceShape(
            "preprocessed trace of another size".into(),
        ));
    }
    if preprocessed.tree.root() != air.preprocessed_root() {
        return Err(ProverError::PreprocessedRootMismatch {
            expected: air.preprocessed_root(),
            computed: preprocessed.tree.root(),
        });
    }
    channel.mix(&[preprocessed.tree.root()]);

    // 2. Main trace, then the interaction challenges.
    options.progress.stage(super::Stage::Main);
    let main_columns = witness.main_columns();
    check_count("main", main_columns.len(), counts.main)?;
    let main = commit_columns::<B>(&main_columns, trace_domain, lde_domain)?;
    channel.mix(&[main.tree.root()]);
    let challenges = channel.draw_felts(air.n_interaction_challenges());
    let constants = air.constants(&challenges)?;

    // 3. Interaction trace, then the composition challenge.
    options.progress.stage(super::Stage::Interaction);
    let interaction_columns = witness.interaction_columns(&challenges, &constants)?;
    check_count("interaction", interaction_columns.len(), counts.interaction)?;
    if options.check_trace {
        let all: Vec<&Vec<Felt>> = preprocessed_columns
            .iter()
            .chain(&main_columns)
            .chain(&interaction_columns)
            .collect();
        check_constraints_on_trace(air, &all, &challenges, &constants)?;
    }
    let interaction = commit_columns::<B>(&interaction_columns, trace_domain, lde_domain)?;
    channel.mix(&[interaction.tree.root()]);
    let alpha = channel.draw_felt();

    // 4. Composition quotient, split into `segments` columns of degree < n.
    options.progress.stage(super::Stage::Composition);
    let trace_ldes: Vec<&B::Column> = preprocessed
        .ldes
        .iter()
        .chain(&main.ldes)
        .chain(&interaction.ldes)
        .collect();
    let numerators = air.composition_numerators(
        &trace_ldes,
        lde_domain,
        params.log_blowup,
        &challenges,
        &constants,
        alpha,
    );
    let quotient = B::divide_by_vanishing(&numerators, lde_domain, log_n)?;
    let quotient_coefficients = B::column_to_vec(&B::interpolate(&quotient, lde_domain)?);
    let bound = segments * n;
    // (A cheating prover, `check_trace` off, commits the quotient's low coefficients only.)
    if options.check_trace
        && quotient_coefficients[bound.min(quotient_coefficients.len())..]
            .iter()
            .any(|c| *c != Felt::ZERO)
    {
        return Err(ProverError::CompositionDegree { bound });
    }
    let mut segment_coefficients = Vec::with_capacity(segments);
    let mut segment_ldes = Vec::with_capacity(segments);
    for s in 0..segments {
        let coeffs = B::column_from_vec(quotient_coefficients[s * n..(s + 1) * n].to_vec());
        segment_ldes.push(B::evaluate(&coeffs, lde_domain)?);
        segment_coefficients.push(coeffs);
    }
    let composition_tree = MerkleTree::<B>::commit(&segment_ldes.iter().collect::<Vec<_>>())?;
    channel.mix(&[composition_tree.root()]);
    let composition = CommittedTrace {
        coefficients: segment_coefficients,
        ldes: segment_ldes,
        tree: composition_tree,
    };

    // 5. Out-of-domain point, values, DEEP quotient.
    options.progress.stage(super::Stage::Deep);
    let z = channel.draw_felt();
    let g = trace_domain.generator()?;
    let zg = z * g;
    if pow(z, n as u64) == Felt::ONE
        || pow(z, lde_domain.size() as u64) == pow(lde_domain.shift, lde_domain.size() as u64)
        || pow(zg, lde_domain.size() as u64) == pow(lde_domain.shift, lde_domain.size() as u64)
    {
        return Err(ProverError::DegenerateOodPoint);
    }
    let trace_coefficients: Vec<&B::Column> = preprocessed
        .coefficients
        .iter()
        .chain(&main.coefficients)
        .chain(&interaction.coefficients)
        .collect();
    let total = counts.total();
    let mut ood_values = Vec::with_capacity(2 * total + segments);
    ood_values.extend(
        trace_coefficients
            .iter()
            .map(|c| B::evaluate_at_point(c, z)),
    );
    ood_values.extend(
        composition
            .coefficients
            .iter()
            .map(|c| B::evaluate_at_point(c, z)),
    );
    ood_values.extend(
        trace_coefficients
            .iter()
            .map(|c| B::evaluate_at_point(c, zg)),
    );
    channel.mix(&ood_values);
    let rho = channel.draw_felt();
    let samples = deep_samples(z, zg, total, segments, &ood_values);
    let deep_columns: Vec<&B::Column> = trace_ldes
        .iter()
        .copied()
        .chain(composition.ldes.iter())
        .collect();
    let deep = B::deep_quotient(&deep_columns, lde_domain, &samples, rho)?;

    // 6. FRI commit phase.
    options.progress.stage(super::Stage::Fri);
    let fri_config = FriConfig::new(log_n, params.log_fold);
    let fri = FriProver::<B>::commit(deep, lde_domain, fri_config, &mut channel)?;

    // 7. Proof of work.
    options.progress.stage(super::Stage::Grinding);
    let seed = pow_seed(channel.digest(), params.grinding_bits);
    let pow_nonce = B::grind(seed, params.grinding_bits, options.grinding_start);
    channel.mix(&[Felt::from(pow_nonce)]);

    // 8. Queries and decommitments.
    options.progress.stage(super::Stage::Decommit);
    let positions =
        unique_sorted((0..params.n_queries).map(|_| channel.draw_index(lde_domain.log_size)));
    Ok(StarkProof {
        main_root: main.tree.root(),
        interaction_root: interaction.tree.root(),
        composition_root: composition.tree.root(),
        ood_values,
        fri: fri.decommit(&positions)?,
        pow_nonce,
        preprocessed: decommit_rows(preprocessed, &positions)?,
        main: decommit_rows(&main, &positions)?,
        interaction: decommit_rows(&interaction, &positions)?,
        composition: decommit_rows(&composition, &positions)?,
    })
}

fn check_count(trace: &str, got: usize, expected: usize) -> Result<(), ProverError> {
    if got == expected {
        Ok(())
    } else {
        Err(ProverError::TraceShape(format!(
            "{got} {trace} columns, the AIR has {expected}"
        )))
    }
}

/// The DEEP samples: every trace column and composition segment at `z` (DEEP columns
/// `0..total+segments`), every trace column at `g·z` (columns `0..total`), with the claimed values
/// taken from `ood_values` in that order.
pub(crate) fn deep_samples(
    z: Felt,
    zg: Felt,
    total: usize,
    segments: usize,
    ood_values: &[Felt],
) -> Vec<DeepSample> {
    vec![
        DeepSample {
            point: z,
            columns: (0..total + segments).collect(),
            values: ood_values[..total + segments].to_vec(),
        },
        DeepSample {
            point: zg,
            columns: (0..total).collect(),
            values: ood_values[total + segments..].to_vec(),
        },
    ]
}
