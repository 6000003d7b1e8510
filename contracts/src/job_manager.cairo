//! JobManager: the model registry, job escrow and lifecycle, proof-checked completion and payment.
mod errors;
mod interface;
mod job_manager;

use job_manager::JobManager;
