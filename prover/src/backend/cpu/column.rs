//! [`ColumnOps`] for the CPU: columns are plain vectors.

use super::CpuBackend;
use crate::backend::ColumnOps;
use crate::field::Felt;

impl ColumnOps for CpuBackend {
    type Column = Vec<Felt>;

    fn column_from_vec(values: Vec<Felt>) -> Self::Column {
        values
    }

    fn column_to_vec(column: &Self::Column) -> Vec<Felt> {
        column.clone()
    }

    fn column_len(column: &Self::Column) -> usize {
        column.len()
    }

    fn column_values_at(column: &Self::Column, indices: &[usize]) -> Vec<Felt> {
        indices.iter().map(|&i| column[i]).collect()
    }

    fn column_chunks(column: &Self::Column, parts: usize) -> Vec<Self::Column> {
        let len = column.len() / parts.max(1);
        column.chunks(len.max(1)).map(<[Felt]>::to_vec).collect()
    }
}
