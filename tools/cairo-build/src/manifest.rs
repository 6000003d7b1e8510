//! Reading `Scarb.toml`: a workspace of packages, or a single package.
//!
//! Only what the build needs is read: `[workspace] members`, `[package] name` and the
//! `[[target.starknet-contract]]` table with its `sierra` / `casm` flags. Everything else a real
//! Scarb understands (dependencies, profiles, tool sections) is accepted and ignored, so the same
//! manifest serves Scarb users and this driver.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{BuildError, Result};

/// The manifest file name, as Scarb names it.
pub const MANIFEST_FILE: &str = "Scarb.toml";

/// A workspace: its root (where `target/` goes) and the packages to build.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The directory of the root `Scarb.toml`.
    pub root: PathBuf,
    /// Packages, in manifest order.
    pub packages: Vec<Package>,
}

/// One Cairo package.
#[derive(Debug, Clone)]
pub struct Package {
    /// `[package] name`: the crate name and the artifact file prefix.
    pub name: String,
    /// The package directory (holding `Scarb.toml` and `src/lib.cairo`).
    pub root: PathBuf,
    /// The `[[target.starknet-contract]]` target, if the package has one.
    pub starknet_contract: Option<StarknetContractTarget>,
    /// Cairo packages it depends on by path (`name = { path = "..." }`), transitively, each once.
    /// Version-only entries such as `starknet = ">=2.1.0"` name the compiler's own libraries and
    /// need nothing here.
    pub dependencies: Vec<Dependency>,
}

/// A path dependency: a crate the package's code can `use`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// The dependency's package name (its crate name).
    pub name: String,
    /// Its package directory.
    pub root: PathBuf,
}

/// Settings of a `[[target.starknet-contract]]` target.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StarknetContractTarget {
    /// Write `<package>_<Contract>.contract_class.json` (Scarb's default: true).
    #[serde(default = "default_true")]
    pub sierra: bool,
    /// Write CASM. Not produced by this driver: CASM must match the target network's compiler, so
    /// the deployer compiles it at declare time.
    #[serde(default)]
    pub casm: bool,
}

fn default_true() -> bool {
    true
}

#[derive(Deserialize)]
struct RawManifest {
    workspace: Option<RawWorkspace>,
    package: Option<RawPackage>,
    #[serde(default)]
    target: RawTargets,
    #[serde(default)]
    dependencies: std::collections::BTreeMap<String, RawDependency>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawDependency {
    Version(#[allow(dead_code)] String),
    Detailed { path: Option<PathBuf> },
}

#[derive(Deserialize)]
struct RawWorkspace {
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
}

#[derive(Default, Deserialize)]
struct RawTargets {
    #[serde(rename = "starknet-contract", default)]
    starknet_contract: Vec<StarknetContractTarget>,
}

impl Workspace {
    /// Reads the manifest at `path` (a `Scarb.toml` or the directory holding one).
    ///
    /// # Errors
    /// A missing or unreadable manifest, invalid TOML, a workspace member without a manifest,
    /// an invalid package name, or a manifest with neither `[workspace]` nor `[package]`.
    pub fn load(path: &Path) -> Result<Self> {
        let manifest_path =
            if path.is_dir() { path.join(MANIFEST_FILE) } else { path.to_path_buf() };
        let root = manifest_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let raw = read_manifest(&manifest_path)?;
        let mut packages = Vec::new();
        if let Some(package) = package_from(&raw, &root, &manifest_path)? {
            packages.push(package);
        }
        if let Some(workspace) = &raw.workspace {
            for member in &workspace.members {
                let member_root = root.join(member);
                let member_manifest = member_root.join(MANIFEST_FILE);
                let member_raw = read_manifest(&member_manifest)?;
                match package_from(&member_raw, &member_root, &member_manifest)? {
                    Some(package) => packages.push(package),
                    None => {
                        return Err(BuildError::Manifest {
                            path: member_manifest,
                            reason: "a workspace member needs a [package] section".into(),
                        })
                    }
                }
            }
        }
        if packages.is_empty() {
            return Err(BuildError::Manifest {
                path: manifest_path,
                reason: "expected a [package] section or a [workspace] with members".into(),
            });
        }
        Ok(Workspace { root, packages })
    }

    /// Where artifacts go, as in Scarb: `<workspace root>/target/dev`.
    pub fn artifacts_dir(&self) -> PathBuf {
        self.root.join("target").join("dev")
    }
}

impl Package {
    /// The crate root: `src/` of the package.
    pub fn source_dir(&self) -> PathBuf {
        self.root.join("src")
    }
}

fn read_manifest(path: &Path) -> Result<RawManifest> {
    let text = std::fs::read_to_string(path).map_err(BuildError::io("reading", path))?;
    toml::from_str(&text).map_err(|error| BuildError::Manifest {
        path: path.to_path_buf(),
        reason: error.to_string(),
    })
}

fn package_from(raw: &RawManifest, root: &Path, manifest: &Path) -> Result<Option<Package>> {
    let Some(package) = &raw.package else { return Ok(None) };
    let valid_name = !package.name.is_empty()
        && package.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !package.name.starts_with(|c: char| c.is_ascii_digit());
    if !valid_name {
        return Err(BuildError::Manifest {
            path: manifest.to_path_buf(),
            reason: format!(
                "package name `{}` must be snake_case ASCII (it is the Cairo crate name)",
                package.name
            ),
        });
    }
    if raw.target.starknet_contract.len() > 1 {
        return Err(BuildError::Manifest {
            path: manifest.to_path_buf(),
            reason: "at most one [[target.starknet-contract]] is supported".into(),
        });
    }
    let mut dependencies = Vec::new();
    collect_path_dependencies(raw, root, manifest, &mut dependencies)?;
    Ok(Some(Package {
        name: package.name.clone(),
        root: root.to_path_buf(),
        starknet_contract: raw.target.starknet_contract.first().cloned(),
        dependencies,
    }))
}

/// Adds `raw`'s path dependencies and theirs to `out`, each package once.
fn collect_path_dependencies(
    raw: &RawManifest,
    root: &Path,
    manifest: &Path,
    out: &mut Vec<Dependency>,
) -> Result<()> {
    for (name, dependency) in &raw.dependencies {
        let RawDependency::Detailed { path: Some(path) } = dependency else { continue };
        let dep_root = root.join(path);
        let dep_manifest = dep_root.join(MANIFEST_FILE);
        let dep_raw = read_manifest(&dep_manifest)?;
        let dep_name = dep_raw.package.as_ref().map(|p| p.name.clone());
        if dep_name.as_deref() != Some(name.as_str()) {
            return Err(BuildError::Manifest {
                path: manifest.to_path_buf(),
                reason: format!(
                    "dependency `{name}` points at {}, whose package is {:?}",
                    dep_root.display(),
                    dep_name.unwrap_or_default()
                ),
            });
        }
        if out.iter().any(|known| known.name == *name) {
            continue;
        }
        out.push(Dependency { name: name.clone(), root: dep_root.clone() });
        collect_path_dependencies(&dep_raw, &dep_root, &dep_manifest, out)?;
    }
    Ok(())
}
