#[starknet::interface]
trait ITestProofVerifier<TContractState> {
    /// Sets what `verify_inference` answers from now on.
    fn set_answer(ref self: TContractState, answer: bool);
    /// The statement of the last `verify_inference` call.
    fn last_statement(self: @TContractState) -> (felt252, felt252, felt252, u64);
    /// The length of the last proof received.
    fn last_proof_len(self: @TContractState) -> u32;
}

/// A ProofVerifier whose answer the test sets, so JobManager's flows can be tested before and
/// independently of the STARK verifier. Test-only: lives outside the `ciro` package.
#[starknet::contract]
mod TestProofVerifier {
    use array::SpanTrait;
    use ciro::proof_verifier::interface::{IProofVerifier, InferenceStatement};

    #[storage]
    struct Storage {
        answer: bool,
        last_model_commitment: felt252,
        last_input_commitment: felt252,
        last_output_commitment: felt252,
        last_job_id: u64,
        last_proof_len: u32,
        verified: LegacyMap<felt252, bool>,
    }

    #[constructor]
    fn constructor(ref self: ContractState, answer: bool) {
        self.answer.write(answer);
    }

    #[external(v0)]
    impl ProofVerifierImpl of IProofVerifier<ContractState> {
        fn verify_inference(
            ref self: ContractState, statement: InferenceStatement, proof: Span<felt252>
        ) -> bool {
            self.last_model_commitment.write(statement.model_commitment);
            self.last_input_commitment.write(statement.input_commitment);
            self.last_output_commitment.write(statement.output_commitment);
            self.last_job_id.write(statement.job_id);
            self.last_proof_len.write(proof.len());
            self.answer.read()
        }

        fn is_verified(self: @ContractState, fact_hash: felt252) -> bool {
            self.verified.read(fact_hash)
        }
    }

    #[external(v0)]
    impl TestControlImpl of super::ITestProofVerifier<ContractState> {
        fn set_answer(ref self: ContractState, answer: bool) {
            self.answer.write(answer);
        }

        fn last_statement(self: @ContractState) -> (felt252, felt252, felt252, u64) {
            (
                self.last_model_commitment.read(),
                self.last_input_commitment.read(),
                self.last_output_commitment.read(),
                self.last_job_id.read()
            )
        }

        fn last_proof_len(self: @ContractState) -> u32 {
            self.last_proof_len.read()
        }
    }
}
