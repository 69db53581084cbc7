#!/usr/bin/env bash
# Runs every check and test of the workspace. Installs the system packages that the tests
# need (redis-server, Chromium and ChromeDriver from Debian) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if ((${#missing[@]})); then
    echo "installing missing packages: ${missing[*]}"
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Incremental caches add about a gigabyte to the build directory and speed up only
# rebuilds, so they are off unless CARGO_INCREMENTAL=1 is set.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

cargo fmt --all --check
cargo clippy --workspace --all-targets --all-features -- -D warnings
cargo clippy --workspace --all-targets --no-default-features -- -D warnings
cargo test --workspace --all-features
# Each benchmark once, so the benchmarks keep compiling and the floor stays byte-identical.
# The same package selection and features as the line above reuse its build.
cargo test --workspace --all-features --bench '*'
# The README's documentation command, which builds without the `redis` feature, then all.
RUSTDOCFLAGS="-D warnings" cargo doc -p websession --features axum --no-deps --quiet
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --quiet

bash scripts/fuzz-smoke.sh
echo "all checks passed"
