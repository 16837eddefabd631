#!/usr/bin/env bash
# Sets everything up (system packages, a release build, the Whisper base and Silero VAD models)
# and runs lipi's subtitle workflow on a sample video made from real speech (LibriVox read
# speech shipped in Debian's pocketsphinx-testdata), then prints the products.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/setup.sh
cargo build --release --locked -p lipi-cli
./target/release/lipi models pull base
./target/release/lipi models pull silero-vad

cache="${XDG_CACHE_HOME:-$HOME/.cache}/lipi/sample"
mkdir -p "$cache"
sample="$cache/sample.mp4"
if [[ ! -s "$sample" ]]; then
  data=/usr/share/pocketsphinx/test/data/librivox
  list="$cache/list.txt"
  : >"$list"
  for f in "$data"/*.wav; do echo "file '$f'" >>"$list"; done
  ffmpeg -nostdin -v error -y -f concat -safe 0 -i "$list" -ar 16000 -ac 1 "$cache/speech.wav"
  ffmpeg -nostdin -v error -y -f lavfi -i color=c=black:s=640x360:r=25 -i "$cache/speech.wav" \
    -shortest -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac "$sample"
fi
echo "sample: $sample"
# Spanish (-t es) joins once the translation stage lands; today: English transcript + subtitles.
./target/release/lipi subtitle "$sample" -s en --title "lipi sample"
