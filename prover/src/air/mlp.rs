//! The AIR for fixed-point MLP inference (`CIRO_MLP_AIR_V3`).
//!
//! ## Trace layout (one row per two inputs of a block of eight neurons)
//! Layer `l` (inputs `n_l`, neurons `m_l`) is cut into **blocks** of up to `K = 8` consecutive
//! neurons. A block spends `ceil(n_l / 2)` **MAC rows**, row `r` reading the two activations
//! `2r` and `2r + 1` and multiplying them by the weights of all eight neurons at once, then one
//! **output row** per neuron of the block (add the bias, rescale, ReLU, write the output).
//! Blocks and layers follow each other; the trace is padded with all-zero rows to
//! `n = 2^log_n` rows, `log_n = max(8, ceil(log2(Σ_l ceil(m_l/8)·ceil(n_l/2) + m_l)))`.
//!
//! Activations live in a read-only memory checked with LogUp: address 0 is the 8-bit range
//! table, `1..1+n_in` the inputs, then every layer's outputs in order (the last layer's outputs
//! start at `1 + n_in + total_neurons - n_out`). A block reads the activations its neurons
//! have weights for, from the layer before it or from the earlier layers it names (two
//! branches joining); an activation is written with multiplicity minus its number of reads
//! ([`Schedule`]).
//!
//! | # | preprocessed | meaning |
//! |---|---|---|
//! | 0..16 | `w_{k,a}, w_{k,b}` (`k < 8`, at `2k`, `2k+1`) | neuron `k`'s weights of the two activations (MAC rows) |
//! | 16 | `bias` | the neuron's bias (output rows) |
//! | 17 | `addr` | address of activation `a` (MAC rows; `b` is at `addr + 1`) or of the output written (output rows) |
//! | 18 | `m_a` | LogUp multiplicity of `a`: +1 for a read, −(readers) for a write, 0 for padding |
//! | 19 | `m_b` | LogUp multiplicity of `b`: +1 for a read, 0 otherwise |
//! | 20 | `keep` | 1 if the accumulators carry over (MAC rows but a block's first, a block's first output row) |
//! | 21 | `relu` | 1 on output rows of ReLU layers |
//! | 22 | `lin` | 1 on output rows of layers without ReLU |
//! | 23 | `table` | `row mod 256`, the range table |
//!
//! | # | main | meaning |
//! |---|---|---|
//! | 24 | `x_a` | activation `a` read (MAC rows) or the output written (output rows) |
//! | 25 | `x_b` | activation `b` read (MAC rows), 0 otherwise |
//! | 26..34 | `acc_0..acc_7` | accumulators: neuron `k`'s dot product so far; on output row `i` of a block, `acc_0` is neuron `i`'s |
//! | 34 | `neg` | sign bit of `acc_0 + bias` (output rows) |
//! | 35..40 | `l0..l4` | 8-bit limbs of `U = |acc_0 + bias|` (output rows; 0 elsewhere) |
//! | 40 | `rcm` | multiplicity of `table` among all limbs |
//!
//! | # | interaction | meaning |
//! |---|---|---|
//! | 41 | `i1` | `1/d0 + 1/d1` |
//! | 42 | `i2` | `1/d2 + 1/d3` |
//! | 43 | `i3` | `m_a/da + m_b/db` |
//! | 44 | `i4` | `1/d4 − rcm/dt` |
//! | 45 | `s` | running sum |
//!
//! with challenges `β, γ`, `d_k = β − γ·l_k`, `da = β − addr − γ·x_a`,
//! `db = β − (addr + 1) − γ·x_b`, `dt = β − γ·table`.
//!
//! ## Constraints (every row; `X'` is `X` on the next row; `s_k = scale_bits / 8`)
//! `U = Σ_k 2^(8k)·l_k`, `Y = Σ_{k ≥ s_k} 2^(8(k − s_k))·l_k` (`|y| = |acc_0 + bias| >> scale_bits`).
//! - 0..8. `acc_k' − keep'·acc_k − shift'·acc_{k+1} − w_{k,a}'·x_a' − w_{k,b}'·x_b' = 0`
//!   with `acc_8 = 0` and `shift = (relu + lin)·(1 − keep)`: on a block's output rows after the
//!   first, the accumulators move down by one neuron (no column of its own: it is 1 exactly on
//!   output rows without `keep`)
//! - 8. `(relu + lin)·(acc_0 + bias − (1 − 2·neg)·U) = 0`
//! - 9. `relu·(x_a − (1 − neg)·Y) + lin·(x_a − (1 − 2·neg)·Y) = 0`
//! - 10. `neg·(1 − neg) = 0`
//! - 11. `i1·d0·d1 − (d0 + d1) = 0`
//! - 12. `i2·d2·d3 − (d2 + d3) = 0`
//! - 13. `i3·da·db − m_a·db − m_b·da = 0`
//! - 14. `i4·d4·dt − dt + rcm·d4 = 0`
//! - 15. `s' − s − i1' − i2' − i3' − i4' + T/n = 0`
//!
//! Maximal degree 3, so the composition quotient has 2 segments. `T` is the public LogUp sum:
//! `T = R·Σ_k 1/(β − (1+k) − γ·x_k) − Σ_j 1/(β − (A_out + j) − γ·y_j)`
//! (inputs `x` written `R` times, the layout's `input_reads`; outputs `y` read once by the
//! verifier).

use super::inputs::input_commitment_of;
use super::{Air, AirError, ColumnCounts, Frame, TraceSource};
use crate::field::{batch_inverse, felt_from_i64, felt_to_i128, inverse, Felt};
use crate::model::quantize::{FixedPointRun, QuantizedLayer, QuantizedModel, ACC_BOUND, PARAM_BOUND};
use starknet_crypto::poseidon_hash_many;

/// `'CIRO_MLP_AIR_V3'`: identifies this AIR in the model commitment.
pub const MLP_AIR_TAG: Felt = Felt::from_hex_unchecked("0x4349524f5f4d4c505f4149525f5633");
/// The smallest trace (the range table needs 256 rows).
pub const MIN_LOG_TRACE_ROWS: u32 = 8;
/// The largest trace this implementation proves.
pub const MAX_LOG_TRACE_ROWS: u32 = 24;
/// Bits per range-checked limb.
pub const LIMB_BITS: u32 = 8;
/// Limbs per accumulator magnitude (`|acc| < 2^40`).
pub const LIMBS: usize = 5;
/// Memory address of the first input.
pub const ADDRESS_INPUTS: u64 = 1;
/// Neurons per block (`K`): a MAC row multiplies its activations by this many neurons' weights.
pub const BLOCK_NEURONS: usize = 8;
/// Activations read per MAC row.
pub const ROW_INPUTS: usize = 2;

/// Column indices in frame order.
pub mod column {
    /// Weight of activation `a` for neuron `k` of the block: `W + 2k` (`w_{k,b}` is `W + 2k + 1`).
    pub const W: usize = 0;
    /// Bias.
    pub const BIAS: usize = 16;
    /// Memory address.
    pub const ADDR: usize = 17;
    /// LogUp multiplicity of activation `a`.
    pub const MA: usize = 18;
    /// LogUp multiplicity of activation `b`.
    pub const MB: usize = 19;
    /// Accumulator carry selector.
    pub const KEEP: usize = 20;
    /// ReLU output-row selector.
    pub const RELU: usize = 21;
    /// Linear output-row selector.
    pub const LIN: usize = 22;
    /// Range table value.
    pub const TABLE: usize = 23;
    /// Activation `a` (or the output written).
    pub const XA: usize = 24;
    /// Activation `b`.
    pub const XB: usize = 25;
    /// First accumulator (accumulators are `ACC..ACC+8`).
    pub const ACC: usize = 26;
    /// Sign bit.
    pub const NEG: usize = 34;
    /// First limb (limbs are `L0..L0+5`).
    pub const L0: usize = 35;
    /// Range table multiplicity.
    pub const RCM: usize = 40;
    /// `1/d0 + 1/d1`.
    pub const I1: usize = 41;
    /// `1/d2 + 1/d3`.
    pub const I2: usize = 42;
    /// `m_a/da + m_b/db`.
    pub const I3: usize = 43;
    /// `1/d4 − rcm/dt`.
    pub const I4: usize = 44;
    /// Running sum.
    pub const S: usize = 45;
}

/// Preprocessed columns.
pub const N_PREPROCESSED: usize = 24;
/// Main columns.
pub const N_MAIN: usize = 17;
/// Interaction columns.
pub const N_INTERACTION: usize = 5;
/// Composition columns (segments of the quotient).
pub const N_COMPOSITION: usize = 2;
/// Constraints.
pub const N_CONSTRAINTS: usize = 16;

/// The kind of network a model is, part of its commitment: JobManager records it when the model
/// is registered and accepts `ComputerVision` jobs for CNNs only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Dense layers (and elementwise maps, activations) only.
    Mlp = 0,
    /// With a convolution or a pooling.
    Cnn = 1,
}

impl ModelKind {
    /// The kind of `model`: a CNN when a layer is a convolution or a pooling.
    pub fn of(model: &QuantizedModel) -> Self {
        use crate::model::SparseOp;
        let image_op = |op: SparseOp| matches!(op, SparseOp::Convolution | SparseOp::AveragePool | SparseOp::MaxPoolStep | SparseOp::MaxPoolSum);
        if model.layers.iter().any(|l| l.connections.as_ref().is_some_and(|c| image_op(c.op))) {
            ModelKind::Cnn
        } else {
            ModelKind::Mlp
        }
    }
}

/// The public shape of a model, fixed at registration; its hash is the model commitment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModelLayout {
    /// log2 of the trace rows.
    pub log_trace_rows: u32,
    /// Fixed-point scale bits (8 or 16): the inputs' fractional bits, and every layer's rescale.
    pub scale_bits: u32,
    /// The outputs' fractional bits (`a_L`, at most `scale_bits`; `scale_bits` unless the model
    /// was calibrated with coarser weights, see [`crate::model::quantize`]).
    pub output_scale_bits: u32,
    /// Model inputs.
    pub n_inputs: u64,
    /// Model outputs.
    pub n_outputs: u64,
    /// `R`: how many times the trace reads each input ([`Schedule`]).
    pub input_reads: u64,
    /// Neurons of all layers.
    pub total_neurons: u64,
    /// MLP or CNN.
    pub kind: ModelKind,
    /// Merkle root of the preprocessed trace's LDE (binds the quantized weights and biases).
    pub preprocessed_root: Felt,
}

impl ModelLayout {
    /// The model commitment: `poseidon_hash_many([MLP_AIR_TAG, log_trace_rows, scale_bits,
    /// output_scale_bits, n_inputs, n_outputs, input_reads, total_neurons, kind,
    /// preprocessed_root])`.
    pub fn commitment(&self) -> Felt {
        poseidon_hash_many(&self.to_felts_with_tag())
    }

    fn to_felts_with_tag(self) -> [Felt; 10] {
        [
            MLP_AIR_TAG,
            Felt::from(self.log_trace_rows),
            Felt::from(self.scale_bits),
            Felt::from(self.output_scale_bits),
            Felt::from(self.n_inputs),
            Felt::from(self.n_outputs),
            Felt::from(self.input_reads),
            Felt::from(self.total_neurons),
            Felt::from(self.kind as u64),
            self.preprocessed_root,
        ]
    }

    /// Address of the first model output.
    pub fn output_address(&self) -> u64 {
        ADDRESS_INPUTS + self.n_inputs + self.total_neurons - self.n_outputs
    }

    /// Checks the layout is one this AIR supports.
    ///
    /// # Errors
    /// [`AirError::Unsupported`].
    pub fn validate(&self) -> Result<(), AirError> {
        let ok = (MIN_LOG_TRACE_ROWS..=MAX_LOG_TRACE_ROWS).contains(&self.log_trace_rows)
            && (self.scale_bits == 8 || self.scale_bits == 16)
            && self.output_scale_bits <= self.scale_bits
            && self.n_inputs >= 1
            && self.n_outputs >= 1
            && self.input_reads >= 1
            && self.input_reads < (1 << 32)
            && self.total_neurons >= self.n_outputs
            && self.total_neurons < (1 << 32)
            && self.n_inputs < (1 << 32);
        if ok {
            Ok(())
        } else {
            Err(AirError::Unsupported(format!(
                "unsupported model layout {self:?}"
            )))
        }
    }
}

/// Trace rows of a dense layer of `inputs` inputs and `neurons` neurons.
pub fn layer_rows(inputs: usize, neurons: usize) -> usize {
    neurons.div_ceil(BLOCK_NEURONS) * inputs.div_ceil(ROW_INPUTS) + neurons
}

/// A block of up to eight consecutive neurons of a layer, and the activations its MAC rows read.
#[derive(Clone, Debug)]
struct Block {
    layer: usize,
    start: usize,
    end: usize,
    /// Per MAC row: the layer input `a` it reads, and whether it reads `a + 1` as `b`.
    pairs: Vec<(usize, bool)>,
}

/// The order of the trace's rows, fixed by the model alone.
///
/// A block's MAC rows read the inputs some neuron of the block has a nonzero weight for, two
/// consecutive ones a row where it can (a dense layer reads `(0, 1), (2, 3), …`; a convolution
/// its window; a pooling step its neighbours). Each activation is written once, with
/// multiplicity minus the number of times it is read (the model's outputs: once, by the
/// verifier). Every input must be read the same number of times `R` (the layout's
/// `input_reads`, so that the public LogUp sum is `R·Σ 1/(β − addr − γ·x)`): inputs read fewer
/// times by the layers are read again by **balance rows** (no weights, no accumulation) after
/// the last layer.
#[derive(Clone, Debug)]
pub struct Schedule {
    blocks: Vec<Block>,
    /// `reads[v][i]`: reads of activation `i` of vector `v` (0: the inputs, `l + 1`: layer
    /// `l`'s outputs; a layer reads the vector before it, or those it names, see
    /// [`crate::model::InputMap`]).
    reads: Vec<Vec<u64>>,
    /// Balance rows: the input `a` read, and whether `a + 1` is read too.
    balance: Vec<(usize, bool)>,
    /// `R`.
    input_reads: u64,
    /// Rows used (MAC, output and balance rows).
    rows: usize,
}

impl Schedule {
    /// The schedule of `model`.
    pub fn of(model: &QuantizedModel) -> Self {
        let mut reads: Vec<Vec<u64>> = std::iter::once(vec![0; model.input_len()])
            .chain(model.layers.iter().map(|l| vec![0; l.outputs()]))
            .collect();
        let mut blocks = Vec::new();
        let mut rows = 0;
        for (l, layer) in model.layers.iter().enumerate() {
            let n_in = layer.inputs();
            let map = model.input_map(l);
            for start in (0..layer.outputs()).step_by(BLOCK_NEURONS) {
                let end = (start + BLOCK_NEURONS).min(layer.outputs());
                let mut needed: Vec<usize> = (start..end)
                    .flat_map(|j| layer.row(j).filter(|(_, w)| *w != 0).map(|(i, _)| i))
                    .collect();
                needed.sort_unstable();
                needed.dedup();
                if needed.is_empty() {
                    // A block of constant neurons still starts with a MAC row (zero weights).
                    needed.push(0);
                }
                let mut pairs = Vec::with_capacity(needed.len());
                let mut k = 0;
                while k < needed.len() {
                    let a = needed[k];
                    let (v, offset) = map.locate(a);
                    // `b` is the next address: the next input of the same vector.
                    let b = a + 1 < n_in && map.locate(a + 1) == (v, offset + 1);
                    reads[v][offset] += 1;
                    if b {
                        reads[v][offset + 1] += 1;
                    }
                    pairs.push((a, b));
                    k += if needed.get(k + 1) == Some(&(a + 1)) { 2 } else { 1 };
                }
                rows += pairs.len() + (end - start);
                blocks.push(Block { layer: l, start, end, pairs });
            }
        }
        if let Some(outputs) = reads.last_mut() {
            outputs.iter_mut().for_each(|r| *r += 1);
        }
        let input_reads = reads[0].iter().copied().max().unwrap_or(0).max(1);
        let mut deficit: Vec<u64> = reads[0].iter().map(|r| input_reads - r).collect();
        let mut balance = Vec::new();
        for a in 0..deficit.len() {
            while deficit[a] > 0 {
                let b = deficit.get(a + 1).is_some_and(|d| *d > 0);
                deficit[a] -= 1;
                if b {
                    deficit[a + 1] -= 1;
                }
                balance.push((a, b));
            }
        }
        rows += balance.len();
        Schedule { blocks, reads, balance, input_reads, rows }
    }

    /// Rows used.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// `R`: how many times the trace reads each input.
    pub fn input_reads(&self) -> u64 {
        self.input_reads
    }

    /// log2 of the trace rows.
    pub fn log_trace_rows(&self) -> u32 {
        self.rows.next_power_of_two().trailing_zeros().max(MIN_LOG_TRACE_ROWS)
    }

    /// The output row of neuron `neuron` of layer `layer`, if the model has it.
    pub fn output_row(&self, layer: usize, neuron: usize) -> Option<usize> {
        let mut row = 0;
        for block in &self.blocks {
            if block.layer == layer && (block.start..block.end).contains(&neuron) {
                return Some(row + block.pairs.len() + neuron - block.start);
            }
            row += block.pairs.len() + block.end - block.start;
        }
        None
    }
}

/// Number of used trace rows for a model ([`Schedule`]).
pub fn used_rows(model: &QuantizedModel) -> usize {
    Schedule::of(model).rows()
}

/// log2 of the trace rows for a model.
pub fn log_trace_rows(model: &QuantizedModel) -> u32 {
    Schedule::of(model).log_trace_rows()
}

/// The layout of a model, given the root of its preprocessed trace.
pub fn layout_for(model: &QuantizedModel, preprocessed_root: Felt) -> ModelLayout {
    let schedule = Schedule::of(model);
    ModelLayout {
        log_trace_rows: schedule.log_trace_rows(),
        scale_bits: model.scale_bits,
        output_scale_bits: model.output_scale_bits(),
        n_inputs: model.input_len() as u64,
        n_outputs: model.output_len() as u64,
        input_reads: schedule.input_reads(),
        total_neurons: model.layers.iter().map(|l| l.outputs() as u64).sum(),
        kind: ModelKind::of(model),
        preprocessed_root,
    }
}

/// Address of the first activation of vector `v` (0: the inputs, `l + 1`: layer `l`'s outputs).
fn vector_base(model: &QuantizedModel, v: usize) -> u64 {
    let before: u64 = model.layers[..v.saturating_sub(1)].iter().map(|x| x.outputs() as u64).sum();
    ADDRESS_INPUTS + if v == 0 { 0 } else { model.input_len() as u64 + before }
}

/// Neuron `j`'s weight of input `i` (0 where it has none).
fn weight_of(layer: &QuantizedLayer, j: usize, i: usize) -> i64 {
    match &layer.connections {
        None => layer.weights[j].get(i).copied().unwrap_or(0),
        Some(c) => c.indices[j].binary_search(&i).map_or(0, |k| layer.weights[j][k]),
    }
}

/// Checks a model fits this AIR (sizes, parameter ranges).
///
/// # Errors
/// [`AirError::Unsupported`].
pub fn check_model(model: &QuantizedModel) -> Result<(), AirError> {
    check_scheduled(model, &Schedule::of(model))
}

/// [`check_model`] with the model's schedule already made.
fn check_scheduled(model: &QuantizedModel, schedule: &Schedule) -> Result<(), AirError> {
    if model.layers.is_empty() {
        return Err(AirError::Unsupported("model without layers".into()));
    }
    if schedule.log_trace_rows() > MAX_LOG_TRACE_ROWS {
        return Err(AirError::Unsupported(format!(
            "model needs {} trace rows, more than 2^{MAX_LOG_TRACE_ROWS}",
            schedule.rows()
        )));
    }
    let too_big = model
        .layers
        .iter()
        .flat_map(|l| l.weights.iter().flatten().chain(&l.bias))
        .any(|v| v.unsigned_abs() >= PARAM_BOUND as u64);
    if too_big {
        return Err(AirError::Unsupported(
            "a quantized parameter is not below 2^40".into(),
        ));
    }
    if model.scale_bits != 8 && model.scale_bits != 16 {
        return Err(AirError::Unsupported(format!(
            "scale of {} bits",
            model.scale_bits
        )));
    }
    Ok(())
}

/// The preprocessed columns of a model (they depend on the model only).
///
/// # Errors
/// [`AirError::Unsupported`] when the model does not fit.
pub fn preprocessed_columns(model: &QuantizedModel) -> Result<Vec<Vec<Felt>>, AirError> {
    scheduled_columns(model, &Schedule::of(model))
}

/// [`preprocessed_columns`] with the model's schedule already made.
fn scheduled_columns(model: &QuantizedModel, schedule: &Schedule) -> Result<Vec<Vec<Felt>>, AirError> {
    check_scheduled(model, schedule)?;
    let n = 1usize << schedule.log_trace_rows();
    let mut cols = vec![vec![Felt::ZERO; n]; N_PREPROCESSED];
    let mut row = 0;
    let maps: Vec<_> = (0..model.layers.len()).map(|l| model.input_map(l)).collect();
    let bases: Vec<u64> = (0..=model.layers.len()).map(|v| vector_base(model, v)).collect();
    for block in &schedule.blocks {
        let layer = &model.layers[block.layer];
        let map = &maps[block.layer];
        let out_base = bases[block.layer + 1];
        for (r, &(a, b)) in block.pairs.iter().enumerate() {
            for (k, j) in (block.start..block.end).enumerate() {
                cols[column::W + 2 * k][row] = felt_from_i64(weight_of(layer, j, a));
                if b {
                    cols[column::W + 2 * k + 1][row] = felt_from_i64(weight_of(layer, j, a + 1));
                }
            }
            let (v, offset) = map.locate(a);
            cols[column::ADDR][row] = Felt::from(bases[v] + offset as u64);
            cols[column::MA][row] = Felt::ONE;
            cols[column::MB][row] = Felt::from(b);
            cols[column::KEEP][row] = Felt::from(r > 0);
            row += 1;
        }
        for j in block.start..block.end {
            cols[column::BIAS][row] = felt_from_i64(layer.bias[j]);
            cols[column::ADDR][row] = Felt::from(out_base + j as u64);
            cols[column::MA][row] = -Felt::from(schedule.reads[block.layer + 1][j]);
            cols[column::KEEP][row] = Felt::from(j == block.start);
            cols[if layer.relu { column::RELU } else { column::LIN }][row] = Felt::ONE;
            row += 1;
        }
    }
    for &(a, b) in &schedule.balance {
        cols[column::ADDR][row] = Felt::from(ADDRESS_INPUTS + a as u64);
        cols[column::MA][row] = Felt::ONE;
        cols[column::MB][row] = Felt::from(b);
        row += 1;
    }
    for (r, t) in cols[column::TABLE].iter_mut().enumerate() {
        *t = Felt::from((r % 256) as u64);
    }
    Ok(cols)
}

/// The public statement of one inference proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MlpStatement {
    /// The job id (binds the proof to one job).
    pub job_id: Felt,
    /// The model layout (its hash is the model commitment).
    pub layout: ModelLayout,
    /// Quantized inputs, as field elements (negative values are `p − |x|`).
    pub inputs: Vec<Felt>,
    /// Quantized outputs.
    pub outputs: Vec<Felt>,
}

impl MlpStatement {
    /// `poseidon_hash_many` of the packed inputs ([`super::inputs`]).
    pub fn input_commitment(&self) -> Felt {
        input_commitment_of(&self.inputs)
    }

    /// `poseidon_hash_many(outputs)`.
    pub fn output_commitment(&self) -> Felt {
        poseidon_hash_many(&self.outputs)
    }

    /// The model commitment.
    pub fn model_commitment(&self) -> Felt {
        self.layout.commitment()
    }
}

/// The MLP AIR for one statement (verifier and prover side).
#[derive(Clone, Debug)]
pub struct MlpAir {
    statement: MlpStatement,
    model_commitment: Felt,
    input_commitment: Felt,
    output_commitment: Felt,
}

impl MlpAir {
    /// Builds the AIR, checking the statement's shape and that every input is below `2^40` in
    /// magnitude.
    ///
    /// # Errors
    /// [`AirError`] for an unsupported layout, wrong lengths or out-of-range inputs.
    pub fn new(statement: MlpStatement) -> Result<Self, AirError> {
        statement.layout.validate()?;
        if statement.inputs.len() as u64 != statement.layout.n_inputs {
            return Err(AirError::Shape(format!(
                "{} inputs, the model takes {}",
                statement.inputs.len(),
                statement.layout.n_inputs
            )));
        }
        if statement.outputs.len() as u64 != statement.layout.n_outputs {
            return Err(AirError::Shape(format!(
                "{} outputs, the model gives {}",
                statement.outputs.len(),
                statement.layout.n_outputs
            )));
        }
        for (k, x) in statement.inputs.iter().enumerate() {
            if felt_to_i128(*x).is_none_or(|v| v.unsigned_abs() >= PARAM_BOUND as u128) {
                return Err(AirError::Unsupported(format!(
                    "input {k} is not below 2^40 in magnitude"
                )));
            }
        }
        Ok(Self {
            model_commitment: statement.model_commitment(),
            input_commitment: statement.input_commitment(),
            output_commitment: statement.output_commitment(),
            statement,
        })
    }

    /// The statement.
    pub fn statement_data(&self) -> &MlpStatement {
        &self.statement
    }

    /// The model commitment.
    pub fn model_commitment(&self) -> Felt {
        self.model_commitment
    }

    /// The input commitment.
    pub fn input_commitment(&self) -> Felt {
        self.input_commitment
    }

    /// The output commitment.
    pub fn output_commitment(&self) -> Felt {
        self.output_commitment
    }
}

/// `U` (all limbs) and `Y` (limbs above the scale) from the limb values.
fn magnitudes(limbs: &[Felt], scale_limbs: usize) -> (Felt, Felt) {
    let base = Felt::from(1u64 << LIMB_BITS);
    let u = limbs
        .iter()
        .rev()
        .fold(Felt::ZERO, |acc, l| acc * base + *l);
    let y = limbs[scale_limbs..]
        .iter()
        .rev()
        .fold(Felt::ZERO, |acc, l| acc * base + *l);
    (u, y)
}

impl Air for MlpAir {
    fn log_trace_rows(&self) -> u32 {
        self.statement.layout.log_trace_rows
    }

    fn columns(&self) -> ColumnCounts {
        ColumnCounts {
            preprocessed: N_PREPROCESSED,
            main: N_MAIN,
            interaction: N_INTERACTION,
        }
    }

    fn n_interaction_challenges(&self) -> usize {
        2
    }

    fn n_constraints(&self) -> usize {
        N_CONSTRAINTS
    }

    fn composition_segments(&self) -> usize {
        N_COMPOSITION
    }

    fn statement(&self) -> Vec<Felt> {
        vec![
            self.statement.job_id,
            self.model_commitment,
            self.input_commitment,
            self.output_commitment,
        ]
    }

    fn preprocessed_root(&self) -> Felt {
        self.statement.layout.preprocessed_root
    }

    fn constants(&self, challenges: &[Felt]) -> Result<Vec<Felt>, AirError> {
        let [beta, gamma] = challenges else {
            return Err(AirError::Shape(format!(
                "{} challenges, expected 2",
                challenges.len()
            )));
        };
        let layout = &self.statement.layout;
        let mut denominators =
            Vec::with_capacity(self.statement.inputs.len() + self.statement.outputs.len());
        for (k, x) in self.statement.inputs.iter().enumerate() {
            denominators.push(*beta - Felt::from(ADDRESS_INPUTS + k as u64) - *gamma * *x);
        }
        let out_base = layout.output_address();
        for (j, y) in self.statement.outputs.iter().enumerate() {
            denominators.push(*beta - Felt::from(out_base + j as u64) - *gamma * *y);
        }
        let inverses = batch_inverse(&denominators)?;
        let n_in = self.statement.inputs.len();
        let inputs_sum = inverses[..n_in].iter().fold(Felt::ZERO, |a, b| a + *b);
        let outputs_sum = inverses[n_in..].iter().fold(Felt::ZERO, |a, b| a + *b);
        let total = Felt::from(layout.input_reads) * inputs_sum - outputs_sum;
        let n_inv = inverse(Felt::from(1u64 << layout.log_trace_rows))?;
        Ok(vec![total, n_inv])
    }

    fn evaluate(
        &self,
        frame: &Frame<'_>,
        challenges: &[Felt],
        constants: &[Felt],
        out: &mut [Felt],
    ) {
        use column::*;
        let (c, x) = (frame.current, frame.next);
        let (beta, gamma) = (challenges[0], challenges[1]);
        let (total, n_inv) = (constants[0], constants[1]);
        let one = Felt::ONE;
        let two = Felt::TWO;
        let shift_next = (x[RELU] + x[LIN]) * (one - x[KEEP]);
        for k in 0..BLOCK_NEURONS {
            let below = if k + 1 < BLOCK_NEURONS {
                c[ACC + k + 1]
            } else {
                Felt::ZERO
            };
            out[k] = x[ACC + k]
                - x[KEEP] * c[ACC + k]
                - shift_next * below
                - x[W + 2 * k] * x[XA]
                - x[W + 2 * k + 1] * x[XB];
        }
        let scale_limbs = (self.statement.layout.scale_bits / LIMB_BITS) as usize;
        let (u, y) = magnitudes(&c[L0..L0 + LIMBS], scale_limbs);
        let neg = c[NEG];
        let sign = one - two * neg;
        out[8] = (c[RELU] + c[LIN]) * (c[ACC] + c[BIAS] - sign * u);
        out[9] = c[RELU] * (c[XA] - (one - neg) * y) + c[LIN] * (c[XA] - sign * y);
        out[10] = neg * (one - neg);
        let d = |k: usize| beta - gamma * c[L0 + k];
        let (d0, d1, d2, d3, d4) = (d(0), d(1), d(2), d(3), d(4));
        out[11] = c[I1] * d0 * d1 - (d0 + d1);
        out[12] = c[I2] * d2 * d3 - (d2 + d3);
        let da = beta - c[ADDR] - gamma * c[XA];
        let db = beta - c[ADDR] - one - gamma * c[XB];
        out[13] = c[I3] * da * db - c[MA] * db - c[MB] * da;
        let dt = beta - gamma * c[TABLE];
        out[14] = c[I4] * d4 * dt - dt + c[RCM] * d4;
        out[15] = x[S] - c[S] - x[I1] - x[I2] - x[I3] - x[I4] + total * n_inv;
    }
}

/// The prover's trace for one inference.
#[derive(Clone, Debug)]
pub struct MlpWitness {
    preprocessed: Vec<Vec<Felt>>,
    main: Vec<Vec<Felt>>,
}

impl MlpWitness {
    /// Builds the trace of `run` (the fixed-point inference of `model`).
    ///
    /// # Errors
    /// [`AirError::Unsupported`] when the model or values do not fit the AIR.
    pub fn new(model: &QuantizedModel, run: &FixedPointRun) -> Result<Self, AirError> {
        let schedule = Schedule::of(model);
        let preprocessed = scheduled_columns(model, &schedule)?;
        let n = preprocessed[0].len();
        let mut main = vec![vec![Felt::ZERO; n]; N_MAIN];
        let main_index = |c: usize| c - N_PREPROCESSED;
        let mut limb_counts = [0u64; 256];
        let mut row = 0;
        let scale_bits = model.scale_bits;
        let shapes_match = run.input.len() == model.input_len()
            && run.outputs.len() == model.layers.len()
            && run.outputs.iter().zip(&model.layers).all(|(o, layer)| o.len() == layer.outputs());
        if !shapes_match {
            return Err(AirError::Shape("the run's activations do not match the model's layers".into()));
        }
        let vectors: Vec<&[i64]> = std::iter::once(run.input.as_slice()).chain(run.outputs.iter().map(Vec::as_slice)).collect();
        let layer_inputs: Vec<Vec<i64>> = (0..model.layers.len()).map(|l| model.input_map(l).gather(&vectors)).collect();
        for block in &schedule.blocks {
            let (l, layer) = (block.layer, &model.layers[block.layer]);
            let activations = &layer_inputs[l];
            let mut sums = [0i128; BLOCK_NEURONS];
            for &(a, b) in &block.pairs {
                let x_a = activations[a];
                let x_b = if b { activations[a + 1] } else { 0 };
                for (k, j) in (block.start..block.end).enumerate() {
                    sums[k] += weight_of(layer, j, a) as i128 * x_a as i128;
                    if b {
                        sums[k] += weight_of(layer, j, a + 1) as i128 * x_b as i128;
                    }
                }
                main[main_index(column::XA)][row] = felt_from_i64(x_a);
                main[main_index(column::XB)][row] = felt_from_i64(x_b);
                for (k, sum) in sums.iter().enumerate() {
                    main[main_index(column::ACC + k)][row] = Felt::from(*sum);
                }
                limb_counts[0] += LIMBS as u64;
                row += 1;
            }
            for j in block.start..block.end {
                let first = j - block.start;
                for k in 0..BLOCK_NEURONS {
                    let sum = sums.get(first + k).copied().unwrap_or(0);
                    main[main_index(column::ACC + k)][row] = Felt::from(sum);
                }
                let acc = sums[first] + layer.bias[j] as i128;
                if acc.abs() >= ACC_BOUND {
                    return Err(AirError::Unsupported(format!(
                        "layer {l} neuron {j}: |accumulator| ≥ 2^40"
                    )));
                }
                let magnitude = acc.unsigned_abs() as u64;
                let y = (magnitude >> scale_bits) as i64;
                let signed = if acc < 0 { -y } else { y };
                let value = if layer.relu { signed.max(0) } else { signed };
                if run.outputs[l][j] != value {
                    return Err(AirError::Shape(format!(
                        "layer {l} neuron {j}: run output differs from the trace"
                    )));
                }
                main[main_index(column::XA)][row] = felt_from_i64(value);
                main[main_index(column::NEG)][row] = Felt::from(acc < 0);
                for k in 0..LIMBS {
                    let limb = (magnitude >> (LIMB_BITS as usize * k)) & 0xff;
                    main[main_index(column::L0 + k)][row] = Felt::from(limb);
                    limb_counts[limb as usize] += 1;
                }
                row += 1;
            }
        }
        for &(a, b) in &schedule.balance {
            main[main_index(column::XA)][row] = felt_from_i64(run.input[a]);
            main[main_index(column::XB)][row] = felt_from_i64(if b { run.input[a + 1] } else { 0 });
            limb_counts[0] += LIMBS as u64;
            row += 1;
        }
        limb_counts[0] += ((n - row) * LIMBS) as u64;
        for (r, count) in limb_counts.iter().enumerate() {
            main[main_index(column::RCM)][r] = Felt::from(*count);
        }
        Ok(Self { preprocessed, main })
    }

    /// Number of trace rows (a power of two).
    pub fn rows(&self) -> usize {
        self.main[0].len()
    }

    /// This trace with neuron `neuron` of layer `layer` writing its value plus `delta`: what a
    /// prover cheating on one activation (a convolution's output, a pooling maximum) commits.
    /// It does not satisfy the AIR; soundness tests check that the verifiers reject its proof.
    ///
    /// # Errors
    /// [`AirError::Shape`] when the model has no such neuron.
    pub fn with_wrong_activation(&self, model: &QuantizedModel, layer: usize, neuron: usize, delta: i64) -> Result<Self, AirError> {
        let row = Schedule::of(model)
            .output_row(layer, neuron)
            .ok_or_else(|| AirError::Shape(format!("the model has no neuron {neuron} in layer {layer}")))?;
        let mut tampered = self.clone();
        tampered.main[column::XA - N_PREPROCESSED][row] += felt_from_i64(delta);
        Ok(tampered)
    }
}

impl TraceSource for MlpWitness {
    fn preprocessed_columns(&self) -> Vec<Vec<Felt>> {
        self.preprocessed.clone()
    }

    fn main_columns(&self) -> Vec<Vec<Felt>> {
        self.main.clone()
    }

    #[allow(clippy::needless_range_loop)] // rows index several columns at once
    fn interaction_columns(
        &self,
        challenges: &[Felt],
        constants: &[Felt],
    ) -> Result<Vec<Vec<Felt>>, AirError> {
        let [beta, gamma] = challenges else {
            return Err(AirError::Shape("expected 2 challenges".into()));
        };
        let [total, n_inv] = constants else {
            return Err(AirError::Shape("expected 2 constants".into()));
        };
        let (total, n_inv) = (*total, *n_inv);
        let n = self.rows();
        let pre = &self.preprocessed;
        let main_col = |c: usize| &self.main[c - N_PREPROCESSED];
        // Per row: d0..d4, da, db, dt.
        const PER_ROW: usize = LIMBS + 3;
        let mut denominators = Vec::with_capacity(PER_ROW * n);
        for r in 0..n {
            for k in 0..LIMBS {
                denominators.push(*beta - *gamma * main_col(column::L0 + k)[r]);
            }
            let addr = pre[column::ADDR][r];
            denominators.push(*beta - addr - *gamma * main_col(column::XA)[r]);
            denominators.push(*beta - addr - Felt::ONE - *gamma * main_col(column::XB)[r]);
            denominators.push(*beta - *gamma * pre[column::TABLE][r]);
        }
        let inv = batch_inverse(&denominators)?;
        let mut columns = vec![vec![Felt::ZERO; n]; N_INTERACTION];
        let step = total * n_inv;
        let mut running = Felt::ZERO;
        for r in 0..n {
            let d = &inv[PER_ROW * r..PER_ROW * (r + 1)];
            let i1 = d[0] + d[1];
            let i2 = d[2] + d[3];
            let i3 = pre[column::MA][r] * d[5] + pre[column::MB][r] * d[6];
            let i4 = d[4] - main_col(column::RCM)[r] * d[7];
            running += i1 + i2 + i3 + i4 - step;
            for (c, value) in [i1, i2, i3, i4, running].into_iter().enumerate() {
                columns[c][r] = value;
            }
        }
        Ok(columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::short_string;
    use crate::model::quantize::QuantizedLayer;

    #[test]
    fn tag_is_the_short_string() {
        assert_eq!(MLP_AIR_TAG, short_string("CIRO_MLP_AIR_V3").unwrap());
    }

    /// A model with an odd input count and a partial block in both layers.
    fn odd_model() -> (QuantizedModel, FixedPointRun) {
        let mut rng = fastrand::Rng::with_seed(11);
        let mut layer = |n_in: usize, n_out: usize, relu: bool| QuantizedLayer {
            weights: (0..n_out)
                .map(|_| (0..n_in).map(|_| rng.i64(-300..300)).collect())
                .collect(),
            bias: (0..n_out).map(|_| rng.i64(-70_000..70_000)).collect(),
            relu,
            weight_bits: 8,
            connections: None,
            sources: None,
        };
        let model = QuantizedModel {
            scale_bits: 8,
            layers: vec![layer(5, 11, true), layer(11, 3, false)],
        };
        let run = model.run(&[300, -200, 1000, 7, -512]).unwrap();
        (model, run)
    }

    /// Checks every constraint of `witness` on every row (interaction recomputed from it).
    fn check(model: &QuantizedModel, run: &FixedPointRun, witness: &MlpWitness) -> Result<(), AirError> {
        let layout = layout_for(model, Felt::from(5u64));
        let statement = MlpStatement {
            job_id: Felt::ONE,
            layout,
            inputs: run.input.iter().map(|x| felt_from_i64(*x)).collect(),
            outputs: run.output().iter().map(|x| felt_from_i64(*x)).collect(),
        };
        let air = MlpAir::new(statement)?;
        let challenges = [Felt::from(0x1234_5678_9abc_u64), Felt::from(0xfeed_beef_u64)];
        let constants = air.constants(&challenges)?;
        let interaction = witness.interaction_columns(&challenges, &constants)?;
        let columns: Vec<&Vec<Felt>> = witness
            .preprocessed
            .iter()
            .chain(&witness.main)
            .chain(&interaction)
            .collect();
        super::super::check_constraints_on_trace(&air, &columns, &challenges, &constants)
    }

    #[test]
    fn honest_trace_satisfies_every_constraint_and_tampered_ones_do_not() {
        let (model, run) = odd_model();
        assert_eq!(used_rows(&model), 2 * 3 + 11 + 6 + 3);
        let witness = MlpWitness::new(&model, &run).unwrap();
        check(&model, &run, &witness).unwrap();
        // Rows: layer 0 block 0 = MAC 0..3, outputs 3..11; block 1 = MAC 11..14, outputs 14..17;
        // layer 1 = MAC 17..23, outputs 23..26.
        let cases: [(&str, usize, usize); 8] = [
            ("activation a of a MAC row", column::XA, 1),
            ("activation b of a MAC row", column::XB, 12),
            ("accumulator of a MAC row", column::ACC + 3, 2),
            ("accumulator shifted into an output row", column::ACC + 1, 5),
            ("output written", column::XA, 9),
            ("sign bit", column::NEG, 24),
            ("limb", column::L0 + 1, 15),
            ("range-table multiplicity", column::RCM, 0),
        ];
        for (what, column, row) in cases {
            let mut tampered = witness.clone();
            tampered.main[column - N_PREPROCESSED][row] += Felt::ONE;
            assert!(check(&model, &run, &tampered).is_err(), "{what} accepted");
        }
        let mut run_cheat = run.clone();
        run_cheat.outputs[1][0] += 1;
        assert!(MlpWitness::new(&model, &run_cheat).is_err());
    }

    /// A small CNN: Conv(2@3×3, pad 1) on a 1×5×5 image, ReLU, MaxPool 2×2, a dense layer.
    fn cnn_model() -> (QuantizedModel, FixedPointRun) {
        use crate::model::lowering::{convolution, max_pool, Features, Window};
        use crate::model::{DenseLayer, FloatMlp};
        let window = |k: usize, s: usize, p: usize| Window { kernel: [k, k], strides: [s, s], pads: [p; 4], dilations: [1, 1], ceil_mode: false };
        let kernel: Vec<f64> = (0..18).map(|i| ((i * 7) % 9) as f64 / 8.0 - 0.5).collect();
        let (mut conv, features) = convolution(&Features::plain(vec![1, 5, 5]), (&[2, 1, 3, 3], &kernel), Some(&[0.25, -0.5]), &window(3, 1, 1), 1, "conv").unwrap();
        conv.relu = true;
        let (pool, features) = max_pool(&features, &window(2, 2, 0), true, "pool").unwrap();
        let dense = DenseLayer::dense((0..3).map(|o| (0..features.len()).map(|i| ((o * 5 + i * 3) % 7) as f64 / 4.0 - 0.75).collect()).collect(), vec![0.1, 0.2, -0.3], false);
        let mut layers = vec![conv];
        layers.extend(pool);
        layers.push(dense);
        let float = FloatMlp { layers, weight_bits: None };
        float.validate().unwrap();
        let model = QuantizedModel::from_float(&float, 8).unwrap();
        let image: Vec<f64> = (0..25).map(|i| ((i * 11) % 13) as f64 / 6.0 - 1.0).collect();
        let run = model.run(&model.quantize_input(&image).unwrap()).unwrap();
        (model, run)
    }

    #[test]
    fn a_cnn_reads_its_windows_balances_its_inputs_and_rejects_tampering() {
        let (model, run) = cnn_model();
        let schedule = Schedule::of(&model);
        // Every input is read R times, the border ones partly by balance rows.
        assert!(!schedule.balance.is_empty());
        let mut reads = schedule.reads[0].clone();
        for &(a, b) in &schedule.balance {
            reads[a] += 1;
            if b {
                reads[a + 1] += 1;
            }
        }
        assert!(reads.iter().all(|r| *r == schedule.input_reads()), "{reads:?}");
        // The convolution reads its 3×3 window, not the whole image: at most 3 pairs a kernel row.
        let conv_block = &schedule.blocks[0];
        assert!(conv_block.pairs.len() <= 6, "{:?}", conv_block.pairs);
        let witness = MlpWitness::new(&model, &run).unwrap();
        check(&model, &run, &witness).unwrap();
        let conv_output_row = schedule.output_row(0, 0).unwrap();
        assert_eq!(conv_output_row, conv_block.pairs.len());
        let pool_output_row = schedule.output_row(1, 0).unwrap();
        let balance_row = schedule.rows() - 1;
        let cases = [
            ("a convolution's output", column::XA, conv_output_row),
            ("an input read by the convolution", column::XA, 0),
            ("a pooling step's output", column::XA, pool_output_row),
            ("an input read by a balance row", column::XA, balance_row),
        ];
        for (what, column, row) in cases {
            let mut tampered = witness.clone();
            tampered.main[column - N_PREPROCESSED][row] += Felt::ONE;
            assert!(check(&model, &run, &tampered).is_err(), "{what} accepted");
        }
    }

    /// `h = relu(W₀·x)`, `y = W₂·(W₁·h + x)`: the join (layer 2) reads layer 1's outputs and the
    /// model's inputs, at their own addresses.
    #[test]
    fn a_residual_join_reads_both_branches_and_rejects_tampering() {
        use crate::model::{Connections, DenseLayer, FloatMlp, SparseOp};
        let matrix = |n_out: usize, n_in: usize, seed: usize| (0..n_out).map(|o| (0..n_in).map(|i| ((o * 5 + i * 3 + seed) % 7) as f64 / 4.0 - 0.75).collect()).collect();
        let join = DenseLayer {
            weights: vec![vec![1.0, 1.0]; 4],
            bias: vec![0.0; 4],
            relu: false,
            connections: Some(Connections { op: SparseOp::BranchSum, inputs: 8, indices: (0..4).map(|j| vec![j, 4 + j]).collect() }),
            sources: Some(vec![2, 0]),
        };
        let layers = vec![DenseLayer::dense(matrix(4, 4, 1), vec![0.5; 4], true), DenseLayer::dense(matrix(4, 4, 2), vec![-0.25; 4], false), join, DenseLayer::dense(matrix(2, 4, 3), vec![0.0; 2], false)];
        let float = FloatMlp { layers, weight_bits: None };
        float.validate().unwrap();
        let model = QuantizedModel::from_float(&float, 8).unwrap();
        let input = [1.0, -0.5, 0.25, 2.0];
        let run = model.run(&model.quantize_input(&input).unwrap()).unwrap();
        let sum: Vec<i64> = run.outputs[1].iter().zip(&run.input).map(|(h, x)| h + x).collect();
        assert_eq!(run.outputs[2], sum, "the join adds the branches");
        let schedule = Schedule::of(&model);
        // The inputs are read by layer 0 and by the join: R = 2, no balance rows.
        assert_eq!(schedule.input_reads(), 2);
        assert!(schedule.balance.is_empty());
        let witness = MlpWitness::new(&model, &run).unwrap();
        check(&model, &run, &witness).unwrap();
        // The join's MAC rows: layer 1's outputs (addresses 9..13) then the inputs (1..5).
        let join_output = schedule.output_row(2, 0).unwrap();
        let addresses: Vec<Felt> = (join_output - 4..join_output).map(|r| witness.preprocessed[column::ADDR][r]).collect();
        assert_eq!(addresses, [9u64, 11, 1, 3].map(Felt::from));
        let cases = [
            ("the join's output", column::XA, join_output),
            ("an input the join reads", column::XA, join_output - 2),
            ("a hidden value the join reads", column::XB, join_output - 4),
        ];
        for (what, column, row) in cases {
            let mut tampered = witness.clone();
            tampered.main[column - N_PREPROCESSED][row] += Felt::ONE;
            assert!(check(&model, &run, &tampered).is_err(), "{what} accepted");
        }
    }

    #[test]
    fn column_indices_follow_the_counts() {
        assert_eq!(column::TABLE + 1, N_PREPROCESSED);
        assert_eq!(column::RCM + 1, N_PREPROCESSED + N_MAIN);
        assert_eq!(column::S + 1, N_PREPROCESSED + N_MAIN + N_INTERACTION);
        assert_eq!(column::BIAS, column::W + ROW_INPUTS * BLOCK_NEURONS);
        assert_eq!(column::NEG, column::ACC + BLOCK_NEURONS);
    }
}
