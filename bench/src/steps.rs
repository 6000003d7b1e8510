//! Cairo steps of `verify_inference`, counted by running ProofVerifier's external entry point in
//! the Cairo VM (cairo-lang-runner 2.19.4 — the Sierra → CASM compiler devnet uses — with its
//! emulated Starknet syscalls for the fact's storage write and event).
//!
//! devnet 0.10.1 (RPC 0.9) reports gas, not steps; this is the measurement for the 10M-step
//! limit. It counts the entry point itself, not the account's `__validate__`/`__execute__`.

use std::path::Path;

use cairo_lang_runner::profiling::{ProfilingInfoProcessor, ProfilingInfoProcessorParams};
use cairo_lang_runner::{Arg, ProfilingInfoCollectionConfig, RunResultStarknet, SierraCasmRunner, StarknetState};
use cairo_lang_sierra::program::GenericArg;
use cairo_lang_sierra_to_casm::metadata::MetadataComputationConfig;
use cairo_lang_starknet_classes::contract_class::ContractClass;
use cairo_lang_utils::ordered_hash_map::OrderedHashMap;
use ciro_deploy::ContractArtifacts;
use starknet::core::types::Felt;

use crate::onchain::statement_of;
use crate::BenchError;

/// The entry point measured.
const ENTRY_POINT: &str = "ProofVerifier::__external::verify_inference";

/// What one run of the entry point used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepCount {
    /// Cairo VM steps.
    pub steps: usize,
    /// Poseidon builtin applications.
    pub poseidon: usize,
    /// Range-check builtin applications.
    pub range_checks: usize,
}

/// ProofVerifier's Sierra, compiled once for the VM.
pub struct StepCounter {
    runner: SierraCasmRunner,
    program: cairo_lang_sierra::program::Program,
}

fn runner_error(error: impl std::fmt::Display) -> BenchError {
    BenchError::Steps(error.to_string())
}

impl StepCounter {
    /// Loads ProofVerifier from `artifacts_dir` and compiles it for the VM.
    ///
    /// # Errors
    /// The class is missing or does not compile.
    pub fn new(artifacts_dir: &Path) -> Result<Self, BenchError> {
        Self::load(artifacts_dir, None)
    }

    /// As [`StepCounter::new`], collecting where the steps go ([`StepCounter::profile`]); the
    /// runs are slower.
    ///
    /// # Errors
    /// The class is missing or does not compile.
    pub fn profiling(artifacts_dir: &Path) -> Result<Self, BenchError> {
        Self::load(artifacts_dir, Some(ProfilingInfoCollectionConfig::default()))
    }

    fn load(artifacts_dir: &Path, profiling: Option<ProfilingInfoCollectionConfig>) -> Result<Self, BenchError> {
        let sierra = ContractArtifacts::load(artifacts_dir, "ciro")?.sierra_json("ProofVerifier")?;
        let class: ContractClass = serde_json::from_str(&sierra).map_err(runner_error)?;
        let mut program = class.extract_sierra_program(true).map_err(runner_error)?.program;
        // A contract class names its types but not the user types inside them, which the runner
        // reads to recognise `PanicResult`: give each struct or enum's user type its type's name.
        for declaration in &mut program.type_declarations {
            let name = declaration.id.debug_name.clone();
            if let Some(GenericArg::UserType(user_type)) = declaration.long_id.generic_args.first_mut() {
                if user_type.debug_name.is_none() {
                    user_type.debug_name = name;
                }
            }
        }
        let runner = SierraCasmRunner::new(program.clone(), Some(MetadataComputationConfig::default()), OrderedHashMap::default(), profiling)
            .map_err(runner_error)?;
        Ok(StepCounter { runner, program })
    }

    /// Runs `verify_inference(statement, proof)` for `calldata` and counts its steps.
    ///
    /// # Errors
    /// The run fails or panics (a rejected proof returns `false`, which is an error here too).
    pub fn count(&self, calldata: &[Felt]) -> Result<StepCount, BenchError> {
        let result = self.run(calldata)?;
        let resources = &result.used_resources.basic_resources;
        let builtin = |name: &str| {
            resources
                .builtin_instance_counter
                .iter()
                .find(|(builtin, _)| builtin.to_str().trim_end_matches("_builtin") == name)
                .map_or(0, |(_, count)| *count)
        };
        Ok(StepCount { steps: resources.n_steps, poseidon: builtin("poseidon"), range_checks: builtin("range_check") })
    }

    /// Where `verify_inference`'s steps go for `calldata`: the steps spent in each Cairo function's
    /// own body (callees excluded), then by call stack (callees included), each down to
    /// `min_share` of the total. Needs a counter made with [`StepCounter::profiling`].
    ///
    /// # Errors
    /// As [`StepCounter::count`]; or this counter does not profile.
    pub fn profile(&self, calldata: &[Felt], min_share: f64) -> Result<String, BenchError> {
        let result = self.run(calldata)?;
        let total = result.used_resources.basic_resources.n_steps;
        let info = result.profiling_info.ok_or_else(|| BenchError::Steps("this step counter does not profile".into()))?;
        let params = ProfilingInfoProcessorParams {
            min_weight: ((total as f64) * min_share).ceil() as usize,
            process_by_statement: false,
            process_by_concrete_libfunc: true,
            process_by_generic_libfunc: false,
            process_by_user_function: true,
            process_by_original_user_function: false,
            process_by_cairo_function: false,
            process_by_stack_trace: true,
            process_by_cairo_stack_trace: false,
            process_by_scoped_statement: false,
        };
        let processed = ProfilingInfoProcessor::new(None, &self.program, Default::default()).process(&info, &params);
        Ok(format!("{total} steps in all\n{processed}"))
    }

    /// Runs the entry point on `calldata`; a panic or any answer but `true` is an error.
    fn run(&self, calldata: &[Felt]) -> Result<RunResultStarknet, BenchError> {
        let statement = statement_of(calldata);
        let mut arguments: Vec<Arg> = vec![
            Arg::Value(statement.model_commitment),
            Arg::Value(statement.input_commitment),
            Arg::Value(statement.output_commitment),
            Arg::Value(Felt::from(statement.job_id)),
            Arg::Value(Felt::from(calldata.len())),
        ];
        arguments.extend(calldata.iter().copied().map(Arg::Value));
        let function = self.runner.find_function(ENTRY_POINT).map_err(runner_error)?;
        let result = self
            .runner
            .run_function_with_starknet_context(
                function,
                vec![Arg::Array(arguments)],
                Some(usize::MAX / 2),
                StarknetState::default(),
            )
            .map_err(runner_error)?;
        // The entry point returns its serialized output as a Span: (start, end) in VM memory.
        let output = match &result.value {
            cairo_lang_runner::RunResultValue::Success(values) => match values.as_slice() {
                [start, end] => {
                    let (start, end) = (felt_to_index(start)?, felt_to_index(end)?);
                    result.memory.get(start..end).map(|cells| cells.to_vec()).unwrap_or_default()
                }
                _ => Vec::new(),
            },
            cairo_lang_runner::RunResultValue::Panic(data) => {
                return Err(BenchError::Rejected(format!("verify_inference panicked in the VM: {data:?}")))
            }
        };
        if output != [Some(Felt::ONE)] {
            return Err(BenchError::Rejected(format!("verify_inference in the VM returned {output:?}, not true")));
        }
        Ok(result)
    }
}

fn felt_to_index(value: &Felt) -> Result<usize, BenchError> {
    usize::try_from(*value).map_err(|_| BenchError::Steps(format!("{value:#x} is not a memory address")))
}
