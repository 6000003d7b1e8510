//! `abigen!` reads the ABI files while the crate compiles, which Cargo does not track: rebuild
//! the bindings whenever one of them changes.

fn main() {
    println!("cargo:rerun-if-changed=abi");
    println!("cargo:rerun-if-changed=src/generated");
}
