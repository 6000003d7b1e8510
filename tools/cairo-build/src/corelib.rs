//! Locating, fetching and verifying the Cairo 2.1.0 core library.
//!
//! The compiler crates on crates.io do not ship the core library (`core::...`). The only complete
//! copy on a registry we can reach is inside PyPI's `cairo-lang==0.12.3` source archive, which
//! bundles the Sierra compiler 2.1.0 and its corelib. Resolution order:
//!
//! 1. `--corelib DIR` or `CAIRO_CORELIB` (the directory holding `src/lib.cairo`, or `src/` itself);
//! 2. the per-user cache (`$CIRO_CACHE_DIR`, else `$XDG_CACHE_HOME/ciro`, else `~/.cache/ciro`);
//! 3. a fresh download with pip, extracted, verified and moved into the cache atomically.
//!
//! Every corelib is verified against [`CORELIB_DIGEST`] before use, so a truncated download or a
//! corelib of another Cairo version is rejected instead of producing subtly wrong classes.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::error::{BuildError, Result};

/// The PyPI package whose source archive carries the corelib.
pub const CORELIB_PYPI_PACKAGE: &str = "cairo-lang==0.12.3";
/// Where the corelib sits inside that archive.
pub const CORELIB_ARCHIVE_DIR: &str = "starkware/starknet/compiler/v1/sierra-compiler-major-1/corelib/";
/// The name of the cache entry.
pub const CORELIB_CACHE_NAME: &str = "corelib-2.1.0";
/// SHA-256 over the corelib's `src/**/*.cairo` files (see [`corelib_digest`]) for Cairo 2.1.0.
pub const CORELIB_DIGEST: &str =
    "9c9e28dc617f1f5130d091bf7470bb64b3a692c3ad4318eafed10a3df26d8e02";

/// Where a corelib came from; printed in the build summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorelibOrigin {
    /// Given with `--corelib` or `CAIRO_CORELIB`.
    Explicit,
    /// Found in the per-user cache.
    Cache,
    /// Downloaded during this build and installed in the cache.
    Downloaded,
}

/// A verified core library.
#[derive(Debug, Clone)]
pub struct Corelib {
    /// The crate root of `core` (the directory holding `lib.cairo`).
    pub src: PathBuf,
    /// How it was found.
    pub origin: CorelibOrigin,
}

/// Finds (or fetches) and verifies the corelib.
///
/// # Errors
/// An explicit directory that is not a Cairo 2.1.0 corelib; no cache and a download that fails
/// (the message says how to fix it); an archive without the corelib; a digest mismatch.
pub fn resolve(explicit: Option<&Path>) -> Result<Corelib> {
    if let Some(dir) = explicit {
        let src = crate_root(dir).ok_or_else(|| {
            BuildError::Corelib(format!(
                "{} is not a Cairo core library: expected {}/src/lib.cairo or {}/lib.cairo",
                dir.display(),
                dir.display(),
                dir.display()
            ))
        })?;
        verify(&src)?;
        return Ok(Corelib { src, origin: CorelibOrigin::Explicit });
    }
    let cache = cache_dir()?;
    let installed = cache.join(CORELIB_CACHE_NAME);
    if installed.join("src").join("lib.cairo").is_file() {
        let src = installed.join("src");
        verify(&src)?;
        return Ok(Corelib { src, origin: CorelibOrigin::Cache });
    }
    install(&cache, &installed)?;
    Ok(Corelib { src: installed.join("src"), origin: CorelibOrigin::Downloaded })
}

/// The cache directory: `$CIRO_CACHE_DIR`, `$XDG_CACHE_HOME/ciro` or `$HOME/.cache/ciro`.
///
/// # Errors
/// None of those variables is set.
pub fn cache_dir() -> Result<PathBuf> {
    let from_env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    from_env("CIRO_CACHE_DIR")
        .or_else(|| from_env("XDG_CACHE_HOME").map(|p| p.join("ciro")))
        .or_else(|| from_env("HOME").map(|p| p.join(".cache").join("ciro")))
        .ok_or_else(|| {
            BuildError::Corelib(
                "no cache directory: set CIRO_CACHE_DIR or HOME, or pass --corelib DIR".into(),
            )
        })
}

/// The digest of a corelib crate root: SHA-256 over every `.cairo` file below it, in path order,
/// each as `src/<relative path>`, a NUL byte, its length (u64, little endian) and its bytes.
///
/// # Errors
/// A file that cannot be read.
pub fn corelib_digest(src: &Path) -> Result<String> {
    let mut files = Vec::new();
    collect_cairo_files(src, src, &mut files)?;
    files.sort();
    let mut hasher = Sha256::new();
    for relative in files {
        let path = src.join(&relative);
        let data = fs::read(&path).map_err(BuildError::io("reading", &path))?;
        hasher.update(format!("src/{relative}").as_bytes());
        hasher.update([0u8]);
        hasher.update((data.len() as u64).to_le_bytes());
        hasher.update(&data);
    }
    Ok(hex(&hasher.finalize()))
}

fn crate_root(dir: &Path) -> Option<PathBuf> {
    if dir.join("src").join("lib.cairo").is_file() {
        Some(dir.join("src"))
    } else if dir.join("lib.cairo").is_file() {
        Some(dir.to_path_buf())
    } else {
        None
    }
}

fn verify(src: &Path) -> Result<()> {
    let digest = corelib_digest(src)?;
    if digest == CORELIB_DIGEST {
        Ok(())
    } else {
        Err(BuildError::Corelib(format!(
            "the core library at {} is not Cairo 2.1.0's (digest {digest}, expected \
             {CORELIB_DIGEST}); remove it or point --corelib at the corelib of {CORELIB_PYPI_PACKAGE}",
            src.display()
        )))
    }
}

fn install(cache: &Path, installed: &Path) -> Result<()> {
    fs::create_dir_all(cache).map_err(BuildError::io("creating", cache))?;
    let pid = std::process::id();
    let download = cache.join(format!("download-{pid}"));
    let staging = cache.join(format!("{CORELIB_CACHE_NAME}.partial-{pid}"));
    let outcome = download_and_extract(&download, &staging).and_then(|()| {
        verify(&staging.join("src"))?;
        match fs::rename(&staging, installed) {
            Ok(()) => Ok(()),
            // Another build installed it first; theirs was verified the same way.
            Err(_) if installed.join("src").join("lib.cairo").is_file() => Ok(()),
            Err(source) => Err(BuildError::Io { action: "installing", path: installed.into(), source }),
        }
    });
    let _ = fs::remove_dir_all(&download);
    let _ = fs::remove_dir_all(&staging);
    outcome
}

fn download_and_extract(download: &Path, staging: &Path) -> Result<()> {
    fs::create_dir_all(download).map_err(BuildError::io("creating", download))?;
    let output = Command::new("python3")
        .args(["-m", "pip", "download", "--no-deps", "--no-binary", ":all:", CORELIB_PYPI_PACKAGE, "-d"])
        .arg(download)
        .output();
    let failure = match &output {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(String::from_utf8_lossy(&out.stderr).lines().rev().take(3).collect::<Vec<_>>().join(" / ")),
        Err(error) => Some(format!("could not run python3: {error}")),
    };
    if let Some(reason) = failure {
        return Err(BuildError::Corelib(format!(
            "the Cairo 2.1.0 core library is not cached and could not be downloaded ({reason}).\n\
             Fix: connect to PyPI and run the build again (it runs `python3 -m pip download \
             --no-deps --no-binary :all: {CORELIB_PYPI_PACKAGE}`), or pass --corelib DIR / set \
             CAIRO_CORELIB to a Cairo 2.1.0 corelib (the directory holding src/lib.cairo)."
        )));
    }
    let archive = fs::read_dir(download)
        .map_err(BuildError::io("listing", download))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "zip"))
        .ok_or_else(|| BuildError::Corelib(format!("pip saved no .zip source archive in {}", download.display())))?;
    extract_corelib(&archive, staging)
}

fn extract_corelib(archive_path: &Path, staging: &Path) -> Result<()> {
    let file = fs::File::open(archive_path).map_err(BuildError::io("opening", archive_path))?;
    let corrupt = |error: zip::result::ZipError| {
        BuildError::Corelib(format!("reading {}: {error}", archive_path.display()))
    };
    let mut archive = zip::ZipArchive::new(file).map_err(corrupt)?;
    let mut extracted = 0usize;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(corrupt)?;
        let Some(name) = entry.enclosed_name() else { continue };
        let name = name.to_string_lossy().replace('\\', "/");
        let Some(relative) = name.split_once(CORELIB_ARCHIVE_DIR).map(|(_, rest)| rest.to_owned()) else {
            continue;
        };
        if relative.is_empty() || entry.is_dir() {
            continue;
        }
        let target = staging.join(&relative);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(BuildError::io("creating", parent))?;
        }
        let mut data = Vec::new();
        entry.read_to_end(&mut data).map_err(BuildError::io("extracting", &target))?;
        fs::write(&target, data).map_err(BuildError::io("writing", &target))?;
        extracted += 1;
    }
    if extracted == 0 {
        return Err(BuildError::Corelib(format!(
            "{} has no {CORELIB_ARCHIVE_DIR}",
            archive_path.display()
        )));
    }
    Ok(())
}

fn collect_cairo_files(base: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    for entry in fs::read_dir(dir).map_err(BuildError::io("listing", dir))? {
        let path = entry.map_err(BuildError::io("listing", dir))?.path();
        if path.is_dir() {
            collect_cairo_files(base, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "cairo") {
            if let Ok(relative) = path.strip_prefix(base) {
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    Ok(())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
