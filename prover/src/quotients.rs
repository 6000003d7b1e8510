//! Quotients: the composition quotient (division by the trace domain's vanishing polynomial) and
//! the DEEP quotient that turns out-of-domain claims into one FRI input ([`QuotientOps`]).

use crate::backend::ColumnOps;
use crate::field::{inverse, Felt, FieldError};
use crate::poly::Coset;

/// Claimed values of some columns at one out-of-domain point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeepSample {
    /// The point.
    pub point: Felt,
    /// Indices of the sampled columns in the DEEP column list.
    pub columns: Vec<usize>,
    /// The claimed values, one per column.
    pub values: Vec<Felt>,
}

/// The quotient stage.
pub trait QuotientOps: ColumnOps {
    /// `numerators(x) / (x^(2^log_trace) - 1)` at every point of `domain` (a coset disjoint
    /// from the trace domain).
    ///
    /// # Errors
    /// When the domain meets the trace domain or is invalid.
    fn divide_by_vanishing(
        numerators: &Self::Column,
        domain: Coset,
        log_trace: u32,
    ) -> Result<Self::Column, FieldError>;

    /// The DEEP quotient at every point `x` of `domain`: with `k` counting through the samples
    /// in order and their columns in order,
    /// `D(x) = Σ_samples (Σ_columns ρ^k · (column(x) - value)) / (x - point)`.
    ///
    /// # Errors
    /// When a sample point lies in the domain.
    fn deep_quotient(
        columns: &[&Self::Column],
        domain: Coset,
        samples: &[DeepSample],
        rho: Felt,
    ) -> Result<Self::Column, FieldError>;
}

/// The DEEP quotient at one point `x`, from the values of all DEEP columns at `x` (verifier side).
///
/// # Errors
/// [`FieldError::ZeroInverse`] when `x` equals a sample point.
pub fn deep_value_at(
    column_values: &[Felt],
    x: Felt,
    samples: &[DeepSample],
    rho: Felt,
) -> Result<Felt, FieldError> {
    let mut coefficient = Felt::ONE;
    let mut total = Felt::ZERO;
    for sample in samples {
        let mut numerator = Felt::ZERO;
        for (&c, &v) in sample.columns.iter().zip(&sample.values) {
            numerator += coefficient * (column_values[c] - v);
            coefficient *= rho;
        }
        total += numerator * inverse(x - sample.point)?;
    }
    Ok(total)
}
