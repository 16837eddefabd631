#!/usr/bin/env bash
# Fetches the real-speech test assets that no Debian package ships, into ~/.cache/lipi/assets
# (or $LIPI_TEST_ASSETS): the 60 s lecture and the 169 s TV news recording from the silero-vad
# sdist on PyPI. Cached: a second run is offline.
set -euo pipefail
dest="${LIPI_TEST_ASSETS:-${XDG_CACHE_HOME:-$HOME/.cache}/lipi/assets}"
mkdir -p "$dest"
if [[ -s "$dest/lecture_60s.wav" && -s "$dest/news_169s.wav" ]]; then
  echo "test assets ready in $dest"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --no-binary :all: -d "$tmp" silero-vad==6.2.3
sdist="$(ls "$tmp"/silero_vad-6.2.3.tar.gz)"
tar -xzf "$sdist" -C "$tmp" silero_vad-6.2.3/tests/data/test.wav silero_vad-6.2.3/examples/c++/aepyx.wav
cp "$tmp/silero_vad-6.2.3/tests/data/test.wav" "$dest/lecture_60s.wav"
cp "$tmp/silero_vad-6.2.3/examples/c++/aepyx.wav" "$dest/news_169s.wav"
echo "test assets ready in $dest"
