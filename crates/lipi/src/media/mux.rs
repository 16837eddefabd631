//! Soft subtitle tracks into a copy of the video: stream copy for video and audio, one subtitle
//! stream per language with its ISO 639-2 tag, a title, and the default disposition.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use super::{MediaError, spawn_error, tail, tool};
use crate::lang::Language;
use crate::timecode::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    Mkv,
    Mp4,
}

impl ContainerKind {
    pub fn extension(self) -> &'static str {
        match self {
            ContainerKind::Mkv => "mkv",
            ContainerKind::Mp4 => "mp4",
        }
    }

    /// MP4 for MP4-family inputs, Matroska for everything else (it carries any codec).
    pub fn for_media(path: &Path) -> ContainerKind {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("mp4" | "m4v" | "mov") => ContainerKind::Mp4,
            _ => ContainerKind::Mkv,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SubtitleTrack {
    pub path: PathBuf,
    pub language: &'static Language,
    pub title: String,
    pub default: bool,
}

#[derive(Debug, Clone)]
pub struct MuxRequest<'a> {
    pub media: &'a Path,
    pub tracks: &'a [SubtitleTrack],
    pub output: &'a Path,
    pub container: ContainerKind,
    pub start: Option<Millis>,
    pub end: Option<Millis>,
    /// Burn this track (index into `tracks`) into the picture; re-encodes the video.
    pub burn_in: Option<usize>,
}

/// The FFmpeg arguments for a mux (without the program name).
pub fn arguments(req: &MuxRequest<'_>) -> Vec<std::ffi::OsString> {
    let mut a: Vec<std::ffi::OsString> = Vec::new();
    let mut push = |s: &str| a.push(s.into());
    push("-nostdin");
    push("-hide_banner");
    push("-v");
    push("error");
    push("-y");
    if let Some(s) = req.start {
        push("-ss");
        push(&format!("{:.3}", s.as_secs_f64()));
    }
    if let Some(e) = req.end {
        push("-to");
        push(&format!("{:.3}", e.as_secs_f64()));
    }
    a.push("-i".into());
    a.push(req.media.into());
    for t in req.tracks {
        a.push("-i".into());
        a.push(t.path.as_os_str().into());
    }
    let mut push = |s: &str| a.push(s.into());
    push("-map");
    push("0:v?");
    push("-map");
    push("0:a?");
    for i in 0..req.tracks.len() {
        push("-map");
        push(&format!("{}:0", i + 1));
    }
    match req.burn_in {
        Some(i) => {
            let filter = format!("subtitles={}", filter_path(&req.tracks[i].path));
            push("-vf");
            push(&filter);
            push("-c:v");
            push("libx264");
            push("-crf");
            push("18");
            push("-preset");
            push("medium");
        }
        None => {
            push("-c:v");
            push("copy");
        }
    }
    push("-c:a");
    push("copy");
    let sub_codec = |t: &SubtitleTrack| match req.container {
        ContainerKind::Mp4 => "mov_text",
        ContainerKind::Mkv => {
            if t.path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("ass"))
            {
                "ass"
            } else {
                "srt"
            }
        }
    };
    for (i, t) in req.tracks.iter().enumerate() {
        push(&format!("-c:s:{i}"));
        push(sub_codec(t));
        push(&format!("-metadata:s:s:{i}"));
        push(&format!("language={}", t.language.iso639_2));
        push(&format!("-metadata:s:s:{i}"));
        push(&format!("title={}", t.title));
        push(&format!("-disposition:s:{i}"));
        push(if t.default { "default" } else { "0" });
    }
    if req.container == ContainerKind::Mp4 {
        push("-movflags");
        push("+faststart");
    }
    push("-f");
    push(match req.container {
        ContainerKind::Mkv => "matroska",
        ContainerKind::Mp4 => "mp4",
    });
    a.push(req.output.into());
    a
}

/// Escapes a path for FFmpeg's filter syntax (`:`, `'`, `\`, `,` and brackets are special).
fn filter_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("'\\''"),
            '\\' | ':' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Runs the mux. The output is written to `req.output` (callers write into a staging folder).
pub fn mux(req: &MuxRequest<'_>) -> Result<(), MediaError> {
    let out = tool("ffmpeg")
        .args(arguments(req))
        .stdin(Stdio::null())
        .output()
        .map_err(spawn_error("ffmpeg"))?;
    if !out.status.success() {
        return Err(MediaError::ToolFailed {
            tool: "ffmpeg".into(),
            detail: format!("muxing subtitles failed: {}", tail(&out.stderr)),
        });
    }
    Ok(())
}
