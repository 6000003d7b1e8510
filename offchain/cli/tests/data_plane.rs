//! The coordinator's data plane against devnet, with the operators as real processes: a client
//! and two workers with directories of their own complete jobs through the coordinator and the
//! client reads back verified results; bad uploads are refused and change nothing; a result that
//! is not there yet, or that a coordinator forges from another job's proof, is refused.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use ciro_client::coordinator::{commitment_name, BlobKind};
use ciro_demo::network::actor;
use ciro_demo::operators::{free_address, OperatorSite};
use common::{expect_failure, Fixture};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The files under the keeper's stored blobs (pending ones excluded), by kind.
fn stored_blobs(site: &OperatorSite) -> Vec<String> {
    let mut names = Vec::new();
    for kind in BlobKind::ALL {
        let dir = site.dir.join("blobs").join(kind.segment());
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            names.push(format!("{}/{}", kind.segment(), entry.file_name().to_string_lossy()));
        }
    }
    names.sort();
    names
}

/// Sends `head` and then `body` (of which the head may promise more) over a raw connection and
/// returns the status line of the answer.
async fn raw(address: &str, head: &str, body: &[u8]) -> Result<String> {
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await.context("no answer within 30 s")??;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    Ok(answer.lines().next().unwrap_or_default().to_owned() + "\n" + answer.rsplit("\r\n\r\n").next().unwrap_or_default())
}

fn json(text: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text).with_context(|| format!("not JSON: {text}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn jobs_move_through_the_coordinator_and_results_come_back_verified() -> Result<()> {
    let mut fixture = Fixture::start(1).await?;
    // A keeper with small limits, so they can be reached: two pending uploads, for 3 s.
    let mut keeper = fixture.take_keeper()?;
    keeper.kill().await?;
    let site = &fixture.site;
    let config = std::fs::read_to_string(&site.config)? + "\n[keeper]\nmax_pending_uploads = 2\npending_window_seconds = 3\n";
    std::fs::write(&site.config, config)?;
    let listen = fixture.keeper_listen.clone();
    let _keeper = site.spawn_keeper(actor::KEEPER, site.address(actor::DEPLOYER)?, &listen, 200)?;
    ciro_demo::main_job::wait_for_health(&listen).await?;
    let base = format!("http://{listen}");
    let http = reqwest::Client::new();
    let blob = |kind: BlobKind, name: &str| format!("{base}/v1/{}/{name}", kind.segment());

    // The client and each worker in a directory of its own: they share the chain and the URL.
    let root = fixture.dir.path().join("apart");
    let manifest = fixture.manifest.clone();
    let rpc = fixture.network.devnet.url().to_string();
    let apart = |name: &str| OperatorSite::create(&fixture.network, &manifest, &rpc, None, Some(&base), &root.join(name), common::binaries());
    let (client, worker_a, worker_b) = (apart("client")?, apart("worker-a")?, apart("worker-b")?);
    let _a = worker_a.spawn_worker(actor::WORKERS[0], "worker-a", &free_address()?, 200)?;
    let _b = worker_b.spawn_worker(actor::WORKERS[1], "worker-b", &free_address()?, 200)?;

    let models = common::models();
    let model = ciro_inference::models::load_model(&models.join("iris_mlp.onnx"))?;
    // The fixture registered the model with its class labels; the coordinator holds them.
    let labels = ciro_client::labels::ClassLabels::parse(&std::fs::read(models.join("iris_mlp.labels.txt"))?)?;
    let served = http.get(blob(BlobKind::Labels, &commitment_name(labels.commitment()))).send().await?;
    ensure!(served.status() == 200, "the coordinator does not serve the model's labels");
    ensure!(served.text().await? == labels.canonical_text(), "the coordinator's labels are not the model's");
    let inputs: Vec<PathBuf> = (0..2).map(|i| models.join(format!("iris_input_{i}.json"))).collect();
    let mut results = Vec::new();
    for input in &inputs {
        let path = input.display().to_string();
        let output = client.ciro(actor::CLIENT, &["--json", "submit-job", "--model", &fixture.model_id, "--input", &path, "--payment", "10", "--wait"]).await?;
        let value = json(&output)?;
        let job_id = value["job_id"].as_u64().context("no job id")?;
        let result = &value["result"];
        ensure!(result["verified"] == true && result["job_id"] == job_id, "{output}");
        let outputs: Vec<f64> = serde_json::from_value(result["outputs"].clone())?;
        // The top class, named by the model's labels.
        let top = result["top_class"].as_u64().context("no top class")? as usize;
        ensure!(result["top_classes"][0]["index"] == top && result["top_classes"][0]["label"] == labels.names()[top], "{output}");
        ensure!(result["labels_commitment"] == format!("{:#x}", labels.commitment()), "{output}");
        // Equal to the worker's fixed-point run, and within the bound of the float model.
        let values = ciro_prover::model::input::InputFile::read(input)?.input;
        let fixed = model.quantized.run(&model.quantized.quantize_input(&values)?)?;
        ensure!(outputs == model.quantized.dequantize(fixed.output()), "job #{job_id}: {outputs:?} is not the fixed-point run");
        let float = model.float.forward(&values);
        let bound = ciro_prover::model::quantize::error_bound(&model.float, &model.quantized, &values);
        for (verified, reference) in outputs.iter().zip(&float) {
            ensure!((verified - reference).abs() <= bound, "job #{job_id}: |{verified} - {reference}| > {bound}");
        }
        // The worker's proof is the coordinator's result, and `ciro job-result` writes it out
        // as a file `ciro verify` accepts.
        let uploaded = ciro_prover::proof_file::ProofFile::parse(&http.get(blob(BlobKind::Result, &job_id.to_string())).send().await?.text().await?)?;
        ensure!(uploaded.outputs_real == outputs, "the coordinator's result is not the worker's");
        let proof = client.dir.join(format!("job-{job_id}.proof.json"));
        let read = client.ciro(actor::CLIENT, &["job-result", &job_id.to_string(), "--proof", proof.to_str().unwrap_or_default(), "--source", "coordinator"]).await?;
        ensure!(read.contains("verified") && read.contains("coordinator"), "{read}");
        let verified = client.ciro(actor::CLIENT, &["verify", proof.to_str().unwrap_or_default()]).await?;
        ensure!(verified.contains("proof valid"), "{verified}");
        let status = client.ciro(actor::CLIENT, &["job-status", &job_id.to_string()]).await?;
        ensure!(status.contains("outputs") && status.contains("(verified;"), "{status}");
        let top_line = status.lines().find(|l| l.starts_with("top classes")).context("no top classes")?.to_owned();
        ensure!(labels.names().iter().any(|name| top_line.contains(name.as_str())), "{status}");
        results.push((job_id, uploaded));
    }
    // Nothing was shared: the client has no input directory, each worker cached the model it
    // fetched under its commitment.
    ensure!(!client.dir.join("inputs").exists(), "the client wrote its inputs locally");
    let cached = commitment_name(model.model_commitment()) + ".onnx";
    for worker in [&worker_a, &worker_b] {
        let files: Vec<_> = std::fs::read_dir(worker.dir.join("models"))
            .map(|d| d.flatten().map(|e| e.file_name()).filter(|name| name != ciro_inference::models::COMMITMENT_INDEX).collect())
            .unwrap_or_default();
        ensure!(files.is_empty() || files == [std::ffi::OsString::from(&cached)], "{}: {files:?}", worker.dir.display());
    }

    // A job no worker can take (it requires CUDA) has no result yet.
    let pending_job = {
        let path = inputs[0].display().to_string();
        let args = ["--json", "submit-job", "--model", &fixture.model_id, "--input", &path, "--payment", "10", "--required-capabilities", "1"];
        json(&client.ciro(actor::CLIENT, &args).await?)?["job_id"].as_u64().context("no job id")?
    };
    expect_failure(client.ciro(actor::CLIENT, &["job-result", &pending_job.to_string()]).await, &format!("job #{pending_job} is Pending, not Completed"));
    let early = http.put(blob(BlobKind::Result, &pending_job.to_string())).body(results[0].1.to_json()?).send().await?;
    ensure!(early.status() == 409 && early.text().await?.contains("not Completed"), "a result for a Pending job was taken");

    // A coordinator that serves job A's proof for job B is caught.
    let (first, second) = (results[0].0, results[1].0);
    let forged = results[0].1.to_json()?;
    let forger = ciro_client::http::start("127.0.0.1:0", move |_| {
        let forged = forged.clone();
        async move { Some(ciro_client::http::Response { status: 200, content_type: "application/json".to_owned(), body: forged.into_bytes() }) }
    })
    .await?;
    let forger_url = format!("http://{forger}");
    let forged_read = client.ciro(actor::CLIENT, &["--coordinator", &forger_url, "job-result", &second.to_string(), "--source", "coordinator"]).await;
    expect_failure(forged_read, &format!("the proof is for job {first:#x}, not job #{second}"));
    // Its labels are refused too, but the result read from the chain still stands.
    let chain_read = client.ciro(actor::CLIENT, &["--coordinator", &forger_url, "job-result", &second.to_string(), "--source", "chain"]).await?;
    ensure!(chain_read.contains("labels") && chain_read.contains("unavailable") && chain_read.contains("refused"), "{chain_read}");
    let swapped = http.put(blob(BlobKind::Result, &second.to_string())).body(results[0].1.to_json()?).send().await?;
    ensure!(swapped.status() == 200, "job #{second}'s result is stored already: a second upload changes nothing");

    // Bad uploads, each refused with a reason; the stored blobs stay as they are.
    let before = stored_blobs(site);
    let values = r#"{"input": [5.1, 3.5, 1.4, 0.2]}"#;
    let other = ciro_inference::models::input_commitment(&[1.0, 2.0, 3.0, 4.0])?;
    let mismatched = http.put(blob(BlobKind::Input, &commitment_name(other))).body(values).send().await?;
    ensure!(mismatched.status() == 422 && mismatched.text().await?.contains("commit to"), "bytes that do not match their name were taken");
    let malformed = http.put(blob(BlobKind::Model, &commitment_name(model.model_commitment() + starknet::core::types::Felt::ONE))).body(&b"not onnx"[..]).send().await?;
    ensure!(malformed.status() == 400 && malformed.text().await?.contains("malformed model"), "a malformed model was taken");
    let not_input = http.put(blob(BlobKind::Input, &commitment_name(other))).body("{\"input\": \"five\"}").send().await?;
    ensure!(not_input.status() == 400, "a malformed input was taken");
    let other_labels = ciro_client::labels::ClassLabels::parse(b"cat\ndog\nbird\n")?;
    let wrong_labels = http.put(blob(BlobKind::Labels, &commitment_name(other_labels.commitment()))).body(labels.canonical_text()).send().await?;
    ensure!(wrong_labels.status() == 422, "labels that do not match their name were taken");
    let crlf = http.put(blob(BlobKind::Labels, &commitment_name(labels.commitment()))).body("setosa\r\nversicolor\r\nvirginica\r\n").send().await?;
    ensure!(crlf.status() == 200, "the labels are stored already: a second upload changes nothing");
    // A model registered with labels that do not fit its outputs: refused before anything is sent.
    let two = client.dir.join("two.labels.txt");
    std::fs::write(&two, "cat\ndog\n")?;
    let iris = models.join("iris_mlp.onnx").display().to_string();
    expect_failure(
        client.ciro(actor::CLIENT, &["models", "register", &iris, "--labels", two.to_str().unwrap_or_default()]).await,
        "has 3 outputs but 2 labels were given",
    );
    for path in ["/v1/inputs/..", "/v1/inputs/0x1/../0x2", "/v1/models/..%2f..%2fetc", "/v1/results/../1", "/v1/secrets/0x1"] {
        let answer = raw(&listen, &format!("PUT {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"), b"{}").await?;
        ensure!(answer.starts_with("HTTP/1.1 400") || answer.starts_with("HTTP/1.1 404"), "{path}: {answer}");
    }
    let oversized = http.put(blob(BlobKind::Model, &commitment_name(other))).body(vec![0u8; (16 << 20) + 1]).send().await;
    ensure!(oversized.map(|r| r.status() == 413).unwrap_or(true), "an oversized body was taken");
    let slow = raw(&listen, "PUT /v1/inputs/0x1 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n", b"{\"input\"").await?;
    ensure!(slow.starts_with("HTTP/1.1 408"), "a body that never arrives: {slow}");
    // The job's own input again, written differently: same commitment, nothing rewritten.
    let job_input = ciro_inference::models::input_commitment(&ciro_prover::model::input::InputFile::read(&inputs[0])?.input)?;
    let original = http.get(blob(BlobKind::Input, &commitment_name(job_input))).send().await?.text().await?;
    let again = http.put(blob(BlobKind::Input, &commitment_name(job_input))).body(format!("{original}\n\n")).send().await?;
    ensure!(again.status() == 200, "a second upload is answered 200");
    ensure!(http.get(blob(BlobKind::Input, &commitment_name(job_input))).send().await?.text().await? == original, "a stored input was rewritten");
    ensure!(stored_blobs(site) == before, "a refused upload changed the store: {before:?} -> {:?}", stored_blobs(site));

    // Inputs no job names: kept pending (not served), two at most, dropped after the window.
    let unnamed: Vec<(String, String)> = [[9.0, 8.0, 7.0, 6.0], [1.5, 2.5, 3.5, 4.5], [0.5, 0.5, 0.5, 0.5]]
        .iter()
        .map(|v| Ok((commitment_name(ciro_inference::models::input_commitment(v)?), format!("{{\"input\": {v:?}}}"))))
        .collect::<Result<_>>()?;
    for (name, text) in &unnamed[..2] {
        ensure!(http.put(blob(BlobKind::Input, name)).body(text.clone()).send().await?.status() == 202, "an unnamed input is kept pending");
        let served = http.get(blob(BlobKind::Input, name)).send().await?;
        ensure!(served.status() == 404 && served.text().await?.contains("pending"), "a pending input was served");
    }
    let full = http.put(blob(BlobKind::Input, &unnamed[2].0)).body(unnamed[2].1.clone()).send().await?;
    ensure!(full.status() == 429, "a third pending upload was taken");
    tokio::time::sleep(Duration::from_secs(5)).await;
    let pending_dir = site.dir.join("blobs/pending/inputs");
    ensure!(std::fs::read_dir(&pending_dir)?.next().is_none(), "pending uploads outlived their window");
    ensure!(stored_blobs(site) == before, "pending uploads were stored");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_with_large_activations_registered_with_calibration_proves_its_jobs() -> Result<()> {
    let fixture = Fixture::start(1).await?;
    let site = &fixture.site;
    // Both staked workers run: the keeper may assign the job to either.
    let _a = site.spawn_worker(actor::WORKERS[0], "worker-a", &free_address()?, 200)?;
    let _b = site.spawn_worker(actor::WORKERS[1], "worker-b", &free_address()?, 200)?;
    // Activations in the thousands: at full precision its first layer overflows.
    let models = common::models();
    let model = models.join("regression_mlp.onnx");
    let (large, other) = (models.join("regression_input_0.json").display().to_string(), models.join("regression_input_1.json").display().to_string());
    let model_path = model.display().to_string();

    // Registered as it is, its jobs on large inputs could not be proven: the refusal says what to
    // do before anything is sent.
    let uncalibrated = ciro_inference::models::load_model(&model)?;
    let overflow = uncalibrated.quantized.run(&uncalibrated.quantized.quantize_input(&[100.0, 100.0])?).unwrap_err().to_string();
    ensure!(overflow.contains("ciro models register --calibration"), "{overflow}");

    let registered = json(&site.ciro(actor::CLIENT, &["--json", "models", "register", &model_path, "--calibration", &large, "--calibration", &other]).await?)?;
    ensure!(registered["weight_bits"] == serde_json::json!([10, 14]), "{registered}");
    let model_id = registered["model_id"].as_u64().context("no model id")?.to_string();
    let output = site.ciro(actor::CLIENT, &["--json", "submit-job", "--model", &model_id, "--input", &large, "--payment", "10", "--wait"]).await?;
    let result = &json(&output)?["result"];
    ensure!(result["verified"] == true, "{output}");
    // The outputs are read at the calibrated scale (8 fractional bits), within the bound.
    ensure!(result["scale_bits"] == 8, "{output}");
    let verified = result["outputs"][0].as_f64().context("no output")?;
    let float = ciro_prover::model::onnx::load_onnx(&model)?.forward(&[100.0, 100.0])[0];
    ensure!((verified - float).abs() < 2.0, "{verified} against the float model's {float}");
    Ok(())
}
