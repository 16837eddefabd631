//! The heavy engines of lipi, kept apart from the pipeline library so that editing `lipi`
//! never recompiles them: Whisper through whisper.cpp (`whisper-rs`), Silero VAD, diarization,
//! and local translation models. Each engine implements a trait from `lipi` and is registered
//! explicitly, feature-gated.
//!
//! No engine lives here yet: the first, Whisper ASR, arrives with stage 06. Until then the
//! pipeline's stages 02–11 report "not available" in `lipi status`, and nothing pretends to run.
