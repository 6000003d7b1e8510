mod access;
mod cdc_pool;
mod job_manager;
mod proof_verifier;
mod samples;
mod token;
