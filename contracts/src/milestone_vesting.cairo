//! MilestoneVesting: funded amounts unlocked when governance approves a milestone before its
//! deadline; unapproved milestones are reclaimable after it.
mod errors;
mod interface;
mod milestone_vesting;

use milestone_vesting::MilestoneVesting;
