//! Whisper through whisper.cpp (`whisper-rs`): the recognizer of stage 06.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use lipi::asr::{
    AsrOptions, Chunk, EngineError, LoadOptions, RawTranscript, Recognizer, RecognizerFactory,
    Segment, Token,
};
use whisper_rs::{
    DtwAhead, DtwMode, DtwModelPreset, DtwParameters, FullParams, SamplingStrategy, WhisperContext,
    WhisperContextParameters,
};

use crate::store::{ModelEntry, Store};

const SAMPLE_RATE: f64 = 16_000.0;

/// Builds whisper.cpp recognizers from the model store.
pub struct WhisperFactory {
    pub store: Store,
}

impl RecognizerFactory for WhisperFactory {
    fn identity(&self, model: &str) -> Result<String, EngineError> {
        let entry = self.store.require(model)?;
        Ok(format!(
            "whisper.cpp {} {} sha256:{}",
            whisper_rs::WHISPER_CPP_VERSION,
            entry.name,
            entry.sha256
        ))
    }

    fn load(&self, model: &str, options: &LoadOptions) -> Result<Box<dyn Recognizer>, EngineError> {
        let entry = self.store.require(model)?;
        Ok(Box::new(WhisperRecognizer::load(&entry, options)?))
    }
}

pub struct WhisperRecognizer {
    ctx: WhisperContext,
    threads: i32,
    name: String,
}

fn preset(base_name: &str) -> Option<DtwModelPreset> {
    Some(match base_name {
        "tiny.en" => DtwModelPreset::TinyEn,
        "tiny" => DtwModelPreset::Tiny,
        "base.en" => DtwModelPreset::BaseEn,
        "base" => DtwModelPreset::Base,
        "small.en" => DtwModelPreset::SmallEn,
        "small" => DtwModelPreset::Small,
        "medium.en" => DtwModelPreset::MediumEn,
        "medium" => DtwModelPreset::Medium,
        "large-v1" => DtwModelPreset::LargeV1,
        "large-v2" => DtwModelPreset::LargeV2,
        "large-v3" => DtwModelPreset::LargeV3,
        "large-v3-turbo" => DtwModelPreset::LargeV3Turbo,
        _ => return None,
    })
}

fn failed(what: &str) -> impl FnOnce(whisper_rs::WhisperError) -> EngineError + '_ {
    move |e| EngineError::Failed(format!("whisper.cpp: {what}: {e}"))
}

impl WhisperRecognizer {
    pub fn load(entry: &ModelEntry, options: &LoadOptions) -> Result<Self, EngineError> {
        whisper_rs::install_logging_hooks();
        let mut params = WhisperContextParameters::default();
        // Cross-attention DTW gives token times; it needs the model's alignment heads.
        let mode = match preset(&entry.base_name) {
            Some(model_preset) => DtwMode::ModelPreset { model_preset },
            None if !entry.alignment_heads.is_empty() => {
                // whisper.cpp keeps a pointer to the heads for the context's life: leak the
                // (tiny) list once per loaded model.
                let heads: Vec<DtwAhead> = entry
                    .alignment_heads
                    .iter()
                    .map(|[l, h]| DtwAhead {
                        n_text_layer: *l as i32,
                        n_head: *h as i32,
                    })
                    .collect();
                DtwMode::Custom {
                    aheads: Box::leak(heads.into_boxed_slice()),
                }
            }
            None => DtwMode::None,
        };
        params.dtw_parameters(DtwParameters {
            mode,
            ..DtwParameters::default()
        });
        let path = entry.model_path.to_string_lossy().into_owned();
        let ctx =
            WhisperContext::new_with_params(&path, params).map_err(failed("loading the model"))?;
        Ok(WhisperRecognizer {
            ctx,
            threads: options.threads.max(1) as i32,
            name: entry.name.clone(),
        })
    }
}

impl Recognizer for WhisperRecognizer {
    fn transcribe(
        &mut self,
        audio: &[f32],
        chunks: &[Chunk],
        o: &AsrOptions,
        progress: &dyn Fn(f64),
    ) -> Result<RawTranscript, EngineError> {
        let whole = [Chunk {
            start: 0.0,
            end: audio.len() as f64 / SAMPLE_RATE,
        }];
        let chunks = if chunks.is_empty() {
            &whole[..]
        } else {
            chunks
        };
        let total: f64 = chunks
            .iter()
            .map(|c| c.end - c.start)
            .sum::<f64>()
            .max(1e-9);
        let mut state = self
            .ctx
            .create_state()
            .map_err(failed("creating a state"))?;
        let slice = |c: &Chunk| {
            let a = ((c.start * SAMPLE_RATE) as usize).min(audio.len());
            let b = ((c.end * SAMPLE_RATE) as usize).clamp(a, audio.len());
            &audio[a..b]
        };

        // The job's language: given, or detected on the first 30 s of speech.
        let (language, language_probability) = match &o.language {
            Some(l) => (l.clone(), 1.0),
            None if self.ctx.is_multilingual() => {
                let first = slice(&chunks[0]);
                detect(&mut state, first, self.threads)?
            }
            None => ("en".to_owned(), 1.0),
        };

        let mut segments = Vec::new();
        let mut done = 0.0;
        for chunk in chunks {
            let samples = slice(chunk);
            if samples.len() < (SAMPLE_RATE * 0.1) as usize {
                continue;
            }
            let chunk_lang =
                if o.language_per_chunk && o.language.is_none() && self.ctx.is_multilingual() {
                    detect(&mut state, samples, self.threads)?.0
                } else {
                    language.clone()
                };
            let strategy = if o.beam_size > 1 {
                SamplingStrategy::BeamSearch {
                    beam_size: o.beam_size as i32,
                    patience: -1.0,
                }
            } else {
                SamplingStrategy::Greedy {
                    best_of: o.best_of.max(1) as i32,
                }
            };
            let mut p = FullParams::new(strategy);
            p.set_n_threads(self.threads);
            p.set_language(Some(&chunk_lang));
            p.set_translate(o.translate);
            p.set_no_context(!o.condition_on_previous_text);
            p.set_token_timestamps(true);
            p.set_print_progress(false);
            p.set_print_realtime(false);
            p.set_print_special(false);
            p.set_print_timestamps(false);
            p.set_suppress_blank(true);
            p.set_temperature(0.0);
            // Fallback: at most `max_fallbacks` retries up to temperature 1.0.
            let inc = if o.max_fallbacks == 0 {
                0.0
            } else {
                o.temperature_increment
                    .max(1.0 / f64::from(o.max_fallbacks))
            };
            p.set_temperature_inc(inc as f32);
            p.set_entropy_thold(o.compression_ratio_threshold as f32);
            p.set_logprob_thold(o.logprob_threshold as f32);
            p.set_no_speech_thold(o.no_speech_threshold as f32);
            if !o.initial_prompt.is_empty() {
                p.set_initial_prompt(&o.initial_prompt);
            }
            let pct = Arc::new(AtomicI32::new(0));
            let pct_cb = pct.clone();
            p.set_progress_callback_safe(move |v: i32| pct_cb.store(v, Ordering::Relaxed));
            let span = chunk.end - chunk.start;
            let result = std::thread::scope(|s| {
                let worker = s.spawn(|| state.full(p, samples));
                while !worker.is_finished() {
                    std::thread::sleep(std::time::Duration::from_millis(200));
                    let f = f64::from(pct.load(Ordering::Relaxed)) / 100.0;
                    progress((done + f * span) / total);
                }
                worker.join()
            });
            match result {
                Ok(r) => r.map_err(failed("decoding"))?,
                Err(_) => {
                    return Err(EngineError::Failed(
                        "whisper.cpp crashed while decoding".into(),
                    ));
                }
            }
            collect(
                &self.ctx,
                &state,
                chunk,
                (o.language_per_chunk).then(|| chunk_lang.clone()),
                &mut segments,
            );
            done += span;
            progress(done / total);
        }
        Ok(RawTranscript {
            language,
            language_probability,
            model: self.name.clone(),
            prompt: o.initial_prompt.clone(),
            segments,
        })
    }
}

fn detect(
    state: &mut whisper_rs::WhisperState,
    samples: &[f32],
    threads: i32,
) -> Result<(String, f64), EngineError> {
    let head = &samples[..samples.len().min(30 * SAMPLE_RATE as usize)];
    state
        .pcm_to_mel(head, threads as usize)
        .map_err(failed("computing the spectrogram"))?;
    let (id, probs) = state
        .lang_detect(0, threads as usize)
        .map_err(failed("detecting the language"))?;
    let code = whisper_rs::get_lang_str(id).unwrap_or("en").to_owned();
    Ok((code, probs.get(id as usize).copied().map_or(0.0, f64::from)))
}

fn collect(
    ctx: &WhisperContext,
    state: &whisper_rs::WhisperState,
    chunk: &Chunk,
    lang: Option<String>,
    out: &mut Vec<Segment>,
) {
    let eot = ctx.token_eot();
    let offset = chunk.start;
    let clamp = |t: f64| t.clamp(chunk.start, chunk.end);
    for seg in state.as_iter() {
        let text = seg
            .to_str_lossy()
            .map(|t| t.into_owned())
            .unwrap_or_default();
        let mut tokens = Vec::new();
        let mut logprob_sum = 0.0;
        for i in 0..seg.n_tokens() {
            let Some(tok) = seg.get_token(i) else {
                continue;
            };
            let data = tok.token_data();
            if data.id >= eot {
                continue;
            }
            logprob_sum += f64::from(data.plog);
            let t0 = clamp(offset + data.t0 as f64 / 100.0);
            let t1 = clamp(offset + data.t1 as f64 / 100.0).max(t0);
            tokens.push(Token {
                id: data.id,
                text: tok
                    .to_str_lossy()
                    .map(|t| t.into_owned())
                    .unwrap_or_default(),
                p: f64::from(data.p),
                start: t0,
                end: t1,
                dtw: (data.t_dtw >= 0).then(|| clamp(offset + data.t_dtw as f64 / 100.0)),
            });
        }
        // Token times from whisper.cpp can step back a little; keep them monotonic.
        let mut last = chunk.start;
        for t in &mut tokens {
            t.start = t.start.max(last);
            t.end = t.end.max(t.start);
            last = t.start;
        }
        let prev_start = out.last().map_or(chunk.start, |s: &Segment| s.start);
        let start = clamp(offset + seg.start_timestamp() as f64 / 100.0).max(prev_start);
        let end = clamp(offset + seg.end_timestamp() as f64 / 100.0).max(start);
        out.push(Segment {
            id: out.len(),
            start,
            end,
            avg_logprob: if tokens.is_empty() {
                0.0
            } else {
                logprob_sum / tokens.len() as f64
            },
            no_speech_prob: f64::from(seg.no_speech_probability()),
            compression_ratio: lipi::text::compression_ratio(text.trim()),
            temperature: None,
            language: lang.clone(),
            text,
            tokens,
        });
    }
}
