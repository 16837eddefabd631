//! `ffprobe` as a typed summary: duration, streams, audio stream count, video frame rate.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{MediaError, check_readable, spawn_error, tail, tool};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StreamKind {
    Video,
    Audio,
    Subtitle,
    Data,
    Attachment,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct StreamInfo {
    /// Index among all streams of the file.
    pub index: u32,
    pub kind: StreamKind,
    pub codec: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Attached pictures (cover art) are video streams that are not the film.
    #[serde(default)]
    pub attached_picture: bool,
    /// The stream's own duration when the container states one, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct MediaInfo {
    pub path: PathBuf,
    /// ffprobe's `format_name`, e.g. `mov,mp4,m4a,3gp,3g2,mj2` or `matroska,webm`.
    pub format: String,
    pub duration_s: f64,
    pub size: u64,
    pub streams: Vec<StreamInfo>,
}

impl MediaInfo {
    pub fn audio_streams(&self) -> impl Iterator<Item = &StreamInfo> {
        self.streams.iter().filter(|s| s.kind == StreamKind::Audio)
    }

    /// The `n`-th audio stream.
    pub fn audio_stream(&self, n: u32) -> Option<&StreamInfo> {
        self.audio_streams().nth(n as usize)
    }

    pub fn audio_stream_count(&self) -> usize {
        self.audio_streams().count()
    }

    /// The film's video stream (not cover art).
    pub fn video(&self) -> Option<&StreamInfo> {
        self.streams
            .iter()
            .find(|s| s.kind == StreamKind::Video && !s.attached_picture)
    }

    /// Frames per second of the video, or 25 for audio-only media (subtitle frame gaps need one).
    pub fn frame_rate(&self) -> f64 {
        self.video()
            .and_then(|v| v.frame_rate)
            .filter(|f| *f > 0.0)
            .unwrap_or(25.0)
    }
}

/// Probes a media file. Every failure is classified (see [`MediaError`]).
pub fn probe(path: &Path) -> Result<MediaInfo, MediaError> {
    let size = check_readable(path)?;
    let out = tool("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            "-i",
        ])
        .arg(path)
        .output()
        .map_err(spawn_error("ffprobe"))?;
    if !out.status.success() {
        let detail = tail(&out.stderr);
        let detail = detail
            .replace(&format!("{}: ", path.display()), "")
            .trim()
            .to_owned();
        return Err(if looks_like_media(path) {
            MediaError::Corrupt {
                path: path.to_owned(),
                detail,
            }
        } else {
            MediaError::NotMedia {
                path: path.to_owned(),
                detail,
            }
        });
    }
    let raw: RawProbe =
        serde_json::from_slice(&out.stdout).map_err(|e| MediaError::ToolFailed {
            tool: "ffprobe".into(),
            detail: format!("unreadable answer: {e}"),
        })?;
    let format = raw.format.unwrap_or_default();
    let streams: Vec<StreamInfo> = raw.streams.into_iter().map(RawStream::into_info).collect();
    let format_name = format.format_name.unwrap_or_default();
    // Formats FFmpeg "reads" from any bytes: a text file is not media.
    let suspicious = [
        "tty",
        "txt",
        "lrc",
        "srt",
        "ass",
        "webvtt",
        "image2",
        "png_pipe",
        "jpeg_pipe",
    ];
    if streams
        .iter()
        .all(|s| s.kind != StreamKind::Audio && s.kind != StreamKind::Video)
        || suspicious.contains(&format_name.as_str())
    {
        let only_subs =
            !streams.is_empty() && streams.iter().all(|s| s.kind == StreamKind::Subtitle);
        if streams.iter().any(|s| s.kind == StreamKind::Video) {
            return Err(MediaError::NoAudio(path.to_owned()));
        }
        return Err(MediaError::NotMedia {
            path: path.to_owned(),
            detail: if only_subs {
                "it is a subtitle file".into()
            } else {
                format!("FFmpeg sees format `{format_name}` with no audio or video")
            },
        });
    }
    let duration_s = format
        .duration
        .as_deref()
        .and_then(|d| d.parse::<f64>().ok())
        .or_else(|| streams_duration(&out.stdout))
        .unwrap_or(0.0);
    if duration_s.is_nan() || duration_s <= 0.0 {
        return Err(MediaError::Corrupt {
            path: path.to_owned(),
            detail: "its duration is unknown or zero".into(),
        });
    }
    if format_name == "wav"
        && let Some(w) = super::wav::read_header(path)
            .ok()
            .filter(super::wav::WavInfo::is_truncated)
    {
        let per_s =
            f64::from(w.sample_rate) * f64::from(w.channels) * f64::from(w.bits_per_sample / 8);
        return Err(MediaError::Corrupt {
            path: path.to_owned(),
            detail: format!(
                "its header promises {:.1} s of audio but the file holds {:.1} s",
                w.claimed_len as f64 / per_s.max(1.0),
                w.data_len as f64 / per_s.max(1.0)
            ),
        });
    }
    Ok(MediaInfo {
        path: path.to_owned(),
        format: format_name,
        duration_s,
        size,
        streams,
    })
}

fn streams_duration(json: &[u8]) -> Option<f64> {
    let v: serde_json::Value = serde_json::from_slice(json).ok()?;
    v["streams"]
        .as_array()?
        .iter()
        .filter_map(|s| s["duration"].as_str()?.parse::<f64>().ok())
        .reduce(f64::max)
}

/// Does the file start like a container FFmpeg knows? Then a failing probe means damage.
fn looks_like_media(path: &Path) -> bool {
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let h = &head[..n];
    let starts = |m: &[u8]| h.starts_with(m);
    (n >= 8 && &h[4..8] == b"ftyp")
        || starts(&[0x1A, 0x45, 0xDF, 0xA3])
        || starts(b"RIFF")
        || starts(b"OggS")
        || starts(b"fLaC")
        || starts(b"ID3")
        || starts(&[0x47])
        || (n >= 8
            && (&h[4..8] == b"moov"
                || &h[4..8] == b"mdat"
                || &h[4..8] == b"free"
                || &h[4..8] == b"wide"))
        || (n >= 2 && h[0] == 0xFF && (h[1] & 0xE0) == 0xE0)
}

#[derive(Deserialize)]
struct RawProbe {
    #[serde(default)]
    streams: Vec<RawStream>,
    format: Option<RawFormat>,
}

#[derive(Deserialize, Default)]
struct RawFormat {
    format_name: Option<String>,
    duration: Option<String>,
}

#[derive(Deserialize)]
struct RawStream {
    index: u32,
    codec_type: Option<String>,
    codec_name: Option<String>,
    channels: Option<u32>,
    sample_rate: Option<String>,
    avg_frame_rate: Option<String>,
    r_frame_rate: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    duration: Option<String>,
    #[serde(default)]
    tags: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    disposition: std::collections::BTreeMap<String, i64>,
}

fn ratio(text: &str) -> Option<f64> {
    let (n, d) = text.split_once('/')?;
    let (n, d): (f64, f64) = (n.parse().ok()?, d.parse().ok()?);
    (d > 0.0 && n > 0.0).then(|| n / d)
}

/// `00:00:04.013000000` → 4.013
fn parse_hms(text: &str) -> Option<f64> {
    let mut total = 0.0;
    for part in text.split(':') {
        total = total * 60.0 + part.trim().parse::<f64>().ok()?;
    }
    Some(total)
}

impl RawStream {
    fn into_info(self) -> StreamInfo {
        let kind = match self.codec_type.as_deref() {
            Some("video") => StreamKind::Video,
            Some("audio") => StreamKind::Audio,
            Some("subtitle") => StreamKind::Subtitle,
            Some("data") => StreamKind::Data,
            Some("attachment") => StreamKind::Attachment,
            _ => StreamKind::Other,
        };
        let frame_rate = if kind == StreamKind::Video {
            self.avg_frame_rate
                .as_deref()
                .and_then(ratio)
                .or_else(|| self.r_frame_rate.as_deref().and_then(ratio))
        } else {
            None
        };
        StreamInfo {
            index: self.index,
            kind,
            codec: self.codec_name.unwrap_or_default(),
            language: self.tags.get("language").cloned(),
            title: self.tags.get("title").cloned(),
            channels: self.channels,
            sample_rate: self.sample_rate.and_then(|s| s.parse().ok()),
            frame_rate,
            width: self.width,
            height: self.height,
            attached_picture: self.disposition.get("attached_pic").copied().unwrap_or(0) == 1,
            // MP4 states a duration per stream; Matroska written by FFmpeg keeps it in a tag.
            duration_s: self
                .duration
                .as_deref()
                .and_then(|d| d.parse().ok())
                .or_else(|| self.tags.get("DURATION").and_then(|d| parse_hms(d))),
        }
    }
}
