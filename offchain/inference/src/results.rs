//! A job's result as its client gets it: the proof that `complete_job` carried (read from the
//! completing transaction, or from the coordinator), verified here against the statement
//! JobManager holds for the job (its id, the model's commitment, the input's and the output's),
//! and its outputs dequantized with the proof's fixed-point scale.
//!
//! Nothing is taken on trust: a coordinator serving another job's proof, or a proof of other
//! outputs, is refused with the field that disagrees.

use std::time::Instant;

use ciro_bindings::job_manager::{Job, JobState};
use ciro_client::coordinator::{BlobKind, Coordinator};
use ciro_client::labels::{self, ClassLabels};
use ciro_client::{Chain, ClientError};
use ciro_prover::field::felt_to_i128;
use ciro_prover::proof_file::{DecodedProof, ProofFile};
use ciro_prover::stark::SecurityPolicy;
use starknet::core::types::Felt;

/// Where a result's proof was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The calldata of the transaction that completed the job.
    Chain,
    /// The coordinator's result store.
    Coordinator,
}

/// Where to read a result's proof from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SourceChoice {
    /// The chain, else the coordinator (when the completing transaction cannot be decoded).
    #[default]
    Auto,
    /// The chain only.
    Chain,
    /// The coordinator only.
    Coordinator,
}

/// A job's outputs, proven and verified.
#[derive(Debug, Clone)]
pub struct VerifiedResult {
    /// The job.
    pub job_id: u64,
    /// Its model.
    pub model_id: u64,
    /// The worker that proved it.
    pub worker: Felt,
    /// Where the proof was read.
    pub source: Source,
    /// The transaction that completed the job (and in which ProofVerifier checked the proof),
    /// when read from the chain.
    pub transaction_hash: Option<Felt>,
    /// The fixed-point scale: outputs are integers divided by `2^scale_bits`.
    pub scale_bits: u32,
    /// The outputs as the proof states them (fixed point).
    pub outputs_fixed: Vec<i64>,
    /// The outputs as real numbers.
    pub outputs: Vec<f64>,
    /// The commitment of the model's class labels as JobManager records it (0: the model has none).
    pub labels_commitment: Felt,
    /// The model's class labels, one per output, checked against `labels_commitment`: `None` when
    /// the model has none, or when they could not be had (see `labels_unavailable`).
    pub labels: Option<ClassLabels>,
    /// Why the model's labels are missing although it has some.
    pub labels_unavailable: Option<String>,
    /// The proof, as a file `ciro verify` and `ciro-prover verify` accept.
    pub proof: ProofFile,
    /// How long the local verification took.
    pub verify_seconds: f64,
}

impl VerifiedResult {
    /// The index of the largest output (the class, for a classifier).
    pub fn top_class(&self) -> Option<usize> {
        self.outputs_fixed.iter().enumerate().max_by_key(|(index, value)| (**value, std::cmp::Reverse(*index))).map(|(index, _)| index)
    }

    /// Up to `k` outputs, largest first (ties: the lower index first), with their labels.
    pub fn top_classes(&self, k: usize) -> Vec<RankedClass> {
        rank_classes(&self.outputs_fixed, &self.outputs, self.labels.as_ref(), k)
    }

    /// The facts as JSON (the proof itself is written separately).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "job_id": self.job_id,
            "model_id": self.model_id,
            "worker": format!("{:#x}", self.worker),
            "verified": true,
            "source": self.source,
            "transaction_hash": self.transaction_hash.map(|h| format!("{h:#x}")),
            "scale_bits": self.scale_bits,
            "outputs": self.outputs,
            "outputs_fixed_point": self.outputs_fixed,
            "top_class": self.top_class(),
            "top_classes": self.top_classes(TOP_CLASSES),
            "labels_commitment": (self.labels_commitment != Felt::ZERO).then(|| format!("{:#x}", self.labels_commitment)),
            "labels": self.labels.as_ref().map(ClassLabels::names),
            "labels_unavailable": self.labels_unavailable,
            "output_commitment": self.proof.public_inputs.output_commitment,
        })
    }
}

/// How many classes a result shows.
pub const TOP_CLASSES: usize = 3;

/// One output of a classifier, ranked.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RankedClass {
    /// The output's index.
    pub index: usize,
    /// Its label, when the model has labels.
    pub label: Option<String>,
    /// Its value.
    pub output: f64,
}

/// Up to `k` outputs, largest first (ranked by their fixed-point values, ties by index).
fn rank_classes(outputs_fixed: &[i64], outputs: &[f64], labels: Option<&ClassLabels>, k: usize) -> Vec<RankedClass> {
    let mut order: Vec<usize> = (0..outputs_fixed.len().min(outputs.len())).collect();
    order.sort_by_key(|index| (std::cmp::Reverse(outputs_fixed[*index]), *index));
    order
        .into_iter()
        .take(k)
        .map(|index| RankedClass { index, label: labels.and_then(|labels| labels.get(index)).map(str::to_owned), output: outputs[index] })
        .collect()
}

fn mismatch(message: String) -> ClientError {
    ClientError::Result(message)
}

/// Decodes and verifies `calldata` (a proof as `complete_job` takes it) under the production
/// policy, and checks that its statement is job `job_id`'s as JobManager holds it: the job id,
/// the commitment of the job's model (`model_commitment`), the input and output commitments.
///
/// # Errors
/// [`ClientError::Result`] naming the first check that failed.
pub fn check_proof(job_id: u64, job: &Job, model_commitment: Felt, calldata: &[Felt]) -> Result<DecodedProof, ClientError> {
    let decoded = DecodedProof::from_calldata(calldata).map_err(|e| mismatch(format!("job #{job_id}'s proof is malformed: {e}")))?;
    let statement_job = decoded.statement.job_id;
    if statement_job != Felt::from(job_id) {
        return Err(mismatch(format!("the proof is for job {statement_job:#x}, not job #{job_id}: refused")));
    }
    let checks = [
        ("model", decoded.model_commitment, model_commitment),
        ("input", decoded.input_commitment, job.input_commitment),
        ("output", decoded.output_commitment, job.output_commitment),
    ];
    for (what, proven, recorded) in checks {
        if proven != recorded {
            return Err(mismatch(format!(
                "the proof's {what} commitment {proven:#x} is not job #{job_id}'s on-chain {what} commitment {recorded:#x}: refused"
            )));
        }
    }
    decoded
        .verify(&SecurityPolicy::default())
        .map_err(|e| mismatch(format!("job #{job_id}'s proof is INVALID: {}", ciro_client::error_chain(&e))))?;
    Ok(decoded)
}

/// Job `job_id`'s verified result, in one call: the job must be Completed; its proof is read from
/// `source` and checked with [`check_proof`].
///
/// # Errors
/// The job is not Completed (its state is named), no source has the proof, or the proof does not
/// check out ([`ClientError::Result`]); or the node or the coordinator fails.
pub async fn verified_result(chain: &Chain, coordinator: Option<&Coordinator>, job_id: u64, source: SourceChoice) -> Result<VerifiedResult, ClientError> {
    let count = chain.job_count().await?;
    if job_id == 0 || job_id > count {
        return Err(mismatch(format!("there is no job #{job_id} (jobs are numbered 1 to {count})")));
    }
    let view = chain.job(job_id).await?;
    if view.job.state != JobState::Completed {
        return Err(mismatch(format!("job #{job_id} is {}, not Completed: it has no result yet", view.state_name())));
    }
    let model = chain.model(view.job.model_id).await?;
    let from_chain = || async {
        let completion = chain
            .completion(job_id)
            .await?
            .ok_or_else(|| mismatch(format!("job #{job_id} is Completed but no JobCompleted event was found for it")))?;
        Ok::<_, ClientError>((Source::Chain, Some(completion.transaction_hash), completion.proof))
    };
    let from_coordinator = || async {
        let coordinator = coordinator.ok_or_else(|| ClientError::Config("no coordinator is configured (--coordinator / CIRO_COORDINATOR_URL)".to_owned()))?;
        let bytes = coordinator
            .get(BlobKind::Result, &job_id.to_string())
            .await?
            .ok_or_else(|| mismatch(format!("the coordinator at {} has no result for job #{job_id}", coordinator.base())))?;
        let text = String::from_utf8(bytes).map_err(|_| mismatch(format!("the coordinator's result for job #{job_id} is not text")))?;
        let file = ProofFile::parse(&text).map_err(|e| mismatch(format!("the coordinator's result for job #{job_id} is not a proof file: {e}")))?;
        let calldata = file.calldata_felts().map_err(|e| mismatch(format!("the coordinator's result for job #{job_id}: {e}")))?;
        Ok::<_, ClientError>((Source::Coordinator, None, calldata))
    };
    let (source, transaction_hash, calldata) = match source {
        SourceChoice::Chain => from_chain().await?,
        SourceChoice::Coordinator => from_coordinator().await?,
        SourceChoice::Auto => match from_chain().await {
            Ok(found) => found,
            Err(ClientError::Result(reason)) if coordinator.is_some() => {
                tracing::info!("{reason}; asking the coordinator");
                from_coordinator().await?
            }
            Err(error) => return Err(error),
        },
    };
    let started = Instant::now();
    let job = view.job.clone();
    let commitment = model.commitment;
    let decoded = tokio::task::spawn_blocking(move || check_proof(job_id, &job, commitment, &calldata))
        .await
        .map_err(|e| ClientError::Prover(format!("the verifying task failed: {e}")))??;
    let verify_seconds = started.elapsed().as_secs_f64();
    let scale_bits = decoded.statement.layout.output_scale_bits;
    let outputs_fixed: Vec<i64> = decoded
        .statement
        .outputs
        .iter()
        .map(|value| felt_to_i128(*value).and_then(|v| i64::try_from(v).ok()))
        .collect::<Option<_>>()
        .ok_or_else(|| mismatch(format!("job #{job_id}'s proof states an output outside the fixed-point range")))?;
    let scale = f64::from(scale_bits).exp2();
    let (labels, labels_unavailable) = model_labels(coordinator, model.labels, outputs_fixed.len()).await;
    Ok(VerifiedResult {
        job_id,
        model_id: view.job.model_id,
        worker: view.job.worker.0,
        source,
        transaction_hash,
        scale_bits,
        outputs: outputs_fixed.iter().map(|v| *v as f64 / scale).collect(),
        outputs_fixed,
        labels_commitment: model.labels,
        labels,
        labels_unavailable,
        proof: decoded.to_file(),
        verify_seconds,
    })
}

/// The class labels `commitment` names (0: none), for a model with `outputs` outputs; or why they
/// are missing. A result is never refused for its labels: the outputs are verified without them.
async fn model_labels(coordinator: Option<&Coordinator>, commitment: Felt, outputs: usize) -> (Option<ClassLabels>, Option<String>) {
    if commitment == Felt::ZERO {
        return (None, None);
    }
    let Some(coordinator) = coordinator else {
        return (None, Some("the model has class labels, but no coordinator is configured to read them from (--coordinator)".to_owned()));
    };
    let unavailable = |reason: String| {
        tracing::warn!("class labels {commitment:#x}: {reason}");
        (None, Some(reason))
    };
    match labels::fetch(coordinator, commitment).await {
        Ok(Some(labels)) if labels.len() == outputs => (Some(labels), None),
        Ok(Some(labels)) => unavailable(format!("the model's {} labels do not match its {outputs} outputs", labels.len())),
        Ok(None) => unavailable(format!("the coordinator at {} does not have them", coordinator.base())),
        Err(error) => unavailable(ciro_client::error_chain(&error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_ranked_largest_first_with_their_labels() {
        let fixed: [i64; 4] = [-3, 7, 7, 1];
        let real: Vec<f64> = fixed.iter().map(|v| *v as f64 / 4.0).collect();
        let labels = ClassLabels::parse(b"ant\nbee\ncat\ndog\n").unwrap();
        let ranked = rank_classes(&fixed, &real, Some(&labels), 3);
        let seen: Vec<(usize, Option<&str>, f64)> = ranked.iter().map(|c| (c.index, c.label.as_deref(), c.output)).collect();
        assert_eq!(seen, [(1, Some("bee"), 1.75), (2, Some("cat"), 1.75), (3, Some("dog"), 0.25)]);
        let unlabelled = rank_classes(&fixed, &real, None, 10);
        assert_eq!(unlabelled.iter().map(|c| c.index).collect::<Vec<_>>(), [1, 2, 3, 0]);
        assert!(unlabelled.iter().all(|c| c.label.is_none()));
        assert!(rank_classes(&[], &[], None, 3).is_empty());
    }
}
