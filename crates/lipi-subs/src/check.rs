//! Checks cues against the rules: one violation per cue and kind, with the cue's number and time.

use crate::cue::{Cue, timestamp};
use crate::rules::Rules;
use crate::width;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Empty,
    LineLength,
    LineCount,
    TooShort,
    TooLong,
    ReadingSpeed,
    Overlap,
    Gap,
    UnclosedGap,
    Order,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Empty => "empty",
            Kind::LineLength => "line length",
            Kind::LineCount => "line count",
            Kind::TooShort => "too short",
            Kind::TooLong => "too long",
            Kind::ReadingSpeed => "reading speed",
            Kind::Overlap => "overlap",
            Kind::Gap => "gap",
            Kind::UnclosedGap => "unclosed gap",
            Kind::Order => "order",
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Violation {
    /// 1-based cue number.
    pub cue: usize,
    pub time: String,
    pub kind: Kind,
    pub detail: String,
}

/// Every rule violation of `cues`.
pub fn check(cues: &[Cue], rules: &Rules) -> Vec<Violation> {
    let mut out = Vec::new();
    let gap_ms = rules.min_gap_ms();
    let frame_ms = (1000.0 / rules.fps).ceil() as u64;
    for (i, c) in cues.iter().enumerate() {
        let mut v = |kind: Kind, detail: String| {
            out.push(Violation {
                cue: i + 1,
                time: timestamp(c.start, '.'),
                kind,
                detail,
            })
        };
        if c.lines.iter().all(|l| l.trim().is_empty()) {
            v(Kind::Empty, "no text".into());
        }
        if c.lines.len() > rules.max_lines {
            v(
                Kind::LineCount,
                format!("{} lines, at most {}", c.lines.len(), rules.max_lines),
            );
        }
        let long: Vec<usize> = c
            .lines
            .iter()
            .map(|l| width(l))
            .filter(|w| *w > rules.max_chars_per_line)
            .collect();
        if !long.is_empty() {
            v(
                Kind::LineLength,
                format!(
                    "{} characters, at most {}",
                    long.iter().max().copied().unwrap_or(0),
                    rules.max_chars_per_line
                ),
            );
        }
        let d = c.duration_ms();
        if d < rules.min_duration_ms {
            v(
                Kind::TooShort,
                format!(
                    "{:.3} s, at least {:.3} s",
                    d as f64 / 1000.0,
                    rules.min_duration_ms as f64 / 1000.0
                ),
            );
        }
        if d > rules.max_duration_ms {
            v(
                Kind::TooLong,
                format!(
                    "{:.3} s, at most {:.3} s",
                    d as f64 / 1000.0,
                    rules.max_duration_ms as f64 / 1000.0
                ),
            );
        }
        let cps = c.cps();
        if cps > rules.max_cps + 0.05 {
            v(
                Kind::ReadingSpeed,
                format!(
                    "{cps:.1} characters per second, at most {:.0}",
                    rules.max_cps
                ),
            );
        }
        if let Some(next) = cues.get(i + 1) {
            if next.start < c.start {
                v(Kind::Order, format!("cue {} starts before it", i + 2));
            } else if next.start < c.end {
                v(
                    Kind::Overlap,
                    format!("overlaps cue {} by {} ms", i + 2, c.end - next.start),
                );
            } else {
                let gap = next.start - c.end;
                if gap < gap_ms {
                    v(
                        Kind::Gap,
                        format!(
                            "{gap} ms before cue {}, at least {gap_ms} ms ({} frames)",
                            i + 2,
                            rules.min_gap_frames
                        ),
                    );
                } else if gap < rules.chain_gap_ms && gap > gap_ms + frame_ms {
                    v(
                        Kind::UnclosedGap,
                        format!(
                            "{gap} ms before cue {}: gaps under {} ms close to {gap_ms} ms",
                            i + 2,
                            rules.chain_gap_ms
                        ),
                    );
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_planted_violation_once() {
        let r = Rules::for_language("en", 25.0);
        let cues = vec![
            Cue::new(
                0,
                3000,
                vec!["This line is far too long to be shown on one subtitle line".into()],
            ),
            Cue::new(3080, 3500, vec!["Hi".into()]),
            Cue::new(4500, 12_000, vec!["Too long on screen".into()]),
            Cue::new(11_900, 13_000, vec!["Overlaps".into()]),
            Cue::new(
                14_000,
                15_000,
                vec!["Far too many words to read in this time".into()],
            ),
            Cue::new(15_010, 16_500, vec!["a".into(), "b".into(), "c".into()]),
            Cue::new(16_800, 18_000, vec!["Unclosed gap before".into()]),
        ];
        let v = check(&cues, &r);
        let got: Vec<(usize, Kind)> = v.iter().map(|v| (v.cue, v.kind)).collect();
        assert_eq!(
            got,
            [
                (1, Kind::LineLength),
                (2, Kind::TooShort),
                (3, Kind::TooLong),
                (3, Kind::Overlap),
                (5, Kind::ReadingSpeed),
                (5, Kind::Gap),
                (6, Kind::LineCount),
                (6, Kind::UnclosedGap),
            ]
        );
    }
}
