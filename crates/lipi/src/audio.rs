//! Signal measures on 16 kHz mono samples.

use crate::asr::Chunk;

/// Stretches that hold sound, split wherever the audio stays quiet for `min_gap_s` or more.
///
/// An energy gate over 20 ms frames: a frame is active when it is louder than both 8 dB above
/// the quiet floor (10th percentile) and 45 dB below the loud level (95th percentile), or louder
/// than -35 dBFS. Runs of
/// inactive frames of `min_gap_s` split the audio; shorter pauses stay inside a stretch. Each
/// stretch is padded by 200 ms. Used to decode only where there is sound until the Silero VAD
/// stage provides speech regions.
pub fn sound_spans(samples: &[f32], sample_rate: u32, min_gap_s: f64) -> Vec<Chunk> {
    let frame = (sample_rate as usize / 50).max(1);
    let db: Vec<f64> = samples
        .chunks(frame)
        .map(|f| {
            let e = f.iter().map(|x| f64::from(*x) * f64::from(*x)).sum::<f64>() / f.len() as f64;
            10.0 * (e + 1e-12).log10()
        })
        .collect();
    if db.is_empty() {
        return Vec::new();
    }
    let mut sorted = db.clone();
    sorted.sort_by(f64::total_cmp);
    let pct = |p: f64| sorted[((sorted.len() - 1) as f64 * p) as usize];
    // Relative to the recording, but never above -35 dBFS: stationary loud sound (a music bed,
    // traffic) is sound, not silence, even though it never rises above its own floor.
    let threshold = (pct(0.10) + 8.0).max(pct(0.95) - 45.0).clamp(-70.0, -35.0);
    let frame_s = frame as f64 / f64::from(sample_rate);
    let total_s = samples.len() as f64 / f64::from(sample_rate);
    let min_gap = (min_gap_s / frame_s).ceil() as usize;
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < db.len() {
        if db[i] < threshold {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        let mut quiet = 0;
        while i < db.len() {
            if db[i] >= threshold {
                end = i;
                quiet = 0;
            } else {
                quiet += 1;
                if quiet >= min_gap {
                    break;
                }
            }
            i += 1;
        }
        spans.push((start, end + 1));
    }
    let pad = 0.2;
    spans
        .into_iter()
        .map(|(a, b)| Chunk {
            start: (a as f64 * frame_s - pad).max(0.0),
            end: (b as f64 * frame_s + pad).min(total_s),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(secs: f64) -> Vec<f32> {
        (0..(secs * 16_000.0) as usize)
            .map(|i| (i as f32 * 0.05).sin() * 0.3)
            .collect()
    }

    #[test]
    fn splits_at_long_silences_only() {
        let mut a = tone(1.0);
        a.extend(vec![0.0; 8_000]); // 0.5 s pause: kept inside
        a.extend(tone(1.0));
        a.extend(vec![0.0; 48_000]); // 3 s gap: split
        a.extend(tone(0.5));
        let spans = sound_spans(&a, 16_000, 2.0);
        assert_eq!(spans.len(), 2, "{spans:?}");
        assert!(
            (spans[0].start - 0.0).abs() < 0.05 && (spans[0].end - 2.7).abs() < 0.05,
            "{spans:?}"
        );
        assert!((spans[1].start - 5.3).abs() < 0.05, "{spans:?}");
    }

    #[test]
    fn a_steady_loud_bed_is_sound() {
        let spans = sound_spans(&tone(5.0), 16_000, 2.0);
        assert_eq!(spans.len(), 1);
        assert!(spans[0].end - spans[0].start > 4.9);
    }

    #[test]
    fn silence_has_no_spans() {
        assert!(sound_spans(&vec![0.0; 32_000], 16_000, 2.0).is_empty());
        assert!(sound_spans(&[], 16_000, 2.0).is_empty());
    }
}
