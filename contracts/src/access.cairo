//! Governance of every core contract (a two-step governance transfer and class upgrades) and the
//! emergency stop of JobManager and CDC_Pool.
mod errors;
mod governed;
mod interface;
mod pausable;

use governed::Governed;
use pausable::Pausable;
