//! The Starknet field `p = 2^251 + 17·2^192 + 1` (via `starknet-types-core`) and the few helpers
//! the protocol needs: roots of unity, signed conversions, batch inversion, short strings.

use rayon::prelude::*;
pub use starknet_types_core::felt::Felt;
use starknet_types_core::felt::NonZeroFelt;

/// `p - 1 = 2^192 · (2^59 + 17)`: the field has multiplicative subgroups of order `2^k` for
/// every `k ≤ 192`.
pub const TWO_ADICITY: u32 = 192;

/// The multiplicative generator used for roots of unity and for the coset shift of the
/// evaluation domain: 3.
pub const GENERATOR: Felt = Felt::THREE;

/// Errors of field helpers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// A zero element had to be inverted.
    #[error("cannot invert zero")]
    ZeroInverse,
    /// A root of unity of an order beyond the field's two-adicity was requested.
    #[error("no root of unity of order 2^{0} (two-adicity is {TWO_ADICITY})")]
    TwoAdicityExceeded(u32),
    /// A short string longer than 31 characters or with non-ASCII characters.
    #[error("not a Cairo short string: {0:?}")]
    BadShortString(String),
}

/// The primitive `2^log_order`-th root of unity `3^((p-1) / 2^log_order)`.
///
/// # Errors
/// [`FieldError::TwoAdicityExceeded`] when `log_order > 192`.
pub fn root_of_unity(log_order: u32) -> Result<Felt, FieldError> {
    if log_order > TWO_ADICITY {
        return Err(FieldError::TwoAdicityExceeded(log_order));
    }
    if (log_order as usize) < CACHED_ROOTS {
        let table = ROOTS.get_or_init(|| {
            let mut table = [Felt::ONE; CACHED_ROOTS];
            let mut root = compute_root_of_unity((CACHED_ROOTS - 1) as u32);
            for slot in table.iter_mut().rev() {
                *slot = root;
                root = root * root;
            }
            table
        });
        return Ok(table[log_order as usize]);
    }
    Ok(compute_root_of_unity(log_order))
}

const CACHED_ROOTS: usize = 65;
static ROOTS: std::sync::OnceLock<[Felt; CACHED_ROOTS]> = std::sync::OnceLock::new();

fn compute_root_of_unity(log_order: u32) -> Felt {
    // 2^log_order is a non-zero field element for log_order <= 192 < 251.
    let divisor = NonZeroFelt::from_felt_unchecked(Felt::TWO.pow(log_order as u128));
    let exponent = Felt::MAX.floor_div(&divisor);
    GENERATOR.pow_felt(&exponent)
}

/// Multiplicative inverse.
///
/// # Errors
/// [`FieldError::ZeroInverse`] on zero.
pub fn inverse(value: Felt) -> Result<Felt, FieldError> {
    value.inverse().ok_or(FieldError::ZeroInverse)
}

/// Inverts every element with Montgomery's trick (one inversion per chunk), in parallel.
///
/// # Errors
/// [`FieldError::ZeroInverse`] if any element is zero.
pub fn batch_inverse(values: &[Felt]) -> Result<Vec<Felt>, FieldError> {
    const CHUNK: usize = 1 << 12;
    let mut out = vec![Felt::ZERO; values.len()];
    out.par_chunks_mut(CHUNK)
        .zip(values.par_chunks(CHUNK))
        .try_for_each(|(dst, src)| batch_inverse_serial(src, dst))?;
    Ok(out)
}

fn batch_inverse_serial(src: &[Felt], dst: &mut [Felt]) -> Result<(), FieldError> {
    let mut running = Felt::ONE;
    for (d, s) in dst.iter_mut().zip(src) {
        *d = running;
        running *= *s;
    }
    let mut inv = inverse(running)?;
    for (d, s) in dst.iter_mut().zip(src).rev() {
        let prefix = *d;
        *d = inv * prefix;
        inv *= *s;
    }
    Ok(())
}

/// The signed integer `value` as a field element (`-a` maps to `p - a`).
pub fn felt_from_i64(value: i64) -> Felt {
    Felt::from(value as i128)
}

/// The field element as a signed integer when it is within `(-2^126, 2^126)`, else `None`.
pub fn felt_to_i128(value: Felt) -> Option<i128> {
    const BOUND: u128 = 1 << 126;
    let digits = value.to_le_digits();
    if digits[2] == 0 && digits[3] == 0 {
        let v = (digits[0] as u128) | ((digits[1] as u128) << 64);
        if v < BOUND {
            return Some(v as i128);
        }
    }
    let neg = -value;
    let digits = neg.to_le_digits();
    if digits[2] == 0 && digits[3] == 0 {
        let v = (digits[0] as u128) | ((digits[1] as u128) << 64);
        if v < BOUND {
            return Some(-(v as i128));
        }
    }
    None
}

/// The low 128 bits of the canonical representative (Cairo: `u256.low` of `felt.into()`).
pub fn low_u128(value: Felt) -> u128 {
    let digits = value.to_le_digits();
    (digits[0] as u128) | ((digits[1] as u128) << 64)
}

/// Encodes a Cairo short string (at most 31 ASCII characters, big-endian bytes) as a felt.
///
/// # Errors
/// [`FieldError::BadShortString`] for longer or non-ASCII strings.
pub fn short_string(text: &str) -> Result<Felt, FieldError> {
    if text.len() > 31 || !text.is_ascii() {
        return Err(FieldError::BadShortString(text.to_string()));
    }
    Ok(Felt::from_bytes_be_slice(text.as_bytes()))
}

/// `base^exponent` for a machine-sized exponent.
pub fn pow(base: Felt, exponent: u64) -> Felt {
    base.pow(exponent as u128)
}

/// Formats a felt as `0x`-prefixed lowercase hex without leading zeros.
pub fn to_hex(value: &Felt) -> String {
    format!("{value:#x}")
}

/// Parses a felt from `0x`-prefixed hex or decimal.
///
/// # Errors
/// The parser's message when the text is neither.
pub fn parse_felt(text: &str) -> Result<Felt, String> {
    let text = text.trim();
    let parsed = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        if hex.is_empty() || hex.len() > 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("invalid hex felt {text:?}"));
        }
        Felt::from_hex(text).map_err(|e| format!("invalid hex felt {text:?}: {e}"))?
    } else {
        if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("invalid decimal felt {text:?}"));
        }
        Felt::from_dec_str(text).map_err(|e| format!("invalid decimal felt {text:?}: {e}"))?
    };
    // Reject values >= p, which the parsers would silently reduce.
    if to_canonical_string_matches(&parsed, text) {
        Ok(parsed)
    } else {
        Err(format!("felt {text:?} is not below the field modulus"))
    }
}

fn to_canonical_string_matches(parsed: &Felt, text: &str) -> bool {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        let trimmed = hex.trim_start_matches('0').to_ascii_lowercase();
        let canonical = format!("{parsed:x}");
        (trimmed.is_empty() && canonical == "0") || trimmed == canonical
    } else {
        let trimmed = text.trim_start_matches('0');
        let canonical = parsed.to_string();
        (trimmed.is_empty() && canonical == "0") || trimmed == canonical
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_of_unity_have_exact_order() {
        for log in [1u32, 3, 8, 19] {
            let w = root_of_unity(log).unwrap();
            let half = pow(w, 1 << (log - 1));
            assert_eq!(half, -Felt::ONE, "w^(n/2) = -1 for log {log}");
            assert_eq!(pow(w, 1 << log), Felt::ONE);
            // Consistency: squaring a root of order 2^k gives the root of order 2^(k-1).
            assert_eq!(w * w, root_of_unity(log - 1).unwrap());
        }
        assert!(root_of_unity(193).is_err());
    }

    #[test]
    fn batch_inverse_matches_single_inverses() {
        let values: Vec<Felt> = (1..5000u64).map(|i| Felt::from(i * i + 7)).collect();
        let inv = batch_inverse(&values).unwrap();
        for (v, i) in values.iter().zip(&inv) {
            assert_eq!(*v * *i, Felt::ONE);
        }
        assert_eq!(
            batch_inverse(&[Felt::ONE, Felt::ZERO]),
            Err(FieldError::ZeroInverse)
        );
    }

    #[test]
    fn signed_round_trip_and_low_bits() {
        for v in [0i64, 1, -1, 255, -256, i64::MAX, i64::MIN + 1] {
            assert_eq!(felt_to_i128(felt_from_i64(v)), Some(v as i128));
        }
        assert_eq!(
            felt_to_i128(Felt::from_hex_unchecked(
                "0x1000000000000000000000000000000000"
            )),
            None
        );
        assert_eq!(low_u128(Felt::from(u128::MAX) + Felt::ONE), 0);
        assert_eq!(low_u128(Felt::from(0x1234u64)), 0x1234);
    }

    #[test]
    fn short_strings_and_parsing() {
        assert_eq!(short_string("A").unwrap(), Felt::from(65u64));
        assert!(short_string(&"x".repeat(32)).is_err());
        assert_eq!(parse_felt("0x10").unwrap(), Felt::from(16u64));
        assert_eq!(parse_felt("42").unwrap(), Felt::from(42u64));
        assert!(parse_felt("0xzz").is_err());
        assert!(parse_felt("-3").is_err());
        let p = "0x800000000000011000000000000000000000000000000000000000000000001";
        assert!(parse_felt(p).is_err(), "p itself is rejected");
    }
}
