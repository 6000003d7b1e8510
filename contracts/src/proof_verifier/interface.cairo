/// What an inference proof proves: the registered model, run on the committed input, produced the
/// committed output, for this job. Binding the job id stops a proof being replayed for another job.
#[derive(Copy, Drop, Serde, PartialEq)]
struct InferenceStatement {
    model_commitment: felt252,
    input_commitment: felt252,
    output_commitment: felt252,
    job_id: u64,
}

#[starknet::interface]
trait IProofVerifier<TContractState> {
    /// Verifies `proof` of `statement`. Returns true and records the statement's fact when the
    /// proof verifies; false when it does not. Reverts on a malformed proof.
    fn verify_inference(
        ref self: TContractState, statement: InferenceStatement, proof: Span<felt252>
    ) -> bool;
    /// Whether the fact (hash of a statement) was verified.
    fn is_verified(self: @TContractState, fact_hash: felt252) -> bool;
}
