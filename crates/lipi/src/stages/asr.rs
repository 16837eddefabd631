//! Stage 06: Whisper on the audio (or on VAD's speech chunks, once stage 05 provides them).

use std::sync::Arc;

use crate::artifacts::{Demuxed, SpeechMap, Transcript};
use crate::asr::{AsrOptions, RecognizerFactory};
use crate::settings::{AsrSettings, AsrTask};
use crate::stage::{Stage, StageContext, StageError, StageKey};
use crate::stage_id::StageId;

pub struct Asr {
    pub settings: AsrSettings,
    /// `auto` or an ISO 639-1 code.
    pub language: String,
    pub engine: Arc<dyn RecognizerFactory>,
}

impl Asr {
    fn options(&self) -> AsrOptions {
        let s = &self.settings;
        AsrOptions {
            language: (self.language != "auto").then(|| self.language.clone()),
            translate: s.task == AsrTask::Translate,
            beam_size: s.beam_size,
            best_of: s.best_of,
            temperature_increment: s.temperature_increment,
            max_fallbacks: s.max_fallbacks,
            compression_ratio_threshold: s.compression_ratio_threshold,
            logprob_threshold: s.logprob_threshold,
            no_speech_threshold: s.no_speech_threshold,
            condition_on_previous_text: s.condition_on_previous_text,
            language_per_chunk: s.language_per_chunk,
            initial_prompt: s.initial_prompt.clone(),
        }
    }
}

impl Stage for Asr {
    const ID: StageId = StageId::Asr;
    const VERSION: u32 = 2;
    type Input = (Demuxed, Option<SpeechMap>);
    type Output = Transcript;

    fn key(&self) -> Result<StageKey, StageError> {
        // Threads change speed, not results: they stay out of the key.
        let mut settings = self.settings.clone();
        settings.threads = 0;
        Ok(StageKey::new()
            .section("asr", &settings)
            .set("job.source-language", &self.language)
            .set("engine", self.engine.identity(&self.settings.model)?))
    }

    fn run(
        &self,
        (demuxed, speech): (Demuxed, Option<SpeechMap>),
        cx: &mut StageContext<'_>,
    ) -> Result<Transcript, StageError> {
        let audio_path = demuxed.audio.clone();
        let (_, samples) =
            crate::media::wav::read_f32(&audio_path).map_err(StageError::io(&audio_path))?;
        let threads = if self.settings.threads == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get() as u32)
        } else {
            self.settings.threads
        };
        cx.note(format!(
            "loading model `{}` ({threads} threads)",
            self.settings.model
        ));
        let options = self.options();
        // VAD's chunks when stage 05 ran; otherwise decode only where there is sound, so that
        // silence costs nothing and no segment straddles a gap of 2 s or more.
        let rate = crate::media::extract::SAMPLE_RATE;
        let chunks = match &speech {
            Some(s) => s.0.chunks.clone(),
            None => crate::audio::sound_spans(&samples, rate, 2.0),
        };
        let span: f64 = chunks.iter().map(|c| c.end - c.start).sum::<f64>() + 0.0;
        cx.note(format!(
            "decoding {} chunk(s) of {}, {span:.1} s of {:.1} s",
            chunks.len(),
            if speech.is_some() { "speech" } else { "sound" },
            samples.len() as f64 / f64::from(rate)
        ));
        let transcript = if chunks.is_empty() {
            crate::asr::RawTranscript {
                language: self.language.clone(),
                language_probability: 0.0,
                model: self.settings.model.clone(),
                prompt: options.initial_prompt.clone(),
                segments: Vec::new(),
            }
        } else {
            let load = crate::asr::LoadOptions {
                threads,
                flash_attention: self.settings.flash_attention,
            };
            let mut recognizer = self.engine.load(&self.settings.model, &load)?;
            recognizer.transcribe(&samples, &chunks, &options, &|f| {
                cx.progress(f, "recognising")
            })?
        };
        cx.note(format!(
            "{} segments, language {} ({:.0}%)",
            transcript.segments.len(),
            transcript.language,
            transcript.language_probability * 100.0
        ));
        let text = transcript.plain_text();
        let txt = cx.out_dir().join("transcript.txt");
        crate::atomic::write(&txt, text.as_bytes()).map_err(StageError::io(&txt))?;
        // The job's transcript in output/ is the cleaned one, published by stage 09.
        Ok(Transcript(transcript))
    }
}
