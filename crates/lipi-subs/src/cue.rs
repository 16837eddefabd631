//! A subtitle cue.

/// One cue: times in milliseconds, one to a few lines of text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cue {
    pub start: u64,
    pub end: u64,
    pub lines: Vec<String>,
    /// Part of a song: written in italics with ♪.
    #[serde(default)]
    pub lyric: bool,
    /// Speaker label, when labels are on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
}

impl Cue {
    pub fn new(start: u64, end: u64, lines: Vec<String>) -> Cue {
        Cue {
            start,
            end,
            lines,
            lyric: false,
            speaker: None,
        }
    }

    /// The text as shown, lines joined by a space.
    pub fn text(&self) -> String {
        self.lines.join(" ")
    }

    pub fn duration_ms(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// Characters per second, spaces included, over the cue's duration.
    pub fn cps(&self) -> f64 {
        let chars: usize = self.lines.iter().map(|l| crate::width(l)).sum::<usize>()
            + self.lines.len().saturating_sub(1);
        chars as f64 / (self.duration_ms().max(1) as f64 / 1000.0)
    }
}

/// `HH:MM:SS,mmm` (SRT) or `HH:MM:SS.mmm` (WebVTT).
pub fn timestamp(ms: u64, sep: char) -> String {
    format!(
        "{:02}:{:02}:{:02}{sep}{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Parses `HH:MM:SS,mmm`, `HH:MM:SS.mmm` or `MM:SS.mmm`.
pub fn parse_timestamp(text: &str) -> Option<u64> {
    let t = text.trim();
    let (hms, frac) = t.rsplit_once([',', '.'])?;
    if frac.len() != 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = hms.split(':').collect();
    let nums: Option<Vec<u64>> = parts
        .iter()
        .map(|p| {
            (!p.is_empty() && p.len() <= 3)
                .then(|| p.parse().ok())
                .flatten()
        })
        .collect();
    let nums = nums?;
    let (h, m, s) = match nums.as_slice() {
        [h, m, s] => (*h, *m, *s),
        [m, s] => (0, *m, *s),
        _ => return None,
    };
    if m >= 60 || s >= 60 {
        return None;
    }
    Some(((h * 60 + m) * 60 + s) * 1000 + frac.parse::<u64>().ok()?)
}
