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
//! oracle = "0x…"                         # a dedicated key, not the deployer's
//! emergency_council = "governance_treasury"
//! minter = "none"                        # or an address; "none" = nobody mints until governance says
//! initial_holder = "deployer"
//! assigner = "0x…"                       # the keeper: the only caller of JobManager.assign_job
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
//! mint_limit_ciro = 0                    # whole CIRO per period
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
//! min_completion_window_seconds = 300    # optional; the contract's default when absent
//! ```
//!
//! Outside a local devnet, [`DeployConfig::role_warnings`] reports roles that put the system in one
//! key's hands (a minter that may mint, the deployer as oracle, a council one signature can move,
//! one key holding several roles); `ciro-deploy` prints them loudly and, with
//! `--deny-role-warnings`, refuses to deploy.

use std::fmt;
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
/// deployment creates; not for `minter` and `initial_holder`, which the token needs first, nor for
/// `assigner`, which must be an account). `minter` may also be `"none"`: the zero address, so
/// nobody can mint until governance appoints a minter.
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
    /// May mint within the rate limit; `"none"` for nobody.
    pub minter: String,
    /// Receives the 50,000,000 CIRO minted at deployment.
    pub initial_holder: String,
    /// The keeper account, the only one that may call JobManager's `assign_job`.
    pub assigner: String,
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
    /// The least time between a job's assignment and its deadline; the contract's default (300 s)
    /// when absent.
    #[serde(default)]
    pub min_completion_window_seconds: Option<u64>,
}

/// Bounds JobManager accepts for its minimum completion window.
pub const MIN_COMPLETION_WINDOW_RANGE: (u64, u64) = (10, 7 * 86_400);

/// The keyword for the GovernanceTreasury this deployment creates.
pub const GOVERNANCE_TREASURY: &str = "governance_treasury";

/// The keyword for no minter (the zero address).
pub const NO_MINTER: &str = "none";

/// The network name under which unsafe roles are expected (a local chain) and not reported.
pub const LOCAL_NETWORK: &str = "devnet";

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
    /// Minter (zero: nobody).
    pub minter: Felt,
    /// Initial holder.
    pub initial_holder: Felt,
    /// JobManager's assigner (the keeper).
    pub assigner: Felt,
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
        if self.roles.assigner == GOVERNANCE_TREASURY {
            return Err(invalid("roles.assigner", "the keeper's account address (or \"deployer\"), not the governance_treasury"));
        }
        if let Some(window) = self.job_manager.min_completion_window_seconds {
            let (low, high) = MIN_COMPLETION_WINDOW_RANGE;
            if !(low..=high).contains(&window) {
                return Err(invalid("job_manager.min_completion_window_seconds", "between 10 and 604800 (7 days)"));
            }
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
        let minter = if r.minter == NO_MINTER { Ok(Felt::ZERO) } else { resolve(&r.minter, "roles.minter") };
        Ok(Roles {
            governance: resolve(&r.governance, "roles.governance")?,
            treasury: resolve(&r.treasury, "roles.treasury")?,
            oracle: resolve(&r.oracle, "roles.oracle")?,
            emergency_council: resolve(&r.emergency_council, "roles.emergency_council")?,
            minter: minter?,
            initial_holder: resolve(&r.initial_holder, "roles.initial_holder")?,
            assigner: resolve(&r.assigner, "roles.assigner")?,
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

    /// Whether this is a local chain, where convenient (unsafe) roles are expected: the network is
    /// named `devnet` and the chain is not mainnet.
    pub fn is_local(&self) -> bool {
        let mainnet = cairo_short_string_to_felt("SN_MAIN").ok();
        self.network.name == LOCAL_NETWORK && self.chain_id().ok() != mainnet
    }

    /// The roles that put the system in one key's hands, for a deployment by `deployer` whose
    /// GovernanceTreasury is at `treasury`; none on a local devnet ([`Self::is_local`]).
    ///
    /// # Errors
    /// A role or council member is not an address or a keyword.
    pub fn role_warnings(&self, deployer: Felt, treasury: Felt) -> Result<Vec<RoleWarning>, ConfigError> {
        if self.is_local() {
            return Ok(Vec::new());
        }
        let roles = self.roles(deployer, treasury)?;
        let council = self.council(deployer)?;
        Ok(role_warnings(&RoleCheck {
            deployer,
            treasury,
            roles: &roles,
            council: &council,
            council_threshold: self.governance.council_threshold,
            mint_limit_ciro: self.token.mint_limit_ciro,
            mint_period_seconds: self.token.mint_period_seconds,
        }))
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

/// What [`role_warnings`] looks at: resolved roles and the parameters that make them dangerous.
#[derive(Debug, Clone, Copy)]
pub struct RoleCheck<'a> {
    /// The deploying account.
    pub deployer: Felt,
    /// The GovernanceTreasury's address (a contract, not a key).
    pub treasury: Felt,
    /// Every role, resolved.
    pub roles: &'a Roles,
    /// The GovernanceTreasury's council members.
    pub council: &'a [Felt],
    /// Confirmations a council action needs.
    pub council_threshold: u32,
    /// Whole CIRO the minter may mint per period.
    pub mint_limit_ciro: u64,
    /// The minting period.
    pub mint_period_seconds: u64,
}

/// A role assignment that puts the system in one key's hands: fine on a local chain, a risk on a
/// real one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleWarning {
    /// An address may mint outside governance (enough, over time, to pass quorum and the 67% bar).
    MinterCanMint {
        /// The minter.
        minter: Felt,
        /// Whether it is the deployer.
        is_deployer: bool,
        /// Whole CIRO per period.
        limit_ciro: u64,
        /// The period.
        period_seconds: u64,
    },
    /// The deployer's key sets the CIRO/USD price (stakes' value, slashing amounts).
    OracleIsDeployer {
        /// The oracle.
        oracle: Felt,
    },
    /// One signature moves the emergency council (pauses, proposal cancellations).
    SingleKeyCouncil {
        /// Council members.
        members: usize,
        /// Confirmations needed.
        threshold: u32,
    },
    /// One key holds two or more of minter, oracle and council.
    RolesShareAKey {
        /// The key.
        key: Felt,
        /// Whether it is the deployer.
        is_deployer: bool,
        /// The roles it holds, among `minter`, `oracle` and `council`.
        roles: Vec<&'static str>,
    },
}

impl fmt::Display for RoleWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whose = |is_deployer: bool| if is_deployer { " (the deployer)" } else { "" };
        match self {
            RoleWarning::MinterCanMint { minter, is_deployer, limit_ciro, period_seconds } => write!(
                f,
                "the minter {minter:#x}{} may mint {limit_ciro} CIRO every {period_seconds} s outside governance, enough \
                 in time to pass quorum and the 67% bar alone: set roles.minter = \"none\" or token.mint_limit_ciro = 0 \
                 and let governance appoint a minter",
                whose(*is_deployer)
            ),
            RoleWarning::OracleIsDeployer { oracle } => write!(
                f,
                "the oracle is the deployer's key {oracle:#x}: it sets the CIRO/USD price that values stakes and \
                 slashing; set roles.oracle to a dedicated oracle key"
            ),
            RoleWarning::SingleKeyCouncil { members, threshold } => write!(
                f,
                "the emergency council is {threshold}-of-{members}: one key can pause JobManager, CDC_Pool and the \
                 token and cancel proposals; name at least 3 members in governance.council with a \
                 governance.council_threshold of at least 2"
            ),
            RoleWarning::RolesShareAKey { key, is_deployer, roles } => write!(
                f,
                "one key, {key:#x}{}, holds {}: give each role its own key",
                whose(*is_deployer),
                roles.join(" and ")
            ),
        }
    }
}

/// The roles in `check` that put the system in one key's hands, in a fixed order: the minter, the
/// oracle, the council, then each key holding several of those roles. Whether the network is a
/// local one is the caller's concern ([`DeployConfig::role_warnings`] skips devnet).
pub fn role_warnings(check: &RoleCheck<'_>) -> Vec<RoleWarning> {
    let roles = check.roles;
    let mut warnings = Vec::new();
    let minter_can_mint = roles.minter != Felt::ZERO && check.mint_limit_ciro > 0;
    if minter_can_mint {
        warnings.push(RoleWarning::MinterCanMint {
            minter: roles.minter,
            is_deployer: roles.minter == check.deployer,
            limit_ciro: check.mint_limit_ciro,
            period_seconds: check.mint_period_seconds,
        });
    }
    if roles.oracle == check.deployer {
        warnings.push(RoleWarning::OracleIsDeployer { oracle: roles.oracle });
    }
    let single_key_council = check.council_threshold <= 1 || check.council.len() <= 1;
    if single_key_council {
        warnings.push(RoleWarning::SingleKeyCouncil { members: check.council.len(), threshold: check.council_threshold });
    }

    // The keys that can act alone in each role.
    let mut holders: Vec<(Felt, &'static str)> = Vec::new();
    if minter_can_mint {
        holders.push((roles.minter, "minter"));
    }
    holders.push((roles.oracle, "oracle"));
    if roles.emergency_council != check.treasury && roles.emergency_council != Felt::ZERO {
        holders.push((roles.emergency_council, "council"));
    }
    if check.council_threshold <= 1 {
        holders.extend(check.council.iter().map(|&member| (member, "council")));
    }
    let mut keys: Vec<Felt> = holders.iter().map(|&(key, _)| key).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let mut held: Vec<&'static str> = holders.iter().filter(|&&(k, _)| k == key).map(|&(_, role)| role).collect();
        held.dedup();
        if held.len() >= 2 {
            warnings.push(RoleWarning::RolesShareAKey { key, is_deployer: key == check.deployer, roles: held });
        }
    }
    warnings
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

    /// The template, with the values a deployer must fill in filled in: its account 0x1234, the
    /// oracle 0x0a, the keeper 0x0b and council members 0xc1, 0xc2 and 0xc3.
    fn sepolia() -> String {
        include_str!("../networks/sepolia.toml")
            .replace("REPLACE_WITH_YOUR_ACCOUNT_ADDRESS", "0x1234")
            .replace("REPLACE_WITH_ORACLE_ADDRESS", "0x0a")
            .replace("REPLACE_WITH_KEEPER_ADDRESS", "0x0b")
            .replace("REPLACE_WITH_COUNCIL_MEMBER_", "0xc")
    }

    fn devnet() -> DeployConfig {
        DeployConfig::parse(include_str!("../networks/devnet.toml"), Path::new("devnet.toml")).expect("devnet template")
    }

    const DEPLOYER: Felt = Felt::from_hex_unchecked("0x7");
    const TREASURY: Felt = Felt::from_hex_unchecked("0x9");

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
    fn each_placeholder_must_be_filled_in() {
        for placeholder in ["REPLACE_WITH_ORACLE_ADDRESS", "REPLACE_WITH_KEEPER_ADDRESS", "REPLACE_WITH_COUNCIL_MEMBER_2"] {
            let text = sepolia().replace(
                match placeholder {
                    "REPLACE_WITH_ORACLE_ADDRESS" => "\"0x0a\"",
                    "REPLACE_WITH_KEEPER_ADDRESS" => "\"0x0b\"",
                    _ => "\"0xc2\"",
                },
                &format!("\"{placeholder}\""),
            );
            let error = DeployConfig::parse(&text, Path::new("x.toml")).expect_err("a placeholder is not an address");
            let field = match placeholder {
                "REPLACE_WITH_ORACLE_ADDRESS" => "roles.oracle",
                "REPLACE_WITH_KEEPER_ADDRESS" => "roles.assigner",
                _ => "governance.council",
            };
            assert!(error.to_string().starts_with(field), "{placeholder}: {error}");
        }
    }

    #[test]
    fn deployer_stands_for_the_deploying_account() {
        let config = DeployConfig::parse(&sepolia(), Path::new("sepolia.toml")).expect("template is valid");
        let roles = config.roles(DEPLOYER, TREASURY).expect("roles");
        assert_eq!(roles.initial_holder, DEPLOYER);
        assert_eq!(roles.governance, TREASURY, "governance_treasury is the deployed treasury");
        assert_eq!(devnet().roles(DEPLOYER, TREASURY).expect("roles").minter, DEPLOYER);
    }

    #[test]
    fn the_sepolia_template_defaults_to_safe_roles() {
        let config = DeployConfig::parse(&sepolia(), Path::new("sepolia.toml")).expect("template is valid");
        assert!(!config.is_local());
        let roles = config.roles(DEPLOYER, TREASURY).expect("roles");
        assert_eq!(roles.minter, Felt::ZERO, "minter = \"none\": nobody mints");
        assert_eq!(config.token.mint_limit_ciro, 0);
        assert_eq!(roles.oracle, Felt::from_hex_unchecked("0x0a"));
        assert_eq!(roles.assigner, Felt::from_hex_unchecked("0x0b"));
        assert_eq!(config.council(DEPLOYER).expect("council").len(), 3);
        assert_eq!(config.governance.council_threshold, 2);
        assert_eq!(config.role_warnings(DEPLOYER, TREASURY).expect("warnings"), Vec::new());
    }

    /// devnet.toml's roles: the deployer mints, sets the price and is a 1-of-1 council.
    fn devnet_roles_warnings() -> Vec<RoleWarning> {
        vec![
            RoleWarning::MinterCanMint { minter: DEPLOYER, is_deployer: true, limit_ciro: 10_000_000, period_seconds: 86_400 },
            RoleWarning::OracleIsDeployer { oracle: DEPLOYER },
            RoleWarning::SingleKeyCouncil { members: 1, threshold: 1 },
            RoleWarning::RolesShareAKey { key: DEPLOYER, is_deployer: true, roles: vec!["minter", "oracle", "council"] },
        ]
    }

    #[test]
    fn devnet_roles_are_reported_on_any_other_network() {
        let local = devnet();
        assert!(local.is_local());
        assert_eq!(local.role_warnings(DEPLOYER, TREASURY).expect("warnings"), Vec::new(), "a local chain");

        let mut staging = devnet();
        staging.network.name = "staging".into();
        let warnings = staging.role_warnings(DEPLOYER, TREASURY).expect("warnings");
        assert_eq!(warnings, devnet_roles_warnings());
        assert_eq!(warnings.len(), 4);
        let text = warnings.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n");
        assert!(text.contains("may mint 10000000 CIRO every 86400 s"), "{text}");
        assert!(text.contains("the emergency council is 1-of-1"), "{text}");
        assert!(text.contains("holds minter and oracle and council"), "{text}");

        // Named devnet but on mainnet: not a local chain.
        let mut mainnet = devnet();
        mainnet.network.chain_id = "SN_MAIN".into();
        assert!(!mainnet.is_local());
        assert_eq!(mainnet.role_warnings(DEPLOYER, TREASURY).expect("warnings"), devnet_roles_warnings());
    }

    #[test]
    fn each_unsafe_role_is_reported_on_its_own() {
        let safe = DeployConfig::parse(&sepolia(), Path::new("sepolia.toml")).expect("template is valid");
        let with = |edit: &dyn Fn(&mut DeployConfig)| {
            let mut config = safe.clone();
            edit(&mut config);
            config.role_warnings(DEPLOYER, TREASURY).expect("warnings")
        };
        // Any address with a non-zero mint limit, not only the deployer.
        let minter = Felt::from_hex_unchecked("0x0d");
        assert_eq!(
            with(&|c| {
                c.roles.minter = "0x0d".into();
                c.token.mint_limit_ciro = 1;
            }),
            vec![RoleWarning::MinterCanMint { minter, is_deployer: false, limit_ciro: 1, period_seconds: 86_400 }]
        );
        // A minter that may mint nothing is harmless.
        assert_eq!(with(&|c| c.roles.minter = "deployer".into()), Vec::new());
        assert_eq!(with(&|c| c.roles.oracle = "deployer".into()), vec![RoleWarning::OracleIsDeployer { oracle: DEPLOYER }]);
        assert_eq!(
            with(&|c| c.governance.council_threshold = 1),
            vec![RoleWarning::SingleKeyCouncil { members: 3, threshold: 1 }]
        );
        assert_eq!(
            with(&|c| {
                c.governance.council = vec!["0xc1".into()];
                c.governance.council_threshold = 1;
            }),
            vec![RoleWarning::SingleKeyCouncil { members: 1, threshold: 1 }]
        );
        // One key (not the deployer) holding the oracle and the council: an address as emergency
        // council, or a member of a 1-of-N council.
        let oracle = Felt::from_hex_unchecked("0x0a");
        assert_eq!(
            with(&|c| c.roles.emergency_council = "0x0a".into()),
            vec![RoleWarning::RolesShareAKey { key: oracle, is_deployer: false, roles: vec!["oracle", "council"] }]
        );
        let shared = with(&|c| {
            c.governance.council = vec!["0x0a".into(), "0xc2".into()];
            c.governance.council_threshold = 1;
        });
        assert_eq!(shared.last(), Some(&RoleWarning::RolesShareAKey { key: oracle, is_deployer: false, roles: vec!["oracle", "council"] }));
        // Minter and oracle on one key.
        let both = with(&|c| {
            c.roles.minter = "0x0a".into();
            c.token.mint_limit_ciro = 5;
        });
        assert_eq!(both.last(), Some(&RoleWarning::RolesShareAKey { key: oracle, is_deployer: false, roles: vec!["minter", "oracle"] }));
    }

    #[test]
    fn the_assigner_and_the_completion_window_are_checked() {
        assert_eq!(devnet().job_manager.min_completion_window_seconds, Some(20));
        let config = DeployConfig::parse(&sepolia(), Path::new("sepolia.toml")).expect("template is valid");
        assert_eq!(config.job_manager.min_completion_window_seconds, None, "the contract's default");

        let text = sepolia().replace("assigner = \"0x0b\"", "assigner = \"governance_treasury\"");
        let error = DeployConfig::parse(&text, Path::new("x.toml")).expect_err("the treasury assigns nothing");
        assert!(error.to_string().starts_with("roles.assigner"), "{error}");

        let text = sepolia().replace("burn_share_bps = 3000", "burn_share_bps = 3000\nmin_completion_window_seconds = 5");
        let error = DeployConfig::parse(&text, Path::new("x.toml")).expect_err("too short");
        assert!(error.to_string().starts_with("job_manager.min_completion_window_seconds"), "{error}");
        let text = sepolia().replace("burn_share_bps = 3000", "burn_share_bps = 3000\nmin_completion_window_seconds = 600");
        let config = DeployConfig::parse(&text, Path::new("x.toml")).expect("in range");
        assert_eq!(config.job_manager.min_completion_window_seconds, Some(600));
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
        let text = sepolia().replace("minter = \"none\"", "minter = \"alice\"");
        let error = DeployConfig::parse(&text, Path::new("x.toml")).expect_err("bad role");
        assert!(error.to_string().contains("roles.minter"), "{error}");
    }
}
