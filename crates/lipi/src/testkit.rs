//! Real test media, made on the spot with espeak-ng and FFmpeg (for tests and benchmarks).
//!
//! A test that needs a tool which is absent prints `skipped: <why>` loudly — unless it runs in
//! CI (`CI` set), where every tool is installed and a missing one is a failure.
#![allow(clippy::print_stderr, reason = "loud skips are the point")]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Is `tool` on the PATH?
pub fn have(tool: &str) -> bool {
    Command::new(tool).arg("-version").output().is_ok()
        || Command::new(tool).arg("--version").output().is_ok()
}

/// True when every tool is present. Otherwise prints a skip line, or panics under CI.
pub fn require(test: &str, tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !have(t)).collect();
    if missing.is_empty() {
        return true;
    }
    let why = format!("{test}: skipped: {} not installed", missing.join(", "));
    if std::env::var_os("CI").is_some() {
        panic!("{why} (CI must install it: see .ci/run)");
    }
    eprintln!("{why}");
    false
}

fn check(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs FFmpeg quietly with the given arguments; panics on failure.
pub fn ffmpeg(args: &[&str]) {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-nostdin", "-v", "error", "-y"]).args(args);
    check(&mut cmd);
}

/// espeak-ng speaks `text` into a WAV file (22.05 kHz mono).
pub fn speak(text: &str, voice: &str, out: &Path) -> PathBuf {
    let mut cmd = Command::new("espeak-ng");
    cmd.args(["-v", voice, "-w"]).arg(out).arg(text);
    check(&mut cmd);
    out.to_owned()
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Black frames at 25 fps, the picture of every test video.
const BLACK: &str = "color=c=black:s=320x240:r=25";
/// Fast H.264 that every player reads.
const H264: [&str; 7] = [
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-pix_fmt",
    "yuv420p",
    "-shortest",
];

fn video(inputs: &[&str], extra: &[&str], out: &Path) -> PathBuf {
    let out_s = s(out);
    let args: Vec<&str> = inputs
        .iter()
        .chain(&H264)
        .chain(extra)
        .copied()
        .chain([out_s.as_str()])
        .collect();
    ffmpeg(&args);
    out.to_owned()
}

/// A video (black frames, 25 fps, H.264) with the given audio (AAC), in the container the
/// extension names (`.mp4`, `.mkv`).
pub fn video_with_audio(audio: &Path, out: &Path) -> PathBuf {
    video(
        &["-f", "lavfi", "-i", BLACK, "-i", &s(audio)],
        &["-c:a", "aac", "-b:a", "96k"],
        out,
    )
}

/// A video with two audio streams: `first` and `second`.
pub fn video_with_two_audio(first: &Path, second: &Path, out: &Path) -> PathBuf {
    video(
        &[
            "-f",
            "lavfi",
            "-i",
            BLACK,
            "-i",
            &s(first),
            "-i",
            &s(second),
        ],
        &["-map", "0:v", "-map", "1:a", "-map", "2:a", "-c:a", "aac"],
        out,
    )
}

/// A video with no audio stream, `secs` long.
pub fn video_only(secs: f64, out: &Path) -> PathBuf {
    video(
        &["-f", "lavfi", "-i", &format!("{BLACK}:d={secs}")],
        &[],
        out,
    )
}

/// `secs` of digital silence as 16 kHz mono 16-bit WAV.
pub fn silence(secs: f64, out: &Path) -> PathBuf {
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!("anullsrc=r=16000:cl=mono:d={secs}"),
        "-c:a",
        "pcm_s16le",
        &s(out),
    ]);
    out.to_owned()
}

/// Joins audio files end to end (FFmpeg's concat demuxer) into a 16-bit WAV.
pub fn concat(parts: &[PathBuf], out: &Path) -> PathBuf {
    let list = out.with_extension("list.txt");
    let text: String = parts
        .iter()
        .map(|p| format!("file '{}'\n", p.display()))
        .collect();
    std::fs::write(&list, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", list.display()));
    ffmpeg(&[
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        &s(&list),
        "-c:a",
        "pcm_s16le",
        &s(out),
    ]);
    out.to_owned()
}

/// A sine tone as 16-bit WAV.
pub fn tone(secs: f64, freq: f64, out: &Path) -> PathBuf {
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!("sine=frequency={freq}:duration={secs}"),
        "-c:a",
        "pcm_s16le",
        &s(out),
    ]);
    out.to_owned()
}

/// Where the downloaded test assets live (`scripts/assets.sh`): `$LIPI_TEST_ASSETS`, else
/// `<cache>/lipi/assets`.
pub fn assets_dir() -> PathBuf {
    std::env::var_os("LIPI_TEST_ASSETS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            dirs::cache_dir()
                .unwrap_or_else(std::env::temp_dir)
                .join("lipi/assets")
        })
}

/// A downloaded asset, or a loud skip (a failure under CI).
pub fn asset(test: &str, name: &str) -> Option<PathBuf> {
    let p = assets_dir().join(name);
    if p.is_file() {
        return Some(p);
    }
    let why = format!(
        "{test}: skipped: test asset {} is missing (run scripts/assets.sh)",
        p.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{why}");
    }
    eprintln!("{why}");
    None
}

/// The LibriVox clips of Debian's pocketsphinx-testdata with their reference text.
pub fn librivox() -> Vec<(PathBuf, String)> {
    let dir = Path::new("/usr/share/pocketsphinx/test/data/librivox");
    let Ok(refs) = std::fs::read_to_string(dir.join("transcription")) else {
        return Vec::new();
    };
    refs.lines()
        .filter_map(|l| {
            let (text, id) = l.rsplit_once('(')?;
            let id = id.trim().trim_end_matches(')');
            let text = text.replace("<s>", "").replace("</s>", "");
            Some((dir.join(format!("{id}.wav")), text.trim().to_owned()))
        })
        .filter(|(p, _)| p.is_file())
        .collect()
}
