//! A network's deployment configuration: one TOML file per network (`deploy/networks/*.toml`).
//!
//! ```toml
//! [network]
//! name = "sepolia"                       # names the manifest: deployments/sepolia.json
//! rpc_url = "https://…/rpc/v0_9"
//! chain_id = "SN_SEPOLIA"                # refused if the node reports another one
//!
//! [account]                              # the deployer
//! address = "0x…"
//! private_key_env = "CIRO_DEPLOYER_PRIVATE_KEY"   # or: keystore = "…", keystore_password_env = "…"
//!
//! [roles]                # addresses, "deployer", or "governance_treasury" (the deployed one)
//! governance = "governance_treasury"
//! treasury = "governance_treasury"
//! oracle = "0x…"
//! emergency_council = "governance_treasury"
//! minter = "deployer"
//! initial_holder = "deployer"
//!
//! [governance]                           # GovernanceTreasury's parameters and council
//! proposal_threshold_ciro = 100000
//! voting_delay_seconds = 86400
//! voting_period_seconds = 259200
//! quorum_bps = 400
//! timelock_delay_seconds = 172800
//! critical_treasury_threshold_ciro = 1000000
//! council = ["0x…", "0x…", "0x…"]
//! council_threshold = 2
//!
//! [paymaster]
//! daily_quota = 20                       # sponsored requests per account per day
//! reimbursement_milli_ciro = 100         # 0.1 CIRO to the relayer per request
//!
//! [token]
//! mint_limit_ciro = 10000000             # whole CIRO per period
//! mint_period_seconds = 86400
//!
//! [pool]
//! price_usd_e8 = 100000000               # $1.00, 8 decimals
//! min_price_usd_e8 = 1000000
//! max_price_usd_e8 = 10000000000
//! max_price_age_seconds = 3600
//! unstake_cooldown_seconds = 604800
//!
//! [job_manager]
//! platform_fee_bps = 500
//! burn_share_bps = 3000
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;
use starknet::core::types::Felt;
use starknet::core::utils::cairo_short_string_to_felt;
use starknet::signers::{LocalWallet, SigningKey};

/// Errors reading a configuration or resolving its signer.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("reading {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("parsing {path}: {message}")]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A value is out of range or malformed.
    #[error("{field}: {message}")]
    Invalid {
        /// The key, e.g. `roles.treasury`.
        field: &'static str,
        /// What is wrong and what to write instead.
        message: String,
    },
    /// The signing key's environment variable is not set.
    #[error("environment variable {0} is not set: export the deployer's private key (0x…) in it")]
    MissingKey(String),
    /// The keystore cannot be decrypted.
    #[error("opening keystore {path}: {message}")]
    Keystore {
        /// The keystore file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

/// A network's deployment configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployConfig {
    /// Where to deploy.
    pub network: NetworkSection,
    /// Who deploys.
    pub account: AccountSection,
    /// Who holds each role once deployed.
    pub roles: RolesSection,
    /// CIRO_Token's parameters.
    pub token: TokenSection,
    /// CDC_Pool's parameters.
    pub pool: PoolSection,
    /// JobManager's parameters.
    pub job_manager: JobManagerSection,
    /// GovernanceTreasury's parameters and council.
    pub governance: GovernanceSection,
    /// Paymaster's parameters.
    pub paymaster: PaymasterSection,
}

/// `[paymaster]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymasterSection {
    /// Sponsored requests each account may make per day.
    pub daily_quota: u32,
    /// Paid to the relayer per sponsored request from the sponsor's budget, in thousandths of a CIRO.
    pub reimbursement_milli_ciro: u64,
}

/// `[governance]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceSection {
    /// Whole CIRO of votes a proposer needs.
    pub proposal_threshold_ciro: u64,
    /// From a proposal to its snapshot.
    pub voting_delay_seconds: u64,
    /// How long voting stays open.
    pub voting_period_seconds: u64,
    /// Quorum, basis points of the supply at the snapshot.
    pub quorum_bps: u16,
    /// From queueing to the earliest execution.
    pub timelock_delay_seconds: u64,
    /// Whole CIRO above which a transfer makes a proposal critical (67%).
    pub critical_treasury_threshold_ciro: u64,
    /// The emergency council's members: addresses or "deployer".
    pub council: Vec<String>,
    /// Confirmations an emergency action needs.
    pub council_threshold: u32,
}

/// `[network]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    /// The network's name; the manifest is `deployments/<name>.json`.
    pub name: String,
    /// The JSON-RPC endpoint (RPC 0.9).
    pub rpc_url: String,
    /// The chain id the node must report: a short string (`SN_SEPOLIA`) or a `0x` felt.
    pub chain_id: String,
    /// Salt for deterministic addresses (a short string); change it to deploy a second system
    /// from the same account. Default `ciro`.
    #[serde(default)]
    pub salt: Option<String>,
}

/// `[account]`: the deploying account and where its key comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSection {
    /// The account contract's address.
    pub address: String,
    /// The environment variable holding the private key.
    #[serde(default)]
    pub private_key_env: Option<String>,
    /// An encrypted JSON keystore (starkli's format).
    #[serde(default)]
    pub keystore: Option<PathBuf>,
    /// The environment variable holding the keystore's password.
    #[serde(default)]
    pub keystore_password_env: Option<String>,
}

/// `[roles]`: addresses, `"deployer"`, or `"governance_treasury"` (the GovernanceTreasury this
/// deployment creates; not for `minter` and `initial_holder`, which the token needs first).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolesSection {
    /// Final governance of every contract (receives it through the two-step transfer).
    pub governance: String,
    /// Receives platform fees and slashed stakes.
    pub treasury: String,
    /// Sets the CIRO/USD price.
    pub oracle: String,
    /// May pause the token.
    pub emergency_council: String,
    /// May mint within the rate limit.
    pub minter: String,
    /// Receives the 50,000,000 CIRO minted at deployment.
    pub initial_holder: String,
}

/// `[token]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSection {
    /// Whole CIRO the minter may mint per period.
    pub mint_limit_ciro: u64,
    /// The minting window.
    pub mint_period_seconds: u64,
}

/// `[pool]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSection {
    /// Initial CIRO/USD price, 8 decimals.
    pub price_usd_e8: u64,
    /// Lowest price the oracle may set.
    pub min_price_usd_e8: u64,
    /// Highest price the oracle may set.
    pub max_price_usd_e8: u64,
    /// A price older than this is stale.
    pub max_price_age_seconds: u64,
    /// Unstake cooldown.
    pub unstake_cooldown_seconds: u64,
}

/// `[job_manager]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobManagerSection {
    /// Platform fee, basis points of each payment.
    pub platform_fee_bps: u16,
    /// Share of the fee burned, basis points.
    pub burn_share_bps: u16,
}

/// The keyword for the GovernanceTreasury this deployment creates.
pub const GOVERNANCE_TREASURY: &str = "governance_treasury";

/// The roles with `"deployer"` and `"governance_treasury"` resolved to addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles {
    /// Final governance.
    pub governance: Felt,
    /// Treasury.
    pub treasury: Felt,
    /// Price oracle.
    pub oracle: Felt,
    /// Emergency council.
    pub emergency_council: Felt,
    /// Minter.
    pub minter: Felt,
    /// Initial holder.
    pub initial_holder: Felt,
}

impl DeployConfig {
    /// Reads and validates `path`.
    ///
    /// # Errors
    /// Unreadable file, invalid TOML or an invalid value.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io { path: path.into(), source })?;
        Self::parse(&text, path)
    }

    /// Parses and validates `text`; `origin` names it in errors.
    ///
    /// # Errors
    /// Invalid TOML or an invalid value.
    pub fn parse(text: &str, origin: &Path) -> Result<Self, ConfigError> {
        let config: DeployConfig =
            toml::from_str(text).map_err(|e| ConfigError::Toml { path: origin.into(), message: e.to_string() })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let name_ok = !self.network.name.is_empty()
            && self.network.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !name_ok {
            return Err(invalid("network.name", "use letters, digits, '-' and '_' (it names the manifest file)"));
        }
        self.chain_id()?;
        self.salt()?;
        self.deployer_address()?;
        self.roles(Felt::ONE, Felt::TWO)?;
        if self.roles.minter == GOVERNANCE_TREASURY || self.roles.initial_holder == GOVERNANCE_TREASURY {
            return Err(invalid("roles", "minter and initial_holder cannot be the governance_treasury (the token is deployed first)"));
        }
        let council = self.council(Felt::ONE)?;
        let governance = &self.governance;
        if governance.council_threshold == 0 || governance.council_threshold as usize > council.len() {
            return Err(invalid("governance.council_threshold", "between 1 and the number of council members"));
        }
        if governance.quorum_bps == 0 || governance.quorum_bps > 10_000 {
            return Err(invalid("governance.quorum_bps", "between 1 and 10000"));
        }
        if governance.voting_period_seconds == 0 {
            return Err(invalid("governance.voting_period_seconds", "must be positive"));
        }
        match (&self.account.private_key_env, &self.account.keystore) {
            (Some(_), None) | (None, Some(_)) => {}
            _ => return Err(invalid("account", "set exactly one of private_key_env and keystore")),
        }
        if self.account.keystore.is_some() && self.account.keystore_password_env.is_none() {
            return Err(invalid("account.keystore_password_env", "name the variable holding the keystore's password"));
        }
        let pool = &self.pool;
        if !(pool.min_price_usd_e8 <= pool.price_usd_e8 && pool.price_usd_e8 <= pool.max_price_usd_e8) {
            return Err(invalid("pool.price_usd_e8", "must lie within [min_price_usd_e8, max_price_usd_e8]"));
        }
        if self.job_manager.platform_fee_bps > 2_000 {
            return Err(invalid("job_manager.platform_fee_bps", "at most 2000 (20%)"));
        }
        if self.job_manager.burn_share_bps > 10_000 {
            return Err(invalid("job_manager.burn_share_bps", "at most 10000 (100%)"));
        }
        Ok(())
    }

    /// The expected chain id as a felt.
    ///
    /// # Errors
    /// Neither a `0x` felt nor a short string.
    pub fn chain_id(&self) -> Result<Felt, ConfigError> {
        parse_felt_or_short_string(&self.network.chain_id)
            .ok_or_else(|| invalid("network.chain_id", "write SN_MAIN, SN_SEPOLIA or a 0x felt"))
    }

    /// The deployment salt (default `ciro`).
    ///
    /// # Errors
    /// Not a short string.
    pub fn salt(&self) -> Result<Felt, ConfigError> {
        let salt = self.network.salt.as_deref().unwrap_or("ciro");
        cairo_short_string_to_felt(salt).map_err(|_| invalid("network.salt", "at most 31 ASCII characters"))
    }

    /// The deployer's address.
    ///
    /// # Errors
    /// Not a felt.
    pub fn deployer_address(&self) -> Result<Felt, ConfigError> {
        parse_address(&self.account.address, Felt::ZERO, "account.address")
    }

    /// Every role resolved: `"deployer"` is `deployer`, `"governance_treasury"` is `treasury`.
    ///
    /// # Errors
    /// A role is not an address or a keyword.
    pub fn roles(&self, deployer: Felt, treasury: Felt) -> Result<Roles, ConfigError> {
        let r = &self.roles;
        let resolve = |value: &str, field| {
            if value == GOVERNANCE_TREASURY {
                Ok(treasury)
            } else {
                parse_address(value, deployer, field)
            }
        };
        Ok(Roles {
            governance: resolve(&r.governance, "roles.governance")?,
            treasury: resolve(&r.treasury, "roles.treasury")?,
            oracle: resolve(&r.oracle, "roles.oracle")?,
            emergency_council: resolve(&r.emergency_council, "roles.emergency_council")?,
            minter: resolve(&r.minter, "roles.minter")?,
            initial_holder: resolve(&r.initial_holder, "roles.initial_holder")?,
        })
    }

    /// The council members, `"deployer"` resolved.
    ///
    /// # Errors
    /// A member is not an address, or there are none.
    pub fn council(&self, deployer: Felt) -> Result<Vec<Felt>, ConfigError> {
        if self.governance.council.is_empty() {
            return Err(invalid("governance.council", "name at least one member"));
        }
        self.governance.council.iter().map(|member| parse_address(member, deployer, "governance.council")).collect()
    }

    /// The deployer's signer, from the environment variable or the keystore.
    ///
    /// # Errors
    /// The variable is unset or not a key, or the keystore cannot be opened.
    pub fn signer(&self) -> Result<LocalWallet, ConfigError> {
        if let Some(keystore) = &self.account.keystore {
            let password_env = self.account.keystore_password_env.as_deref().unwrap_or_default();
            let password = std::env::var(password_env).map_err(|_| ConfigError::Keystore {
                path: keystore.clone(),
                message: format!("environment variable {password_env} (the password) is not set"),
            })?;
            let key = SigningKey::from_keystore(keystore, &password)
                .map_err(|e| ConfigError::Keystore { path: keystore.clone(), message: e.to_string() })?;
            return Ok(LocalWallet::from(key));
        }
        let variable = self.account.private_key_env.clone().unwrap_or_default();
        let value = std::env::var(&variable).map_err(|_| ConfigError::MissingKey(variable.clone()))?;
        let secret = Felt::from_hex(value.trim())
            .map_err(|_| invalid("account.private_key_env", &format!("{variable} does not hold a 0x… private key")))?;
        Ok(LocalWallet::from(SigningKey::from_secret_scalar(secret)))
    }
}

fn invalid(field: &'static str, message: &str) -> ConfigError {
    ConfigError::Invalid { field, message: message.to_owned() }
}

fn parse_address(value: &str, deployer: Felt, field: &'static str) -> Result<Felt, ConfigError> {
    if value == "deployer" {
        return Ok(deployer);
    }
    match Felt::from_hex(value) {
        Ok(address) if value.starts_with("0x") && address != Felt::ZERO => Ok(address),
        _ => Err(invalid(field, &format!("`{value}` is not a nonzero 0x address or \"deployer\""))),
    }
}

/// `0x…` as a felt, else a Cairo short string.
pub fn parse_felt_or_short_string(value: &str) -> Option<Felt> {
    if value.starts_with("0x") {
        Felt::from_hex(value).ok()
    } else if !value.is_empty() {
        cairo_short_string_to_felt(value).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The template, with the one value a deployer must fill in filled in.
    fn sepolia() -> String {
        include_str!("../networks/sepolia.toml").replace("REPLACE_WITH_YOUR_ACCOUNT_ADDRESS", "0x1234")
    }

    #[test]
    fn the_sepolia_template_parses_once_filled_in() {
        let error = DeployConfig::parse(include_str!("../networks/sepolia.toml"), Path::new("sepolia.toml"))
            .expect_err("the placeholder is not an address");
        assert!(error.to_string().contains("account.address"), "{error}");
        let config = DeployConfig::parse(&sepolia(), Path::new("sepolia.toml")).expect("template is valid");
        assert_eq!(config.chain_id().expect("chain id"), cairo_short_string_to_felt("SN_SEPOLIA").expect("felt"));
        assert_eq!(config.network.name, "sepolia");
        let devnet = DeployConfig::parse(include_str!("../networks/devnet.toml"), Path::new("devnet.toml"));
        assert!(devnet.is_ok(), "{devnet:?}");
    }

    #[test]
    fn deployer_stands_for_the_deploying_account() {
        let config = DeployConfig::parse(&sepolia(), Path::new("sepolia.toml")).expect("template is valid");
        let roles = config.roles(Felt::from(7u8), Felt::from(9u8)).expect("roles");
        assert_eq!(roles.minter, Felt::from(7u8));
        assert_eq!(roles.governance, Felt::from(9u8), "governance_treasury is the deployed treasury");
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let text = sepolia().replace("platform_fee_bps = 500", "platform_fee_bps = 5000");
        let error = DeployConfig::parse(&text, Path::new("x.toml")).expect_err("fee too high");
        assert!(error.to_string().starts_with("job_manager.platform_fee_bps"), "{error}");

        let text = sepolia().replace("[pool]", "[pool]\nunknown_key = 1");
        let error = DeployConfig::parse(&text, Path::new("x.toml")).expect_err("unknown key");
        assert!(error.to_string().contains("unknown_key"), "{error}");
    }

    #[test]
    fn a_role_must_be_an_address_or_deployer() {
        let text = sepolia().replace("minter = \"deployer\"", "minter = \"alice\"");
        let error = DeployConfig::parse(&text, Path::new("x.toml")).expect_err("bad role");
        assert!(error.to_string().contains("roles.minter"), "{error}");
    }
}
