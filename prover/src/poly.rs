//! Polynomials over evaluation domains: the NTT stage of the protocol ([`PolyOps`]).
//!
//! Domains are cosets `shift · <ω>` of the multiplicative subgroup of order `2^log_size`, in
//! natural order: element `i` is `shift · ω^i` with `ω = 3^((p-1)/2^log_size)`.
//! Coefficients are in increasing degree order.

use crate::backend::ColumnOps;
use crate::field::{inverse, pow, root_of_unity, Felt, FieldError, GENERATOR};

/// Errors of polynomial operations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolyError {
    /// A field-level failure (domain too large, zero shift).
    #[error(transparent)]
    Field(#[from] FieldError),
    /// The column length does not match the domain.
    #[error("column of {got} values for a domain of {expected}")]
    LengthMismatch {
        /// Domain size.
        expected: usize,
        /// Column length.
        got: usize,
    },
}

/// A coset `shift · <ω_{2^log_size}>` in natural order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coset {
    /// log2 of the number of points.
    pub log_size: u32,
    /// The coset shift (1 for a subgroup).
    pub shift: Felt,
}

impl Coset {
    /// The subgroup of order `2^log_size` (the trace domain).
    pub fn subgroup(log_size: u32) -> Self {
        Self {
            log_size,
            shift: Felt::ONE,
        }
    }

    /// The low-degree-extension domain: `3 · <ω_{2^(log_trace + log_blowup)}>`.
    pub fn lde(log_trace: u32, log_blowup: u32) -> Self {
        Self {
            log_size: log_trace + log_blowup,
            shift: GENERATOR,
        }
    }

    /// Number of points.
    pub fn size(&self) -> usize {
        1usize << self.log_size
    }

    /// The generator `ω` of the underlying subgroup.
    ///
    /// # Errors
    /// When `log_size` exceeds the two-adicity.
    pub fn generator(&self) -> Result<Felt, FieldError> {
        root_of_unity(self.log_size)
    }

    /// The point `shift · ω^index`.
    ///
    /// # Errors
    /// When `log_size` exceeds the two-adicity.
    pub fn at(&self, index: usize) -> Result<Felt, FieldError> {
        Ok(self.shift * pow(self.generator()?, index as u64))
    }

    /// The inverse of the point at `index`, computed as `shift^-1 · (ω^-1)^index`.
    ///
    /// # Errors
    /// When `log_size` exceeds the two-adicity or the shift is zero.
    pub fn inverse_at(&self, index: usize) -> Result<Felt, FieldError> {
        let omega_inv = pow(self.generator()?, (self.size() - 1) as u64);
        Ok(inverse(self.shift)? * pow(omega_inv, index as u64))
    }

    /// The image of this coset under `x -> x^(2^log_fold)`.
    pub fn folded(&self, log_fold: u32) -> Self {
        Self {
            log_size: self.log_size - log_fold,
            shift: pow(self.shift, 1u64 << log_fold),
        }
    }
}

/// Evaluates a polynomial given by its coefficients at one point (Horner).
pub fn horner(coefficients: &[Felt], point: Felt) -> Felt {
    coefficients
        .iter()
        .rev()
        .fold(Felt::ZERO, |acc, c| acc * point + *c)
}

/// The NTT stage: interpolation and evaluation over cosets.
pub trait PolyOps: ColumnOps {
    /// The coefficients (as many as the domain has points) of the polynomial taking `evals` on
    /// `domain`.
    ///
    /// # Errors
    /// When the column length differs from the domain size, or the domain is invalid.
    fn interpolate(evals: &Self::Column, domain: Coset) -> Result<Self::Column, PolyError>;

    /// The evaluations on `domain` of the polynomial with `coefficients` (at most as many as the
    /// domain has points).
    ///
    /// # Errors
    /// When there are more coefficients than points, or the domain is invalid.
    fn evaluate(coefficients: &Self::Column, domain: Coset) -> Result<Self::Column, PolyError>;

    /// The polynomial with `coefficients` evaluated at one point.
    fn evaluate_at_point(coefficients: &Self::Column, point: Felt) -> Felt;
}
