//! Devnet's own JSON-RPC methods (`devnet_*`), which starknet-rs does not know.

use serde::Deserialize;
use serde_json::Value;
use starknet::core::types::Felt;
use url::Url;

use crate::{DevnetError, PredeployedAccount};

/// Sends one JSON-RPC request and returns its `result`.
///
/// `params` is JSON text: devnet wants token amounts as JSON numbers, which may exceed what
/// `serde_json::Value` can hold without its arbitrary-precision feature.
pub(crate) async fn call(
    http: &reqwest::Client,
    url: &Url,
    method: &'static str,
    params: &str,
) -> Result<Value, DevnetError> {
    let request = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}"#);
    let response: Value = http
        .post(url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(request)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|source| DevnetError::Http { method, source })?
        .json()
        .await
        .map_err(|source| DevnetError::Http { method, source })?;
    if let Some(error) = response.get("error") {
        return Err(DevnetError::Rpc { method, message: error.to_string() });
    }
    response
        .get("result")
        .cloned()
        .ok_or_else(|| DevnetError::Rpc { method, message: format!("no result in {response}") })
}

#[derive(Deserialize)]
struct RawAccount {
    address: Felt,
    private_key: Felt,
    public_key: Felt,
}

pub(crate) async fn predeployed_accounts(
    http: &reqwest::Client,
    url: &Url,
) -> Result<Vec<PredeployedAccount>, DevnetError> {
    const METHOD: &str = "devnet_getPredeployedAccounts";
    let result = call(http, url, METHOD, "{}").await?;
    let raw: Vec<RawAccount> = serde_json::from_value(result)
        .map_err(|e| DevnetError::Rpc { method: METHOD, message: e.to_string() })?;
    Ok(raw
        .into_iter()
        .map(|a| PredeployedAccount { address: a.address, private_key: a.private_key, public_key: a.public_key })
        .collect())
}

pub(crate) async fn mint(
    http: &reqwest::Client,
    url: &Url,
    address: Felt,
    amount: u128,
) -> Result<u128, DevnetError> {
    const METHOD: &str = "devnet_mint";
    let params = format!(r#"{{"address":"{address:#x}","amount":{amount},"unit":"FRI"}}"#);
    let result = call(http, url, METHOD, &params).await?;
    let balance = result.get("new_balance").and_then(|b| match b {
        Value::String(s) => s.parse::<u128>().ok(),
        Value::Number(n) => n.as_u64().map(u128::from),
        _ => None,
    });
    balance.ok_or_else(|| DevnetError::Rpc { method: METHOD, message: format!("unexpected answer {result}") })
}
