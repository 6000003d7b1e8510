//! The `ciro-prover` binary: prove / verify / inspect on temp files, and its error messages.

mod common;

use ciro_prover::model::onnx::ModelProto;
use common::model_path;
use prost::Message;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ciro-prover-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ciro-prover"))
        .args(args)
        .output()
        .unwrap()
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn prove_verify_inspect() {
    let dir = temp_dir("ok");
    let proof = dir.join("proof.json");
    let model = model_path("iris_mlp.onnx");
    let input = model_path("iris_input_0.json");
    let out = run(&[
        "prove",
        "--model",
        text(&model),
        "--input",
        text(&input),
        "--job-id",
        "0x2a",
        "--out",
        text(&proof),
        "--grinding-bits",
        "8",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["verify", text(&proof), "--min-security-bits", "93"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("valid proof: job 0x2a"));
    // The default policy wants 100 bits: 17 queries · 5 + 8 grinding bits are 93.
    let out = run(&["verify", text(&proof)]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("below the security policy"),
        "{}",
        stderr(&out)
    );
    let out = run(&["inspect", text(&proof)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("calldata") && report.contains("17 queries"),
        "{report}"
    );
    let out = run(&["inspect", text(&proof), "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["calldata"]["total"].as_u64().unwrap() > 1000);
    // A tampered file fails with a non-zero status and a cause chain.
    let mut file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    file["calldata"][20] = serde_json::Value::String("0x1234".into());
    std::fs::write(&proof, serde_json::to_string(&file).unwrap()).unwrap();
    let out = run(&["verify", text(&proof), "--min-security-bits", "93"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("caused by"), "{}", stderr(&out));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn clear_errors_for_bad_models_and_inputs() {
    let dir = temp_dir("errors");
    let proof = dir.join("proof.json");
    let iris = model_path("iris_mlp.onnx");
    let input = model_path("iris_input_0.json");
    let prove = |model: &Path, input: &Path| {
        run(&[
            "prove",
            "--model",
            text(model),
            "--input",
            text(input),
            "--job-id",
            "1",
            "--out",
            text(&proof),
            "--quiet",
        ])
    };

    let mut model = ModelProto::decode(std::fs::read(&iris).unwrap().as_slice()).unwrap();
    model.graph.as_mut().unwrap().node[1].op_type = "Softmax".into();
    let unsupported = dir.join("softmax.onnx");
    std::fs::write(&unsupported, model.encode_to_vec()).unwrap();
    let out = prove(&unsupported, &input);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("unsupported ONNX operator \"Softmax\""),
        "{}",
        stderr(&out)
    );

    let out = prove(&iris, &model_path("digits_input_0.json"));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("input has 16 values, the model takes 4"),
        "{}",
        stderr(&out)
    );

    let malformed = dir.join("bad.json");
    std::fs::write(&malformed, "{\"input\": [1, 2,").unwrap();
    let out = prove(&iris, &malformed);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("malformed input file"),
        "{}",
        stderr(&out)
    );

    let garbage = dir.join("garbage.onnx");
    std::fs::write(&garbage, [0xffu8, 0xff, 0xff]).unwrap();
    let out = prove(&garbage, &input);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("malformed ONNX protobuf"),
        "{}",
        stderr(&out)
    );

    let out = run(&[
        "prove",
        "--model",
        text(&iris),
        "--input",
        text(&input),
        "--job-id",
        "zz",
        "--out",
        text(&proof),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("invalid --job-id"),
        "{}",
        stderr(&out)
    );

    // Backends: a name that is none is refused by the parser; without a GPU (or without the
    // `cuda` feature) insisting on one is an error that says why, and nothing is written.
    let with_backend = |backend: &str| {
        run(&["prove", "--model", text(&iris), "--input", text(&input), "--job-id", "1", "--out", text(&proof), "--quiet", "--backend", backend])
    };
    let out = with_backend("gpu");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("invalid value 'gpu'"), "{}", stderr(&out));
    let out = with_backend("cuda");
    if !out.status.success() {
        assert!(
            stderr(&out).contains("this build has no CUDA backend") || stderr(&out).contains("the CUDA backend cannot start"),
            "{}",
            stderr(&out)
        );
        assert!(!proof.exists());
    }
    assert!(!proof.exists() || out.status.success());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn large_activations_prove_without_flags_and_calibrate_for_registration() {
    // Activations in the thousands: at full precision its first layer overflows.
    let dir = temp_dir("calibrate");
    let model = model_path("regression_mlp.onnx");
    let input = model_path("regression_input_0.json");
    let proof = dir.join("proof.json");
    let prove = |model: &Path| {
        run(&["prove", "--model", text(model), "--input", text(&input), "--job-id", "3", "--out", text(&proof), "--quiet"])
    };

    // No flag: the model is calibrated on the input it proves, and says so.
    let out = prove(&model);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("calibrated on it, weight bits per layer [10, 14]"), "{}", stderr(&out));
    let out = run(&["verify", text(&proof)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    assert_eq!(file["layout"]["output_scale_bits"], 8);
    let output = file["outputs_real"][0].as_f64().unwrap();
    assert!((output - 26142.875).abs() < 2.0, "{output}");

    // Calibrated once for registration: the precision travels in the model file.
    let other = model_path("regression_input_1.json");
    let calibrated = dir.join("calibrated.onnx");
    let out = run(&["calibrate", "--model", text(&model), "--inputs", text(&input), text(&other), "--out", text(&calibrated)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("weight bits per layer [10, 14]; outputs at 8 fractional bits"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = prove(&calibrated);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("calibrated on it"), "{}", stderr(&out));
    let out = run(&["commit-model", "--model", text(&calibrated)]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"output_scale_bits\": 8"), "{}", String::from_utf8_lossy(&out.stdout));

    // An input no precision fits: refused, naming the layer and what to do.
    let huge = dir.join("huge.json");
    std::fs::write(&huge, r#"{"input": [1e9, 1e9]}"#).unwrap();
    let out = run(&["calibrate", "--model", text(&model), "--inputs", text(&huge), "--out", text(&calibrated)]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("fixed-point overflow in layer 0"), "{}", stderr(&out));
    assert!(stderr(&out).contains("prepare the model with 8 scale bits"), "{}", stderr(&out));
    std::fs::remove_dir_all(dir).ok();
}

/// An input file holding a batch proves every element in one proof: one line of outputs per
/// element, and `commit-model --batch` gives the commitment the proof carries.
#[test]
fn a_batch_input_file_proves_every_element() {
    let dir = temp_dir("batch");
    let (proof, batch) = (dir.join("proof.json"), dir.join("batch.json"));
    std::fs::write(&batch, r#"{"input": [[5.1, 3.5, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3]]}"#).unwrap();
    let model = model_path("iris_mlp.onnx");
    let out = run(&["prove", "--model", text(&model), "--input", text(&batch), "--job-id", "9", "--out", text(&proof), "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(stdout.contains("[0] outputs") && stdout.contains("[1] outputs"), "{stdout}");
    let out = run(&["verify", text(&proof)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let committed = String::from_utf8_lossy(&run(&["commit-model", "--model", text(&model), "--batch", "2"]).stdout).into_owned();
    let file: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    let commitment = file["public_inputs"]["model_commitment"].as_str().unwrap().to_owned();
    assert!(committed.contains(&commitment), "{committed} lacks {commitment}");
    std::fs::write(&batch, r#"{"input": [[5.1, 3.5, 1.4, 0.2], [6.2, 2.9]]}"#).unwrap();
    let out = run(&["prove", "--model", text(&model), "--input", text(&batch), "--job-id", "9", "--out", text(&proof), "--quiet"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("malformed batch: elements of 4 and 2 values"), "{}", stderr(&out));
}
