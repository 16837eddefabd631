//! The typed artifacts that pass between stages, and the files that hold them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::atomic;
use crate::media::MediaInfo;
use crate::stage::{Artifact, StageError};
use crate::stage_id::StageId;
use crate::timecode::Millis;

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, StageError> {
    let text = fs_err::read_to_string(path).map_err(StageError::io(path))?;
    serde_json::from_str(&text)
        .map_err(|e| StageError::failed(format!("`{}` is damaged: {e}", path.display())))
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), StageError> {
    atomic::write_json(path, value).map_err(StageError::io(path))
}

/// `media.json` of stage 01: what the media holds and what was extracted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct DemuxReport {
    pub media: MediaInfo,
    /// Index among the audio streams.
    pub audio_stream: u32,
    pub start: Option<Millis>,
    pub end: Option<Millis>,
    /// Length of `audio.wav`, seconds.
    pub audio_duration_s: f64,
    pub sample_rate: u32,
    /// Frames per second used for subtitle timing.
    pub frame_rate: f64,
}

/// Stage 01's artifact: `audio.wav` (16 kHz mono) and `media.json`.
#[derive(Debug, Clone)]
pub struct Demuxed {
    pub audio: PathBuf,
    pub report: DemuxReport,
}

impl Artifact for Demuxed {
    const PRODUCER: StageId = StageId::Demux;
    fn load(dir: &Path) -> Result<Self, StageError> {
        Ok(Demuxed {
            audio: dir.join("audio.wav"),
            report: read_json(&dir.join("media.json"))?,
        })
    }
    fn save(&self, dir: &Path) -> Result<(), StageError> {
        write_json(&dir.join("media.json"), &self.report)
    }
}

/// One subtitle file of stage 11.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SubtitleFile {
    /// Language code (`en`, `hi`).
    pub language: String,
    /// `source` or `target`.
    pub role: String,
    /// `srt`, `vtt`, `ass`, `ttml`.
    pub format: String,
    /// File name inside the stage folder.
    pub file: String,
}

/// Stage 11's artifact: subtitle files per language and format, listed in `tracks.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SubtitleTracks {
    #[serde(skip)]
    pub dir: PathBuf,
    pub files: Vec<SubtitleFile>,
}

impl Artifact for SubtitleTracks {
    const PRODUCER: StageId = StageId::SubtitleGeneration;
    fn load(dir: &Path) -> Result<Self, StageError> {
        let mut t: SubtitleTracks = read_json(&dir.join("tracks.json"))?;
        t.dir = dir.to_owned();
        Ok(t)
    }
    fn save(&self, dir: &Path) -> Result<(), StageError> {
        write_json(&dir.join("tracks.json"), self)
    }
}

/// Stage 12's artifact: the video with its subtitle tracks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Muxed {
    pub file: String,
    pub container: String,
    /// ISO 639-2 tags of the subtitle tracks, in stream order.
    pub tracks: Vec<String>,
    pub default_track: Option<String>,
    pub burned_in: Option<String>,
}

impl Artifact for Muxed {
    const PRODUCER: StageId = StageId::Mux;
    fn load(dir: &Path) -> Result<Self, StageError> {
        read_json(&dir.join("mux.json"))
    }
    fn save(&self, dir: &Path) -> Result<(), StageError> {
        write_json(&dir.join("mux.json"), self)
    }
}

/// Stage 06's artifact: `transcript.json` (segments, tokens, probabilities).
#[derive(Debug, Clone)]
pub struct Transcript(pub crate::asr::RawTranscript);

impl Artifact for Transcript {
    const PRODUCER: StageId = StageId::Asr;
    fn load(dir: &Path) -> Result<Self, StageError> {
        read_json(&dir.join("transcript.json")).map(Transcript)
    }
    fn save(&self, dir: &Path) -> Result<(), StageError> {
        write_json(&dir.join("transcript.json"), &self.0)
    }
}

/// Stage 05's artifact: `speech.json` (speech regions and ASR chunks).
#[derive(Debug, Clone)]
pub struct SpeechMap(pub crate::vad::Speech);

impl Artifact for SpeechMap {
    const PRODUCER: StageId = StageId::Vad;
    fn load(dir: &Path) -> Result<Self, StageError> {
        read_json(&dir.join("speech.json")).map(SpeechMap)
    }
    fn save(&self, dir: &Path) -> Result<(), StageError> {
        write_json(&dir.join("speech.json"), &self.0)
    }
}

/// Stage 09's artifact: `clean.json` (the transcript without hallucinations) and
/// `removed.json` (every removal and repair with its reason).
#[derive(Debug, Clone)]
pub struct Cleaned {
    pub transcript: crate::asr::RawTranscript,
    pub removed: Vec<crate::clean::Removal>,
}

impl Artifact for Cleaned {
    const PRODUCER: StageId = StageId::HallucinationRemoval;
    fn load(dir: &Path) -> Result<Self, StageError> {
        Ok(Cleaned {
            transcript: read_json(&dir.join("clean.json"))?,
            removed: read_json(&dir.join("removed.json"))?,
        })
    }
    fn save(&self, dir: &Path) -> Result<(), StageError> {
        write_json(&dir.join("clean.json"), &self.transcript)?;
        write_json(&dir.join("removed.json"), &self.removed)
    }
}
