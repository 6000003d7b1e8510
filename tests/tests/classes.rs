//! Every contract the build produces can be declared: its Sierra compiles to CASM with the
//! network's compiler (2.19.4) within Starknet's bytecode limit.

use ciro_deploy::class::MAX_BYTECODE_FELTS;
use ciro_deploy::{ContractArtifacts, PreparedClass};
use ciro_tests::{artifacts_dir, PACKAGES};

#[test]
fn every_built_class_compiles_to_casm() -> anyhow::Result<()> {
    let mut failures = Vec::new();
    for package in PACKAGES {
        let artifacts = ContractArtifacts::load(&artifacts_dir(), package)?;
        for contract in artifacts.contract_names() {
            let sierra = artifacts.sierra_json(contract)?;
            match PreparedClass::compile(&sierra) {
                Ok(class) => {
                    println!("{package}::{contract}: {} CASM felts", class.bytecode_felts);
                    assert!(class.bytecode_felts <= MAX_BYTECODE_FELTS);
                    // What the CASM cache gives back is what compiling gives.
                    let cached = PreparedClass::from_sierra_json(&sierra)?;
                    assert_eq!(
                        (cached.class_hash, cached.compiled_class_hash, cached.bytecode_felts),
                        (class.class_hash, class.compiled_class_hash, class.bytecode_felts),
                        "{contract}"
                    );
                }
                Err(error) => failures.push(format!("{package}::{contract}: {error}")),
            }
        }
    }
    assert!(failures.is_empty(), "classes that cannot be declared:\n{}", failures.join("\n"));
    Ok(())
}
