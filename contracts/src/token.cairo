//! CIRO, the protocol's ERC20 token: capped supply, rate-limited minting, burning, emergency pause
//! and vote checkpoints for governance.
mod ciro_token;
mod errors;
mod interface;

use ciro_token::CIROToken;
