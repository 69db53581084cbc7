#!/usr/bin/env bash
# Runs every cargo-fuzz target under fuzz/ for a short time and exits non-zero on the first
# crash, hang (an input taking over 10 s) or build failure.
#
#   scripts/fuzz-smoke.sh                          # each target 20 s (about 2 minutes with the build)
#   FUZZ_SECONDS=600 scripts/fuzz-smoke.sh         # each target 10 minutes
#   FUZZ_SECONDS=3600 scripts/fuzz-smoke.sh set_cookie cookie_value   # chosen targets
#
# The corpus grows in fuzz/corpus/<target> and is reused by later runs. A crashing input is
# saved in fuzz/artifacts/<target>/; replay it with
#   (cd fuzz && cargo fuzz run -s none <target> artifacts/<target>/<file>)
#
# Targets are built without a sanitizer (`-s none`): AddressSanitizer needs a nightly
# compiler, and the library forbids unsafe code, so the faults worth finding are panics,
# which libFuzzer reports either way. Installs cargo-fuzz from crates.io when it is missing.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${FUZZ_SECONDS:-20}"
cargo_fuzz_version="0.13.2"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz $cargo_fuzz_version"
    cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked
fi

targets=("$@")
if ((${#targets[@]} == 0)); then
    mapfile -t targets < <(cargo fuzz list)
fi

echo "building fuzz targets"
cargo fuzz build -s none >build.log 2>&1 || {
    tail -n 40 build.log
    echo "fuzz build failed; full log in fuzz/build.log" >&2
    exit 1
}

mkdir -p logs
failed=()
for target in "${targets[@]}"; do
    corpus=("corpus/$target")
    mkdir -p "corpus/$target"
    if [ -d "seeds/$target" ]; then
        corpus+=("seeds/$target")
    fi
    log="logs/$target.log"
    echo "fuzzing $target for ${seconds}s"
    if cargo fuzz run -s none "$target" "${corpus[@]}" -- \
        -max_total_time="$seconds" -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
        runs=$(grep -o '^stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
        echo "  ok: $runs executions, no crash"
    else
        tail -n 40 "$log"
        echo "  FAILED: $target crashed or hung; log in fuzz/$log, input in fuzz/artifacts/$target/" >&2
        failed+=("$target")
    fi
done

if ((${#failed[@]})); then
    echo "fuzz smoke run failed for: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz smoke run passed: ${targets[*]}"
