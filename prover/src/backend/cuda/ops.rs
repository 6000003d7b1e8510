//! The backend's operations, each written once as a sequence of kernel launches over a
//! [`Launcher`]: the GPU runs them ([`super::CudaDevice`]), and the tests run them on the host
//! build of the same kernels and compare with the CPU backend.

use super::{felts_to_limbs, grind_in_batches, limbs_to_felts, Arg, CudaError, Kernel, Launcher};
use crate::field::{inverse, pow, root_of_unity, Felt, FieldError};
use crate::fri::{FoldConstants, FriError};
use crate::poly::{Coset, PolyError};
use crate::quotients::DeepSample;

/// A column of felts in a launcher's buffer.
#[derive(Clone, Debug)]
pub struct Column<B> {
    buffer: B,
    len: usize,
}

impl<B> Column<B> {
    /// Number of felts.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether it holds no felt.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Columns of equal length packed one after the other in one buffer (what the leaf kernel reads).
#[derive(Debug)]
pub struct Matrix<B> {
    buffer: B,
    columns: usize,
    rows: usize,
}

impl<B> Matrix<B> {
    /// Number of columns.
    pub fn columns(&self) -> usize {
        self.columns
    }
    /// Length of each column.
    pub fn rows(&self) -> usize {
        self.rows
    }
}

fn shape(message: impl Into<String>) -> CudaError {
    CudaError::Shape(message.into())
}

/// Copies a column in.
///
/// # Errors
/// The launcher failed.
pub fn upload<L: Launcher>(l: &L, values: &[Felt]) -> Result<Column<L::Buffer>, CudaError> {
    Ok(Column { buffer: l.upload_limbs(&felts_to_limbs(values))?, len: values.len() })
}

/// Copies columns of equal length in, packed.
///
/// # Errors
/// No column, columns of different lengths, or the launcher failed.
pub fn upload_columns<L: Launcher>(l: &L, columns: &[&[Felt]]) -> Result<Matrix<L::Buffer>, CudaError> {
    let rows = columns.first().map_or(0, |c| c.len());
    if columns.is_empty() || columns.iter().any(|c| c.len() != rows) {
        return Err(shape("columns: at least one, all of the same length"));
    }
    let packed: Vec<u64> = columns.iter().flat_map(|c| felts_to_limbs(c)).collect();
    Ok(Matrix { buffer: l.upload_limbs(&packed)?, columns: columns.len(), rows })
}

/// Copies a column back.
///
/// # Errors
/// The launcher failed.
pub fn download<L: Launcher>(l: &L, column: &Column<L::Buffer>) -> Result<Vec<Felt>, CudaError> {
    let mut limbs = l.download_limbs(&column.buffer)?;
    limbs.truncate(4 * column.len);
    Ok(limbs_to_felts(&limbs))
}

fn zeros<L: Launcher>(l: &L, len: usize) -> Result<Column<L::Buffer>, CudaError> {
    Ok(Column { buffer: l.zeros(len.max(1))?, len })
}

/// A count or an index as a kernel argument.
fn n<'a, B>(n: usize) -> Arg<'a, B> {
    Arg::Value(n as u64)
}

/// `(a·b, a + b, a - b)` element by element (the arithmetic's parity test).
///
/// # Errors
/// Operands of different lengths, or the launcher failed.
pub fn field_ops<L: Launcher>(l: &L, a: &[Felt], b: &[Felt]) -> Result<[Vec<Felt>; 3], CudaError> {
    if a.len() != b.len() {
        return Err(shape(format!("operands of {} and {} felts", a.len(), b.len())));
    }
    let (x, y) = (upload(l, a)?, upload(l, b)?);
    let (mut product, mut sum, mut difference) = (zeros(l, a.len())?, zeros(l, a.len())?, zeros(l, a.len())?);
    l.launch(
        Kernel::FieldOps,
        a.len(),
        &mut [Arg::In(&x.buffer), Arg::In(&y.buffer), n(a.len()), Arg::Out(&mut product.buffer), Arg::Out(&mut sum.buffer), Arg::Out(&mut difference.buffer)],
    )?;
    Ok([download(l, &product)?, download(l, &sum)?, download(l, &difference)?])
}

/// The Hades permutation of each state.
///
/// # Errors
/// The launcher failed.
pub fn hades_permutation<L: Launcher>(l: &L, states: &[[Felt; 3]]) -> Result<Vec<[Felt; 3]>, CudaError> {
    let flat: Vec<Felt> = states.iter().flatten().copied().collect();
    let mut column = upload(l, &flat)?;
    l.launch(Kernel::HadesPermutation, states.len(), &mut [Arg::Out(&mut column.buffer), n(states.len()), Arg::In(l.constants())])?;
    Ok(download(l, &column)?.chunks_exact(3).map(|s| [s[0], s[1], s[2]]).collect())
}

/// Merkle leaves: `poseidon_hash_many` of each row.
///
/// # Errors
/// The launcher failed.
pub fn hash_leaves<L: Launcher>(l: &L, matrix: &Matrix<L::Buffer>) -> Result<Column<L::Buffer>, CudaError> {
    let mut leaves = zeros(l, matrix.rows)?;
    l.launch(
        Kernel::HashLeaves,
        matrix.rows,
        &mut [Arg::In(&matrix.buffer), n(matrix.columns), n(matrix.rows), Arg::In(l.constants()), Arg::Out(&mut leaves.buffer)],
    )?;
    Ok(leaves)
}

/// One layer up: `poseidon_hash(children[2i], children[2i + 1])`.
///
/// # Errors
/// An odd number of children, or the launcher failed.
pub fn hash_parents<L: Launcher>(l: &L, children: &Column<L::Buffer>) -> Result<Column<L::Buffer>, CudaError> {
    if !children.len.is_multiple_of(2) {
        return Err(shape(format!("{} children: an even number is needed", children.len)));
    }
    let count = children.len / 2;
    let mut parents = zeros(l, count)?;
    l.launch(Kernel::HashParents, count, &mut [Arg::In(&children.buffer), n(count), Arg::In(l.constants()), Arg::Out(&mut parents.buffer)])?;
    Ok(parents)
}

/// The Merkle tree over the rows (a power of two of them): its layers from the leaves to the
/// root, all left in the launcher's buffers.
///
/// # Errors
/// Not a power of two, or the launcher failed.
pub fn commit<L: Launcher>(l: &L, matrix: &Matrix<L::Buffer>) -> Result<Vec<Column<L::Buffer>>, CudaError> {
    if !matrix.rows.is_power_of_two() {
        return Err(shape(format!("{} rows: a Merkle tree needs a power of two", matrix.rows)));
    }
    let mut layers = vec![hash_leaves(l, matrix)?];
    while let Some(top) = layers.last().filter(|layer| layer.len > 1) {
        let parents = hash_parents(l, top)?;
        layers.push(parents);
    }
    Ok(layers)
}

/// Grinding, as [`crate::proof_of_work::GrindOps`]: the smallest nonce `≥ start` valid for
/// `seed` and `bits`, `batch` nonces per launch (8 bytes copied back per launch).
///
/// # Errors
/// The launcher failed.
pub fn grind<L: Launcher>(l: &L, seed: Felt, bits: u32, start: u64, batch: u64) -> Result<u64, CudaError> {
    let seed = upload(l, &[seed])?;
    grind_in_batches(start, batch, |first, count| {
        let mut found = l.upload_limbs(&[u64::MAX])?;
        let threads = usize::try_from(count).map_err(|_| shape("a batch too large"))?;
        l.launch(
            Kernel::Grind,
            threads,
            &mut [Arg::In(&seed.buffer), Arg::Value(u64::from(bits)), Arg::Value(first), Arg::Value(count), Arg::In(l.constants()), Arg::Out(&mut found)],
        )?;
        Ok(l.download_limbs(&found)?[0])
    })
}

/// In place: the transform `values[k] <- Σ_j values[j] · root^(j·k)` of 2^log_n values in
/// Montgomery form (bit reversal, then log_n layers of butterflies).
fn ntt_in_place<L: Launcher>(l: &L, values: &mut Column<L::Buffer>, log_n: u32, root: Felt) -> Result<(), CudaError> {
    let size = 1usize << log_n;
    let half = (size / 2).max(1);
    let base = upload(l, &[root])?;
    let mut twiddles = zeros(l, half)?;
    l.launch(Kernel::Powers, half, &mut [Arg::In(&base.buffer), n(half), Arg::Out(&mut twiddles.buffer)])?;
    l.launch(Kernel::BitReverse, size, &mut [Arg::Out(&mut values.buffer), n(log_n as usize)])?;
    for log_half in 0..log_n {
        l.launch(
            Kernel::NttLayer,
            half,
            &mut [Arg::Out(&mut values.buffer), n(log_n as usize), n(log_half as usize), Arg::In(&twiddles.buffer)],
        )?;
    }
    Ok(())
}

/// `values[i] *= scalar · base^i`, on Montgomery values.
fn mul_powers<L: Launcher>(l: &L, values: &mut Column<L::Buffer>, base: Felt, scalar: Felt) -> Result<(), CudaError> {
    let (base, scalar) = (upload(l, &[base])?, upload(l, &[scalar])?);
    let len = values.len;
    l.launch(Kernel::MulPowers, len, &mut [Arg::Out(&mut values.buffer), n(len), Arg::In(&base.buffer), Arg::In(&scalar.buffer)])
}

/// `source` (zero-padded to `len`) in Montgomery form, in a new column.
fn load_montgomery<L: Launcher>(l: &L, source: &Column<L::Buffer>, len: usize) -> Result<Column<L::Buffer>, CudaError> {
    let mut values = zeros(l, len)?;
    l.launch(Kernel::LoadMontgomery, len, &mut [Arg::In(&source.buffer), n(source.len), Arg::Out(&mut values.buffer), n(len)])?;
    Ok(values)
}

fn from_montgomery<L: Launcher>(l: &L, mut values: Column<L::Buffer>) -> Result<Column<L::Buffer>, CudaError> {
    let len = values.len;
    l.launch(Kernel::FromMontgomery, len, &mut [Arg::Out(&mut values.buffer), n(len)])?;
    Ok(values)
}

/// The evaluations on `domain` of the polynomial with `coefficients`, as
/// [`crate::poly::PolyOps::evaluate`] (the low-degree extension when `domain` is the LDE coset).
///
/// # Errors
/// More coefficients than points, an invalid domain, or the launcher failed.
pub fn evaluate<L: Launcher>(l: &L, coefficients: &Column<L::Buffer>, domain: Coset) -> Result<Column<L::Buffer>, CudaError> {
    let size = domain.size();
    if coefficients.len > size {
        return Err(PolyError::LengthMismatch { expected: size, got: coefficients.len }.into());
    }
    let mut values = load_montgomery(l, coefficients, size)?;
    if domain.shift != Felt::ONE {
        mul_powers(l, &mut values, domain.shift, Felt::ONE)?;
    }
    ntt_in_place(l, &mut values, domain.log_size, domain.generator().map_err(PolyError::from)?)?;
    from_montgomery(l, values)
}

/// The coefficients of the polynomial taking `evals` on `domain`, as
/// [`crate::poly::PolyOps::interpolate`].
///
/// # Errors
/// A column whose length is not the domain's, an invalid domain, or the launcher failed.
pub fn interpolate<L: Launcher>(l: &L, evals: &Column<L::Buffer>, domain: Coset) -> Result<Column<L::Buffer>, CudaError> {
    let size = domain.size();
    if evals.len != size {
        return Err(PolyError::LengthMismatch { expected: size, got: evals.len }.into());
    }
    let omega = domain.generator().map_err(PolyError::from)?;
    let omega_inv = pow(omega, (size - 1) as u64);
    let mut values = load_montgomery(l, evals, size)?;
    ntt_in_place(l, &mut values, domain.log_size, omega_inv)?;
    // c_i = n^-1 · shift^-i · ntt_i
    let n_inv = inverse(Felt::from(size as u64)).map_err(PolyError::from)?;
    let shift_inv = inverse(domain.shift).map_err(PolyError::from)?;
    mul_powers(l, &mut values, shift_inv, n_inv)?;
    from_montgomery(l, values)
}

/// The values at `indices`, gathered on the launcher and copied back.
///
/// # Errors
/// An index past the column, or the launcher failed.
pub fn values_at<L: Launcher>(l: &L, column: &Column<L::Buffer>, indices: &[usize]) -> Result<Vec<Felt>, CudaError> {
    if let Some(&bad) = indices.iter().find(|&&i| i >= column.len) {
        return Err(shape(format!("index {bad} past a column of {}", column.len)));
    }
    if indices.is_empty() {
        return Ok(Vec::new());
    }
    let words: Vec<u64> = indices.iter().map(|&i| i as u64).collect();
    let indices_buffer = l.upload_limbs(&words)?;
    let mut out = zeros(l, indices.len())?;
    l.launch(Kernel::Gather, indices.len(), &mut [Arg::In(&column.buffer), Arg::In(&indices_buffer), n(indices.len()), Arg::Out(&mut out.buffer)])?;
    download(l, &out)
}

/// Columns of equal length packed into one matrix, device to device.
///
/// # Errors
/// No column, columns of different lengths, or the launcher failed.
pub fn pack<L: Launcher>(l: &L, columns: &[&Column<L::Buffer>]) -> Result<Matrix<L::Buffer>, CudaError> {
    let rows = columns.first().map_or(0, |c| c.len);
    if columns.is_empty() || columns.iter().any(|c| c.len != rows) {
        return Err(shape("columns: at least one, all of the same length"));
    }
    let parts: Vec<(&L::Buffer, usize)> = columns.iter().map(|c| (&c.buffer, 4 * rows)).collect();
    Ok(Matrix { buffer: l.concat(&parts)?, columns: columns.len(), rows })
}

/// `column` split into `parts` contiguous columns of equal length, as
/// [`crate::backend::ColumnOps::column_chunks`].
///
/// # Errors
/// The launcher failed.
pub fn chunks<L: Launcher>(l: &L, column: &Column<L::Buffer>, parts: usize) -> Result<Vec<Column<L::Buffer>>, CudaError> {
    let len = (column.len / parts.max(1)).max(1);
    (0..column.len.div_ceil(len))
        .map(|k| {
            let part = len.min(column.len - k * len);
            Ok(Column { buffer: l.copy_range(&column.buffer, 4 * k * len, 4 * part)?, len: part })
        })
        .collect()
}

/// One FRI layer, as [`crate::fri::FriOps::fold`] (folds by at most 2^4).
///
/// # Errors
/// A column that does not match the domain, a fold wider than 2^4, an invalid domain, or the
/// launcher failed.
pub fn fri_fold<L: Launcher>(l: &L, evals: &Column<L::Buffer>, domain: Coset, log_fold: u32, alpha: Felt) -> Result<Column<L::Buffer>, CudaError> {
    let size = domain.size();
    if evals.len != size || log_fold > domain.log_size {
        return Err(CudaError::Fri(FriError::from(PolyError::LengthMismatch { expected: size, got: evals.len })));
    }
    if log_fold > 4 {
        return Err(shape(format!("a fold by 2^{log_fold}: the kernel folds by at most 2^4")));
    }
    let m = size >> log_fold;
    let constants = FoldConstants::new(log_fold).map_err(PolyError::from)?;
    let omega_inv = pow(domain.generator().map_err(PolyError::from)?, (size - 1) as u64);
    let shift_inv = inverse(domain.shift).map_err(PolyError::from)?;
    let (shift_inv, omega_inv, alpha) = (upload(l, &[shift_inv])?, upload(l, &[omega_inv])?, upload(l, &[alpha])?);
    let inv_roots = upload(l, constants.inv_roots())?;
    let mut out = zeros(l, m)?;
    l.launch(
        Kernel::FriFold,
        m,
        &mut [
            Arg::In(&evals.buffer),
            n(m),
            n(log_fold as usize),
            Arg::In(&shift_inv.buffer),
            Arg::In(&omega_inv.buffer),
            Arg::In(&alpha.buffer),
            Arg::In(&inv_roots.buffer),
            Arg::Out(&mut out.buffer),
        ],
    )?;
    Ok(out)
}

/// `numerators(x) / (x^(2^log_trace) - 1)` on `domain`, as
/// [`crate::quotients::QuotientOps::divide_by_vanishing`].
///
/// # Errors
/// The domain meets the trace domain, or the launcher failed.
pub fn divide_by_vanishing<L: Launcher>(l: &L, numerators: &Column<L::Buffer>, domain: Coset, log_trace: u32) -> Result<Column<L::Buffer>, CudaError> {
    // x^n - 1 on shift·<ω_N> takes N/n distinct values: shift^n · ω_{N/n}^i - 1.
    let ratio_log = domain.log_size.saturating_sub(log_trace);
    let period = 1usize << ratio_log;
    let shift_n = pow(domain.shift, 1u64 << log_trace);
    let root = root_of_unity(ratio_log)?;
    let inverses = (0..period).map(|i| inverse(shift_n * pow(root, i as u64) - Felt::ONE)).collect::<Result<Vec<_>, _>>()?;
    let factors = upload(l, &inverses)?;
    let mut out = zeros(l, numerators.len)?;
    l.launch(
        Kernel::MulPeriodic,
        numerators.len,
        &mut [Arg::In(&numerators.buffer), n(numerators.len), Arg::In(&factors.buffer), n(period), Arg::Out(&mut out.buffer)],
    )?;
    Ok(out)
}

/// The DEEP quotient on `domain`, as [`crate::quotients::QuotientOps::deep_quotient`].
///
/// # Errors
/// A sample point in the domain ([`FieldError::ZeroInverse`], as the CPU), a column index out
/// of range, or the launcher failed.
pub fn deep_quotient<L: Launcher>(
    l: &L,
    columns: &[&Column<L::Buffer>],
    domain: Coset,
    samples: &[DeepSample],
    rho: Felt,
) -> Result<Column<L::Buffer>, CudaError> {
    let size = domain.size();
    let omega = domain.generator()?;
    // A point x lies in shift·<ω> exactly when (x / shift)^size = 1.
    let shift_inv = inverse(domain.shift)?;
    if samples.iter().any(|s| pow(s.point * shift_inv, size as u64) == Felt::ONE) {
        return Err(FieldError::ZeroInverse.into());
    }
    if samples.iter().flat_map(|s| &s.columns).any(|&c| c >= columns.len()) {
        return Err(shape("a DEEP sample names a column that is not given"));
    }
    // Coefficients ρ^k in sample order, column order; the constant part Σ ρ^k · value per sample.
    let (mut offsets, mut term_columns, mut coefficients, mut constants) = (vec![0u64], Vec::new(), Vec::new(), Vec::new());
    let mut c = Felt::ONE;
    for sample in samples {
        let mut constant = Felt::ZERO;
        for (&column, value) in sample.columns.iter().zip(&sample.values) {
            term_columns.push(column as u64);
            coefficients.push(c);
            constant += *value * c;
            c *= rho;
        }
        constants.push(constant);
        offsets.push(term_columns.len() as u64);
    }
    let matrix = pack(l, columns)?;
    let points: Vec<Felt> = samples.iter().map(|s| s.point).collect();
    let (shift, omega) = (upload(l, &[domain.shift])?, upload(l, &[omega])?);
    let (points, constants, coefficients) = (upload(l, &points)?, upload(l, &constants)?, upload(l, &coefficients)?);
    let (offsets, term_columns) = (l.upload_limbs(&offsets)?, l.upload_limbs(&term_columns.iter().copied().chain([0]).collect::<Vec<_>>())?);
    let mut out = zeros(l, size)?;
    l.launch(
        Kernel::DeepQuotient,
        size,
        &mut [
            Arg::In(&matrix.buffer),
            n(size),
            Arg::In(&shift.buffer),
            Arg::In(&omega.buffer),
            n(samples.len()),
            Arg::In(&points.buffer),
            Arg::In(&constants.buffer),
            Arg::In(&offsets),
            Arg::In(&term_columns),
            Arg::In(&coefficients.buffer),
            Arg::Out(&mut out.buffer),
        ],
    )?;
    Ok(out)
}
