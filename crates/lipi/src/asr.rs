//! Speech recognition as the pipeline sees it: the `Recognizer` trait (implemented in
//! `lipi-models`), its options, and the transcript it produces.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// One loaded model (DESIGN: a loaded model apart from per-run state).
pub trait Recognizer: Send {
    /// Transcribes 16 kHz mono samples. `chunks` are the stretches to decode (from VAD); empty
    /// means the whole audio. Times in the result are seconds on the audio's timeline.
    fn transcribe(
        &mut self,
        audio: &[f32],
        chunks: &[Chunk],
        options: &AsrOptions,
        progress: &dyn Fn(f64),
    ) -> Result<RawTranscript, EngineError>;
}

/// Builds recognizers. `identity` must not load the model (a fresh stage loads nothing).
pub trait RecognizerFactory: Send + Sync {
    /// Engine name + model checksum, e.g. `whisper.cpp base sha256:d01c…`.
    fn identity(&self, model: &str) -> Result<String, EngineError>;
    fn load(&self, model: &str, options: &LoadOptions) -> Result<Box<dyn Recognizer>, EngineError>;
}

/// How to load a model (speed levers that do not change the decoding rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadOptions {
    pub threads: u32,
    /// Flash attention: faster, but whisper.cpp then gives no DTW token times.
    pub flash_attention: bool,
}

/// The engines this build of lipi has (registered by the binary, explicitly).
#[derive(Clone, Default)]
pub struct Engines {
    pub asr: Option<Arc<dyn RecognizerFactory>>,
    pub vad: Option<Arc<dyn crate::vad::SpeechDetector>>,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("model `{name}` is not installed")]
    ModelMissing { name: String, hint: String },
    #[error("{0}")]
    Failed(String),
}

impl EngineError {
    pub fn hint(&self) -> Option<String> {
        match self {
            EngineError::ModelMissing { hint, .. } => Some(hint.clone()),
            EngineError::Failed(_) => None,
        }
    }
}

impl From<EngineError> for crate::stage::StageError {
    fn from(e: EngineError) -> Self {
        let hint = e.hint();
        crate::stage::StageError::Failed {
            message: e.to_string(),
            hint,
            source: None,
        }
    }
}

/// A stretch of audio to decode, seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    pub start: f64,
    pub end: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct AsrOptions {
    /// `None` detects the language.
    pub language: Option<String>,
    pub translate: bool,
    pub beam_size: u32,
    pub best_of: u32,
    pub temperature_increment: f64,
    pub max_fallbacks: u32,
    pub compression_ratio_threshold: f64,
    pub logprob_threshold: f64,
    pub no_speech_threshold: f64,
    pub condition_on_previous_text: bool,
    pub language_per_chunk: bool,
    pub initial_prompt: String,
}

/// `transcript.json` of stage 06.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RawTranscript {
    pub language: String,
    pub language_probability: f64,
    pub model: String,
    pub prompt: String,
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Segment {
    pub id: usize,
    pub start: f64,
    pub end: f64,
    pub text: String,
    /// Language of the chunk when detected per chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    pub avg_logprob: f64,
    pub no_speech_prob: f64,
    pub compression_ratio: f64,
    /// The decoding temperature, when the engine reports it (whisper.cpp does not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    pub tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Token {
    pub id: i32,
    pub text: String,
    pub p: f64,
    pub start: f64,
    pub end: f64,
    /// Cross-attention DTW time, when available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dtw: Option<f64>,
}

impl RawTranscript {
    /// One line per segment.
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        for s in &self.segments {
            let t = s.text.trim();
            if !t.is_empty() {
                out.push_str(t);
                out.push('\n');
            }
        }
        out
    }
}
