//! lipi — films and videos to transcripts, translations and subtitles.
//!
//! This crate is the pipeline: jobs and their folders ([`job`]), the manifest of what ran
//! ([`manifest`]), layered [`settings`], the stage runner with fingerprints and printable
//! reasons ([`runner`]), the [`stages`] themselves, FFmpeg-based [`media`] handling, and the
//! language table ([`lang`]). Heavy engines (Whisper, VAD, translation models) live in
//! `lipi-models`, so editing this crate never rebuilds them. The library never prints; it emits
//! [`event::Event`]s.

pub mod artifacts;
pub mod asr;
pub mod atomic;
pub mod audio;
pub mod clean;
pub mod event;
pub mod hash;
pub mod job;
pub mod lang;
pub mod manifest;
pub mod media;
pub mod pipeline;
pub mod prepare;
pub mod runner;
pub mod settings;
pub mod stage;
pub mod stage_id;
pub mod stages;
pub mod testkit;
pub mod text;
pub mod timecode;
pub mod vad;

/// lipi's version, recorded in every job.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub use stage_id::StageId;
