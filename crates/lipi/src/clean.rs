//! Hallucination removal: Whisper's known failure modes found in a transcript, each removal or
//! repair kept with its reason. Applying it twice changes nothing (idempotent).

use serde::{Deserialize, Serialize};

use crate::asr::{Chunk, RawTranscript, Segment};
use crate::settings::HallucinationSettings;

/// What was taken out or changed, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Removal {
    pub segment: usize,
    pub start: f64,
    pub end: f64,
    /// The text before the change.
    pub text: String,
    /// `removed` or `repaired`.
    pub action: String,
    pub reason: String,
}

/// Phrases Whisper produces on silence, music and credits (from subtitle-site training data):
/// a segment that consists of nothing else is removed.
const STOCK: &[&str] = &[
    "thanks for watching",
    "thank you for watching",
    "thank you so much for watching",
    "please subscribe",
    "subscribe to my channel",
    "like and subscribe",
    "like share and subscribe",
    "don't forget to subscribe",
    "please like and subscribe",
    "see you in the next video",
    "subtitles by the amara org community",
    "transcribed by",
    "music",
    "applause",
    "laughter",
    "silence",
    "bgm",
    "देखने के लिए धन्यवाद",
    "सब्सक्राइब करें",
    "चैनल को सब्सक्राइब करें",
    "लाइक और सब्सक्राइब करें",
    "संगीत",
    "dekhne ke liye dhanyavaad",
    "channel ko subscribe karein",
];

fn normalise(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' || c.is_whitespace() {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn overlap(s: &Segment, regions: &[Chunk]) -> f64 {
    regions
        .iter()
        .map(|r| (s.end.min(r.end) - s.start.max(r.start)).max(0.0))
        .sum()
}

/// Word spans of a segment: (token index range, normalised word).
fn words(s: &Segment) -> Vec<(std::ops::Range<usize>, String)> {
    let mut out: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for (i, t) in s.tokens.iter().enumerate() {
        match out.last_mut() {
            Some((r, w)) if !t.text.starts_with(' ') && i > 0 => {
                r.end = i + 1;
                w.push_str(&normalise(&t.text));
            }
            _ => out.push((i..i + 1, normalise(&t.text))),
        }
    }
    out.retain(|(_, w)| !w.is_empty());
    out
}

/// Collapses any n-gram (n = 1..=8) repeated back to back more than `keep` times; returns the
/// indices of the words to drop.
fn loop_drops(ws: &[String], keep: usize) -> Vec<usize> {
    let mut drop = vec![false; ws.len()];
    for n in 1..=8usize {
        let mut i = 0;
        while i + n <= ws.len() {
            let mut reps = 1;
            while i + (reps + 1) * n <= ws.len()
                && ws[i + reps * n..i + (reps + 1) * n] == ws[i..i + n]
            {
                reps += 1;
            }
            if reps > keep && (n > 1 || reps > keep + 1) {
                for d in drop.iter_mut().take(i + reps * n).skip(i + keep * n) {
                    *d = true;
                }
                i += reps * n;
            } else {
                i += 1;
            }
        }
    }
    drop.iter()
        .enumerate()
        .filter(|(_, d)| **d)
        .map(|(i, _)| i)
        .collect()
}

/// Cleans a transcript; `speech` are VAD's regions when stage 05 ran.
pub fn clean(
    t: &RawTranscript,
    speech: Option<&[Chunk]>,
    s: &HallucinationSettings,
) -> (RawTranscript, Vec<Removal>) {
    let keep = s.max_repeats.max(1) as usize;
    let mut removed = Vec::new();
    let mut kept: Vec<Segment> = Vec::new();
    let remove = |seg: &Segment, reason: String, removed: &mut Vec<Removal>| {
        removed.push(Removal {
            segment: seg.id,
            start: seg.start,
            end: seg.end,
            text: seg.text.clone(),
            action: "removed".into(),
            reason,
        });
    };
    for seg in &t.segments {
        let mut seg = seg.clone();
        let norm = normalise(&seg.text);
        if norm.is_empty() {
            remove(&seg, "empty or punctuation only".into(), &mut removed);
            continue;
        }
        if STOCK.contains(&norm.as_str()) {
            remove(
                &seg,
                format!("stock phrase `{}`", seg.text.trim()),
                &mut removed,
            );
            continue;
        }
        if let Some(regions) = speech {
            let dur = (seg.end - seg.start).max(0.01);
            if overlap(&seg, regions) / dur < 0.2 {
                remove(&seg, "outside speech (voice activity)".into(), &mut removed);
                continue;
            }
        }
        if seg.no_speech_prob > s.no_speech_threshold && seg.avg_logprob < s.logprob_threshold {
            remove(
                &seg,
                format!(
                    "no-speech probability {:.2} with log-probability {:.2}",
                    seg.no_speech_prob, seg.avg_logprob
                ),
                &mut removed,
            );
            continue;
        }
        // Loops inside the segment: keep at most `keep` back-to-back repeats.
        let ws = words(&seg);
        let texts: Vec<String> = ws.iter().map(|(_, w)| w.clone()).collect();
        let drops = loop_drops(&texts, keep);
        if !drops.is_empty() {
            let before = seg.text.clone();
            let dropped: std::collections::HashSet<usize> =
                drops.iter().flat_map(|i| ws[*i].0.clone()).collect();
            seg.tokens = seg
                .tokens
                .iter()
                .enumerate()
                .filter(|(i, _)| !dropped.contains(i))
                .map(|(_, t)| t.clone())
                .collect();
            seg.text = seg.tokens.iter().map(|t| t.text.as_str()).collect();
            if let Some(last) = seg.tokens.last() {
                seg.end = seg.end.min(last.end.max(seg.start));
            }
            seg.compression_ratio = crate::text::compression_ratio(seg.text.trim());
            removed.push(Removal {
                segment: seg.id,
                start: seg.start,
                end: seg.end,
                text: before,
                action: "repaired".into(),
                reason: format!("{} repeated word(s) removed from a loop", drops.len()),
            });
        }
        if seg.compression_ratio > s.compression_ratio_threshold {
            remove(
                &seg,
                format!(
                    "compression ratio {:.2} (repetitive text)",
                    seg.compression_ratio
                ),
                &mut removed,
            );
            continue;
        }
        // The same text as the `keep` segments before it.
        let norm = normalise(&seg.text);
        if kept.len() >= keep
            && kept[kept.len() - keep..]
                .iter()
                .all(|k| normalise(&k.text) == norm)
        {
            remove(
                &seg,
                format!("repeats the previous {keep} segment(s)"),
                &mut removed,
            );
            continue;
        }
        kept.push(seg);
    }
    (
        RawTranscript {
            segments: kept,
            ..t.clone()
        },
        removed,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asr::Token;

    fn seg(id: usize, start: f64, end: f64, text: &str) -> Segment {
        let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
        let step = (end - start) / words.len().max(1) as f64;
        Segment {
            id,
            start,
            end,
            text: format!(" {text}"),
            language: None,
            avg_logprob: -0.3,
            no_speech_prob: 0.05,
            compression_ratio: crate::text::compression_ratio(text),
            temperature: None,
            tokens: words
                .iter()
                .enumerate()
                .map(|(i, w)| Token {
                    id: 1,
                    text: format!(" {w}"),
                    p: 0.9,
                    start: start + i as f64 * step,
                    end: start + (i + 1) as f64 * step,
                    dtw: None,
                })
                .collect(),
        }
    }

    fn transcript(segments: Vec<Segment>) -> RawTranscript {
        RawTranscript {
            language: "en".into(),
            language_probability: 1.0,
            model: "t".into(),
            prompt: String::new(),
            segments,
        }
    }

    #[test]
    fn removes_each_failure_with_its_reason_and_is_idempotent() {
        let mut quiet = seg(5, 20.0, 22.0, "I am not sure.");
        quiet.no_speech_prob = 0.9;
        quiet.avg_logprob = -1.4;
        let t = transcript(vec![
            seg(0, 0.0, 2.0, "Hello there, my friend."),
            seg(1, 2.0, 6.0, "no no no no no no no no wait"),
            seg(2, 6.0, 7.0, "Thanks for watching!"),
            seg(3, 7.0, 8.0, "..."),
            seg(4, 30.0, 32.0, "Words in the silence."),
            quiet,
            seg(6, 8.0, 9.0, "Come here."),
            seg(7, 9.0, 10.0, "Come here."),
            seg(8, 10.0, 11.0, "Come here."),
        ]);
        let speech = [
            Chunk {
                start: 0.0,
                end: 12.0,
            },
            Chunk {
                start: 19.0,
                end: 23.0,
            },
        ];
        let (clean_t, removed) = clean(&t, Some(&speech), &HallucinationSettings::default());
        let texts: Vec<&str> = clean_t.segments.iter().map(|s| s.text.trim()).collect();
        assert_eq!(
            texts,
            [
                "Hello there, my friend.",
                "no no wait",
                "Come here.",
                "Come here."
            ]
        );
        let reasons: Vec<(usize, &str)> = removed
            .iter()
            .map(|r| (r.segment, r.reason.as_str()))
            .collect();
        assert_eq!(reasons[0], (1, "6 repeated word(s) removed from a loop"));
        assert!(reasons[1].1.starts_with("stock phrase"));
        assert_eq!(reasons[2].1, "empty or punctuation only");
        assert_eq!(reasons[3].1, "outside speech (voice activity)");
        assert!(reasons[4].1.starts_with("no-speech probability 0.90"));
        assert_eq!(reasons[5], (8, "repeats the previous 2 segment(s)"));
        let (again, removed_again) =
            clean(&clean_t, Some(&speech), &HallucinationSettings::default());
        assert_eq!(again, clean_t);
        assert!(removed_again.is_empty());
    }
}
