mod test_proof_verifier;
