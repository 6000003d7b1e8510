//! FRI: the low-degree test ([`FriOps`], prover and verifier).
//!
//! Layer `k` holds the evaluations of a polynomial on the coset `D_k = s_k · <ω_{N_k}>`
//! (`D_0` is the LDE domain, `N_{k+1} = N_k / 2^f`, `s_{k+1} = s_k^(2^f)`, fold factor `2^f`).
//! Its Merkle tree has `N_{k+1}` leaves; leaf `j` holds the `2^f` values at indices
//! `j + t·N_{k+1}` for `t = 0..2^f` (the points `x_j · ε^t`, `ε` a primitive `2^f`-th root of
//! unity), which all map to the one point `x_j^(2^f)` of `D_{k+1}`.
//!
//! Folding a leaf with challenge `α` is `f` binary folds ([`fold_coset`]); the folded value is
//! stored at index `j` of layer `k+1`. After the last fold the layer is sent in the clear as the
//! coefficients of a polynomial of degree `< 2^log_last_layer_degree`.

use crate::backend::ColumnOps;
use crate::channel::Channel;
use crate::field::{inverse, pow, root_of_unity, Felt, FieldError};
use crate::merkle::{hash_leaf, verify_multiproof, MerkleError, MerkleOps, MerkleTree};
use crate::poly::{horner, Coset, PolyError, PolyOps};
use serde::{Deserialize, Serialize};

/// FRI stops folding once the degree bound is at most `2^LAST_LAYER_LOG_DEGREE_MAX`.
pub const LAST_LAYER_LOG_DEGREE_MAX: u32 = 4;

/// Errors of FRI proving and verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FriError {
    /// A field failure (domain too large).
    #[error(transparent)]
    Field(#[from] FieldError),
    /// A polynomial operation failed.
    #[error(transparent)]
    Poly(#[from] PolyError),
    /// A layer's Merkle commitment failed or did not verify.
    #[error("FRI layer {layer}: {source}")]
    Merkle {
        /// Layer index.
        layer: usize,
        /// The Merkle failure.
        source: MerkleError,
    },
    /// Prover side: the folded polynomial is not of the claimed degree (the input was not low degree).
    #[error(
        "FRI last layer has degree at least {bound}: the committed polynomial is not low degree"
    )]
    LastLayerDegree {
        /// The degree bound.
        bound: usize,
    },
    /// Verifier side: malformed proof parts.
    #[error("malformed FRI proof: {0}")]
    Malformed(String),
    /// A queried value differs from the value the previous layer folds to.
    #[error("FRI layer {layer}: value at query position {position} is inconsistent with the previous layer")]
    LayerValueMismatch {
        /// Layer index.
        layer: usize,
        /// The query position in the LDE domain.
        position: usize,
    },
    /// The last folded value differs from the last-layer polynomial.
    #[error(
        "FRI last layer: polynomial disagrees with the folded value at query position {position}"
    )]
    LastLayerMismatch {
        /// The query position in the LDE domain.
        position: usize,
    },
}

/// The shape of FRI for one degree bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriConfig {
    /// log2 of the folding factor (3: fold by 8).
    pub log_fold: u32,
    /// Number of committed layers (= number of folds).
    pub n_folds: u32,
    /// log2 of the number of last-layer coefficients.
    pub log_last_layer_degree: u32,
}

impl FriConfig {
    /// `n_folds = ceil((log_degree_bound - 4) / log_fold)` (0 if the bound is at most 2^4);
    /// the last layer has `2^(log_degree_bound - n_folds·log_fold)` coefficients.
    pub fn new(log_degree_bound: u32, log_fold: u32) -> Self {
        let n_folds = if log_degree_bound > LAST_LAYER_LOG_DEGREE_MAX && log_fold > 0 {
            (log_degree_bound - LAST_LAYER_LOG_DEGREE_MAX).div_ceil(log_fold)
        } else {
            0
        };
        let n_folds = n_folds.min(log_degree_bound / log_fold.max(1));
        Self {
            log_fold,
            n_folds,
            log_last_layer_degree: log_degree_bound - n_folds * log_fold,
        }
    }

    /// Number of last-layer coefficients.
    pub fn last_layer_len(&self) -> usize {
        1 << self.log_last_layer_degree
    }
}

/// Inverses of the roots of unity used by the binary folds of one coset:
/// `inv_roots[r]` is `ω_{2^(f-r)}^(-1)`.
#[derive(Clone, Debug)]
pub struct FoldConstants {
    log_fold: u32,
    inv_roots: Vec<Felt>,
}

impl FoldConstants {
    /// Constants for folding by `2^log_fold`.
    ///
    /// # Errors
    /// Never for `log_fold ≤ 192`.
    pub fn new(log_fold: u32) -> Result<Self, FieldError> {
        let inv_roots = (0..log_fold)
            .map(|r| {
                let log_len = log_fold - r;
                let root = root_of_unity(log_len)?;
                Ok(pow(root, (1u64 << log_len) - 1))
            })
            .collect::<Result<Vec<_>, FieldError>>()?;
        Ok(Self {
            log_fold,
            inv_roots,
        })
    }

    /// `inv_roots[r] = ω_{2^(f-r)}^(-1)`, one per binary fold (what a GPU kernel is given).
    pub fn inv_roots(&self) -> &[Felt] {
        &self.inv_roots
    }
}

/// Folds the `2^f` values of one leaf to one value of the next layer.
///
/// `values[t]` is the evaluation at `x · ε^t` and `x_inv = x^(-1)`. Binary fold `r = 0..f`
/// halves the list `u` (initially `values`) of length `L`:
/// `u'[t] = (u[t] + u[t + L/2]) + α^(2^r) · (u[t] - u[t + L/2]) · y_t^(-1)` for `t < L/2`,
/// with `y_t^(-1) = x^(-2^r) · ω_L^(-t)`. The result is `2^f` times the usual fold
/// `Σ_i α^i f_i(x^(2^f))` of `f(X) = Σ_i X^i f_i(X^(2^f))`.
pub fn fold_coset(values: &[Felt], x_inv: Felt, alpha: Felt, constants: &FoldConstants) -> Felt {
    let mut u: Vec<Felt> = values.to_vec();
    let mut challenge = alpha;
    let mut point_inv = x_inv;
    for r in 0..constants.log_fold as usize {
        let half = u.len() / 2;
        let mut y_inv = point_inv;
        for t in 0..half {
            let (a, b) = (u[t], u[t + half]);
            u[t] = a + b + challenge * (a - b) * y_inv;
            y_inv *= constants.inv_roots[r];
        }
        u.truncate(half);
        challenge = challenge * challenge;
        point_inv = point_inv * point_inv;
    }
    u[0]
}

/// The FRI folding stage.
pub trait FriOps: ColumnOps {
    /// Folds evaluations on `domain` by `2^log_fold` with `alpha`: output `j` is
    /// [`fold_coset`] of the values at `j + t·(N / 2^log_fold)`, on `domain.folded(log_fold)`.
    ///
    /// # Errors
    /// When the column does not match the domain or the domain is invalid.
    fn fold(
        evals: &Self::Column,
        domain: Coset,
        log_fold: u32,
        alpha: Felt,
    ) -> Result<Self::Column, FriError>;
}

/// The Merkle decommitment of one tree: the values of the opened leaves (leaf by leaf, in
/// increasing leaf index) and the sibling hashes of the batched path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeDecommitment {
    /// Leaf values, leaf after leaf.
    pub values: Vec<Felt>,
    /// Sibling hashes, in [`verify_multiproof`] order.
    pub siblings: Vec<Felt>,
}

/// The FRI part of a proof.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriProof {
    /// Roots of the committed layers.
    pub layer_roots: Vec<Felt>,
    /// Coefficients of the last layer.
    pub last_layer: Vec<Felt>,
    /// One decommitment per committed layer.
    pub layer_decommitments: Vec<TreeDecommitment>,
}

struct ProverLayer<B: MerkleOps> {
    domain: Coset,
    evals: B::Column,
    tree: MerkleTree<B>,
}

/// The prover's FRI state after the commit phase.
pub struct FriProver<B: FriOps + MerkleOps + PolyOps> {
    config: FriConfig,
    layers: Vec<ProverLayer<B>>,
    last_layer: Vec<Felt>,
}

impl<B: FriOps + MerkleOps + PolyOps> FriProver<B> {
    /// Commit phase: commits every layer (mixing its root, then drawing its folding
    /// challenge), then mixes the last-layer coefficients.
    ///
    /// # Errors
    /// [`FriError::LastLayerDegree`] when `evals` is not of the configured degree.
    pub fn commit(
        evals: B::Column,
        domain: Coset,
        config: FriConfig,
        channel: &mut Channel,
    ) -> Result<Self, FriError> {
        let mut layers = Vec::with_capacity(config.n_folds as usize);
        let mut evals = evals;
        let mut domain = domain;
        for layer in 0..config.n_folds as usize {
            let chunks = B::column_chunks(&evals, 1 << config.log_fold);
            let refs: Vec<&B::Column> = chunks.iter().collect();
            let tree = MerkleTree::<B>::commit(&refs)
                .map_err(|source| FriError::Merkle { layer, source })?;
            channel.mix(&[tree.root()]);
            let alpha = channel.draw_felt();
            let folded = B::fold(&evals, domain, config.log_fold, alpha)?;
            layers.push(ProverLayer {
                domain,
                evals,
                tree,
            });
            evals = folded;
            domain = domain.folded(config.log_fold);
        }
        let coefficients = B::column_to_vec(&B::interpolate(&evals, domain)?);
        let bound = config.last_layer_len();
        if coefficients[bound.min(coefficients.len())..]
            .iter()
            .any(|c| *c != Felt::ZERO)
        {
            return Err(FriError::LastLayerDegree { bound });
        }
        let last_layer = coefficients[..bound.min(coefficients.len())].to_vec();
        channel.mix(&last_layer);
        Ok(Self {
            config,
            layers,
            last_layer,
        })
    }

    /// Decommits every layer at the LDE query `positions` (strictly increasing) and returns the
    /// proof part.
    ///
    /// # Errors
    /// When the positions are out of range.
    pub fn decommit(&self, positions: &[usize]) -> Result<FriProof, FriError> {
        let mut layer_decommitments = Vec::with_capacity(self.layers.len());
        for (k, layer) in self.layers.iter().enumerate() {
            let n_leaves = layer.domain.size() >> self.config.log_fold;
            let leaves = unique_sorted(positions.iter().map(|q| q % n_leaves));
            let indices: Vec<usize> = leaves
                .iter()
                .flat_map(|&j| (0..1usize << self.config.log_fold).map(move |t| j + t * n_leaves))
                .collect();
            let values = B::column_values_at(&layer.evals, &indices);
            let siblings = layer
                .tree
                .decommit(&leaves)
                .map_err(|source| FriError::Merkle { layer: k, source })?;
            layer_decommitments.push(TreeDecommitment { values, siblings });
        }
        Ok(FriProof {
            layer_roots: self.layers.iter().map(|l| l.tree.root()).collect(),
            last_layer: self.last_layer.clone(),
            layer_decommitments,
        })
    }
}

/// Sorted distinct values.
pub fn unique_sorted(values: impl IntoIterator<Item = usize>) -> Vec<usize> {
    let mut v: Vec<usize> = values.into_iter().collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The verifier's FRI state after replaying the commit phase.
#[derive(Clone, Debug)]
pub struct FriVerifier {
    config: FriConfig,
    domain: Coset,
    alphas: Vec<Felt>,
}

impl FriVerifier {
    /// Replays the commit phase: mixes each layer root and draws its challenge, then mixes the
    /// last layer.
    ///
    /// # Errors
    /// [`FriError::Malformed`] on a wrong number of roots or last-layer coefficients.
    pub fn commit_phase(
        config: FriConfig,
        domain: Coset,
        proof: &FriProof,
        channel: &mut Channel,
    ) -> Result<Self, FriError> {
        if proof.layer_roots.len() != config.n_folds as usize {
            return Err(FriError::Malformed(format!(
                "{} layer roots, expected {}",
                proof.layer_roots.len(),
                config.n_folds
            )));
        }
        if proof.last_layer.len() != config.last_layer_len() {
            return Err(FriError::Malformed(format!(
                "{} last-layer coefficients, expected {}",
                proof.last_layer.len(),
                config.last_layer_len()
            )));
        }
        let mut alphas = Vec::with_capacity(proof.layer_roots.len());
        for root in &proof.layer_roots {
            channel.mix(&[*root]);
            alphas.push(channel.draw_felt());
        }
        channel.mix(&proof.last_layer);
        Ok(Self {
            config,
            domain,
            alphas,
        })
    }

    /// Query phase: `first_layer` holds `(position, value)` of the layer-0 polynomial at the
    /// strictly increasing LDE query positions; checks every layer's decommitment, the folding
    /// consistency and the last layer.
    ///
    /// # Errors
    /// [`FriError`] naming the first failed check.
    pub fn verify_queries(
        &self,
        first_layer: &[(usize, Felt)],
        proof: &FriProof,
    ) -> Result<(), FriError> {
        if proof.layer_decommitments.len() != self.alphas.len() {
            return Err(FriError::Malformed(
                "wrong number of layer decommitments".into(),
            ));
        }
        let constants = FoldConstants::new(self.config.log_fold)?;
        let width = 1usize << self.config.log_fold;
        let mut current: Vec<(usize, Felt)> = first_layer.to_vec();
        let mut domain = self.domain;
        for (k, (decommitment, alpha)) in proof
            .layer_decommitments
            .iter()
            .zip(&self.alphas)
            .enumerate()
        {
            let n_leaves = domain.size() >> self.config.log_fold;
            let leaves = unique_sorted(current.iter().map(|(q, _)| q % n_leaves));
            if decommitment.values.len() != leaves.len() * width {
                return Err(FriError::Malformed(format!(
                    "layer {k}: {} values for {} leaves",
                    decommitment.values.len(),
                    leaves.len()
                )));
            }
            let leaf_hashes: Vec<(usize, Felt)> = leaves
                .iter()
                .zip(decommitment.values.chunks(width))
                .map(|(&j, vals)| (j, hash_leaf(vals)))
                .collect();
            verify_multiproof(
                proof.layer_roots[k],
                domain.log_size - self.config.log_fold,
                &leaf_hashes,
                &decommitment.siblings,
            )
            .map_err(|source| FriError::Merkle { layer: k, source })?;
            let mut next = Vec::with_capacity(current.len());
            for &(position, expected) in &current {
                let index = position % domain.size();
                let leaf = index % n_leaves;
                let slot = index / n_leaves;
                let row = leaves
                    .binary_search(&leaf)
                    .map_err(|_| FriError::Malformed("leaf not opened".into()))?;
                let values = &decommitment.values[row * width..(row + 1) * width];
                if values[slot] != expected {
                    return Err(FriError::LayerValueMismatch { layer: k, position });
                }
                let x_inv = domain.inverse_at(leaf)?;
                next.push((position, fold_coset(values, x_inv, *alpha, &constants)));
            }
            current = next;
            domain = domain.folded(self.config.log_fold);
        }
        for &(position, value) in &current {
            let x = domain.at(position % domain.size())?;
            if horner(&proof.last_layer, x) != value {
                return Err(FriError::LastLayerMismatch { position });
            }
        }
        Ok(())
    }
}

/// `x^(-1)` for every leaf base point `x_j = shift · ω^j`, `j < count` (host helper).
///
/// # Errors
/// When the domain is invalid.
pub fn leaf_point_inverses(domain: Coset, count: usize) -> Result<Vec<Felt>, FieldError> {
    let omega = domain.generator()?;
    let omega_inv = pow(omega, (domain.size() - 1) as u64);
    let shift_inv = inverse(domain.shift)?;
    let mut out = Vec::with_capacity(count);
    let mut acc = shift_inv;
    for _ in 0..count {
        out.push(acc);
        acc *= omega_inv;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::cpu::CpuBackend;

    fn poly(n: usize, seed: u64) -> Vec<Felt> {
        (0..n as u64)
            .map(|i| Felt::from(i * i * 7 + seed * 13 + 5))
            .collect()
    }

    #[test]
    fn fold_matches_direct_evaluation_of_folded_polynomial() {
        // f(X) = Σ_i X^i f_i(X^8); the fold is 8 · Σ_i α^i f_i.
        let log_fold = 3;
        let coefficients = poly(64, 1);
        let alpha = Felt::from(1234567u64);
        let mut folded_coefficients = vec![Felt::ZERO; 8];
        for (k, c) in coefficients.iter().enumerate() {
            folded_coefficients[k / 8] += *c * pow(alpha, (k % 8) as u64) * Felt::from(8u64);
        }
        let domain = Coset {
            log_size: 9,
            shift: Felt::THREE,
        };
        let evals = CpuBackend::evaluate(&coefficients, domain).unwrap();
        let folded = CpuBackend::fold(&evals, domain, log_fold, alpha).unwrap();
        let folded_domain = domain.folded(log_fold);
        assert_eq!(folded.len(), folded_domain.size());
        for j in [0usize, 1, 17, 63] {
            assert_eq!(
                folded[j],
                horner(&folded_coefficients, folded_domain.at(j).unwrap()),
                "j = {j}"
            );
        }
        // The single-coset function agrees with the backend.
        let constants = FoldConstants::new(log_fold).unwrap();
        let values: Vec<Felt> = (0..8).map(|t| evals[5 + t * 64]).collect();
        assert_eq!(
            fold_coset(&values, domain.inverse_at(5).unwrap(), alpha, &constants),
            folded[5]
        );
    }

    #[test]
    fn config_shapes() {
        assert_eq!(
            FriConfig::new(16, 3),
            FriConfig {
                log_fold: 3,
                n_folds: 4,
                log_last_layer_degree: 4
            }
        );
        assert_eq!(
            FriConfig::new(12, 3),
            FriConfig {
                log_fold: 3,
                n_folds: 3,
                log_last_layer_degree: 3
            }
        );
        assert_eq!(
            FriConfig::new(10, 3),
            FriConfig {
                log_fold: 3,
                n_folds: 2,
                log_last_layer_degree: 4
            }
        );
        assert_eq!(
            FriConfig::new(8, 3),
            FriConfig {
                log_fold: 3,
                n_folds: 2,
                log_last_layer_degree: 2
            }
        );
        assert_eq!(FriConfig::new(3, 3).n_folds, 0);
    }

    fn prove(
        coefficients: &[Felt],
        log_degree: u32,
        positions: &[usize],
    ) -> Result<(FriProof, Channel), FriError> {
        let domain = Coset::lde(log_degree, 3);
        let evals = CpuBackend::evaluate(&coefficients.to_vec(), domain).unwrap();
        let mut channel = Channel::new(&[Felt::ONE]);
        let prover = FriProver::<CpuBackend>::commit(
            evals,
            domain,
            FriConfig::new(log_degree, 3),
            &mut channel,
        )?;
        Ok((prover.decommit(positions)?, channel))
    }

    #[test]
    fn fri_accepts_low_degree_and_rejects_tampering() {
        let log_degree = 9;
        let coefficients = poly(1 << log_degree, 3);
        let domain = Coset::lde(log_degree, 3);
        let positions = vec![3usize, 64, 65, 1000, 4095];
        let (proof, prover_channel) = prove(&coefficients, log_degree, &positions).unwrap();
        let first: Vec<(usize, Felt)> = positions
            .iter()
            .map(|&q| (q, horner(&coefficients, domain.at(q).unwrap())))
            .collect();
        let config = FriConfig::new(log_degree, 3);
        let mut channel = Channel::new(&[Felt::ONE]);
        let verifier = FriVerifier::commit_phase(config, domain, &proof, &mut channel).unwrap();
        assert_eq!(channel, prover_channel);
        verifier.verify_queries(&first, &proof).unwrap();

        let mut bad_first = first.clone();
        bad_first[2].1 += Felt::ONE;
        assert!(matches!(
            verifier.verify_queries(&bad_first, &proof),
            Err(FriError::LayerValueMismatch { layer: 0, .. })
        ));
        for layer in 0..proof.layer_decommitments.len() {
            let mut bad = proof.clone();
            bad.layer_decommitments[layer].values[1] += Felt::ONE;
            assert!(
                verifier.verify_queries(&first, &bad).is_err(),
                "layer {layer} value"
            );
            let mut bad = proof.clone();
            bad.layer_decommitments[layer].siblings[0] += Felt::ONE;
            assert!(
                verifier.verify_queries(&first, &bad).is_err(),
                "layer {layer} sibling"
            );
        }
        let mut bad = proof.clone();
        bad.last_layer[0] += Felt::ONE;
        assert!(matches!(
            verifier.verify_queries(&first, &bad),
            Err(FriError::LastLayerMismatch { .. })
        ));
    }

    #[test]
    fn fri_prover_refuses_high_degree() {
        let log_degree = 8;
        let coefficients = poly(1 << (log_degree + 1), 4);
        let domain = Coset::lde(log_degree, 3);
        let evals = CpuBackend::evaluate(&coefficients, domain).unwrap();
        let mut channel = Channel::new(&[Felt::ONE]);
        let result = FriProver::<CpuBackend>::commit(
            evals,
            domain,
            FriConfig::new(log_degree, 3),
            &mut channel,
        );
        assert!(matches!(result, Err(FriError::LastLayerDegree { .. })));
    }
}
