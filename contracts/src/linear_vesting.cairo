//! LinearVesting: token grants that vest linearly after a cliff, optionally revocable by governance.
mod errors;
mod interface;
mod linear_vesting;

use linear_vesting::LinearVesting;
