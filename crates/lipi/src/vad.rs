//! Voice activity: the `SpeechDetector` trait (Silero in `lipi-models`), speech regions from
//! frame probabilities, and the ASR chunks built from them.

use serde::{Deserialize, Serialize};

use crate::asr::{Chunk, EngineError};

/// Frame-level speech probabilities for 16 kHz mono audio.
pub trait SpeechDetector: Send + Sync {
    /// Engine + model checksum, without loading anything.
    fn identity(&self) -> Result<String, EngineError>;
    /// Samples per probability (512 for Silero at 16 kHz).
    fn frame(&self) -> usize;
    fn probabilities(&self, audio: &[f32], progress: &dyn Fn(f64))
    -> Result<Vec<f32>, EngineError>;
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegionOptions {
    pub threshold: f64,
    pub min_speech_ms: u32,
    pub min_silence_ms: u32,
    pub speech_pad_ms: u32,
}

/// Speech regions (seconds) from probabilities, after Silero's `get_speech_timestamps`
/// (silero-vad `utils_vad.py`): enter speech at `threshold`, leave below `threshold - 0.15`
/// once the quiet lasts `min_silence`, drop regions shorter than `min_speech`, pad each side,
/// splitting the padding when two regions are closer than twice the pad.
pub fn regions(probs: &[f32], frame: usize, total_samples: usize, o: &RegionOptions) -> Vec<Chunk> {
    let sr = 16_000usize;
    let min_speech = o.min_speech_ms as usize * sr / 1000;
    let min_silence = o.min_silence_ms as usize * sr / 1000;
    let pad = o.speech_pad_ms as usize * sr / 1000;
    let neg = (o.threshold - 0.15).max(0.01);
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut start: Option<usize> = None;
    let mut temp_end = 0usize;
    for (i, p) in probs.iter().map(|p| f64::from(*p)).enumerate() {
        let pos = i * frame;
        if p >= o.threshold && temp_end != 0 {
            temp_end = 0;
        }
        match start {
            None if p >= o.threshold => start = Some(pos),
            Some(s) if p < neg => {
                if temp_end == 0 {
                    temp_end = pos;
                }
                if pos - temp_end >= min_silence {
                    if temp_end - s > min_speech {
                        out.push((s, temp_end));
                    }
                    start = None;
                    temp_end = 0;
                }
            }
            _ => {}
        }
    }
    if let Some(s) = start
        && total_samples.saturating_sub(s) > min_speech
    {
        out.push((s, total_samples));
    }
    // Padding.
    let n = out.len();
    for i in 0..n {
        if i == 0 {
            out[i].0 = out[i].0.saturating_sub(pad);
        }
        if i + 1 < n {
            let silence = out[i + 1].0.saturating_sub(out[i].1);
            if silence < 2 * pad {
                out[i].1 += silence / 2;
                out[i + 1].0 = out[i + 1].0.saturating_sub(silence / 2);
            } else {
                out[i].1 += pad;
                out[i + 1].0 = out[i + 1].0.saturating_sub(pad);
            }
        } else {
            out[i].1 = (out[i].1 + pad).min(total_samples);
        }
    }
    out.into_iter()
        .map(|(a, b)| Chunk {
            start: a as f64 / sr as f64,
            end: b as f64 / sr as f64,
        })
        .collect()
}

/// Regions further apart than this are never decoded together, so no ASR segment can span
/// a silence this long.
pub const MAX_MERGE_GAP_S: f64 = 2.0;

/// ASR chunks: neighbouring regions less than [`MAX_MERGE_GAP_S`] apart merged while the chunk
/// stays within `max_s`; a region longer than `max_s` is cut at its least speech-like frame in
/// the second half of the window.
pub fn chunks(regions: &[Chunk], probs: &[f32], frame: usize, max_s: f64) -> Vec<Chunk> {
    let frame_s = frame as f64 / 16_000.0;
    let mut pieces = Vec::new();
    for r in regions {
        let mut start = r.start;
        while r.end - start > max_s {
            let lo = ((start + max_s / 2.0) / frame_s) as usize;
            let hi = (((start + max_s) / frame_s) as usize).min(probs.len());
            let cut = (lo..hi)
                .min_by(|a, b| probs[*a].total_cmp(&probs[*b]))
                .map_or(start + max_s, |i| i as f64 * frame_s);
            let cut = if cut <= start { start + max_s } else { cut };
            pieces.push(Chunk { start, end: cut });
            start = cut;
        }
        pieces.push(Chunk { start, end: r.end });
    }
    let mut out: Vec<Chunk> = Vec::new();
    for p in pieces {
        match out.last_mut() {
            Some(c) if p.end - c.start <= max_s && p.start - c.end < MAX_MERGE_GAP_S => {
                c.end = p.end
            }
            _ => out.push(p),
        }
    }
    out
}

/// `speech.json` of stage 05.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Speech {
    pub model: String,
    /// Seconds of speech found.
    pub speech_s: f64,
    pub regions: Vec<Chunk>,
    /// What ASR decodes: regions merged up to `vad.max-chunk-s`, each on the audio's timeline.
    pub chunks: Vec<Chunk>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o() -> RegionOptions {
        RegionOptions {
            threshold: 0.5,
            min_speech_ms: 250,
            min_silence_ms: 300,
            speech_pad_ms: 30,
        }
    }

    #[test]
    fn finds_regions_and_ignores_blips() {
        // 512-sample frames (32 ms): 1 s speech, 1 s silence, a 64 ms blip, 1 s silence, 1 s speech.
        let mut p = vec![0.9f32; 31];
        p.extend(vec![0.05; 31]);
        p.extend(vec![0.9; 2]);
        p.extend(vec![0.05; 31]);
        p.extend(vec![0.9; 31]);
        p.extend(vec![0.05; 20]);
        let total = p.len() * 512;
        let r = regions(&p, 512, total, &o());
        assert_eq!(r.len(), 2, "{r:?}");
        assert!(
            r[0].start == 0.0 && (r[0].end - 1.022).abs() < 0.01,
            "{r:?}"
        );
        assert!((r[1].start - 95.0 * 0.032 + 0.03).abs() < 0.01, "{r:?}");
    }

    #[test]
    fn merges_up_to_the_limit_and_cuts_long_regions_at_a_dip() {
        let c = |start: f64, end: f64| Chunk { start, end };
        let regions = vec![c(0.0, 10.0), c(11.5, 25.0), c(26.0, 40.0), c(43.0, 45.0)];
        assert_eq!(
            chunks(&regions, &[], 512, 30.0),
            vec![c(0.0, 25.0), c(26.0, 40.0), c(43.0, 45.0)],
            "merged up to 30 s, never across a 3 s silence"
        );
        let mut probs = vec![0.9f32; 2500]; // 80 s
        probs[700] = 0.1; // a dip at 22.4 s
        let long = vec![Chunk {
            start: 0.0,
            end: 80.0,
        }];
        let c = chunks(&long, &probs, 512, 30.0);
        assert!((c[0].end - 22.4).abs() < 0.05, "{c:?}");
        assert!(c.iter().all(|x| x.end - x.start <= 30.0 + 1e-9));
        assert_eq!(c.last().unwrap().end, 80.0);
    }
}
