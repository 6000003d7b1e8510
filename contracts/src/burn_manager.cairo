//! BurnManager: receives the burn share of the platform fees and burns it; the share rises with
//! cumulative revenue along a governance-set schedule.
mod burn_manager;
mod errors;
mod interface;

use burn_manager::BurnManager;
