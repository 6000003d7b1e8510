//! The AIR for fixed-point MLP inference.
//!
//! ## Trace layout (one row per multiply-accumulate)
//! For layer `l` (inputs `n_l`, neurons `m_l`) and neuron `j`, in order: one **bias row**
//! (reads the constant 1, weight = bias), `n_l` **MAC rows** (read input activation `i`,
//! weight `W[j][i]`), one **output row** (rescale, ReLU, writes the neuron's output). Layers
//! follow each other; the trace is padded with all-zero rows to `n = 2^log_n` rows,
//! `log_n = max(8, ceil(log2(Σ_l m_l·(n_l + 2))))`.
//!
//! Activations live in a read-only memory checked with LogUp: address 0 is the 8-bit range
//! table, 1 holds the constant 1, `2..2+n_in` the inputs, then every layer's outputs in order
//! (the last layer's outputs start at `2 + n_in + total_neurons - n_out`).
//!
//! | # | preprocessed | meaning |
//! |---|---|---|
//! | 0 | `w` | weight (MAC row), bias (bias row), 0 otherwise |
//! | 1 | `addr` | memory address read (bias/MAC row) or written (output row) |
//! | 2 | `mult` | LogUp multiplicity: +1 for a read, −(readers) for a write, 0 for padding |
//! | 3 | `keep` | 1 if the accumulator carries over from the previous row (MAC and output rows) |
//! | 4 | `relu` | 1 on output rows of ReLU layers |
//! | 5 | `lin` | 1 on output rows of layers without ReLU |
//! | 6 | `table` | `row mod 256`, the range table |
//!
//! | # | main | meaning |
//! |---|---|---|
//! | 7 | `v` | value read (bias/MAC row) or written (output row) |
//! | 8 | `acc` | accumulator |
//! | 9 | `neg` | sign bit of the accumulator (output rows) |
//! | 10..14 | `l0..l4` | 8-bit limbs of `U = |acc|` (output rows; 0 elsewhere) |
//! | 15 | `rcm` | multiplicity of `table` among all limbs |
//!
//! | # | interaction | meaning |
//! |---|---|---|
//! | 16 | `i1` | `1/d0 + 1/d1` |
//! | 17 | `i2` | `1/d2 + 1/d3` |
//! | 18 | `i3` | `mult/dm − rcm/dt` |
//! | 19 | `s` | running sum |
//!
//! with challenges `β, γ`, `d_k = β − γ·l_k`, `dm = β − addr − γ·v`, `dt = β − γ·table`.
//!
//! ## Constraints (every row; `X'` is `X` on the next row; `s_k = scale_bits / 8`)
//! `U = Σ_k 2^(8k)·l_k`, `Y = Σ_{k ≥ s_k} 2^(8(k − s_k))·l_k` (`|y| = |acc| >> scale_bits`).
//! 0. `acc' − keep'·acc − w'·v' = 0`
//! 1. `(relu + lin)·(acc − (1 − 2·neg)·U) = 0`
//! 2. `relu·(v − (1 − neg)·Y) + lin·(v − (1 − 2·neg)·Y) = 0`
//! 3. `neg·(1 − neg) = 0`
//! 4. `i1·d0·d1 − (d0 + d1) = 0`
//! 5. `i2·d2·d3 − (d2 + d3) = 0`
//! 6. `i3·dm·dt − mult·dt + rcm·dm = 0`
//! 7. `(s' − s − i1' − i2' − i3' + T/n)·d4' − 1 = 0`
//!
//! Maximal degree 3, so the composition quotient has 2 segments. `T` is the public LogUp sum:
//! `T = m_1·Σ_k 1/(β − (2+k) − γ·x_k) + N/(β − 1 − γ) − Σ_j 1/(β − (A_out + j) − γ·y_j)`
//! (inputs `x` written `m_1` times — once per first-layer neuron —, the constant 1 written once
//! per neuron (`N` = total neurons), outputs `y` read once by the verifier).

use super::{Air, AirError, ColumnCounts, Frame, TraceSource};
use crate::field::{batch_inverse, felt_from_i64, felt_to_i128, inverse, Felt};
use crate::model::quantize::{FixedPointRun, QuantizedModel, ACC_BOUND, PARAM_BOUND};
use starknet_crypto::poseidon_hash_many;

/// `'CIRO_MLP_AIR_V1'`: identifies this AIR in the model commitment.
pub const MLP_AIR_TAG: Felt = Felt::from_hex_unchecked("0x4349524f5f4d4c505f4149525f5631");
/// The smallest trace (the range table needs 256 rows).
pub const MIN_LOG_TRACE_ROWS: u32 = 8;
/// The largest trace this implementation proves.
pub const MAX_LOG_TRACE_ROWS: u32 = 24;
/// Bits per range-checked limb.
pub const LIMB_BITS: u32 = 8;
/// Limbs per accumulator magnitude (`|acc| < 2^40`).
pub const LIMBS: usize = 5;
/// Memory address of the constant 1.
pub const ADDRESS_ONE: u64 = 1;
/// Memory address of the first input.
pub const ADDRESS_INPUTS: u64 = 2;

/// Column indices in frame order.
pub mod column {
    /// Weight or bias.
    pub const W: usize = 0;
    /// Memory address.
    pub const ADDR: usize = 1;
    /// LogUp multiplicity of the memory access.
    pub const MULT: usize = 2;
    /// Accumulator carry selector.
    pub const KEEP: usize = 3;
    /// ReLU output-row selector.
    pub const RELU: usize = 4;
    /// Linear output-row selector.
    pub const LIN: usize = 5;
    /// Range table value.
    pub const TABLE: usize = 6;
    /// Memory value.
    pub const V: usize = 7;
    /// Accumulator.
    pub const ACC: usize = 8;
    /// Sign bit.
    pub const NEG: usize = 9;
    /// First limb (limbs are `L0..L0+5`).
    pub const L0: usize = 10;
    /// Range table multiplicity.
    pub const RCM: usize = 15;
    /// `1/d0 + 1/d1`.
    pub const I1: usize = 16;
    /// `1/d2 + 1/d3`.
    pub const I2: usize = 17;
    /// `mult/dm − rcm/dt`.
    pub const I3: usize = 18;
    /// Running sum.
    pub const S: usize = 19;
}

const N_PREPROCESSED: usize = 7;
const N_MAIN: usize = 9;
const N_INTERACTION: usize = 4;

/// The public shape of a model, fixed at registration; its hash is the model commitment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModelLayout {
    /// log2 of the trace rows.
    pub log_trace_rows: u32,
    /// Fixed-point scale bits (8 or 16).
    pub scale_bits: u32,
    /// Model inputs.
    pub n_inputs: u64,
    /// Model outputs.
    pub n_outputs: u64,
    /// Neurons of the first layer (each input is read that many times).
    pub first_layer_neurons: u64,
    /// Neurons of all layers.
    pub total_neurons: u64,
    /// Merkle root of the preprocessed trace's LDE (binds the quantized weights and biases).
    pub preprocessed_root: Felt,
}

impl ModelLayout {
    /// The model commitment: `poseidon_hash_many([MLP_AIR_TAG, log_trace_rows, scale_bits,
    /// n_inputs, n_outputs, first_layer_neurons, total_neurons, preprocessed_root])`.
    pub fn commitment(&self) -> Felt {
        poseidon_hash_many(&self.to_felts_with_tag())
    }

    fn to_felts_with_tag(self) -> [Felt; 8] {
        [
            MLP_AIR_TAG,
            Felt::from(self.log_trace_rows),
            Felt::from(self.scale_bits),
            Felt::from(self.n_inputs),
            Felt::from(self.n_outputs),
            Felt::from(self.first_layer_neurons),
            Felt::from(self.total_neurons),
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
            && self.n_inputs >= 1
            && self.n_outputs >= 1
            && self.first_layer_neurons >= 1
            && self.total_neurons >= self.first_layer_neurons
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

/// Number of used trace rows for a model.
pub fn used_rows(model: &QuantizedModel) -> usize {
    model
        .layers
        .iter()
        .map(|l| l.outputs() * (l.inputs() + 2))
        .sum()
}

/// log2 of the trace rows for a model.
pub fn log_trace_rows(model: &QuantizedModel) -> u32 {
    used_rows(model)
        .next_power_of_two()
        .trailing_zeros()
        .max(MIN_LOG_TRACE_ROWS)
}

/// The layout of a model, given the root of its preprocessed trace.
pub fn layout_for(model: &QuantizedModel, preprocessed_root: Felt) -> ModelLayout {
    ModelLayout {
        log_trace_rows: log_trace_rows(model),
        scale_bits: model.scale_bits,
        n_inputs: model.input_len() as u64,
        n_outputs: model.output_len() as u64,
        first_layer_neurons: model.layers.first().map_or(0, |l| l.outputs()) as u64,
        total_neurons: model.layers.iter().map(|l| l.outputs() as u64).sum(),
        preprocessed_root,
    }
}

/// Address of the first output of layer `l` (layer `-1` being the inputs).
fn layer_output_base(model: &QuantizedModel, l: usize) -> u64 {
    ADDRESS_INPUTS
        + model.input_len() as u64
        + model.layers[..l]
            .iter()
            .map(|x| x.outputs() as u64)
            .sum::<u64>()
}

/// Checks a model fits this AIR (sizes, parameter ranges).
///
/// # Errors
/// [`AirError::Unsupported`].
pub fn check_model(model: &QuantizedModel) -> Result<(), AirError> {
    if model.layers.is_empty() {
        return Err(AirError::Unsupported("model without layers".into()));
    }
    if log_trace_rows(model) > MAX_LOG_TRACE_ROWS {
        return Err(AirError::Unsupported(format!(
            "model needs {} trace rows, more than 2^{MAX_LOG_TRACE_ROWS}",
            used_rows(model)
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
    check_model(model)?;
    let n = 1usize << log_trace_rows(model);
    let mut cols = vec![vec![Felt::ZERO; n]; N_PREPROCESSED];
    let mut row = 0;
    let n_layers = model.layers.len();
    for (l, layer) in model.layers.iter().enumerate() {
        let in_base = if l == 0 {
            ADDRESS_INPUTS
        } else {
            layer_output_base(model, l - 1)
        };
        let out_base = layer_output_base(model, l);
        let readers = if l + 1 == n_layers {
            1
        } else {
            model.layers[l + 1].outputs() as u64
        };
        for (j, (weights, bias)) in layer.weights.iter().zip(&layer.bias).enumerate() {
            cols[column::W][row] = felt_from_i64(*bias);
            cols[column::ADDR][row] = Felt::from(ADDRESS_ONE);
            cols[column::MULT][row] = Felt::ONE;
            row += 1;
            for (i, w) in weights.iter().enumerate() {
                cols[column::W][row] = felt_from_i64(*w);
                cols[column::ADDR][row] = Felt::from(in_base + i as u64);
                cols[column::MULT][row] = Felt::ONE;
                cols[column::KEEP][row] = Felt::ONE;
                row += 1;
            }
            cols[column::ADDR][row] = Felt::from(out_base + j as u64);
            cols[column::MULT][row] = -Felt::from(readers);
            cols[column::KEEP][row] = Felt::ONE;
            cols[if layer.relu {
                column::RELU
            } else {
                column::LIN
            }][row] = Felt::ONE;
            row += 1;
        }
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
    /// `poseidon_hash_many(inputs)`.
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

/// The input commitment of a statement whose quantized inputs are `inputs`.
pub fn input_commitment_of(inputs: &[Felt]) -> Felt {
    poseidon_hash_many(inputs)
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
        8
    }

    fn composition_segments(&self) -> usize {
        2
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
            Vec::with_capacity(self.statement.inputs.len() + self.statement.outputs.len() + 1);
        for (k, x) in self.statement.inputs.iter().enumerate() {
            denominators.push(*beta - Felt::from(ADDRESS_INPUTS + k as u64) - *gamma * *x);
        }
        denominators.push(*beta - Felt::from(ADDRESS_ONE) - *gamma);
        let out_base = layout.output_address();
        for (j, y) in self.statement.outputs.iter().enumerate() {
            denominators.push(*beta - Felt::from(out_base + j as u64) - *gamma * *y);
        }
        let inverses = batch_inverse(&denominators)?;
        let n_in = self.statement.inputs.len();
        let inputs_sum = inverses[..n_in].iter().fold(Felt::ZERO, |a, b| a + *b);
        let outputs_sum = inverses[n_in + 1..].iter().fold(Felt::ZERO, |a, b| a + *b);
        let total = Felt::from(layout.first_layer_neurons) * inputs_sum
            + Felt::from(layout.total_neurons) * inverses[n_in]
            - outputs_sum;
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
        let scale_limbs = (self.statement.layout.scale_bits / LIMB_BITS) as usize;
        let (u, y) = magnitudes(&c[L0..L0 + LIMBS], scale_limbs);
        let neg = c[NEG];
        out[0] = x[ACC] - x[KEEP] * c[ACC] - x[W] * x[V];
        out[1] = (c[RELU] + c[LIN]) * (c[ACC] - (one - two * neg) * u);
        out[2] = c[RELU] * (c[V] - (one - neg) * y) + c[LIN] * (c[V] - (one - two * neg) * y);
        out[3] = neg * (one - neg);
        let d = |k: usize| beta - gamma * c[L0 + k];
        let (d0, d1, d2, d3) = (d(0), d(1), d(2), d(3));
        out[4] = c[I1] * d0 * d1 - (d0 + d1);
        out[5] = c[I2] * d2 * d3 - (d2 + d3);
        let dm = beta - c[ADDR] - gamma * c[V];
        let dt = beta - gamma * c[TABLE];
        out[6] = c[I3] * dm * dt - c[MULT] * dt + c[RCM] * dm;
        let d4_next = beta - gamma * x[L0 + 4];
        out[7] = (x[S] - c[S] - x[I1] - x[I2] - x[I3] + total * n_inv) * d4_next - one;
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
        let preprocessed = preprocessed_columns(model)?;
        let n = preprocessed[0].len();
        let mut main = vec![vec![Felt::ZERO; n]; N_MAIN];
        let mut limb_counts = [0u64; 256];
        let mut row = 0;
        let scale_bits = model.scale_bits;
        for (l, layer) in model.layers.iter().enumerate() {
            let activations: &[i64] = if l == 0 {
                &run.input
            } else {
                &run.outputs[l - 1]
            };
            if activations.len() != layer.inputs() {
                return Err(AirError::Shape(format!(
                    "layer {l} receives {} activations",
                    activations.len()
                )));
            }
            for (j, (weights, bias)) in layer.weights.iter().zip(&layer.bias).enumerate() {
                let mut acc = *bias as i128;
                main[column::V - N_PREPROCESSED][row] = Felt::ONE;
                main[column::ACC - N_PREPROCESSED][row] = Felt::from(acc);
                limb_counts[0] += LIMBS as u64;
                row += 1;
                for (w, a) in weights.iter().zip(activations) {
                    acc += *w as i128 * *a as i128;
                    main[column::V - N_PREPROCESSED][row] = felt_from_i64(*a);
                    main[column::ACC - N_PREPROCESSED][row] = Felt::from(acc);
                    limb_counts[0] += LIMBS as u64;
                    row += 1;
                }
                if acc.abs() >= ACC_BOUND {
                    return Err(AirError::Unsupported(format!(
                        "layer {l} neuron {j}: |accumulator| ≥ 2^40"
                    )));
                }
                let magnitude = acc.unsigned_abs() as u64;
                let y = (magnitude >> scale_bits) as i64;
                let signed = if acc < 0 { -y } else { y };
                let value = if layer.relu { signed.max(0) } else { signed };
                if run.outputs.get(l).and_then(|o| o.get(j)) != Some(&value) {
                    return Err(AirError::Shape(format!(
                        "layer {l} neuron {j}: run output differs from the trace"
                    )));
                }
                main[column::V - N_PREPROCESSED][row] = felt_from_i64(value);
                main[column::ACC - N_PREPROCESSED][row] = Felt::from(acc);
                main[column::NEG - N_PREPROCESSED][row] = Felt::from(acc < 0);
                for k in 0..LIMBS {
                    let limb = (magnitude >> (LIMB_BITS as usize * k)) & 0xff;
                    main[column::L0 + k - N_PREPROCESSED][row] = Felt::from(limb);
                    limb_counts[limb as usize] += 1;
                }
                row += 1;
            }
        }
        limb_counts[0] += ((n - row) * LIMBS) as u64;
        for (r, count) in limb_counts.iter().enumerate() {
            main[column::RCM - N_PREPROCESSED][r] = Felt::from(*count);
        }
        Ok(Self { preprocessed, main })
    }

    /// Number of trace rows (a power of two).
    pub fn rows(&self) -> usize {
        self.main[0].len()
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
        // Per row: d0..d4, dm, dt.
        let mut denominators = Vec::with_capacity(7 * n);
        for r in 0..n {
            for k in 0..LIMBS {
                denominators.push(*beta - *gamma * main_col(column::L0 + k)[r]);
            }
            denominators.push(*beta - pre[column::ADDR][r] - *gamma * main_col(column::V)[r]);
            denominators.push(*beta - *gamma * pre[column::TABLE][r]);
        }
        let inv = batch_inverse(&denominators)?;
        let mut i1 = vec![Felt::ZERO; n];
        let mut i2 = vec![Felt::ZERO; n];
        let mut i3 = vec![Felt::ZERO; n];
        let mut s = vec![Felt::ZERO; n];
        let step = total * n_inv;
        let mut running = Felt::ZERO;
        for r in 0..n {
            let d = &inv[7 * r..7 * r + 7];
            i1[r] = d[0] + d[1];
            i2[r] = d[2] + d[3];
            i3[r] = pre[column::MULT][r] * d[5] - main_col(column::RCM)[r] * d[6];
            running += i1[r] + i2[r] + i3[r] + d[4] - step;
            s[r] = running;
        }
        Ok(vec![i1, i2, i3, s])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::short_string;

    #[test]
    fn tag_is_the_short_string() {
        assert_eq!(MLP_AIR_TAG, short_string("CIRO_MLP_AIR_V1").unwrap());
    }
}
