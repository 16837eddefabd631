//! Stage 05: Silero voice activity → speech regions and the ASR chunks.

use std::sync::Arc;

use crate::artifacts::{Demuxed, SpeechMap};
use crate::settings::VadSettings;
use crate::stage::{Stage, StageContext, StageError, StageKey};
use crate::stage_id::StageId;
use crate::vad::{RegionOptions, Speech, SpeechDetector, chunks, regions};

pub struct Vad {
    pub settings: VadSettings,
    pub engine: Arc<dyn SpeechDetector>,
}

impl Stage for Vad {
    const ID: StageId = StageId::Vad;
    const VERSION: u32 = 2;
    type Input = (Demuxed,);
    type Output = SpeechMap;

    fn key(&self) -> Result<StageKey, StageError> {
        Ok(StageKey::new()
            .set("vad.threshold", self.settings.threshold)
            .set("vad.min-speech-ms", self.settings.min_speech_ms)
            .set("vad.min-silence-ms", self.settings.min_silence_ms)
            .set("vad.speech-pad-ms", self.settings.speech_pad_ms)
            .set("vad.max-chunk-s", self.settings.max_chunk_s)
            .set("engine", self.engine.identity()?))
    }

    fn run(
        &self,
        (demuxed,): (Demuxed,),
        cx: &mut StageContext<'_>,
    ) -> Result<SpeechMap, StageError> {
        let (_, samples) =
            crate::media::wav::read_f32(&demuxed.audio).map_err(StageError::io(&demuxed.audio))?;
        let probs = self
            .engine
            .probabilities(&samples, &|f| cx.progress(f, "detecting speech"))?;
        let frame = self.engine.frame();
        let s = &self.settings;
        let opts = RegionOptions {
            threshold: s.threshold,
            min_speech_ms: s.min_speech_ms,
            min_silence_ms: s.min_silence_ms,
            speech_pad_ms: s.speech_pad_ms,
        };
        let regions = regions(&probs, frame, samples.len(), &opts);
        let chunks = chunks(&regions, &probs, frame, s.max_chunk_s);
        let speech_s: f64 = regions.iter().map(|r| r.end - r.start).sum::<f64>() + 0.0;
        cx.note(format!(
            "{} speech region(s), {speech_s:.1} s of {:.1} s, in {} chunk(s)",
            regions.len(),
            samples.len() as f64 / 16_000.0,
            chunks.len()
        ));
        Ok(SpeechMap(Speech {
            model: self.engine.identity()?,
            speech_s,
            regions,
            chunks,
        }))
    }
}
