//! The stages: glue between artifacts, settings and engines.

pub mod asr;
pub mod clean;
pub mod demux;
pub mod mux;
pub mod subtitles;
pub mod vad;
