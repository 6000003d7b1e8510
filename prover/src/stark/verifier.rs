//! The STARK verifier (the reference for the Cairo verifier).

use super::prover::deep_samples;
use super::{channel_seed, ParamsError, ProofParams, StarkProof};
use crate::air::{combine_constraints, Air, AirError, Frame};
use crate::channel::Channel;
use crate::field::{inverse, pow, Felt, FieldError};
use crate::fri::{unique_sorted, FriConfig, FriError, FriVerifier, TreeDecommitment};
use crate::merkle::{hash_leaf, verify_multiproof, MerkleError};
use crate::poly::Coset;
use crate::proof_of_work::{check_pow, pow_seed};
use crate::quotients::deep_value_at;

/// Why a proof was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifierError {
    /// Unsupported or too weak parameters.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// The proof's shape is wrong (lengths, counts).
    #[error("malformed proof: {0}")]
    Malformed(String),
    /// The AIR could not be evaluated (a zero denominator in its constants).
    #[error("AIR: {0}")]
    Air(#[from] AirError),
    /// A field failure (a query point equal to an out-of-domain point).
    #[error(transparent)]
    Field(#[from] FieldError),
    /// The out-of-domain point is in the trace or evaluation domain.
    #[error("degenerate out-of-domain point")]
    DegenerateOodPoint,
    /// The AIR constraints at the out-of-domain point do not match the composition values.
    #[error("AIR constraints at the out-of-domain point do not match the composition polynomial")]
    OodCompositionMismatch,
    /// The proof-of-work nonce is invalid.
    #[error("invalid proof-of-work nonce")]
    ProofOfWork,
    /// A trace decommitment does not verify.
    #[error("{tree} tree: {source}")]
    Merkle {
        /// Which tree.
        tree: &'static str,
        /// The Merkle failure.
        source: MerkleError,
    },
    /// FRI rejected.
    #[error("FRI: {0}")]
    Fri(#[from] FriError),
}

/// Verifies `proof` for the statement `air` under `params` (the caller applies its
/// [`super::SecurityPolicy`] to `params` first).
///
/// # Errors
/// [`VerifierError`] naming the first failed check.
pub fn verify<A: Air>(
    air: &A,
    proof: &StarkProof,
    params: &ProofParams,
) -> Result<(), VerifierError> {
    params.validate()?;
    let log_n = air.log_trace_rows();
    let n = 1u64 << log_n;
    let counts = air.columns();
    let total = counts.total();
    let segments = air.composition_segments();
    let trace_domain = Coset::subgroup(log_n);
    let lde_domain = Coset::lde(log_n, params.log_blowup);
    let mut channel = Channel::new(&channel_seed(params, log_n, &air.statement()));

    channel.mix(&[air.preprocessed_root()]);
    channel.mix(&[proof.main_root]);
    let challenges = channel.draw_felts(air.n_interaction_challenges());
    let constants = air.constants(&challenges)?;
    channel.mix(&[proof.interaction_root]);
    let alpha = channel.draw_felt();
    channel.mix(&[proof.composition_root]);
    let z = channel.draw_felt();
    let zg = z * trace_domain.generator()?;
    let lde_shift_power = pow(lde_domain.shift, lde_domain.size() as u64);
    if pow(z, n) == Felt::ONE
        || pow(z, lde_domain.size() as u64) == lde_shift_power
        || pow(zg, lde_domain.size() as u64) == lde_shift_power
    {
        return Err(VerifierError::DegenerateOodPoint);
    }

    // AIR constraints at z against the composition segments.
    if proof.ood_values.len() != 2 * total + segments {
        return Err(VerifierError::Malformed(format!(
            "{} out-of-domain values, expected {}",
            proof.ood_values.len(),
            2 * total + segments
        )));
    }
    let frame = Frame {
        current: &proof.ood_values[..total],
        next: &proof.ood_values[total + segments..],
    };
    let mut evaluations = vec![Felt::ZERO; air.n_constraints()];
    air.evaluate(&frame, &challenges, &constants, &mut evaluations);
    let expected = combine_constraints(&evaluations, alpha) * inverse(pow(z, n) - Felt::ONE)?;
    let z_n = pow(z, n);
    let mut composition = Felt::ZERO;
    for s in (0..segments).rev() {
        composition = composition * z_n + proof.ood_values[total + s];
    }
    if composition != expected {
        return Err(VerifierError::OodCompositionMismatch);
    }
    channel.mix(&proof.ood_values);
    let rho = channel.draw_felt();

    // FRI commit phase, proof of work, queries.
    let fri = FriVerifier::commit_phase(
        FriConfig::new(log_n, params.log_fold),
        lde_domain,
        &proof.fri,
        &mut channel,
    )?;
    if !check_pow(
        pow_seed(channel.digest(), params.grinding_bits),
        params.grinding_bits,
        proof.pow_nonce,
    ) {
        return Err(VerifierError::ProofOfWork);
    }
    channel.mix(&[Felt::from(proof.pow_nonce)]);
    let positions =
        unique_sorted((0..params.n_queries).map(|_| channel.draw_index(lde_domain.log_size)));

    // Trace decommitments.
    let trees: [(&'static str, Felt, usize, &TreeDecommitment); 4] = [
        (
            "preprocessed",
            air.preprocessed_root(),
            counts.preprocessed,
            &proof.preprocessed,
        ),
        ("main", proof.main_root, counts.main, &proof.main),
        (
            "interaction",
            proof.interaction_root,
            counts.interaction,
            &proof.interaction,
        ),
        (
            "composition",
            proof.composition_root,
            segments,
            &proof.composition,
        ),
    ];
    let mut rows: Vec<Vec<Felt>> = vec![Vec::with_capacity(total + segments); positions.len()];
    for (tree, root, width, decommitment) in trees {
        if decommitment.values.len() != positions.len() * width {
            return Err(VerifierError::Malformed(format!(
                "{tree} tree: {} values for {} queries of {width} columns",
                decommitment.values.len(),
                positions.len()
            )));
        }
        let leaves: Vec<(usize, Felt)> = positions
            .iter()
            .zip(decommitment.values.chunks(width))
            .map(|(&q, row)| (q, hash_leaf(row)))
            .collect();
        verify_multiproof(root, lde_domain.log_size, &leaves, &decommitment.siblings)
            .map_err(|source| VerifierError::Merkle { tree, source })?;
        for (row, values) in rows.iter_mut().zip(decommitment.values.chunks(width)) {
            row.extend_from_slice(values);
        }
    }

    // DEEP values at the queries feed FRI.
    let samples = deep_samples(z, zg, total, segments, &proof.ood_values);
    let first_layer = positions
        .iter()
        .zip(&rows)
        .map(|(&q, row)| Ok((q, deep_value_at(row, lde_domain.at(q)?, &samples, rho)?)))
        .collect::<Result<Vec<_>, FieldError>>()?;
    fri.verify_queries(&first_layer, &proof.fri)?;
    Ok(())
}
