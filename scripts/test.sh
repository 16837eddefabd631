#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine: system packages, test assets and the
# Whisper models the suite uses (cached under ~/.cache/lipi, so later runs are offline), then
# `cargo test`. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/assets.sh
cargo build --workspace --locked
./target/debug/lipi models pull base
./target/debug/lipi models pull tiny.en
./target/debug/lipi models pull silero-vad
cargo test --workspace --locked "$@"
