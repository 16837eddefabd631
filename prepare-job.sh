#!/usr/bin/env bash
# Compatibility wrapper: the original system's prepare-job.sh flags, mapped onto `lipi prepare`.
#   ./prepare-job.sh --media FILE --workflow transcribe|translate|subtitle [-s LANG] [-t L1,L2]
#                    [--start-time T] [--end-time T] [--user-id U] [--debug] [--log-level L]
# Prints the job id. The lipi binary is $LIPI, else `lipi` on the PATH, else this checkout's build.
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

usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; }

media="" workflow="" args=() global=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --media) media="$2"; shift 2 ;;
    --workflow) workflow="$2"; shift 2 ;;
    -s|--source-language) args+=(-s "$2"); shift 2 ;;
    -t|--target-language|--target-languages) args+=(-t "$2"); shift 2 ;;
    --start-time) args+=(--start-time "$2"); shift 2 ;;
    --end-time) args+=(--end-time "$2"); shift 2 ;;
    --user-id|--user) args+=(--user "$2"); shift 2 ;;
    --title) args+=(--title "$2"); shift 2 ;;
    --year) args+=(--year "$2"); shift 2 ;;
    --debug) global+=(--log-level debug); shift ;;
    --log-level) global+=(--log-level "$(tr '[:upper:]' '[:lower:]' <<<"$2")"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ -n "$media" ]] || { echo "error: --media is required" >&2; exit 2; }
[[ -n "$workflow" ]] || { echo "error: --workflow is required" >&2; exit 2; }
exec "$(find_lipi)" "${global[@]}" prepare "$media" --workflow "$workflow" "${args[@]}"
