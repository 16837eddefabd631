#!/usr/bin/env bash
# Installs the system packages lipi and its tests need on Debian (idempotent: installs only
# what is missing). Needs root, or sudo.
set -euo pipefail

packages=(
  ffmpeg              # demux, mux, probing (stages 01 and 12)
  cmake clang libclang-dev  # building whisper.cpp (whisper-rs)
  espeak-ng           # synthetic speech for tests
  pocketsphinx-testdata  # real read speech (LibriVox) with transcripts, for the sample and tests
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "system packages ready: ${packages[*]}"
