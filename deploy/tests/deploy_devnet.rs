//! `ciro-deploy` run as a process against a real devnet: a full deployment verified by reading it
//! back, a dry run that sends nothing, resuming after an interruption (between steps, and between
//! sending a transaction and recording it), the refusals (wrong chain, changed configuration), and
//! the role warnings outside devnet.

use std::path::{Path, PathBuf};
use std::process::Output;

use ciro_deploy::Manifest;
use ciro_devnet::{Devnet, DevnetConfig};
use starknet::core::types::{BlockId, BlockTag, Felt};
use starknet::providers::Provider;

const KEY_ENV: &str = "CIRO_TEST_DEPLOYER_KEY";

/// A devnet, a scratch directory with a configuration for it, and the deployer's key.
struct Setup {
    devnet: Devnet,
    dir: PathBuf,
    key: Felt,
}

impl Setup {
    async fn new(name: &str) -> anyhow::Result<Self> {
        let devnet = Devnet::spawn(DevnetConfig::default()).await?;
        let dir = std::env::temp_dir().join(format!("ciro-deploy-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let key = devnet.predeployed_accounts()[0].private_key;
        let setup = Setup { devnet, dir, key };
        setup.write_config(&setup.config_text(|text| text))?;
        Ok(setup)
    }

    /// devnet.toml pointed at this devnet and its first account; `edit` changes it further.
    fn config_text(&self, edit: impl Fn(String) -> String) -> String {
        let account = self.devnet.predeployed_accounts()[0].address;
        let text = include_str!("../networks/devnet.toml")
            .replace("http://127.0.0.1:5050/rpc", self.devnet.url().as_str())
            .replace(
                "0x064b48806902a367c8598f4f95c305e8c1a1acba5f082d294a43793113115691",
                &format!("{account:#066x}"),
            )
            .replace("CIRO_DEVNET_PRIVATE_KEY", KEY_ENV);
        edit(text)
    }

    fn write_config(&self, text: &str) -> anyhow::Result<()> {
        std::fs::write(self.config_path(), text)?;
        Ok(())
    }

    fn config_path(&self) -> PathBuf {
        self.dir.join("devnet.toml")
    }

    fn manifest_path(&self) -> PathBuf {
        Manifest::path_for(&self.dir, "devnet")
    }

    fn manifest(&self) -> anyhow::Result<Manifest> {
        Manifest::load(&self.manifest_path())?.ok_or_else(|| anyhow::anyhow!("no manifest written"))
    }

    fn ciro_deploy(&self, args: &[&str]) -> anyhow::Result<Output> {
        self.ciro_deploy_with_env(args, &[])
    }

    fn ciro_deploy_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<Output> {
        let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/dev");
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_ciro-deploy"))
            .arg("--config")
            .arg(self.config_path())
            .arg("--artifacts")
            .arg(artifacts)
            .arg("--manifest-dir")
            .arg(&self.dir)
            .args(args)
            .env(KEY_ENV, format!("{:#x}", self.key))
            .envs(env.iter().copied())
            .output()?;
        Ok(output)
    }

    async fn nonce(&self) -> anyhow::Result<Felt> {
        let deployer = self.devnet.predeployed_accounts()[0].address;
        Ok(self.devnet.provider().get_nonce(BlockId::Tag(BlockTag::Latest), deployer).await?)
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn row<'a>(stdout: &'a str, step: &str) -> &'a str {
    stdout.lines().find(|line| line.starts_with(&format!("{step} "))).unwrap_or("")
}

#[tokio::test]
async fn a_dry_run_estimates_every_step_and_sends_nothing() -> anyhow::Result<()> {
    let setup = Setup::new("dry-run").await?;
    let output = setup.ciro_deploy(&["--dry-run"])?;
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8(output.stdout)?;
    for step in ["declare CIROToken", "declare JobManager", "deploy ProofVerifier", "CDCPool.set_job_manager"] {
        let line = row(&stdout, step);
        assert!(line.contains("to do"), "{step}: {line}");
        let fee: f64 = line.split_whitespace().last().unwrap_or("").parse()?;
        assert!(fee > 0.0, "{step} has a fee estimate: {line}");
    }
    assert_eq!(setup.nonce().await?, Felt::ZERO, "nothing was sent");
    assert!(!setup.manifest_path().exists(), "a dry run writes no manifest");
    assert!(!stdout.contains("role warnings"), "devnet's convenient roles are not reported: {stdout}");
    Ok(())
}

/// devnet.toml's roles (the deployer mints, sets the price, is a 1-of-1 council) on a network not
/// named devnet: the dry run warns on stderr and in its output; with `--deny-role-warnings` it
/// refuses and sends nothing.
#[tokio::test]
async fn unsafe_roles_are_reported_loudly_outside_devnet() -> anyhow::Result<()> {
    let setup = Setup::new("role-warnings").await?;
    setup.write_config(&setup.config_text(|text| text.replace("name = \"devnet\"", "name = \"staging\"")))?;
    let output = setup.ciro_deploy(&["--dry-run"])?;
    assert!(output.status.success(), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stderr.contains("WARNING: 4 unsafe role assignment(s) for network `staging`"), "{stderr}");
    assert!(stdout.contains("role warnings (4)"), "{stdout}");
    for part in ["may mint 10000000 CIRO", "the oracle is the deployer's key", "1-of-1", "holds minter and oracle and council"] {
        assert!(stderr.contains(part) && stdout.contains(part), "{part}: {stderr}\n{stdout}");
    }

    let denied = setup.ciro_deploy(&["--deny-role-warnings"])?;
    assert!(!denied.status.success());
    assert!(text(&denied).contains("4 role warning(s) with --deny-role-warnings: nothing was sent"), "{}", text(&denied));
    assert_eq!(setup.nonce().await?, Felt::ZERO, "nothing was sent");
    Ok(())
}

/// Transactions a run stopped after `deploy <contract>` sent: every declaration, then the
/// deployments up to that contract.
fn sent_through(contract: &str) -> u64 {
    let contracts = ciro_deploy::plan::CONTRACTS;
    let position = contracts.iter().position(|c| *c == contract).unwrap_or(contracts.len());
    (contracts.len() + position + 1) as u64
}

/// Rows of a run's table whose status is `sent`.
fn sent_rows(stdout: &str) -> u64 {
    stdout.lines().filter(|line| line.split_whitespace().any(|word| word == "sent")).count() as u64
}

#[tokio::test]
async fn an_interrupted_deployment_resumes_without_redoing_finished_steps() -> anyhow::Result<()> {
    let setup = Setup::new("resume").await?;

    // A staged run stops after the pool's deployment.
    let first = setup.ciro_deploy(&["--until", "deploy CDCPool"])?;
    assert!(first.status.success(), "{}", text(&first));
    assert_eq!(setup.nonce().await?, Felt::from(sent_through("CDCPool")));
    assert_eq!(sent_rows(&String::from_utf8(first.stdout)?), sent_through("CDCPool"));
    let partial = setup.manifest()?;
    assert_eq!(partial.contracts.len() as u64, sent_through("CDCPool") - ciro_deploy::plan::CONTRACTS.len() as u64);
    assert!(partial.verified.is_none());

    // A crash between sending the verifier's deployment and recording it: the contract is on the
    // chain, the manifest does not know.
    let second = setup.ciro_deploy(&["--until", "deploy ProofVerifier"])?;
    assert!(second.status.success(), "{}", text(&second));
    let mut crashed = setup.manifest()?;
    let verifier = crashed.contracts.remove("ProofVerifier").ok_or_else(|| anyhow::anyhow!("verifier recorded"))?;
    crashed.save(&setup.manifest_path())?;
    let nonce_before_resume = sent_through("ProofVerifier");
    assert_eq!(setup.nonce().await?, Felt::from(nonce_before_resume));

    let last = setup.ciro_deploy(&[])?;
    assert!(last.status.success(), "{}", text(&last));
    let stdout = String::from_utf8(last.stdout)?;
    assert!(row(&stdout, "declare CIROToken").contains("done (manifest)"), "{stdout}");
    assert!(row(&stdout, "deploy CDCPool").contains("done (manifest)"), "{stdout}");
    assert!(row(&stdout, "deploy ProofVerifier").contains("found on chain"), "{stdout}");
    assert!(row(&stdout, "deploy JobManager").contains("sent"), "{stdout}");
    assert!(row(&stdout, "CDCPool.set_job_manager").contains("sent"), "{stdout}");
    // Exactly the rows marked sent were sent: nothing finished was redone.
    let resumed_sent = sent_rows(&stdout);
    assert_eq!(setup.nonce().await?, Felt::from(nonce_before_resume + resumed_sent));

    let done = setup.manifest()?;
    for (name, record) in &partial.contracts {
        assert_eq!(done.contracts.get(name), Some(record), "{name} kept its record");
    }
    assert_eq!(done.classes, partial.classes);
    assert_eq!(done.contracts.get("ProofVerifier").map(|c| c.address), Some(verifier.address));
    assert_eq!(done.contracts.len(), ciro_deploy::plan::CONTRACTS.len());
    let verified = done.verified.ok_or_else(|| anyhow::anyhow!("the wiring was read back"))?;
    assert!(verified.checks.iter().any(|c| c.starts_with("CDCPool.job_manager")), "{:?}", verified.checks);
    assert!(verified.checks.iter().any(|c| c.starts_with("JobManager.set_burn_manager")), "{:?}", verified.checks);
    // devnet.toml hands governance and the emergency council to the GovernanceTreasury.
    for check in [
        "JobManager.governance = GovernanceTreasury",
        "CIROToken.set_emergency_council in effect",
        "JobManager.set_assigner in effect",
        "JobManager.set_min_completion_window in effect",
        "CIROToken.set_pause_exempt JobManager in effect",
        "CIROToken.set_pause_exempt CDCPool in effect",
    ] {
        assert!(verified.checks.iter().any(|c| c == check), "{check}: {:?}", verified.checks);
    }
    assert_eq!(done.compilers.cairo, "2.1.0");

    // Running again sends nothing.
    let again = setup.ciro_deploy(&[])?;
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(sent_rows(&String::from_utf8(again.stdout)?), 0);
    assert_eq!(setup.nonce().await?, Felt::from(nonce_before_resume + resumed_sent));
    Ok(())
}

#[tokio::test]
async fn governance_is_handed_over_and_read_back() -> anyhow::Result<()> {
    let setup = Setup::new("governance").await?;
    let council = setup.devnet.predeployed_accounts()[1].address;
    setup.write_config(&setup.config_text(|text| {
        text.replace("governance = \"governance_treasury\"", &format!("governance = \"{council:#x}\""))
            .replace("treasury = \"governance_treasury\"", &format!("treasury = \"{council:#x}\""))
    }))?;
    let output = setup.ciro_deploy(&[])?;
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8(output.stdout)?;
    assert!(row(&stdout, "JobManager.transfer_governance").contains("sent"), "{stdout}");
    assert!(stdout.contains("must now call accept_governance"), "{stdout}");
    let manifest = setup.manifest()?;
    let pool = manifest.address_of("CDCPool").ok_or_else(|| anyhow::anyhow!("pool deployed"))?;
    let reader = ciro_bindings::cdc_pool::CdcPoolReader::new(pool, setup.devnet.provider());
    assert_eq!(reader.pending_governance().call().await?.0, council);
    assert_eq!(reader.treasury().call().await?.0, council);
    // The wiring the deployer did before handing governance over.
    let deployer = setup.devnet.predeployed_accounts()[0].address;
    let job_manager = manifest.address_of("JobManager").ok_or_else(|| anyhow::anyhow!("JobManager deployed"))?;
    let jobs = ciro_bindings::job_manager::JobManagerReader::new(job_manager, setup.devnet.provider());
    assert_eq!(jobs.assigner().call().await?.0, deployer, "devnet.toml: assigner = \"deployer\"");
    assert_eq!(jobs.min_completion_window().call().await?, 20);
    let token = manifest.address_of("CIROToken").ok_or_else(|| anyhow::anyhow!("token deployed"))?;
    let token = ciro_bindings::token::CiroTokenReader::new(token, setup.devnet.provider());
    for exempt in [job_manager, pool] {
        assert!(token.is_pause_exempt(&cainome::cairo_serde::ContractAddress(exempt)).call().await?);
    }
    Ok(())
}

#[tokio::test]
async fn a_node_on_another_chain_is_refused() -> anyhow::Result<()> {
    let setup = Setup::new("chain-id").await?;
    setup.write_config(&setup.config_text(|text| text.replace("chain_id = \"SN_SEPOLIA\"", "chain_id = \"SN_MAIN\"")))?;
    let output = setup.ciro_deploy(&[])?;
    assert!(!output.status.success());
    let message = text(&output);
    assert!(message.contains("the node's chain id is SN_SEPOLIA, the configuration expects SN_MAIN"), "{message}");
    assert_eq!(setup.nonce().await?, Felt::ZERO);
    Ok(())
}

#[tokio::test]
async fn a_configuration_changed_midway_is_refused() -> anyhow::Result<()> {
    let setup = Setup::new("changed").await?;
    let first = setup.ciro_deploy(&["--until", "deploy CDCPool"])?;
    assert!(first.status.success(), "{}", text(&first));
    setup.write_config(&setup.config_text(|text| text.replace("unstake_cooldown_seconds = 604800", "unstake_cooldown_seconds = 3600")))?;
    let output = setup.ciro_deploy(&[])?;
    assert!(!output.status.success());
    let message = text(&output);
    assert!(message.contains("the manifest has CDCPool at"), "{message}");
    assert_eq!(setup.nonce().await?, Felt::from(sent_through("CDCPool")), "nothing more was sent");
    Ok(())
}

#[tokio::test]
async fn a_missing_key_says_which_variable_to_set() -> anyhow::Result<()> {
    let setup = Setup::new("no-key").await?;
    setup.write_config(&setup.config_text(|text| text.replace(KEY_ENV, "CIRO_TEST_UNSET_VARIABLE")))?;
    let output = setup.ciro_deploy(&[])?;
    assert!(!output.status.success());
    assert!(text(&output).contains("environment variable CIRO_TEST_UNSET_VARIABLE is not set"), "{}", text(&output));
    Ok(())
}

#[tokio::test]
async fn a_keystore_can_hold_the_key() -> anyhow::Result<()> {
    let setup = Setup::new("keystore").await?;
    let keystore = setup.dir.join("deployer.json");
    starknet::signers::SigningKey::from_secret_scalar(setup.key).save_as_keystore(&keystore, "correct horse")?;
    let keystore_lines = format!("keystore = \"{}\"\nkeystore_password_env = \"CIRO_TEST_PASSWORD\"", keystore.display());
    setup.write_config(&setup.config_text(|text| text.replace(&format!("private_key_env = \"{KEY_ENV}\""), &keystore_lines)))?;

    let wrong = setup.ciro_deploy_with_env(&["--dry-run"], &[("CIRO_TEST_PASSWORD", "wrong")])?;
    assert!(!wrong.status.success());
    assert!(text(&wrong).contains("opening keystore"), "{}", text(&wrong));

    let right = setup.ciro_deploy_with_env(&["--dry-run"], &[("CIRO_TEST_PASSWORD", "correct horse")])?;
    assert!(right.status.success(), "{}", text(&right));
    Ok(())
}
