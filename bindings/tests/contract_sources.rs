//! The contracts reach their own package by relative paths (`super::…`), never by its name: the
//! current Cairo compiler (2.20) does not resolve a package's own name inside it, while relative
//! paths compile under both the pinned 2.1 and 2.20. The package `ciro_test_contracts` (under
//! `tests/contracts`) is another package and may name `ciro`.

use std::fs;
use std::path::{Path, PathBuf};

fn cairo_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            cairo_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "cairo") {
            found.push(path);
        }
    }
}

/// `line` without its `//` comment.
fn code_of(line: &str) -> &str {
    line.split_once("//").map_or(line, |(code, _)| code)
}

/// Every `file:line` under `dir` whose code names the package `ciro` as a path root.
fn own_name_uses(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    cairo_files(dir, &mut files);
    files.sort();
    let mut uses = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for (number, line) in text.lines().enumerate() {
            let code = code_of(line);
            let names_package = code.match_indices("ciro::").any(|(at, _)| {
                code[..at].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
            });
            if names_package {
                uses.push(format!("{}:{}: {}", file.display(), number + 1, line.trim()));
            }
        }
    }
    uses
}

#[test]
fn contracts_use_relative_paths_to_their_own_package() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts/src");
    let uses = own_name_uses(&src);
    assert!(uses.is_empty(), "use `super::…` instead of `ciro::…`:\n{}", uses.join("\n"));
}

#[test]
fn the_check_finds_a_use_of_the_package_name() {
    let dir = std::env::temp_dir().join(format!("ciro-contract-sources-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    let source = "mod M {\n    use ciro::token::errors; // the package by name\n    use super::errors;\n    \
                  // use ciro::access in a comment\n    use my_ciro::x;\n}\n";
    fs::write(dir.join("m.cairo"), source).expect("write");
    let uses = own_name_uses(&dir);
    fs::remove_dir_all(&dir).ok();
    assert_eq!(uses.len(), 1, "{uses:?}");
    assert!(uses[0].ends_with(":2: use ciro::token::errors; // the package by name"), "{uses:?}");
}
