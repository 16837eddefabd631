//! Media through FFmpeg: probing, audio extraction, subtitle muxing, and WAV I/O.
//!
//! FFmpeg and ffprobe are run as child processes (`LIPI_FFMPEG` / `LIPI_FFPROBE` override the
//! programs). Their failures are sorted into the user's problems (not media, no audio, truncated:
//! exit code 2 with a hint) and the tool's problems (missing program, crash).

pub mod extract;
pub mod mux;
pub mod probe;
pub mod wav;

use std::path::{Path, PathBuf};
use std::process::Command;

pub use probe::{MediaInfo, StreamInfo, StreamKind, probe};

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("media file `{0}` does not exist")]
    NotFound(PathBuf),
    #[error("`{0}` is a directory, not a media file")]
    IsDirectory(PathBuf),
    #[error("cannot read `{path}`")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{0}` is empty (0 bytes)")]
    Empty(PathBuf),
    #[error("`{path}` is not a media file FFmpeg can read ({detail})")]
    NotMedia { path: PathBuf, detail: String },
    #[error("`{path}` is corrupt or truncated ({detail})")]
    Corrupt { path: PathBuf, detail: String },
    #[error("`{0}` has no audio stream")]
    NoAudio(PathBuf),
    #[error("audio stream {wanted} does not exist: `{path}` has {count} audio stream(s)")]
    NoSuchAudioStream {
        path: PathBuf,
        wanted: u32,
        count: usize,
    },
    #[error("`{tool}` is not installed or cannot be started")]
    ToolMissing {
        tool: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{tool}` failed: {detail}")]
    ToolFailed { tool: String, detail: String },
}

impl MediaError {
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            MediaError::NotFound(_) => {
                "check the path; quote it if it contains spaces or quotes".into()
            }
            MediaError::IsDirectory(_) => "give the path of a video or audio file".into(),
            MediaError::Unreadable { .. } => "check the file's permissions (ls -l)".into(),
            MediaError::Empty(_) => {
                "the download or copy probably failed; fetch the file again".into()
            }
            MediaError::NotMedia { .. } => {
                "lipi reads what FFmpeg reads (mp4, mkv, mov, webm, wav, mp3, …); check the file with `ffprobe`".into()
            }
            MediaError::Corrupt { .. } => {
                "the file is damaged or incomplete; download it again or repair it (e.g. `ffmpeg -i in -c copy out.mkv`)".into()
            }
            MediaError::NoAudio(_) => {
                "lipi works on the soundtrack; use a file with sound (check with `ffprobe`)".into()
            }
            MediaError::NoSuchAudioStream { count, .. } => {
                format!("choose one with --audio-stream 0..{}", count.saturating_sub(1))
            }
            MediaError::ToolMissing { tool, .. } => {
                format!("install FFmpeg (Debian: apt-get install ffmpeg), or point LIPI_{} at `{tool}`", tool.to_ascii_uppercase())
            }
            MediaError::ToolFailed { .. } => return None,
        })
    }

    /// The user's media is at fault (exit code 2), as opposed to the tools.
    pub fn is_bad_input(&self) -> bool {
        !matches!(
            self,
            MediaError::ToolMissing { .. } | MediaError::ToolFailed { .. }
        )
    }
}

impl From<MediaError> for crate::stage::StageError {
    fn from(e: MediaError) -> Self {
        let hint = e.hint();
        if e.is_bad_input() {
            crate::stage::StageError::BadInput {
                message: e.to_string(),
                hint,
            }
        } else {
            crate::stage::StageError::Failed {
                message: e.to_string(),
                hint,
                source: None,
            }
        }
    }
}

pub(crate) fn tool(name: &str) -> Command {
    let var = format!("LIPI_{}", name.to_ascii_uppercase());
    let program = std::env::var_os(&var).unwrap_or_else(|| name.into());
    Command::new(program)
}

pub(crate) fn spawn_error(name: &str) -> impl FnOnce(std::io::Error) -> MediaError + '_ {
    move |source| MediaError::ToolMissing {
        tool: name.to_owned(),
        source,
    }
}

/// The last lines of a tool's error output, for messages.
pub(crate) fn tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(4);
    lines[start..].join(" | ")
}

/// The first line of `ffmpeg -version` (`ffmpeg version 5.1.8-0+deb12u1 …`), as engine identity.
pub fn ffmpeg_version() -> Result<String, MediaError> {
    let out = tool("ffmpeg")
        .arg("-version")
        .output()
        .map_err(spawn_error("ffmpeg"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().next().unwrap_or("ffmpeg").to_owned();
    // "ffmpeg version 5.1.8-0+deb12u1 Copyright …" → "ffmpeg 5.1.8-0+deb12u1"
    let version = line.split_whitespace().nth(2).unwrap_or("unknown");
    Ok(format!("ffmpeg {version}"))
}

/// Checks that `path` names a readable, non-empty regular file.
pub fn check_readable(path: &Path) -> Result<u64, MediaError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(MediaError::NotFound(path.to_owned()));
        }
        Err(source) => {
            return Err(MediaError::Unreadable {
                path: path.to_owned(),
                source,
            });
        }
    };
    if meta.is_dir() {
        return Err(MediaError::IsDirectory(path.to_owned()));
    }
    std::fs::File::open(path).map_err(|source| MediaError::Unreadable {
        path: path.to_owned(),
        source,
    })?;
    if meta.len() == 0 {
        return Err(MediaError::Empty(path.to_owned()));
    }
    Ok(meta.len())
}
