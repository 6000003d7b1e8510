//! Skipping unchanged packages.
//!
//! A package's fingerprint is a SHA-256 over what determines its artifacts: the driver version,
//! the corelib digest, the package's manifest and target settings, and every `.cairo` file under
//! `src/` of the package and of its path dependencies (path and content). It is stored next to the artifacts; a build whose fingerprint matches
//! and whose artifacts all exist does nothing.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::corelib::{hex, CORELIB_DIGEST};
use crate::error::{BuildError, Result};
use crate::manifest::Package;

/// Computes the fingerprint of `package`.
///
/// # Errors
/// A source file that cannot be read.
pub fn compute(package: &Package) -> Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"), "\0"));
    hasher.update(CORELIB_DIGEST.as_bytes());
    hasher.update(format!("\0{}\0{:?}\0", package.name, package.starknet_contract).as_bytes());
    let manifest = package.root.join(crate::manifest::MANIFEST_FILE);
    hasher.update(fs::read(&manifest).map_err(BuildError::io("reading", &manifest))?);
    let crates = std::iter::once((package.name.as_str(), package.root.as_path()))
        .chain(package.dependencies.iter().map(|d| (d.name.as_str(), d.root.as_path())));
    for (name, root) in crates {
        let mut files = Vec::new();
        collect_sources(&root.join("src"), &mut files)?;
        files.sort();
        for path in files {
            let data = fs::read(&path).map_err(BuildError::io("reading", &path))?;
            let relative = path.strip_prefix(root).unwrap_or(&path);
            hasher.update(format!("{name}/{}", relative.to_string_lossy()).as_bytes());
            hasher.update([0u8]);
            hasher.update((data.len() as u64).to_le_bytes());
            hasher.update(&data);
        }
    }
    Ok(hex(&hasher.finalize()))
}

/// Where the fingerprint of `package` is stored.
pub fn path(artifacts_dir: &Path, package: &str) -> PathBuf {
    artifacts_dir.join(".fingerprint").join(format!("{package}.sha256"))
}

/// Whether the stored fingerprint equals `fingerprint`.
pub fn is_fresh(artifacts_dir: &Path, package: &str, fingerprint: &str) -> bool {
    fs::read_to_string(path(artifacts_dir, package)).is_ok_and(|stored| stored.trim() == fingerprint)
}

/// Stores `fingerprint` for `package`.
///
/// # Errors
/// The file cannot be written.
pub fn store(artifacts_dir: &Path, package: &str, fingerprint: &str) -> Result<()> {
    let path = path(artifacts_dir, package);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(BuildError::io("creating", parent))?;
    }
    fs::write(&path, fingerprint).map_err(BuildError::io("writing", &path))
}

/// Removes the stored fingerprint, so a failed build is retried next time.
pub fn clear(artifacts_dir: &Path, package: &str) {
    let _ = fs::remove_file(path(artifacts_dir, package));
}

fn collect_sources(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        // A missing src/ is reported by the compiler with its own message.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(BuildError::Io { action: "listing", path: dir.into(), source }),
    };
    for entry in entries {
        let path = entry.map_err(BuildError::io("listing", dir))?.path();
        if path.is_dir() {
            collect_sources(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "cairo") {
            out.push(path);
        }
    }
    Ok(())
}
