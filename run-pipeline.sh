#!/usr/bin/env bash
# Compatibility wrapper: the original system's run-pipeline.sh, mapped onto `lipi run`.
#   ./run-pipeline.sh -j JOB [--resume] [--debug]
# lipi always resumes: stages whose results are fresh are skipped, so --resume is accepted
# for compatibility and changes nothing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
find_lipi() {
  if [[ -n "${LIPI:-}" ]]; then echo "$LIPI"; return; fi
  if command -v lipi >/dev/null 2>&1; then command -v lipi; return; fi
  for p in "$here/target/release/lipi" "$here/target/debug/lipi"; do
    [[ -x "$p" ]] && { echo "$p"; return; }
  done
  echo "error: lipi not found; build it with 'cargo build --release' or set LIPI" >&2
  exit 2
}

job="" global=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -j|--job) job="$2"; shift 2 ;;
    --resume) shift ;;
    --debug) global+=(--log-level debug); shift ;;
    -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[[ -n "$job" ]] || { echo "error: -j JOB is required" >&2; exit 2; }
exec "$(find_lipi)" "${global[@]}" run "$job"
