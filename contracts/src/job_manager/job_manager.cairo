#[starknet::contract]
mod JobManager {
    use array::ArrayTrait;
    use box::BoxTrait;
    use poseidon::poseidon_hash_span;
    use starknet::{
        ClassHash, ContractAddress, get_block_info, get_block_timestamp, get_caller_address
    };
    use traits::Into;
    use zeroable::Zeroable;

    use super::super::super::access::governed::Governed;
    use super::super::super::access::interface::{IGoverned, IPausable};
    use super::super::super::access::pausable::Pausable;
    use super::super::super::burn_manager::interface::{
        IBurnManagerDispatcher, IBurnManagerDispatcherTrait
    };
    use super::super::super::cdc_pool::interface::{
        ICDCPoolDispatcher, ICDCPoolDispatcherTrait, ICDCPoolJobsDispatcher,
        ICDCPoolJobsDispatcherTrait, ICDCPoolDelegationDispatcher, ICDCPoolDelegationDispatcherTrait,
        JobOutcome, SlashReason, TIER_INSTITUTIONAL, WorkerRequirements, REPUTATION_INITIAL
    };
    use super::super::errors;
    use super::super::interface::{
        Framework, IJobManager, IJobManagerAdmin, IJobManagerKeeper, IJobManagerWorker, Job,
        JobPriority, JobSpec, JobState, JobType, Model, ModelKind, ModelLayout
    };
    use super::super::super::proof_verifier::air::model_commitment;
    use super::super::super::proof_verifier::interface::{
        IProofVerifierDispatcher, IProofVerifierDispatcherTrait, InferenceStatement
    };
    use super::super::super::token::interface::{
        ICiroTokenDispatcher, ICiroTokenDispatcherTrait, IERC20Dispatcher, IERC20DispatcherTrait
    };
    use super::super::super::utils;

    const MAX_PLATFORM_FEE_BPS: u16 = 2000;
    /// The latest effective deadline: u64's largest value.
    const MAX_DEADLINE: u64 = 0xffffffffffffffff;
    /// Reputation above the initial 500 earns the worker up to this share (at 1000) of the
    /// treasury's part of the fee: (reputation - 500) / 5000, i.e. 10% at most.
    const BONUS_DIVISOR: u128 = 5000;
    /// The evidence hash of a timeout slash is poseidon(job_id, TIMEOUT_EVIDENCE).
    const TIMEOUT_EVIDENCE: felt252 = 'JM: job timed out';
    /// Default least time between assignment and deadline: 5 minutes.
    const DEFAULT_MIN_COMPLETION_WINDOW: u64 = 300;
    /// Bounds of the completion window governance may set: 10 s to 7 days.
    const MIN_COMPLETION_WINDOW_FLOOR: u64 = 10;
    const MIN_COMPLETION_WINDOW_CEILING: u64 = 604800;
    /// Default least payment that earns reputation: 10 CIRO.
    const DEFAULT_MIN_REPUTATION_PAYMENT: u128 = 10000000000000000000;

    #[storage]
    struct Storage {
        token: ContractAddress,
        cdc_pool: ContractAddress,
        proof_verifier: ContractAddress,
        treasury: ContractAddress,
        platform_fee_bps: u16,
        burn_share_bps: u16,
        jobs: LegacyMap<u64, Job>,
        job_count: u64,
        models: LegacyMap<u64, Model>,
        model_count: u64,
        escrowed_total: u256,
        /// Receives and burns the burn share when set; zero: JobManager burns it itself.
        burn_manager: ContractAddress,
        /// The only caller of `assign_job`.
        assigner: ContractAddress,
        min_completion_window: u64,
        min_reputation_payment: u256,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        ModelRegistered: ModelRegistered,
        JobSubmitted: JobSubmitted,
        JobCancelled: JobCancelled,
        JobAssigned: JobAssigned,
        JobCompleted: JobCompleted,
        JobAbandoned: JobAbandoned,
        JobRequeued: JobRequeued,
        JobTimedOut: JobTimedOut,
        PaymentReleased: PaymentReleased,
        PlatformFeeChanged: PlatformFeeChanged,
        BurnShareChanged: BurnShareChanged,
        TreasuryChanged: TreasuryChanged,
        ProofVerifierChanged: ProofVerifierChanged,
        BurnManagerChanged: BurnManagerChanged,
        AssignerChanged: AssignerChanged,
        MinCompletionWindowChanged: MinCompletionWindowChanged,
        MinReputationPaymentChanged: MinReputationPaymentChanged,
    }

    #[derive(Drop, starknet::Event)]
    struct ModelRegistered {
        #[key]
        model_id: u64,
        #[key]
        owner: ContractAddress,
        commitment: felt252,
        framework: Framework,
        kind: ModelKind,
        labels: felt252,
    }

    #[derive(Drop, starknet::Event)]
    struct JobSubmitted {
        #[key]
        job_id: u64,
        #[key]
        client: ContractAddress,
        job_type: JobType,
        priority: JobPriority,
        model_id: u64,
        input_commitment: felt252,
        payment: u256,
        deadline: u64,
    }

    #[derive(Drop, starknet::Event)]
    struct JobCancelled {
        #[key]
        job_id: u64,
        refund: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct JobAssigned {
        #[key]
        job_id: u64,
        #[key]
        worker: ContractAddress,
        deadline: u64,
    }

    #[derive(Drop, starknet::Event)]
    struct JobCompleted {
        #[key]
        job_id: u64,
        #[key]
        worker: ContractAddress,
        output_commitment: felt252,
    }

    #[derive(Drop, starknet::Event)]
    struct JobAbandoned {
        #[key]
        job_id: u64,
        #[key]
        worker: ContractAddress,
        refund: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct JobRequeued {
        #[key]
        job_id: u64,
        #[key]
        previous_worker: ContractAddress,
        slashed: u256,
        deadline: u64,
    }

    #[derive(Drop, starknet::Event)]
    struct JobTimedOut {
        #[key]
        job_id: u64,
        #[key]
        worker: ContractAddress,
        slashed: u256,
        refund: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct PaymentReleased {
        #[key]
        job_id: u64,
        #[key]
        worker: ContractAddress,
        worker_amount: u256,
        bonus: u256,
        treasury_amount: u256,
        burned: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct PlatformFeeChanged {
        fee_bps: u16,
    }

    #[derive(Drop, starknet::Event)]
    struct BurnShareChanged {
        burn_share_bps: u16,
    }

    #[derive(Drop, starknet::Event)]
    struct TreasuryChanged {
        treasury: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    struct ProofVerifierChanged {
        verifier: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    struct BurnManagerChanged {
        #[key]
        burn_manager: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    struct AssignerChanged {
        #[key]
        assigner: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    struct MinCompletionWindowChanged {
        seconds: u64,
    }

    #[derive(Drop, starknet::Event)]
    struct MinReputationPaymentChanged {
        amount: u256,
    }

    /// Requirements: no zero address; fee ≤ 2,000 bps; burn share ≤ 10,000 bps.
    #[constructor]
    fn constructor(
        ref self: ContractState,
        governance: ContractAddress,
        token: ContractAddress,
        cdc_pool: ContractAddress,
        proof_verifier: ContractAddress,
        treasury: ContractAddress,
        platform_fee_bps: u16,
        burn_share_bps: u16
    ) {
        let mut governed = Governed::unsafe_new_contract_state();
        Governed::InternalImpl::initialize(ref governed, governance);
        assert(!token.is_zero() && !cdc_pool.is_zero(), errors::ADDRESS_IS_ZERO);
        self.token.write(token);
        self.cdc_pool.write(cdc_pool);
        self._set_proof_verifier(proof_verifier);
        self._set_treasury(treasury);
        self._set_platform_fee_bps(platform_fee_bps);
        self._set_burn_share_bps(burn_share_bps);
        self._set_min_completion_window(DEFAULT_MIN_COMPLETION_WINDOW);
        self._set_min_reputation_payment(u256 { low: DEFAULT_MIN_REPUTATION_PAYMENT, high: 0 });
    }

    #[external(v0)]
    impl JobManagerImpl of IJobManager<ContractState> {
        /// Registers a model owned by the caller from its layout: its commitment is computed from
        /// the layout as ProofVerifier computes it (`air::model_commitment`), and its kind (MLP,
        /// CNN) recorded, which decides the job types it takes. With the commitment of its class
        /// labels (0 for a model without labels; any other value is recorded as given).
        ///
        /// Requirements: not paused; the layout's `preprocessed_root` is not zero.
        ///
        /// Emits `ModelRegistered`.
        fn register_model(
            ref self: ContractState, layout: ModelLayout, framework: Framework, labels: felt252
        ) -> u64 {
            self.assert_not_paused();
            assert(layout.preprocessed_root != 0, errors::COMMITMENT_IS_ZERO);
            let kind_index: u32 = if layout.kind == ModelKind::CNN {
                1
            } else {
                0
            };
            let commitment = model_commitment(
                layout.log_trace_rows,
                layout.scale_bits,
                layout.output_scale_bits,
                layout.n_inputs,
                layout.n_outputs,
                layout.input_reads,
                layout.total_neurons,
                kind_index,
                layout.preprocessed_root
            );
            let model_id = self.model_count.read() + 1;
            let owner = get_caller_address();
            let kind = layout.kind;
            self.models.write(model_id, Model { owner, commitment, framework, kind, labels });
            self.model_count.write(model_id);
            self.emit(ModelRegistered { model_id, owner, commitment, framework, kind, labels });
            model_id
        }

        /// Creates a Pending job and pulls `payment` from the caller into escrow.
        ///
        /// Requirements: not paused; a job type its model's proof covers (`ComputerVision`: a CNN;
        /// `AIInference`, `TimeSeriesAnalysis`, `AudioProcessing`, `SpecializedAI`: any model); a
        /// registered model; a non-zero input commitment; a future deadline at least the minimum
        /// completion window away; `payment` > 0 and approved; a tier ≤ 8.
        ///
        /// Emits `JobSubmitted`.
        fn submit_ai_job(ref self: ContractState, spec: JobSpec, payment: u256) -> u64 {
            self.assert_not_paused();
            self._assert_model_exists(spec.model_id);
            // What the inference proof covers: any model for these types, a CNN for vision.
            if spec.job_type == JobType::ComputerVision {
                let model = self.models.read(spec.model_id);
                assert(model.kind == ModelKind::CNN, errors::JOB_TYPE_NEEDS_CNN);
            } else {
                let covered = spec.job_type == JobType::AIInference
                    || spec.job_type == JobType::TimeSeriesAnalysis
                    || spec.job_type == JobType::AudioProcessing
                    || spec.job_type == JobType::SpecializedAI;
                assert(covered, errors::UNSUPPORTED_JOB_TYPE);
            }
            assert(spec.input_commitment != 0, errors::COMMITMENT_IS_ZERO);
            let now = get_block_timestamp();
            assert(spec.deadline > now, errors::DEADLINE_PASSED);
            assert(
                spec.deadline - now >= self.min_completion_window.read(), errors::DEADLINE_TOO_SOON
            );
            assert(spec.min_tier <= TIER_INSTITUTIONAL, errors::INVALID_TIER);
            assert(payment != 0, errors::PAYMENT_IS_ZERO);

            let client = get_caller_address();
            let job_id = self.job_count.read() + 1;
            self
                .jobs
                .write(
                    job_id,
                    Job {
                        client,
                        job_type: spec.job_type,
                        priority: spec.priority,
                        required_capabilities: spec.required_capabilities,
                        min_gpu_memory_gb: spec.min_gpu_memory_gb,
                        min_tier: spec.min_tier,
                        model_id: spec.model_id,
                        input_commitment: spec.input_commitment,
                        deadline: spec.deadline,
                        payment,
                        state: JobState::Pending,
                        worker: Zeroable::zero(),
                        assigned_at: 0,
                        reassignments: 0,
                        paused_seconds_at_assignment: 0,
                        output_commitment: 0,
                        completed_at: 0,
                        settled: false,
                    }
                );
            self.job_count.write(job_id);
            self.escrowed_total.write(self.escrowed_total.read() + payment);
            self
                .emit(
                    JobSubmitted {
                        job_id,
                        client,
                        job_type: spec.job_type,
                        priority: spec.priority,
                        model_id: spec.model_id,
                        input_commitment: spec.input_commitment,
                        payment,
                        deadline: spec.deadline,
                    }
                );
            utils::pull_or_revert(self.token.read(), client, payment, errors::TRANSFER_FAILED);
            job_id
        }

        /// Cancels a Pending job and refunds its payment.
        ///
        /// Requirements: the caller is the job's client; the job is Pending.
        ///
        /// Emits `JobCancelled`.
        fn cancel_job(ref self: ContractState, job_id: u64) {
            let mut job = self._job(job_id);
            assert(get_caller_address() == job.client, errors::CALLER_NOT_CLIENT);
            assert(job.state == JobState::Pending, errors::JOB_NOT_PENDING);
            job.state = JobState::Cancelled;
            self._settle_with_refund(job_id, job);
            self.emit(JobCancelled { job_id, refund: job.payment });
        }

        fn get_job(self: @ContractState, job_id: u64) -> Job {
            self._job(job_id)
        }

        fn get_model(self: @ContractState, model_id: u64) -> Model {
            self._assert_model_exists(model_id);
            self.models.read(model_id)
        }

        fn job_count(self: @ContractState) -> u64 {
            self.job_count.read()
        }

        fn model_count(self: @ContractState) -> u64 {
            self.model_count.read()
        }

        fn escrowed_total(self: @ContractState) -> u256 {
            self.escrowed_total.read()
        }

        fn effective_deadline(self: @ContractState, job_id: u64) -> u64 {
            self._effective_deadline(self._job(job_id))
        }
    }

    #[external(v0)]
    impl JobManagerWorkerImpl of IJobManagerWorker<ContractState> {
        /// Completes the caller's Assigned job once ProofVerifier accepts `proof` for the statement
        /// (model commitment, input commitment, `output_commitment`, job id).
        ///
        /// Requirements: not paused; the job is Assigned to the caller; its effective deadline has not
        /// passed; the output commitment is not zero; the proof verifies.
        ///
        /// The worker's reputation rises only for work that cost someone else: a payment of at
        /// least `min_reputation_payment` from a client that is neither the worker nor one of its
        /// delegators (CDC_Pool also caps reputation gains per day).
        ///
        /// Emits `JobCompleted`.
        fn complete_job(
            ref self: ContractState, job_id: u64, output_commitment: felt252, proof: Array<felt252>
        ) {
            self.assert_not_paused();
            let mut job = self._job(job_id);
            assert(job.state == JobState::Assigned, errors::JOB_NOT_ASSIGNED);
            assert(get_caller_address() == job.worker, errors::CALLER_NOT_WORKER);
            assert(get_block_timestamp() <= self._effective_deadline(job), errors::DEADLINE_PASSED);
            assert(output_commitment != 0, errors::COMMITMENT_IS_ZERO);

            job.state = JobState::Completed;
            job.output_commitment = output_commitment;
            job.completed_at = get_block_timestamp();
            self.jobs.write(job_id, job);
            self.emit(JobCompleted { job_id, worker: job.worker, output_commitment });

            let statement = InferenceStatement {
                model_commitment: self.models.read(job.model_id).commitment,
                input_commitment: job.input_commitment,
                output_commitment,
                job_id,
            };
            let verified = IProofVerifierDispatcher { contract_address: self.proof_verifier.read() }
                .verify_inference(statement, proof.span());
            assert(verified, errors::INVALID_PROOF);
            // Read back rather than keep `job` alive across the external call: Cairo 2.1 does not
            // spill such values to locals in a way the network's Sierra→CASM compiler accepts.
            let job = self.jobs.read(job_id);
            let outcome = if self._earns_reputation(job) {
                JobOutcome::Completed
            } else {
                JobOutcome::CompletedUnrated
            };
            self._pool_jobs().release_worker(job.worker, outcome);
        }

        /// Gives up the caller's Assigned job; the client is refunded and the worker loses a little
        /// reputation (CDC_Pool's abandon penalty), so taking jobs only to drop them costs.
        ///
        /// Requirements: the job is Assigned to the caller; its effective deadline has not passed.
        ///
        /// Emits `JobAbandoned`.
        fn abandon_job(ref self: ContractState, job_id: u64) {
            let mut job = self._job(job_id);
            assert(job.state == JobState::Assigned, errors::JOB_NOT_ASSIGNED);
            assert(get_caller_address() == job.worker, errors::CALLER_NOT_WORKER);
            assert(get_block_timestamp() <= self._effective_deadline(job), errors::DEADLINE_PASSED);
            job.state = JobState::Failed;
            self._settle_with_refund(job_id, job);
            self.emit(JobAbandoned { job_id, worker: job.worker, refund: job.payment });
            self._pool_jobs().release_worker(job.worker, JobOutcome::Abandoned);
        }
    }

    #[external(v0)]
    impl JobManagerKeeperImpl of IJobManagerKeeper<ContractState> {
        /// Assigns a Pending job to the worker CDC_Pool selects.
        ///
        /// Requirements: not paused; the caller is the assigner; the job is Pending; its deadline
        /// has not passed and is at least `min_completion_window` away; an eligible worker exists.
        ///
        /// Emits `JobAssigned`.
        fn assign_job(ref self: ContractState, job_id: u64) -> ContractAddress {
            self.assert_not_paused();
            let assigner = self.assigner.read();
            assert(
                !assigner.is_zero() && get_caller_address() == assigner, errors::CALLER_NOT_ASSIGNER
            );
            let mut job = self._job(job_id);
            assert(job.state == JobState::Pending, errors::JOB_NOT_PENDING);
            let now = get_block_timestamp();
            assert(now <= job.deadline, errors::DEADLINE_PASSED);
            assert(
                job.deadline - now >= self.min_completion_window.read(), errors::WINDOW_TOO_SHORT
            );
            let requirements = WorkerRequirements {
                required_capabilities: job.required_capabilities,
                min_gpu_memory_gb: job.min_gpu_memory_gb,
                min_tier: job.min_tier,
            };
            let mut seed_input = ArrayTrait::new();
            seed_input.append(job_id.into());
            seed_input.append(now.into());
            seed_input.append(get_block_info().unbox().block_number.into());
            job.state = JobState::Assigned;
            job.assigned_at = now;
            job.paused_seconds_at_assignment = self._paused_seconds();
            self.jobs.write(job_id, job);

            let worker = self._pool_jobs().select_worker(requirements, poseidon_hash_span(seed_input.span()));
            job.worker = worker;
            self.jobs.write(job_id, job);
            self.emit(JobAssigned { job_id, worker, deadline: job.deadline });
            worker
        }

        /// Times out a job whose deadline has passed (see the interface for the two outcomes).
        ///
        /// Requirements: the job is Pending or Assigned; its deadline has passed.
        ///
        /// Emits `JobRequeued` or `JobTimedOut`.
        fn timeout_job(ref self: ContractState, job_id: u64) {
            let mut job = self._job(job_id);
            let now = get_block_timestamp();
            assert(
                job.state == JobState::Pending || job.state == JobState::Assigned,
                errors::JOB_NOT_ACTIVE
            );
            assert(now > self._effective_deadline(job), errors::DEADLINE_NOT_PASSED);

            if job.state == JobState::Pending {
                job.state = JobState::TimedOut;
                self._settle_with_refund(job_id, job);
                self.emit(JobTimedOut { job_id, worker: Zeroable::zero(), slashed: 0, refund: job.payment });
                return;
            }

            let worker = job.worker;
            // The window the worker had; at least the minimum at its assignment. A re-queued job
            // is assigned again only while it still leaves the minimum window.
            let window = job.deadline - job.assigned_at;
            let requeue = job.reassignments == 0;
            if requeue {
                job.state = JobState::Pending;
                job.worker = Zeroable::zero();
                job.reassignments = 1;
                job.deadline = now + window;
                self.jobs.write(job_id, job);
            } else {
                job.state = JobState::TimedOut;
                self._settle_with_refund(job_id, job);
            }

            let mut evidence = ArrayTrait::new();
            evidence.append(job_id.into());
            evidence.append(TIMEOUT_EVIDENCE);
            let pool = self._pool_jobs();
            pool.release_worker(worker, JobOutcome::TimedOut);
            let slashed = pool
                .slash(worker, SlashReason::Unavailability, poseidon_hash_span(evidence.span()));
            if requeue {
                self.emit(JobRequeued { job_id, previous_worker: worker, slashed, deadline: job.deadline });
            } else {
                self.emit(JobTimedOut { job_id, worker, slashed, refund: job.payment });
            }
        }

        /// Pays out a Completed job: the platform fee (rounded up) is split into a burned share
        /// and the treasury's part, minus the worker's reputation bonus; the worker's amount is
        /// transferred to CDC_Pool and credited to the worker there.
        ///
        /// Requirements: not paused; the job is Completed and not yet paid.
        ///
        /// Emits `PaymentReleased`.
        fn release_payment(ref self: ContractState, job_id: u64) {
            self.assert_not_paused();
            let mut job = self._job(job_id);
            assert(job.state == JobState::Completed, errors::JOB_NOT_COMPLETED);
            assert(!job.settled, errors::PAYMENT_ALREADY_RELEASED);
            job.settled = true;
            self.jobs.write(job_id, job);
            self.escrowed_total.write(self.escrowed_total.read() - job.payment);

            let pool_address = self.cdc_pool.read();
            let reputation = ICDCPoolDispatcher { contract_address: pool_address }
                .get_worker(job.worker)
                .reputation;
            let burn_manager = self.burn_manager.read();
            let burn_share_bps = if burn_manager.is_zero() {
                self.burn_share_bps.read()
            } else {
                IBurnManagerDispatcher { contract_address: burn_manager }.current_burn_share_bps()
            };
            let (worker_amount, bonus, treasury_amount, burned) = self
                ._split_payment(job.payment, reputation, burn_share_bps);

            let token_address = self.token.read();
            let token = IERC20Dispatcher { contract_address: token_address };
            if burned != 0 {
                self._burn(burned);
            }
            if treasury_amount != 0 {
                assert(token.transfer(self.treasury.read(), treasury_amount), errors::TRANSFER_FAILED);
            }
            // A payment so small that the fee takes all of it leaves the worker nothing to credit.
            if worker_amount != 0 {
                assert(token.transfer(pool_address, worker_amount), errors::TRANSFER_FAILED);
                self._pool_jobs().credit_reward(job.worker, worker_amount);
            }
            // The fee is the protocol's revenue: it moves BurnManager's schedule for later jobs.
            let fee = burned + treasury_amount + bonus;
            let burn_manager = self.burn_manager.read();
            if !burn_manager.is_zero() && fee != 0 {
                IBurnManagerDispatcher { contract_address: burn_manager }.record_revenue(fee);
            }
            self
                .emit(
                    PaymentReleased {
                        job_id, worker: job.worker, worker_amount, bonus, treasury_amount, burned
                    }
                );
        }
    }

    #[external(v0)]
    impl JobManagerAdminImpl of IJobManagerAdmin<ContractState> {
        /// Emits `PlatformFeeChanged`. Governance only; ≤ 2,000 bps.
        fn set_platform_fee_bps(ref self: ContractState, fee_bps: u16) {
            self.assert_only_governance();
            self._set_platform_fee_bps(fee_bps);
        }

        /// Emits `BurnShareChanged`. Governance only; ≤ 10,000 bps.
        fn set_burn_share_bps(ref self: ContractState, burn_share_bps: u16) {
            self.assert_only_governance();
            self._set_burn_share_bps(burn_share_bps);
        }

        /// Emits `TreasuryChanged`. Governance only; not zero.
        fn set_treasury(ref self: ContractState, treasury: ContractAddress) {
            self.assert_only_governance();
            self._set_treasury(treasury);
        }

        /// Emits `ProofVerifierChanged`. Governance only; not zero.
        /// Sends the burn share to `burn_manager`, which burns it and sets the share from its
        /// schedule; zero goes back to burning `burn_share_bps` here. JobManager must be the
        /// BurnManager's revenue reporter.
        ///
        /// Emits `BurnManagerChanged`. Governance only.
        fn set_burn_manager(ref self: ContractState, burn_manager: ContractAddress) {
            self.assert_only_governance();
            self.burn_manager.write(burn_manager);
            self.emit(BurnManagerChanged { burn_manager });
        }

        fn burn_manager(self: @ContractState) -> ContractAddress {
            self.burn_manager.read()
        }

        fn set_proof_verifier(ref self: ContractState, verifier: ContractAddress) {
            self.assert_only_governance();
            self._set_proof_verifier(verifier);
        }

        fn addresses(
            self: @ContractState
        ) -> (ContractAddress, ContractAddress, ContractAddress, ContractAddress) {
            (self.token.read(), self.cdc_pool.read(), self.proof_verifier.read(), self.treasury.read())
        }

        fn fee_parameters(self: @ContractState) -> (u16, u16) {
            (self.platform_fee_bps.read(), self.burn_share_bps.read())
        }

        /// Emits `AssignerChanged`. Governance only; zero stops all assignment.
        fn set_assigner(ref self: ContractState, assigner: ContractAddress) {
            self.assert_only_governance();
            self.assigner.write(assigner);
            self.emit(AssignerChanged { assigner });
        }

        fn assigner(self: @ContractState) -> ContractAddress {
            self.assigner.read()
        }

        /// Emits `MinCompletionWindowChanged`. Governance only; 10 s to 7 days.
        fn set_min_completion_window(ref self: ContractState, seconds: u64) {
            self.assert_only_governance();
            self._set_min_completion_window(seconds);
        }

        fn min_completion_window(self: @ContractState) -> u64 {
            self.min_completion_window.read()
        }

        /// Emits `MinReputationPaymentChanged`. Governance only.
        fn set_min_reputation_payment(ref self: ContractState, amount: u256) {
            self.assert_only_governance();
            self._set_min_reputation_payment(amount);
        }

        fn min_reputation_payment(self: @ContractState) -> u256 {
            self.min_reputation_payment.read()
        }
    }

    #[external(v0)]
    impl GovernedImpl of IGoverned<ContractState> {
        fn governance(self: @ContractState) -> ContractAddress {
            let governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::governance(@governed)
        }

        fn pending_governance(self: @ContractState) -> ContractAddress {
            let governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::pending_governance(@governed)
        }

        fn transfer_governance(ref self: ContractState, new_governance: ContractAddress) {
            let mut governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::transfer_governance(ref governed, new_governance);
        }

        fn accept_governance(ref self: ContractState) {
            let mut governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::accept_governance(ref governed);
        }

        fn upgrade(ref self: ContractState, new_class_hash: ClassHash) {
            let mut governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::upgrade(ref governed, new_class_hash);
        }
    }

    /// Paused: no model registration, submission, assignment, completion or payment. Refunds
    /// (`cancel_job`, `abandon_job`, `timeout_job`) stay open, so clients can always get out.
    #[external(v0)]
    impl PausableImpl of IPausable<ContractState> {
        fn is_paused(self: @ContractState) -> bool {
            let pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::is_paused(@pausable)
        }

        fn paused_until(self: @ContractState) -> u64 {
            let pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::paused_until(@pausable)
        }

        fn paused_seconds(self: @ContractState) -> u64 {
            let pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::paused_seconds(@pausable)
        }

        fn emergency_council(self: @ContractState) -> ContractAddress {
            let pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::emergency_council(@pausable)
        }

        fn pause(ref self: ContractState) {
            let mut pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::pause(ref pausable);
        }

        fn extend_pause(ref self: ContractState, until: u64) {
            let mut pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::extend_pause(ref pausable, until);
        }

        fn unpause(ref self: ContractState) {
            let mut pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::unpause(ref pausable);
        }

        fn set_emergency_council(ref self: ContractState, council: ContractAddress) {
            let mut pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::set_emergency_council(ref pausable, council);
        }
    }

    #[generate_trait]
    impl InternalImpl of InternalTrait {
        fn assert_only_governance(self: @ContractState) {
            let governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::assert_only_governance(@governed);
        }

        fn _job(self: @ContractState, job_id: u64) -> Job {
            assert(job_id != 0 && job_id <= self.job_count.read(), errors::JOB_NOT_FOUND);
            self.jobs.read(job_id)
        }

        fn _assert_model_exists(self: @ContractState, model_id: u64) {
            assert(model_id != 0 && model_id <= self.model_count.read(), errors::MODEL_NOT_FOUND);
        }

        fn _paused_seconds(self: @ContractState) -> u64 {
            let pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::paused_seconds(@pausable)
        }

        /// An Assigned job's deadline moved by the seconds JobManager was paused since its
        /// assignment: a worker cannot complete while paused, so the time does not count against
        /// it. Other jobs: their deadline.
        fn _effective_deadline(self: @ContractState, job: Job) -> u64 {
            if job.state != JobState::Assigned {
                return job.deadline;
            }
            let paused = self._paused_seconds() - job.paused_seconds_at_assignment;
            // A deadline near the end of time saturates instead of overflowing: an overflow here
            // would make the job impossible to complete, abandon or time out after any pause,
            // trapping the escrow and the worker's stake.
            if job.deadline > MAX_DEADLINE - paused {
                MAX_DEADLINE
            } else {
                job.deadline + paused
            }
        }

        /// Whether completing `job` raises its worker's reputation: the payment is at least the
        /// minimum and the client is neither the worker nor one of its delegators.
        fn _earns_reputation(self: @ContractState, job: Job) -> bool {
            if job.payment < self.min_reputation_payment.read() || job.client == job.worker {
                return false;
            }
            let delegation = ICDCPoolDelegationDispatcher { contract_address: self.cdc_pool.read() }
                .get_delegation(job.client, job.worker);
            delegation.shares == 0
                && delegation.pending_amount == 0
                && delegation.activating_amount == 0
        }

        fn _pool_jobs(self: @ContractState) -> ICDCPoolJobsDispatcher {
            ICDCPoolJobsDispatcher { contract_address: self.cdc_pool.read() }
        }

        /// Writes `job` as settled, releases its escrow and refunds the client.
        fn _settle_with_refund(ref self: ContractState, job_id: u64, mut job: Job) {
            job.settled = true;
            self.jobs.write(job_id, job);
            self.escrowed_total.write(self.escrowed_total.read() - job.payment);
            let refunded = IERC20Dispatcher { contract_address: self.token.read() }
                .transfer(job.client, job.payment);
            assert(refunded, errors::TRANSFER_FAILED);
        }

        /// `(worker_amount, bonus, treasury_amount, burned)`, summing to `payment`:
        /// fee = ceil(payment · fee_bps / 10^4); burned = floor(fee · burn_share_bps / 10^4), the
        /// share being BurnManager's current one when it is set;
        /// bonus = floor((fee − burned) · (reputation − 500) / 5000) above reputation 500;
        /// treasury = fee − burned − bonus; worker = payment − fee + bonus.
        fn _split_payment(
            self: @ContractState, payment: u256, reputation: u16, burn_share_bps: u16
        ) -> (u256, u256, u256, u256) {
            let fee_bps = u256 { low: self.platform_fee_bps.read().into(), high: 0 };
            let fee = utils::bps_of_rounded_up(payment, fee_bps);
            let burned = utils::bps_of(fee, u256 { low: burn_share_bps.into(), high: 0 });
            let treasury_part = fee - burned;
            let bonus = if reputation > REPUTATION_INITIAL {
                let above: u16 = reputation - REPUTATION_INITIAL;
                treasury_part * u256 { low: above.into(), high: 0 } / u256 { low: BONUS_DIVISOR, high: 0 }
            } else {
                0
            };
            (payment - fee + bonus, bonus, treasury_part - bonus, burned)
        }

        /// Burns `amount` of JobManager's CIRO: through BurnManager when set (transferred, then
        /// burned there, which records it), else directly.
        fn _burn(ref self: ContractState, amount: u256) {
            let token_address = self.token.read();
            let burn_manager = self.burn_manager.read();
            if burn_manager.is_zero() {
                ICiroTokenDispatcher { contract_address: token_address }.burn(amount);
            } else {
                let sent = IERC20Dispatcher { contract_address: token_address }.transfer(burn_manager, amount);
                assert(sent, errors::TRANSFER_FAILED);
                IBurnManagerDispatcher { contract_address: self.burn_manager.read() }.burn_received();
            }
        }

        fn assert_not_paused(self: @ContractState) {
            let pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::assert_not_paused(@pausable);
        }

        fn _set_platform_fee_bps(ref self: ContractState, fee_bps: u16) {
            assert(fee_bps <= MAX_PLATFORM_FEE_BPS, errors::FEE_TOO_HIGH);
            self.platform_fee_bps.write(fee_bps);
            self.emit(PlatformFeeChanged { fee_bps });
        }

        fn _set_burn_share_bps(ref self: ContractState, burn_share_bps: u16) {
            assert(burn_share_bps.into() <= utils::BPS, errors::BURN_SHARE_TOO_HIGH);
            self.burn_share_bps.write(burn_share_bps);
            self.emit(BurnShareChanged { burn_share_bps });
        }

        fn _set_min_completion_window(ref self: ContractState, seconds: u64) {
            assert(
                seconds >= MIN_COMPLETION_WINDOW_FLOOR && seconds <= MIN_COMPLETION_WINDOW_CEILING,
                errors::INVALID_WINDOW
            );
            self.min_completion_window.write(seconds);
            self.emit(MinCompletionWindowChanged { seconds });
        }

        fn _set_min_reputation_payment(ref self: ContractState, amount: u256) {
            self.min_reputation_payment.write(amount);
            self.emit(MinReputationPaymentChanged { amount });
        }

        fn _set_treasury(ref self: ContractState, treasury: ContractAddress) {
            assert(!treasury.is_zero(), errors::ADDRESS_IS_ZERO);
            self.treasury.write(treasury);
            self.emit(TreasuryChanged { treasury });
        }

        fn _set_proof_verifier(ref self: ContractState, verifier: ContractAddress) {
            assert(!verifier.is_zero(), errors::ADDRESS_IS_ZERO);
            self.proof_verifier.write(verifier);
            self.emit(ProofVerifierChanged { verifier });
        }
    }
}
