//! GovernanceTreasury: CIRO-weighted proposals that carry calls (snapshot voting, quorum, a 67%
//! supermajority for critical proposals, a timelock, real execution), the protocol treasury, and
//! the emergency council's M-of-N multisig.
mod errors;
mod governance_treasury;
mod interface;

use governance_treasury::GovernanceTreasury;
