//! Subtitles: cues, the formats (SRT and WebVTT read and written; ASS and TTML written), the
//! broadcast rules of lipi's SPEC §5 per language, a cue builder that turns timed words into
//! cues under those rules, and a checker that reports every violation.
//!
//! Lengths are counted in grapheme clusters, never bytes: "नमस्ते" is 3 characters on screen.

pub mod build;
pub mod check;
pub mod cue;
pub mod format;
pub mod rules;

pub use cue::Cue;
pub use rules::Rules;

/// Characters on screen: extended grapheme clusters.
pub fn width(text: &str) -> usize {
    unicode_segmentation::UnicodeSegmentation::graphemes(text, true).count()
}
