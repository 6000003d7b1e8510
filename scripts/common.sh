# Shared by scripts/demo and scripts/test: installs and builds what both need.
# Sourced, not run. Every step is skipped when its result is already there.

set -euo pipefail

CIRO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEVNET_VERSION="0.10.1"

# A stage of the script: `step` starts one (and ends the one before, printing its wall time);
# `step_times` ends the last and prints every stage's time (scripts/test runs it on exit).
STEP_TIMES=""
step_end() {
    if [ -n "${STEP_NAME:-}" ]; then
        local took=$((SECONDS - STEP_START))
        printf '<== %s: %d s\n' "$STEP_NAME" "$took"
        STEP_TIMES+="$(printf '%6d s  %s' "$took" "$STEP_NAME")"$'\n'
        STEP_NAME=""
    fi
}
step() {
    step_end
    STEP_NAME="$*"
    STEP_START=$SECONDS
    printf '\n==> %s\n' "$*"
}
step_times() {
    step_end
    printf '\n==> wall time per stage\n%s%6d s  in all\n' "$STEP_TIMES" "$SECONDS"
}

# starknet-devnet, the local Starknet node the tests and the demo run against.
ensure_devnet() {
    local bin="${CIRO_DEVNET_BIN:-starknet-devnet}"
    if command -v "$bin" >/dev/null 2>&1 \
        && [ "$("$bin" --version 2>/dev/null | awk '{print $NF}')" = "$DEVNET_VERSION" ]; then
        return
    fi
    step "installing starknet-devnet $DEVNET_VERSION (once; about 36 minutes on 2 cores)"
    cargo install --locked starknet-devnet --version "$DEVNET_VERSION"
}

# The Cairo 2.1 compile driver (its own workspace and lock file, see tools/cairo-build).
ciro_cairo() {
    cargo run --quiet --release --locked --manifest-path "$CIRO_ROOT/tools/cairo-build/Cargo.toml" -- "$@"
}

build_contracts() {
    step "building the Cairo contracts (ciro-cairo build)"
    ciro_cairo build --manifest-path "$CIRO_ROOT/Scarb.toml"
}
