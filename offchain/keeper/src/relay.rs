//! Relaying sponsored requests: a user without fee tokens signs a SNIP-9 v2 `OutsideExecution`
//! naming the Paymaster as its caller and posts it to the keeper's `/relay`; the keeper submits it
//! with `sponsor_execution`, paid from the configured sponsor's budget. A request is relayed once:
//! the Paymaster records `(account, nonce)`, and so does the keeper, before sending.

use ciro_bindings::errors;
use cainome::cairo_serde::ContractAddress;
use ciro_client::http::Response;
use ciro_client::ClientError;
use starknet::core::types::Felt;

use crate::{Keeper, KeeperError, Recorded, SendOutcome};

pub use ciro_client::outside_execution::{RelayRequest, RelayResponse};

const KIND: &str = "sponsor_execution";
const ALREADY_RELAYED: &[&str] = &[errors::paymaster::ALREADY_RELAYED];

impl Keeper {
    /// Relays `request` through the Paymaster (once).
    ///
    /// # Errors
    /// No sponsor is configured, the Paymaster refuses the request (with its message), or the
    /// node fails.
    pub async fn relay(&self, request: &RelayRequest) -> Result<RelayResponse, KeeperError> {
        let sponsor = self
            .sponsor
            .ok_or_else(|| ClientError::Config("this keeper relays nothing: set keeper.sponsor".to_owned()))?;
        let nonce = request.outside_execution.nonce;
        let reference = format!("{:#x}:{nonce:#x}", request.account);
        let recorded_hash = |store: &crate::Store| -> Result<Option<Felt>, KeeperError> {
            Ok(store.actions(Some(KIND), Some(&reference))?.into_iter().rev().find(|a| a.status == "succeeded").map(|a| a.transaction_hash))
        };
        if let Recorded::Succeeded | Recorded::InFlight = self.resolve_recorded(KIND, &reference, ALREADY_RELAYED).await? {
            return Ok(RelayResponse { status: "already_relayed".to_owned(), transaction_hash: recorded_hash(&self.store)? });
        }
        let relayed = self
            .chain
            .paymaster_reader()
            .is_relayed(&ContractAddress(request.account), &nonce)
            .call()
            .await
            .map_err(ciro_client::chain::read_error("is_relayed"))?;
        if relayed {
            return Ok(RelayResponse { status: "already_relayed".to_owned(), transaction_hash: recorded_hash(&self.store)? });
        }
        let call = self.chain.paymaster().sponsor_execution_getcall(
            &ContractAddress(sponsor),
            &ContractAddress(request.account),
            &request.outside_execution,
            &request.signature,
        );
        let result = self.send(0, KIND, &reference, vec![call], ALREADY_RELAYED).await;
        match result {
            Ok(SendOutcome::Succeeded) => {
                self.metrics.inc("ciro_keeper_relays_total", &[("result", "relayed")]);
                Ok(RelayResponse { status: "relayed".to_owned(), transaction_hash: recorded_hash(&self.store)? })
            }
            Ok(SendOutcome::AlreadyDone) => {
                Ok(RelayResponse { status: "already_relayed".to_owned(), transaction_hash: recorded_hash(&self.store)? })
            }
            Err(error) => {
                self.metrics.inc("ciro_keeper_relays_total", &[("result", "refused")]);
                Err(error.into())
            }
        }
    }

    pub(crate) async fn handle_relay(&self, body: &[u8]) -> Response {
        let request: RelayRequest = match serde_json::from_slice(body) {
            Ok(request) => request,
            Err(error) => {
                return Response::json(400, &serde_json::json!({ "error": format!("not a relay request: {error}") }))
            }
        };
        match self.relay(&request).await {
            Ok(response) => Response::json(200, &serde_json::to_value(&response).unwrap_or_default()),
            Err(error) => {
                let (status, messages) = match &error {
                    KeeperError::Client(client) if !client.revert_messages().is_empty() => (422, client.revert_messages()),
                    KeeperError::Client(ClientError::Config(_)) => (503, Vec::new()),
                    _ => (502, Vec::new()),
                };
                Response::json(
                    status,
                    &serde_json::json!({ "error": ciro_client::error_chain(&error), "revert_messages": messages }),
                )
            }
        }
    }
}
