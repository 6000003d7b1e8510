/// ProofVerifier: verifies STARK proofs of MLP inference (`CIRO_STARK_V2`, AIR `CIRO_MLP_AIR_V3`,
/// prover/PROOF_FORMAT.md) on-chain and records the verified statements.
///
/// `proof` is the full calldata of PROOF_FORMAT.md §3 (its first four felts are the proof's public
/// inputs: job id, model, input and output commitments). The statement must equal them.
///
/// Failures: `verify_inference` reverts with a `PV: ...` message (errors.cairo) when `proof` is
/// malformed (too short, trailing felts, a field out of its range, a length prefix that differs
/// from what the parameters imply) or has unsupported or too weak parameters (blowup and fold
/// other than 8, fewer than 27 queries, below 100 bits of conjectured security, ...). It returns false, and
/// records nothing, when a well-formed proof fails any check: another statement, a commitment, an
/// input range, the AIR at the out-of-domain point, the proof of work, a Merkle multiproof, a FRI
/// layer or the last layer. JobManager treats false as 'JM: invalid proof'.
#[starknet::contract]
mod ProofVerifier {
    use array::{ArrayTrait, SpanTrait};
    use poseidon::poseidon_hash_span;
    use traits::Into;

    use super::super::interface::{IProofVerifier, InferenceStatement};
    use super::super::stark::verify_proof;

    #[storage]
    struct Storage {
        verified_facts: LegacyMap<felt252, bool>,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        InferenceVerified: InferenceVerified,
    }

    /// A statement's proof verified; its fact is recorded.
    #[derive(Drop, starknet::Event)]
    struct InferenceVerified {
        #[key]
        fact_hash: felt252,
        #[key]
        job_id: u64,
        model_commitment: felt252,
        input_commitment: felt252,
        output_commitment: felt252,
    }

    #[external(v0)]
    impl ProofVerifierImpl of IProofVerifier<ContractState> {
        /// Verifies `proof` (PROOF_FORMAT.md §3 calldata) of `statement`; on success records the
        /// fact `poseidon_hash_span([model_commitment, input_commitment, output_commitment,
        /// job_id])` and returns true.
        ///
        /// Requirements: `proof` is well formed with supported parameters (else reverts `PV: ...`).
        /// Returns false when the proof does not verify for `statement`.
        ///
        /// Emits `InferenceVerified`.
        fn verify_inference(
            ref self: ContractState, statement: InferenceStatement, proof: Span<felt252>
        ) -> bool {
            if !verify_proof(statement, proof) {
                return false;
            }
            let fact_hash = fact_hash_of(statement);
            self.verified_facts.write(fact_hash, true);
            self
                .emit(
                    InferenceVerified {
                        fact_hash,
                        job_id: statement.job_id,
                        model_commitment: statement.model_commitment,
                        input_commitment: statement.input_commitment,
                        output_commitment: statement.output_commitment,
                    }
                );
            true
        }

        /// Whether the fact `fact_hash` was verified.
        fn is_verified(self: @ContractState, fact_hash: felt252) -> bool {
            self.verified_facts.read(fact_hash)
        }
    }

    /// `poseidon_hash_span([model_commitment, input_commitment, output_commitment, job_id])`.
    fn fact_hash_of(statement: InferenceStatement) -> felt252 {
        let mut items = ArrayTrait::new();
        items.append(statement.model_commitment);
        items.append(statement.input_commitment);
        items.append(statement.output_commitment);
        items.append(statement.job_id.into());
        poseidon_hash_span(items.span())
    }
}
