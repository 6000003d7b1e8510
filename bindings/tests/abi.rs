//! The committed ABI files match the built contracts, and each contract's entry points are
//! snapshotted in a readable form (a change of signature shows up in review).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn artifacts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("target").join("dev")
}

fn built_abi(contract: &str) -> Value {
    let path = artifacts_dir().join(format!("ciro_{contract}.contract_class.json"));
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; build the contracts first (scripts/test does)", path.display()));
    let class: Value = serde_json::from_str(&text).expect("contract class JSON");
    class["abi"].clone()
}

#[test]
fn abi_files_match_the_built_contracts() {
    let update = std::env::var_os("CIRO_UPDATE_ABI").is_some();
    let mut stale = Vec::new();
    for (contract, file) in ciro_bindings::CONTRACTS {
        let built = serde_json::to_string_pretty(&built_abi(contract)).expect("serialize") + "\n";
        let committed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(ciro_bindings::ABI_DIR).join(file);
        let committed = fs::read_to_string(&committed_path).unwrap_or_default();
        if committed != built {
            if update {
                fs::write(&committed_path, &built).expect("write ABI");
            } else {
                stale.push(file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale ABI files {stale:?}: run `CIRO_UPDATE_ABI=1 cargo test -p ciro-bindings` and commit them"
    );
}

/// `core::array::Array::<core::felt252>` → `Array<felt252>`: every path cut to its last segment.
fn short(ty: &str) -> String {
    let mut out = String::new();
    let mut path = String::new();
    let flush = |path: &mut String, out: &mut String| {
        let trimmed = path.trim_end_matches("::");
        out.push_str(trimmed.rsplit("::").next().unwrap_or(trimmed));
        path.clear();
    };
    for c in ty.chars() {
        if matches!(c, '<' | '>' | '(' | ')' | ',' | ' ') {
            flush(&mut path, &mut out);
            out.push(c);
        } else {
            path.push(c);
        }
    }
    flush(&mut path, &mut out);
    out
}

/// One line per function, constructor and event: `fn name(arg: type, ...) -> type [view]`.
fn signatures(abi: &Value) -> String {
    let mut lines = Vec::new();
    let args = |inputs: &Value| {
        inputs
            .as_array()
            .map(|a| a.iter().map(|i| format!("{}: {}", i["name"].as_str().unwrap_or("?"), short(i["type"].as_str().unwrap_or("?")))).collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    let function = |f: &Value, interface: &str| {
        let outputs = f["outputs"].as_array().map(|o| o.iter().map(|t| short(t["type"].as_str().unwrap_or("?"))).collect::<Vec<_>>().join(", ")).unwrap_or_default();
        let returns = if outputs.is_empty() { String::new() } else { format!(" -> {outputs}") };
        let view = if f["state_mutability"] == "view" { " [view]" } else { "" };
        format!("{interface}fn {}({}){returns}{view}", f["name"].as_str().unwrap_or("?"), args(&f["inputs"]))
    };
    for item in abi.as_array().into_iter().flatten() {
        match item["type"].as_str() {
            Some("interface") => {
                let name = short(item["name"].as_str().unwrap_or("?"));
                for f in item["items"].as_array().into_iter().flatten() {
                    lines.push(function(f, &format!("{name}::")));
                }
            }
            Some("function") => lines.push(function(item, "")),
            Some("constructor") => lines.push(format!("constructor({})", args(&item["inputs"]))),
            Some("event") if item["kind"] == "struct" => {
                let members = item["members"].as_array().map(|m| m.iter().map(|f| {
                    let key = if f["kind"] == "key" { "#[key] " } else { "" };
                    format!("{key}{}: {}", f["name"].as_str().unwrap_or("?"), short(f["type"].as_str().unwrap_or("?")))
                }).collect::<Vec<_>>().join(", ")).unwrap_or_default();
                lines.push(format!("event {}({members})", short(item["name"].as_str().unwrap_or("?"))));
            }
            _ => {}
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn entry_point_signatures() {
    for (contract, file) in ciro_bindings::CONTRACTS {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(ciro_bindings::ABI_DIR).join(file);
        let abi: Value = serde_json::from_str(&fs::read_to_string(&path).expect("ABI file")).expect("ABI JSON");
        insta::assert_snapshot!(contract, signatures(&abi));
    }
}
