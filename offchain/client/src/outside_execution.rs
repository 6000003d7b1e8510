//! SNIP-9 v2 outside execution requests and their SNIP-12 (revision 1) signatures, as a wallet
//! makes them: what a user without fee tokens signs for the Paymaster to relay.
//!
//! The type strings are OpenZeppelin's (checked against its type-hash constants in
//! `tests/tests/paymaster.rs`); the hash is starknet-rs's `TypedData`.

use cainome::cairo_serde::ContractAddress;
use ciro_bindings::paymaster::{Call as OutsideCall, OutsideExecution};
use starknet::core::types::typed_data::{
    ArrayValue, Domain, ElementTypeReference, FieldDefinition, FullTypeReference, InlineTypeReference,
    ObjectValue, Revision, StructDefinition, TypeDefinition, TypedData, Types, Value,
};
use starknet::core::types::{Call, Felt};
use starknet::core::utils::{cairo_short_string_to_felt, get_selector_from_name};
use starknet::signers::SigningKey;

use crate::ClientError;

type Result<T> = std::result::Result<T, ClientError>;

fn signing(error: impl std::fmt::Display) -> ClientError {
    ClientError::Signing(error.to_string())
}

/// The SNIP-9 v2 domain: name 'Account.execute_from_outside', version 2 (the number), revision 1.
/// The domain's name.
pub const SNIP9_DOMAIN_NAME: &str = "Account.execute_from_outside";
/// The domain's version.
pub const SNIP9_DOMAIN_VERSION: Felt = Felt::TWO;

// ---------------------------------------------------------------------------------------------
// SNIP-9 requests and their SNIP-12 hash
// ---------------------------------------------------------------------------------------------

/// A call of a request, with the entry point's name (SNIP-12 hashes a `selector` from its name).
#[derive(Debug, Clone)]
pub struct NamedCall {
    /// The call.
    pub call: Call,
    /// Its entry point's name.
    pub entry_point: &'static str,
}

/// `call` (from a binding's `*_getcall`), checked to be `entry_point`.
pub fn named(call: Call, entry_point: &'static str) -> Result<NamedCall> {
    if call.selector != get_selector_from_name(entry_point).map_err(signing)? {
        return Err(signing(format!("the call is not `{entry_point}`")));
    }
    Ok(NamedCall { call, entry_point })
}

/// What a user signs: SNIP-9 v2 `OutsideExecution`.
#[derive(Debug, Clone)]
pub struct Request {
    /// Who may submit it (the Paymaster).
    pub caller: Felt,
    /// The account's SNIP-9 nonce (any unused felt).
    pub nonce: Felt,
    /// Valid strictly after this time.
    pub execute_after: u64,
    /// Valid strictly before this time.
    pub execute_before: u64,
    /// The calls, run as the account.
    pub calls: Vec<NamedCall>,
}

/// The SNIP-12 types of `OutsideExecution` and `Call`.
pub fn types() -> Types {
    let field = |name: &str, r#type| FieldDefinition::new(name.to_owned(), r#type);
    let outside_execution = StructDefinition {
        fields: vec![
            field("Caller", FullTypeReference::ContractAddress),
            field("Nonce", FullTypeReference::Felt),
            field("Execute After", FullTypeReference::U128),
            field("Execute Before", FullTypeReference::U128),
            field("Calls", FullTypeReference::Array(ElementTypeReference::Custom("Call".to_owned()))),
        ],
    };
    let call = StructDefinition {
        fields: vec![
            field("To", FullTypeReference::ContractAddress),
            field("Selector", FullTypeReference::Selector),
            field("Calldata", FullTypeReference::Array(ElementTypeReference::Felt)),
        ],
    };
    Types::new(
        Revision::V1,
        [
            ("OutsideExecution".to_owned(), TypeDefinition::Struct(outside_execution)),
            ("Call".to_owned(), TypeDefinition::Struct(call)),
        ]
        .into_iter()
        .collect(),
    )
}

/// The SNIP-9 v2 domain on `chain_id`.
pub fn domain(chain_id: Felt) -> Result<Domain> {
    Ok(Domain {
        name: cairo_short_string_to_felt(SNIP9_DOMAIN_NAME).map_err(signing)?,
        version: SNIP9_DOMAIN_VERSION,
        chain_id,
        revision: Revision::V1,
    })
}

fn hex(value: Felt) -> Value {
    Value::String(format!("{value:#x}"))
}

fn object(fields: Vec<(&str, Value)>) -> Value {
    Value::Object(ObjectValue { fields: fields.into_iter().map(|(name, value)| (name.to_owned(), value)).collect() })
}

impl Request {
    /// A request naming `caller`, valid from the epoch until `execute_before`.
    pub fn new(caller: Felt, nonce: u64, execute_before: u64, calls: Vec<NamedCall>) -> Self {
        Request { caller, nonce: Felt::from(nonce), execute_after: 0, execute_before, calls }
    }

    /// The struct `execute_from_outside_v2` takes, in the bindings' types.
    pub fn outside_execution(&self) -> OutsideExecution {
        OutsideExecution {
            caller: ContractAddress(self.caller),
            nonce: self.nonce,
            execute_after: self.execute_after,
            execute_before: self.execute_before,
            calls: self
                .calls
                .iter()
                .map(|c| OutsideCall {
                    to: ContractAddress(c.call.to),
                    selector: c.call.selector,
                    calldata: c.call.calldata.clone(),
                })
                .collect(),
        }
    }

    /// The SNIP-12 revision 1 typed data a wallet shows and signs.
    pub fn typed_data(&self, chain_id: Felt) -> Result<TypedData> {
        let calls = self
            .calls
            .iter()
            .map(|c| {
                object(vec![
                    ("To", hex(c.call.to)),
                    ("Selector", Value::String(c.entry_point.to_owned())),
                    ("Calldata", Value::Array(ArrayValue { elements: c.call.calldata.iter().copied().map(hex).collect() })),
                ])
            })
            .collect();
        let message = object(vec![
            ("Caller", hex(self.caller)),
            ("Nonce", hex(self.nonce)),
            ("Execute After", Value::UnsignedInteger(self.execute_after.into())),
            ("Execute Before", Value::UnsignedInteger(self.execute_before.into())),
            ("Calls", Value::Array(ArrayValue { elements: calls })),
        ]);
        TypedData::new(types(), domain(chain_id)?, InlineTypeReference::Custom("OutsideExecution".to_owned()), message)
            .map_err(signing)
    }

    /// `[r, s]` of `key`'s signature of the request's hash for `account`.
    pub fn sign(&self, key: &SigningKey, chain_id: Felt, account: Felt) -> Result<Vec<Felt>> {
        let hash = self.typed_data(chain_id)?.message_hash(account).map_err(signing)?;
        let signature = key.sign(&hash).map_err(signing)?;
        Ok(vec![signature.r, signature.s])
    }
}


/// The body of the keeper's `POST /relay`: a signed request for the Paymaster to execute.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RelayRequest {
    /// The user's account.
    pub account: Felt,
    /// What it signed.
    pub outside_execution: OutsideExecution,
    /// Its signature (`[r, s]` for OpenZeppelin accounts).
    pub signature: Vec<Felt>,
}

/// The keeper's answer to `POST /relay`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RelayResponse {
    /// `relayed` or `already_relayed`.
    pub status: String,
    /// The `sponsor_execution` transaction, when the keeper knows it.
    pub transaction_hash: Option<Felt>,
}

/// Posts `body` to the keeper at `keeper_url` (`<keeper_url>/relay`) and returns its answer.
///
/// # Errors
/// [`ClientError::Refused`] with the keeper's reason (a bad signature, no budget, …), or
/// [`ClientError::Http`] when it cannot be reached or its answer is not a relay response.
pub async fn relay(keeper_url: &str, body: &RelayRequest) -> std::result::Result<RelayResponse, ClientError> {
    let url = format!("{}/relay", keeper_url.trim_end_matches('/'));
    let unreachable = |message: String| ClientError::Http { url: url.clone(), message };
    let response = reqwest::Client::new()
        .post(&url)
        .json(body)
        .timeout(std::time::Duration::from_secs(120))
        .send()
        .await
        .map_err(|e| unreachable(format!("{e}: is ciro-keeper running there? (--keeper-url / CIRO_KEEPER_URL)")))?;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    if !(200..300).contains(&status) {
        return Err(crate::coordinator::answer_error(&url, status, &text));
    }
    serde_json::from_str(&text).map_err(|_| unreachable(format!("the keeper's answer is not a relay response: {text}")))
}
