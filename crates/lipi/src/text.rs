//! Text measures: normalisation for scoring, and word error rate.

/// Normalises English for WER scoring, in the spirit of Whisper's `EnglishTextNormalizer`:
/// lower case, spoken forms of common abbreviations, hyphens and punctuation removed
/// (apostrophes inside words kept), small numbers spelled out, whitespace collapsed.
pub fn normalize_english(text: &str) -> String {
    let lowered = text.to_lowercase().replace(['-', '—', '–', '/'], " ");
    let mut words = Vec::new();
    for raw in lowered.split_whitespace() {
        let w: String = raw
            .trim_matches(|c: char| !c.is_alphanumeric())
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '\'')
            .collect();
        if w.is_empty() {
            continue;
        }
        let spoken = match w.as_str() {
            "mr" => "mister",
            "mrs" => "missus",
            "ms" => "miss",
            "dr" => "doctor",
            "st" => "saint",
            "vs" => "versus",
            "ok" | "okay" => "okay",
            _ => "",
        };
        if !spoken.is_empty() {
            words.push(spoken.to_owned());
        } else if let Some(n) = w.parse::<u32>().ok().and_then(number_words) {
            words.extend(n.split(' ').map(str::to_owned));
        } else {
            words.push(w);
        }
    }
    words.join(" ")
}

fn number_words(n: u32) -> Option<String> {
    const SMALL: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 10] = [
        "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    match n {
        0..=19 => Some(SMALL[n as usize].to_owned()),
        20..=99 => Some(match n % 10 {
            0 => TENS[(n / 10) as usize].to_owned(),
            r => format!("{} {}", TENS[(n / 10) as usize], SMALL[r as usize]),
        }),
        _ => None,
    }
}

/// Word-level edit distance (substitutions + deletions + insertions) between token lists.
pub fn word_errors(reference: &[&str], hypothesis: &[&str]) -> usize {
    let mut prev: Vec<usize> = (0..=hypothesis.len()).collect();
    for (i, r) in reference.iter().enumerate() {
        let mut cur = vec![i + 1; hypothesis.len() + 1];
        for (j, h) in hypothesis.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(r != h))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[hypothesis.len()]
}

/// Word error rate of `hypothesis` against `reference`, both normalised as English.
pub fn wer(reference: &str, hypothesis: &str) -> f64 {
    let (r, h) = (normalize_english(reference), normalize_english(hypothesis));
    let rw: Vec<&str> = r.split_whitespace().collect();
    let hw: Vec<&str> = h.split_whitespace().collect();
    if rw.is_empty() {
        return if hw.is_empty() { 0.0 } else { 1.0 };
    }
    word_errors(&rw, &hw) as f64 / rw.len() as f64
}

/// Whisper's compression-ratio guard: bytes of the text over bytes of its zlib encoding.
/// Repetitive (looping) text compresses well and scores high.
pub fn compression_ratio(text: &str) -> f64 {
    use std::io::Write;
    if text.is_empty() {
        return 0.0;
    }
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = enc.write_all(text.as_bytes());
    let compressed = enc.finish().map(|v| v.len()).unwrap_or(text.len());
    text.len() as f64 / compressed.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation() {
        assert_eq!(
            normalize_english("And Mr. John Dashwood, well-meaning!"),
            "and mister john dashwood well meaning"
        );
        assert_eq!(
            normalize_english("It's 42 o'clock."),
            "it's forty two o'clock"
        );
    }

    #[test]
    fn wer_counts_edits() {
        assert_eq!(wer("a b c d", "a b c d"), 0.0);
        assert_eq!(wer("a b c d", "a x c"), 0.5);
        assert_eq!(wer("a b", "a b c d"), 1.0);
        assert_eq!(wer("", ""), 0.0);
    }
}
