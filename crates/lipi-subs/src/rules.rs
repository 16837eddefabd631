//! The subtitle rules (SPEC §5), per language, all configurable.

#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub max_chars_per_line: usize,
    pub max_lines: usize,
    pub min_duration_ms: u64,
    pub max_duration_ms: u64,
    /// Minimum gap between cues, in frames of the media.
    pub min_gap_frames: u32,
    pub fps: f64,
    /// Gaps shorter than this are closed to the minimum gap.
    pub chain_gap_ms: u64,
    /// Reading speed limit: characters per second, spaces included.
    pub max_cps: f64,
}

/// Languages written without spaces between words, with shorter lines.
pub fn is_cjk(lang: &str) -> bool {
    matches!(lang, "zh" | "ja" | "ko" | "yue")
}

impl Rules {
    /// SPEC §5 defaults for a language at a frame rate.
    pub fn for_language(lang: &str, fps: f64) -> Rules {
        let max_cps = match lang {
            "en" => 20.0,
            "hi" => 22.0,
            "ar" => 20.0,
            "ja" => 4.0,
            _ => 17.0,
        };
        Rules {
            max_chars_per_line: if is_cjk(lang) { 16 } else { 42 },
            max_lines: 2,
            min_duration_ms: 833,
            max_duration_ms: 7000,
            min_gap_frames: 2,
            fps: if fps > 0.0 { fps } else { 25.0 },
            chain_gap_ms: 500,
            max_cps,
        }
    }

    /// The minimum gap in milliseconds (rounded up, so it is never less than the frames).
    pub fn min_gap_ms(&self) -> u64 {
        (f64::from(self.min_gap_frames) * 1000.0 / self.fps).ceil() as u64
    }
}
