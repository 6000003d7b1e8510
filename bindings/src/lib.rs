//! Typed Rust bindings for Ciro's contracts.
//!
//! Generated at compile time by cainome's `abigen!` (cainome 0.10) from the ABI files in
//! `bindings/abi/` (paths relative to the workspace root, where cargo runs the compiler), which are
//! exported from the built contract classes. Do not edit them by hand:
//! `cargo test -p ciro-bindings` fails when one differs from a fresh `ciro-cairo build`, and
//! `CIRO_UPDATE_ABI=1 cargo test -p ciro-bindings` rewrites them.
//!
//! Each contract has a module with two types: `<Contract>` (invokes through an account, e.g.
//! `token.transfer(&to, &amount).send().await`) and `<Contract>Reader` (calls through a provider,
//! e.g. `reader.balance_of(&owner).call().await`), plus its structs, enums and events.
//!
//! Generated from the contracts as well (by `tests/generated.rs`, checked the same way):
//! [`selectors`] (entry-point selectors and event keys), [`constructors`] (each constructor's
//! arguments as a struct) and [`errors`] (every revert message in `contracts/src/*/errors.cairo`).

#![deny(missing_docs)]

#[path = "generated/constructors.rs"]
pub mod constructors;
#[path = "generated/errors.rs"]
pub mod errors;
#[path = "generated/selectors.rs"]
pub mod selectors;

/// Where the ABI files are, relative to this crate.
pub const ABI_DIR: &str = "abi";

/// `(contract name in the build artifacts, ABI file name)` for every contract with bindings.
pub const CONTRACTS: [(&str, &str); 12] = [
    ("CIROToken", "CIROToken.json"),
    ("CDCPool", "CDCPool.json"),
    ("JobManager", "JobManager.json"),
    ("ProofVerifier", "ProofVerifier.json"),
    ("OwnedCounter", "OwnedCounter.json"),
    ("LinearVesting", "LinearVesting.json"),
    ("MilestoneVesting", "MilestoneVesting.json"),
    ("BurnManager", "BurnManager.json"),
    ("GovernanceTreasury", "GovernanceTreasury.json"),
    ("Paymaster", "Paymaster.json"),
    ("Governed", "Governed.json"),
    ("Pausable", "Pausable.json"),
];

/// CIRO_Token: ERC20, capped rate-limited minting, pause, vote checkpoints.
#[allow(missing_docs, clippy::all)]
pub mod token {
    cainome::rs::abigen!(CiroToken, "bindings/abi/CIROToken.json", derives(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize));
}

/// CDC_Pool: workers, stakes, delegation, reputation, selection, slashing, rewards.
#[allow(missing_docs, clippy::all)]
pub mod cdc_pool {
    cainome::rs::abigen!(CdcPool, "bindings/abi/CDCPool.json", derives(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize));
}

/// JobManager: model registry, job escrow and lifecycle, proof-checked completion, payment.
#[allow(missing_docs, clippy::all)]
pub mod job_manager {
    cainome::rs::abigen!(JobManager, "bindings/abi/JobManager.json", derives(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize));
}

/// ProofVerifier: on-chain STARK verification of fixed-point MLP inference.
#[allow(missing_docs, clippy::all)]
pub mod proof_verifier {
    cainome::rs::abigen!(ProofVerifier, "bindings/abi/ProofVerifier.json", derives(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize));
}

/// LinearVesting: cliff + linear vesting schedules, revocable by governance.
#[allow(missing_docs, clippy::all)]
pub mod linear_vesting {
    cainome::rs::abigen!(LinearVesting, "bindings/abi/LinearVesting.json", derives(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize));
}

/// MilestoneVesting: amounts unlocked by governance-approved milestones, reclaimable after deadline.
#[allow(missing_docs, clippy::all)]
pub mod milestone_vesting {
    cainome::rs::abigen!(MilestoneVesting, "bindings/abi/MilestoneVesting.json", derives(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize));
}

/// BurnManager: burns the fees' burn share; the share rises with cumulative revenue.
#[allow(missing_docs, clippy::all)]
pub mod burn_manager {
    cainome::rs::abigen!(BurnManager, "bindings/abi/BurnManager.json", derives(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize));
}

/// GovernanceTreasury: proposals with calls, snapshot voting, timelocked execution, the treasury and
/// the emergency council's multisig.
#[allow(missing_docs, clippy::all)]
pub mod governance_treasury {
    cainome::rs::abigen!(GovernanceTreasury, "bindings/abi/GovernanceTreasury.json", derives(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize));
}

/// Paymaster: sponsored SNIP-9 outside execution for users with no fee tokens.
#[allow(missing_docs, clippy::all)]
pub mod paymaster {
    cainome::rs::abigen!(Paymaster, "bindings/abi/Paymaster.json", derives(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize));
}

/// Governed: the governance library every governed contract embeds. Its events
/// (`GovernanceTransferStarted`, `GovernanceTransferred`, `Upgraded`) are emitted from the host
/// contract's address but are not in the host's ABI (Cairo 2.1 lists only events derived in the
/// contract's own module), so they are decoded with this module's `Event`.
#[allow(missing_docs, clippy::all)]
pub mod governed {
    cainome::rs::abigen!(Governed, "bindings/abi/Governed.json", derives(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize));
}

/// Pausable: the emergency stop JobManager and CDC_Pool embed. Its events (`Paused`, `Unpaused`,
/// `PauseExtended`, `EmergencyCouncilChanged`) are decoded with this module's `Event`, for the
/// reason given on [`governed`].
#[allow(missing_docs, clippy::all)]
pub mod pausable {
    cainome::rs::abigen!(Pausable, "bindings/abi/Pausable.json", derives(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize));
}

/// The sample contract used by the toolchain's tests and the demo.
#[allow(missing_docs, clippy::all)]
pub mod owned_counter {
    cainome::rs::abigen!(OwnedCounter, "bindings/abi/OwnedCounter.json", derives(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize));
}
