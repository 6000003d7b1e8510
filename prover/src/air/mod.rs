//! AIRs: the constraint systems the STARK proves ([`Air`]), their prover-side trace generation
//! ([`TraceSource`]) and their per-backend constraint evaluation ([`AirProver`]).
//!
//! Every AIR here has three traces, committed in this order: preprocessed (fixed by the
//! statement, e.g. the model), main (the witness), interaction (computed from the main trace and
//! challenges drawn after it is committed). Constraints hold on every row of the trace domain
//! `<g>` (`g = ω_n`) and may reference the current row `x` and the next row `g·x`; all of them are
//! divided by the single vanishing polynomial `x^n - 1`.

pub mod inputs;
pub mod mlp;

use crate::backend::ColumnOps;
use crate::field::{Felt, FieldError};
use crate::poly::Coset;

/// Errors of AIRs and their traces.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AirError {
    /// A field failure (for instance a zero LogUp denominator).
    #[error(transparent)]
    Field(#[from] FieldError),
    /// The witness does not satisfy a constraint (a prover-side bug or an invalid computation).
    #[error("constraint {constraint} fails at row {row}")]
    UnsatisfiedConstraint {
        /// Constraint index.
        constraint: usize,
        /// Trace row.
        row: usize,
    },
    /// The computation does not fit the AIR (value ranges, sizes).
    #[error("{0}")]
    Unsupported(String),
    /// Wrong number of challenges or columns.
    #[error("AIR shape mismatch: {0}")]
    Shape(String),
}

/// The number of columns of each trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnCounts {
    /// Preprocessed columns (fixed by the statement).
    pub preprocessed: usize,
    /// Main (witness) columns.
    pub main: usize,
    /// Interaction columns.
    pub interaction: usize,
}

impl ColumnCounts {
    /// Total number of trace columns.
    pub fn total(&self) -> usize {
        self.preprocessed + self.main + self.interaction
    }
}

/// The values of all trace columns (preprocessed, then main, then interaction) at a row `x` and
/// at the next row `g·x`.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// Values at `x`.
    pub current: &'a [Felt],
    /// Values at `g·x`.
    pub next: &'a [Felt],
}

/// A constraint system (shared by prover and verifier).
pub trait Air: Sync {
    /// log2 of the number of trace rows.
    fn log_trace_rows(&self) -> u32;
    /// Column counts.
    fn columns(&self) -> ColumnCounts;
    /// Number of challenges drawn after the main trace is committed.
    fn n_interaction_challenges(&self) -> usize;
    /// Number of constraints.
    fn n_constraints(&self) -> usize;
    /// Maximal constraint degree minus one: the composition quotient has degree below
    /// `segments · n` and is committed as that many columns of degree below `n`.
    fn composition_segments(&self) -> usize;
    /// The statement felts absorbed into the channel at its start (after the protocol tag and the
    /// security parameters).
    fn statement(&self) -> Vec<Felt>;
    /// The commitment to the preprocessed trace this statement fixes.
    fn preprocessed_root(&self) -> Felt;
    /// Per-proof constants derived from the challenges (for instance LogUp's public sum).
    ///
    /// # Errors
    /// When a denominator vanishes.
    fn constants(&self, challenges: &[Felt]) -> Result<Vec<Felt>, AirError>;
    /// Evaluates every constraint at one frame into `out` (`n_constraints` values).
    fn evaluate(
        &self,
        frame: &Frame<'_>,
        challenges: &[Felt],
        constants: &[Felt],
        out: &mut [Felt],
    );
}

/// Prover-side trace generation (on the host).
pub trait TraceSource {
    /// The preprocessed columns (`2^log_trace_rows` values each).
    fn preprocessed_columns(&self) -> Vec<Vec<Felt>>;
    /// The main columns.
    fn main_columns(&self) -> Vec<Vec<Felt>>;
    /// The interaction columns, from the challenges and constants.
    ///
    /// # Errors
    /// When a denominator vanishes.
    fn interaction_columns(
        &self,
        challenges: &[Felt],
        constants: &[Felt],
    ) -> Result<Vec<Vec<Felt>>, AirError>;
}

/// Constraint evaluation of an AIR on a backend (the quotient stage's AIR-specific part).
pub trait AirProver<B: ColumnOps>: Air {
    /// `Σ_k α^k · C_k` at every point of `domain` (the LDE coset), from the LDE columns in frame
    /// order; the next row of point `i` is point `i + 2^log_blowup` (cyclically).
    fn composition_numerators(
        &self,
        trace: &[&B::Column],
        domain: Coset,
        log_blowup: u32,
        challenges: &[Felt],
        constants: &[Felt],
        alpha: Felt,
    ) -> B::Column;
}

/// `Σ_k α^k · values[k]`.
pub fn combine_constraints(values: &[Felt], alpha: Felt) -> Felt {
    values
        .iter()
        .rev()
        .fold(Felt::ZERO, |acc, v| acc * alpha + *v)
}

/// Checks every constraint on every row of the trace domain (prover-side sanity check).
///
/// # Errors
/// [`AirError::UnsatisfiedConstraint`] at the first failing constraint and row.
pub fn check_constraints_on_trace<A: Air>(
    air: &A,
    columns: &[&Vec<Felt>],
    challenges: &[Felt],
    constants: &[Felt],
) -> Result<(), AirError> {
    let n = 1usize << air.log_trace_rows();
    let mut out = vec![Felt::ZERO; air.n_constraints()];
    let mut current = vec![Felt::ZERO; columns.len()];
    let mut next = vec![Felt::ZERO; columns.len()];
    for row in 0..n {
        for (c, column) in columns.iter().enumerate() {
            current[c] = column[row];
            next[c] = column[(row + 1) % n];
        }
        air.evaluate(
            &Frame {
                current: &current,
                next: &next,
            },
            challenges,
            constants,
            &mut out,
        );
        if let Some(constraint) = out.iter().position(|v| *v != Felt::ZERO) {
            return Err(AirError::UnsatisfiedConstraint { constraint, row });
        }
    }
    Ok(())
}
