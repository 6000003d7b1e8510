//! The driver on fixture packages: artifacts in Scarb's shapes, diagnostics with locations,
//! incremental rebuilds, and corelib checks.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use ciro_cairo::artifacts::StarknetArtifacts;
use ciro_cairo::{build, corelib, BuildError, PackageOutcome};

fn fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures").join(name);
    copy_dir(&source, dir.path());
    let root = dir.path().to_path_buf();
    (dir, root)
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read fixture") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("file name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target).expect("copy");
        }
    }
}

#[test]
fn build_writes_sierra_class_and_index_in_scarb_shapes() {
    let (_tmp, root) = fixture("hello");
    let report = build(&root.join("Scarb.toml"), None).expect("fixture builds");
    assert_eq!(report.packages, vec![("hello".to_owned(), PackageOutcome::Compiled(vec!["Balance".into()]))]);

    let dev = root.join("target").join("dev");
    let index: StarknetArtifacts =
        serde_json::from_str(&fs::read_to_string(dev.join("hello.starknet_artifacts.json")).expect("index written"))
            .expect("index parses");
    insta::assert_json_snapshot!("hello_starknet_artifacts", index);

    let class: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dev.join("hello_Balance.contract_class.json")).expect("class written"))
            .expect("class parses");
    let keys: Vec<&str> = class.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["abi", "contract_class_version", "entry_points_by_type", "sierra_program", "sierra_program_debug_info"]);
    assert_eq!(class["contract_class_version"], "0.1.0");
    assert_eq!(class["sierra_program"][0], "0x1", "Sierra major version 1");
    assert_eq!(class["entry_points_by_type"]["CONSTRUCTOR"].as_array().map(Vec::len), Some(1));
    assert_eq!(class["entry_points_by_type"]["EXTERNAL"].as_array().map(Vec::len), Some(2));
    insta::assert_json_snapshot!("hello_balance_abi", class["abi"]);
}

#[test]
fn unchanged_sources_are_not_recompiled() {
    let (_tmp, root) = fixture("hello");
    let manifest = root.join("Scarb.toml");
    build(&manifest, None).expect("first build");
    let class = root.join("target/dev/hello_Balance.contract_class.json");
    let written = fs::metadata(&class).and_then(|m| m.modified()).expect("mtime");

    let again = build(&manifest, None).expect("second build");
    assert_eq!(again.packages[0].1, PackageOutcome::Fresh);
    assert_eq!(fs::metadata(&class).and_then(|m| m.modified()).expect("mtime"), written);

    let lib = root.join("src/lib.cairo");
    let source = fs::read_to_string(&lib).expect("read").replace("'Amount cannot be 0'", "'Amount is zero'");
    fs::write(&lib, source).expect("edit");
    let edited = build(&manifest, None).expect("third build");
    assert_eq!(edited.packages[0].1, PackageOutcome::Compiled(vec!["Balance".into()]));

    fs::remove_file(&class).expect("delete artifact");
    let restored = build(&manifest, None).expect("fourth build");
    assert_eq!(restored.packages[0].1, PackageOutcome::Compiled(vec!["Balance".into()]), "a missing artifact is rebuilt");
    assert!(class.is_file());
}

#[test]
fn a_type_error_fails_with_file_line_and_column() {
    let (_tmp, root) = fixture("type_error");
    let error = build(&root.join("Scarb.toml"), None).expect_err("the fixture has a type error");
    let BuildError::Diagnostics { package, diagnostics } = &error else { panic!("expected diagnostics, got {error:?}") };
    assert_eq!(package, "broken");
    assert!(diagnostics.contains("lib.cairo:10:25"), "no location in:\n{diagnostics}");
    assert!(diagnostics.contains("Unexpected argument type"), "no message in:\n{diagnostics}");
    assert!(!root.join("target/dev/broken.starknet_artifacts.json").exists(), "no artifacts after a failed build");
}

#[test]
fn the_command_line_exits_non_zero_on_a_type_error() {
    let (_tmp, root) = fixture("type_error");
    let output = Command::new(env!("CARGO_BIN_EXE_ciro-cairo"))
        .args(["build", "--manifest-path"])
        .arg(root.join("Scarb.toml"))
        .output()
        .expect("run ciro-cairo");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("could not compile `broken`"), "{stderr}");
    assert!(stderr.contains("lib.cairo:10:25"), "{stderr}");
}

#[test]
fn a_workspace_builds_each_member_into_the_root_target() {
    let (_tmp, root) = fixture("hello");
    let workspace = tempfile::tempdir().expect("temp dir");
    copy_dir(&root, &workspace.path().join("members").join("hello"));
    fs::write(workspace.path().join("Scarb.toml"), "[workspace]\nmembers = [\"members/hello\"]\n").expect("write");
    build(&workspace.path().join("Scarb.toml"), None).expect("workspace builds");
    assert!(workspace.path().join("target/dev/hello_Balance.contract_class.json").is_file());
    assert!(workspace.path().join("target/dev/hello.starknet_artifacts.json").is_file());
}

#[test]
fn manifest_errors_name_the_file_and_the_problem() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = build(&dir.path().join("Scarb.toml"), None).expect_err("no manifest");
    assert!(missing.to_string().contains("Scarb.toml"), "{missing}");

    fs::write(dir.path().join("Scarb.toml"), "[package]\nname = \"Bad-Name\"\n").expect("write");
    let bad_name = build(&dir.path().join("Scarb.toml"), None).expect_err("invalid name");
    assert!(bad_name.to_string().contains("snake_case"), "{bad_name}");

    fs::write(dir.path().join("Scarb.toml"), "[dependencies]\n").expect("write");
    let empty = build(&dir.path().join("Scarb.toml"), None).expect_err("nothing to build");
    assert!(empty.to_string().contains("[package]"), "{empty}");
}

#[test]
fn the_cached_corelib_is_cairo_2_1_0() {
    let found = corelib::resolve(None).expect("corelib available (cache or PyPI)");
    assert!(found.src.join("lib.cairo").is_file());
    assert_eq!(corelib::corelib_digest(&found.src).expect("digest"), corelib::CORELIB_DIGEST);
}

#[test]
fn an_explicit_corelib_must_be_a_corelib_and_untampered() {
    let not_a_corelib = tempfile::tempdir().expect("temp dir");
    let error = corelib::resolve(Some(not_a_corelib.path())).expect_err("empty directory");
    assert!(error.to_string().contains("not a Cairo core library"), "{error}");

    let genuine = corelib::resolve(None).expect("corelib available");
    let copy = tempfile::tempdir().expect("temp dir");
    copy_dir(&genuine.src, &copy.path().join("src"));
    assert!(corelib::resolve(Some(copy.path())).is_ok(), "an exact copy is accepted");
    let lib = copy.path().join("src").join("lib.cairo");
    let mut text = fs::read_to_string(&lib).expect("read");
    text.push_str("\n// tampered\n");
    fs::write(&lib, text).expect("write");
    let error = corelib::resolve(Some(copy.path())).expect_err("tampered corelib");
    assert!(error.to_string().contains("is not Cairo 2.1.0's"), "{error}");
}

#[test]
fn a_path_dependency_is_importable_and_tracked_for_rebuilds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures");
    copy_dir(&fixtures.join("hello"), &dir.path().join("hello"));
    copy_dir(&fixtures.join("uses_hello"), &dir.path().join("uses_hello"));
    let manifest = dir.path().join("uses_hello").join("Scarb.toml");

    let report = build(&manifest, None).expect("a package importing its path dependency builds");
    assert_eq!(report.packages[0].1, PackageOutcome::Compiled(vec!["BalanceReader".into()]), "only its own contracts");
    assert_eq!(build(&manifest, None).expect("rebuild").packages[0].1, PackageOutcome::Fresh);

    let dependency = dir.path().join("hello").join("src").join("lib.cairo");
    let edited = fs::read_to_string(&dependency).expect("read").replace("'Amount cannot be 0'", "'Amount is zero'");
    fs::write(&dependency, edited).expect("edit");
    assert_eq!(
        build(&manifest, None).expect("rebuild").packages[0].1,
        PackageOutcome::Compiled(vec!["BalanceReader".into()]),
        "editing the dependency rebuilds the dependent"
    );

    fs::write(
        dir.path().join("uses_hello").join("Scarb.toml"),
        "[package]\nname = \"uses_hello\"\n[dependencies]\nhelo = { path = \"../hello\" }\n",
    )
    .expect("write");
    let error = build(&manifest, None).expect_err("a dependency named unlike its package");
    assert!(error.to_string().contains("whose package is \"hello\""), "{error}");
}
