//! CDC_Pool: worker registry, staking with USD tiers, delegation, reputation, worker selection,
//! slashing and rewards.
mod cdc_pool;
mod errors;
mod interface;

use cdc_pool::CDCPool;
