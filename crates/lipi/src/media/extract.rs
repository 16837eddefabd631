//! Audio extraction: one audio stream, a clip range, 16 kHz mono 16-bit PCM WAV.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Stdio;

use super::{MediaError, spawn_error, tail, tool};
use crate::timecode::Millis;

/// The sample rate every later stage works at (Whisper's and Silero's).
pub const SAMPLE_RATE: u32 = 16_000;

#[derive(Debug, Clone)]
pub struct ExtractRequest<'a> {
    pub media: &'a Path,
    pub audio_stream: u32,
    pub start: Option<Millis>,
    pub end: Option<Millis>,
    pub output: &'a Path,
    /// Expected length of the result, seconds (for progress and the truncation check).
    pub expected_s: f64,
}

/// Extracts audio; calls `progress` with the fraction done. Returns the decoded duration.
pub fn extract(req: &ExtractRequest<'_>, progress: &dyn Fn(f64)) -> Result<f64, MediaError> {
    let mut cmd = tool("ffmpeg");
    cmd.args(["-nostdin", "-hide_banner", "-v", "error", "-y"]);
    if let Some(s) = req.start {
        cmd.arg("-ss").arg(format!("{:.3}", s.as_secs_f64()));
    }
    cmd.arg("-i").arg(req.media);
    if let Some(e) = req.end {
        let from = req.start.map_or(0.0, Millis::as_secs_f64);
        cmd.arg("-t").arg(format!("{:.3}", e.as_secs_f64() - from));
    }
    cmd.args([
        "-map",
        &format!("0:a:{}", req.audio_stream),
        "-vn",
        "-sn",
        "-dn",
    ])
    .args([
        "-ac",
        "1",
        "-ar",
        &SAMPLE_RATE.to_string(),
        "-c:a",
        "pcm_s16le",
    ])
    .args([
        "-map_metadata",
        "-1",
        "-fflags",
        "+bitexact",
        "-flags:a",
        "+bitexact",
    ])
    .args(["-progress", "pipe:1", "-nostats", "-f", "wav"])
    .arg(req.output)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(spawn_error("ffmpeg"))?;
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(us) = line
                .strip_prefix("out_time_us=")
                .and_then(|v| v.parse::<i64>().ok())
                && req.expected_s > 0.0
            {
                progress((us as f64 / 1e6 / req.expected_s).clamp(0.0, 1.0));
            }
        }
    }
    let status = child.wait().map_err(spawn_error("ffmpeg"))?;
    let stderr = err_reader.join().unwrap_or_default();
    if !status.success() {
        return Err(MediaError::Corrupt {
            path: req.media.to_owned(),
            detail: format!("FFmpeg could not decode the audio: {}", tail(&stderr)),
        });
    }
    let info = super::wav::read_header(req.output).map_err(|e| MediaError::ToolFailed {
        tool: "ffmpeg".into(),
        detail: format!("wrote an unreadable WAV: {e}"),
    })?;
    let decoded = info.duration_s();
    // A stream that promises more than it holds is truncated. Encoders pad and trim a little
    // (priming samples, the last frame), so small shortfalls are normal.
    let tolerance = (0.02 * req.expected_s).max(0.5);
    if req.expected_s - decoded > tolerance && req.expected_s > 0.0 {
        return Err(MediaError::Corrupt {
            path: req.media.to_owned(),
            detail: format!(
                "the audio ends after {} although the file says {}",
                Millis::from_secs_f64(decoded),
                Millis::from_secs_f64(req.expected_s)
            ),
        });
    }
    progress(1.0);
    Ok(decoded)
}
