//! The STARK proof and its felt encoding (the body of the calldata; see `PROOF_FORMAT.md`).

use crate::field::Felt;
use crate::fri::{FriProof, TreeDecommitment};
use serde::{Deserialize, Serialize};

/// A STARK proof (everything after the statement).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarkProof {
    /// Root of the main trace tree.
    pub main_root: Felt,
    /// Root of the interaction trace tree.
    pub interaction_root: Felt,
    /// Root of the composition tree.
    pub composition_root: Felt,
    /// Out-of-domain values: all trace columns at `z`, the composition segments at `z`, all trace
    /// columns at `g·z`.
    pub ood_values: Vec<Felt>,
    /// FRI layer roots, last layer and layer decommitments.
    pub fri: FriProof,
    /// The proof-of-work nonce.
    pub pow_nonce: u64,
    /// Decommitment of the preprocessed tree at the queries.
    pub preprocessed: TreeDecommitment,
    /// Decommitment of the main tree.
    pub main: TreeDecommitment,
    /// Decommitment of the interaction tree.
    pub interaction: TreeDecommitment,
    /// Decommitment of the composition tree.
    pub composition: TreeDecommitment,
}

/// Sequential reader over a felt array, with bounds-checked lengths.
#[derive(Debug)]
pub struct FeltReader<'a> {
    data: &'a [Felt],
    position: usize,
}

impl<'a> FeltReader<'a> {
    /// Starts at the beginning of `data`.
    pub fn new(data: &'a [Felt]) -> Self {
        Self { data, position: 0 }
    }

    /// The next felt.
    ///
    /// # Errors
    /// A message when the data is exhausted.
    pub fn felt(&mut self) -> Result<Felt, String> {
        let value = *self
            .data
            .get(self.position)
            .ok_or_else(|| format!("calldata ends at felt {}", self.position))?;
        self.position += 1;
        Ok(value)
    }

    /// The next felt as an integer at most `max`.
    ///
    /// # Errors
    /// A message when exhausted or out of range.
    pub fn small(&mut self, max: u64) -> Result<u64, String> {
        let at = self.position;
        let value = self.felt()?;
        let digits = value.to_le_digits();
        if digits[1] != 0 || digits[2] != 0 || digits[3] != 0 || digits[0] > max {
            return Err(format!(
                "felt {at} is {value:#x}, expected an integer at most {max}"
            ));
        }
        Ok(digits[0])
    }

    /// A length prefix followed by that many felts.
    ///
    /// # Errors
    /// A message when the length exceeds the remaining data.
    pub fn array(&mut self) -> Result<Vec<Felt>, String> {
        let remaining = (self.data.len() - self.position.min(self.data.len())) as u64;
        let len = self.small(remaining.saturating_sub(1))? as usize;
        self.take(len)
    }

    /// The next `len` felts.
    ///
    /// # Errors
    /// A message when the data is too short.
    pub fn take(&mut self, len: usize) -> Result<Vec<Felt>, String> {
        let end = self
            .position
            .checked_add(len)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| {
                format!(
                    "calldata too short: {len} felts wanted at {}",
                    self.position
                )
            })?;
        let out = self.data[self.position..end].to_vec();
        self.position = end;
        Ok(out)
    }

    /// Fails unless every felt was read.
    ///
    /// # Errors
    /// A message naming the number of trailing felts.
    pub fn finish(&self) -> Result<(), String> {
        if self.position == self.data.len() {
            Ok(())
        } else {
            Err(format!(
                "{} trailing felts after the proof",
                self.data.len() - self.position
            ))
        }
    }
}

fn push_array(out: &mut Vec<Felt>, values: &[Felt]) {
    out.push(Felt::from(values.len() as u64));
    out.extend_from_slice(values);
}

fn push_decommitment(out: &mut Vec<Felt>, d: &TreeDecommitment) {
    push_array(out, &d.values);
    push_array(out, &d.siblings);
}

fn read_decommitment(reader: &mut FeltReader<'_>) -> Result<TreeDecommitment, String> {
    Ok(TreeDecommitment {
        values: reader.array()?,
        siblings: reader.array()?,
    })
}

impl StarkProof {
    /// Appends the proof body to `out`, in calldata order:
    /// `main_root, interaction_root, composition_root, [ood], [fri roots], [last layer],
    /// pow_nonce, then ([values], [siblings]) for the preprocessed, main, interaction and
    /// composition trees and for every FRI layer` (`[..]` = length-prefixed array).
    pub fn write_felts(&self, out: &mut Vec<Felt>) {
        out.push(self.main_root);
        out.push(self.interaction_root);
        out.push(self.composition_root);
        push_array(out, &self.ood_values);
        push_array(out, &self.fri.layer_roots);
        push_array(out, &self.fri.last_layer);
        out.push(Felt::from(self.pow_nonce));
        for d in [
            &self.preprocessed,
            &self.main,
            &self.interaction,
            &self.composition,
        ] {
            push_decommitment(out, d);
        }
        for d in &self.fri.layer_decommitments {
            push_decommitment(out, d);
        }
    }

    /// Reads a proof body written by [`StarkProof::write_felts`].
    ///
    /// # Errors
    /// A message at the first malformed field.
    pub fn read_felts(reader: &mut FeltReader<'_>) -> Result<Self, String> {
        let main_root = reader.felt()?;
        let interaction_root = reader.felt()?;
        let composition_root = reader.felt()?;
        let ood_values = reader.array()?;
        let layer_roots = reader.array()?;
        let last_layer = reader.array()?;
        let pow_nonce = reader.small(u64::MAX)?;
        let preprocessed = read_decommitment(reader)?;
        let main = read_decommitment(reader)?;
        let interaction = read_decommitment(reader)?;
        let composition = read_decommitment(reader)?;
        let layer_decommitments = (0..layer_roots.len())
            .map(|_| read_decommitment(reader))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            main_root,
            interaction_root,
            composition_root,
            ood_values,
            fri: FriProof {
                layer_roots,
                last_layer,
                layer_decommitments,
            },
            pow_nonce,
            preprocessed,
            main,
            interaction,
            composition,
        })
    }
}
