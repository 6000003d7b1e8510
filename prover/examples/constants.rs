//! Prints the field constants a verifier needs (the table in `PROOF_FORMAT.md`):
//! roots of unity `ω_{2^k} = 3^((p-1)/2^k)` and their inverses, and `3^-1`.
//!
//! Run: `cargo run -p ciro-prover --example constants`.

use ciro_prover::field::{inverse, root_of_unity, to_hex, Felt};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("3^-1 = {}", to_hex(&inverse(Felt::THREE)?));
    println!("\n| k | ω_(2^k) | ω_(2^k)^-1 |\n|---|---|---|");
    for k in [
        1u32, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
    ] {
        let w = root_of_unity(k)?;
        println!("| {k} | `{}` | `{}` |", to_hex(&w), to_hex(&inverse(w)?));
    }
    Ok(())
}
