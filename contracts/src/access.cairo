//! Governance of every core contract: a two-step governance transfer and class upgrades.
mod errors;
mod governed;
mod interface;

use governed::Governed;
