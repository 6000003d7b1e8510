use starknet::ContractAddress;

/// The 13 job types. Only types with a supported verification method are accepted: the STARK
/// of fixed-point inference covers `AIInference`, `TimeSeriesAnalysis`, `AudioProcessing` and
/// `SpecializedAI` on any registered model, and `ComputerVision` on a CNN.
#[derive(Copy, Drop, Serde, PartialEq, starknet::Store)]
enum JobType {
    AIInference,
    AITraining,
    ComputerVision,
    NLP,
    AudioProcessing,
    TimeSeriesAnalysis,
    MultimodalAI,
    ReinforcementLearning,
    SpecializedAI,
    ProofGeneration,
    ProofVerification,
    DataProcessing,
    Custom,
}

#[derive(Copy, Drop, Serde, PartialEq, starknet::Store)]
enum JobPriority {
    Standard,
    High,
    Critical,
    Emergency,
}

/// Pending → Assigned → Completed, or Cancelled (client, while Pending), Failed (the worker
/// abandoned it), TimedOut (deadline passed with no re-assignment left). An Assigned job that times
/// out the first time goes back to Pending. Every end state other than Completed refunds the client
/// in full.
#[derive(Copy, Drop, Serde, PartialEq, starknet::Store)]
enum JobState {
    Pending,
    Assigned,
    Completed,
    Failed,
    TimedOut,
    Cancelled,
}

#[derive(Copy, Drop, Serde, PartialEq, starknet::Store)]
enum Framework {
    TensorFlow,
    PyTorch,
    ONNX,
    Custom,
}

/// The kind of network a model is, from its layout (part of its commitment): a CNN has
/// convolutions or pooling, an MLP dense layers only.
#[derive(Copy, Drop, Serde, PartialEq, starknet::Store)]
enum ModelKind {
    MLP,
    CNN,
}

/// A model's public shape as the prover commits to it (prover/PROOF_FORMAT.md §4.3, §9): the
/// model's commitment is computed from it.
#[derive(Copy, Drop, Serde)]
struct ModelLayout {
    log_trace_rows: u32,
    scale_bits: u32,
    output_scale_bits: u32,
    n_inputs: u32,
    n_outputs: u32,
    input_reads: u32,
    total_neurons: u32,
    kind: ModelKind,
    preprocessed_root: felt252,
}

/// What a client asks for.
#[derive(Copy, Drop, Serde)]
struct JobSpec {
    job_type: JobType,
    priority: JobPriority,
    /// Bitmask of `cdc_pool::interface::CAP_*` flags the worker must have.
    required_capabilities: u8,
    min_gpu_memory_gb: u32,
    /// Minimum staking tier (`cdc_pool::interface::TIER_*`).
    min_tier: u8,
    model_id: u64,
    /// Commitment to the input the worker fetches off-chain.
    input_commitment: felt252,
    /// Block timestamp by which the job must be completed.
    deadline: u64,
}

#[derive(Copy, Drop, Serde, starknet::Store)]
struct Job {
    client: ContractAddress,
    job_type: JobType,
    priority: JobPriority,
    required_capabilities: u8,
    min_gpu_memory_gb: u32,
    min_tier: u8,
    model_id: u64,
    input_commitment: felt252,
    deadline: u64,
    /// CIRO held in escrow for this job.
    payment: u256,
    state: JobState,
    worker: ContractAddress,
    assigned_at: u64,
    /// Times the job was re-assigned after a timeout (at most once).
    reassignments: u8,
    /// JobManager's pause clock (`paused_seconds`) at assignment: the worker's deadline moves
    /// by every second JobManager was paused since then.
    paused_seconds_at_assignment: u64,
    output_commitment: felt252,
    completed_at: u64,
    /// Whether the escrow was paid out (to the worker, or refunded).
    settled: bool,
}

#[derive(Copy, Drop, Serde, starknet::Store)]
struct Model {
    owner: ContractAddress,
    /// The model's commitment as the prover computes it: a Poseidon hash of the AIR tag, the
    /// model's layout and the Merkle root of its quantized weights (`air::model_commitment`).
    commitment: felt252,
    framework: Framework,
    /// MLP or CNN, from the layout the model was registered with.
    kind: ModelKind,
    /// The commitment of the model's class labels (a Poseidon hash of their text, as
    /// `ciro_client::labels` computes it), or 0 for a model without labels. The labels themselves
    /// are stored off-chain, under this name, in the coordinator.
    labels: felt252,
}

/// Entry points for clients and model owners.
#[starknet::interface]
trait IJobManager<TContractState> {
    /// Registers a model from its layout (its commitment is computed from it), with the
    /// commitment of its class labels (0: none); returns its id (from 1).
    fn register_model(
        ref self: TContractState, layout: ModelLayout, framework: Framework, labels: felt252
    ) -> u64;
    /// Creates a job and pulls `payment` CIRO from the caller into escrow; returns its id (from 1).
    fn submit_ai_job(ref self: TContractState, spec: JobSpec, payment: u256) -> u64;
    /// Cancels a Pending job of the caller's and refunds it in full.
    fn cancel_job(ref self: TContractState, job_id: u64);
    fn get_job(self: @TContractState, job_id: u64) -> Job;
    fn get_model(self: @TContractState, model_id: u64) -> Model;
    fn job_count(self: @TContractState) -> u64;
    fn model_count(self: @TContractState) -> u64;
    /// CIRO held for jobs not yet settled.
    fn escrowed_total(self: @TContractState) -> u256;
    /// The deadline the job is held to now: for an Assigned job, its deadline moved by the time
    /// JobManager was paused since the assignment (completion is impossible while paused).
    fn effective_deadline(self: @TContractState, job_id: u64) -> u64;
}

/// Entry points for the assigned worker.
#[starknet::interface]
trait IJobManagerWorker<TContractState> {
    /// Completes an Assigned job with its output commitment and a proof that ProofVerifier
    /// accepts; the job becomes Completed and its payment releasable.
    fn complete_job(
        ref self: TContractState, job_id: u64, output_commitment: felt252, proof: Array<felt252>
    );
    /// Gives up an Assigned job before its deadline: the client is refunded in full and the job is
    /// Failed. No stake is slashed, so giving up early is cheaper than timing out.
    fn abandon_job(ref self: TContractState, job_id: u64);
}

/// Entry points anyone (in practice the keeper) may call; each checks the job's state.
#[starknet::interface]
trait IJobManagerKeeper<TContractState> {
    /// Assigns a Pending job to a worker selected by CDC_Pool; returns the worker. The assigner
    /// only (the keeper governance appoints), and only while the job's deadline leaves the worker
    /// at least the minimum completion window.
    fn assign_job(ref self: TContractState, job_id: u64) -> ContractAddress;
    /// After the (effective) deadline: Pending → TimedOut with a refund. Assigned → the worker is slashed for
    /// unavailability and freed; the first time, the job goes back to Pending with a fresh deadline
    /// (now + the window the worker had) for `assign_job` to re-assign; the second time it is
    /// TimedOut with a refund.
    fn timeout_job(ref self: TContractState, job_id: u64);
    /// Pays out a Completed job once: platform fee (burn share burned, the rest to the treasury)
    /// and the worker's share, with its reputation bonus, credited in CDC_Pool.
    fn release_payment(ref self: TContractState, job_id: u64);
}

/// Parameters and wiring, governance only.
#[starknet::interface]
trait IJobManagerAdmin<TContractState> {
    /// Platform fee in basis points (default 500, at most 2,000).
    fn set_platform_fee_bps(ref self: TContractState, fee_bps: u16);
    /// Share of the platform fee that is burned, in basis points (default 3,000).
    fn set_burn_share_bps(ref self: TContractState, burn_share_bps: u16);
    fn set_treasury(ref self: TContractState, treasury: ContractAddress);
    fn set_proof_verifier(ref self: TContractState, verifier: ContractAddress);
    /// Routes the burn share through BurnManager (its schedule sets the share); zero: burn here.
    fn set_burn_manager(ref self: TContractState, burn_manager: ContractAddress);
    fn burn_manager(self: @TContractState) -> ContractAddress;
    /// `(token, cdc_pool, proof_verifier, treasury)`.
    fn addresses(self: @TContractState) -> (ContractAddress, ContractAddress, ContractAddress, ContractAddress);
    /// `(platform_fee_bps, burn_share_bps)`.
    fn fee_parameters(self: @TContractState) -> (u16, u16);
    /// The only address that may call `assign_job` (zero: nobody yet).
    fn set_assigner(ref self: TContractState, assigner: ContractAddress);
    fn assigner(self: @TContractState) -> ContractAddress;
    /// The least time between assignment and deadline (default 300 s, 10 s to 7 days): a job is
    /// submitted with at least this much time left and assigned only while it has this much.
    fn set_min_completion_window(ref self: TContractState, seconds: u64);
    fn min_completion_window(self: @TContractState) -> u64;
    /// The least payment whose completion raises the worker's reputation (default 10 CIRO).
    fn set_min_reputation_payment(ref self: TContractState, amount: u256);
    fn min_reputation_payment(self: @TContractState) -> u256;
}
