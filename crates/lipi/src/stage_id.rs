//! The twelve stages, in pipeline order. One name per stage everywhere: the id, the folder
//! (`06_asr`), the settings section (`asr`), the `--force/--from/--until` argument.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StageId {
    Demux = 1,
    Tmdb,
    GlossaryLoad,
    SourceSeparation,
    Vad,
    Asr,
    Alignment,
    LyricsDetection,
    HallucinationRemoval,
    Translation,
    SubtitleGeneration,
    Mux,
}

impl StageId {
    pub const ALL: [StageId; 12] = [
        StageId::Demux,
        StageId::Tmdb,
        StageId::GlossaryLoad,
        StageId::SourceSeparation,
        StageId::Vad,
        StageId::Asr,
        StageId::Alignment,
        StageId::LyricsDetection,
        StageId::HallucinationRemoval,
        StageId::Translation,
        StageId::SubtitleGeneration,
        StageId::Mux,
    ];

    pub fn number(self) -> u8 {
        self as u8
    }

    /// `asr`, `glossary_load`.
    pub fn name(self) -> &'static str {
        match self {
            StageId::Demux => "demux",
            StageId::Tmdb => "tmdb",
            StageId::GlossaryLoad => "glossary_load",
            StageId::SourceSeparation => "source_separation",
            StageId::Vad => "vad",
            StageId::Asr => "asr",
            StageId::Alignment => "alignment",
            StageId::LyricsDetection => "lyrics_detection",
            StageId::HallucinationRemoval => "hallucination_removal",
            StageId::Translation => "translation",
            StageId::SubtitleGeneration => "subtitle_generation",
            StageId::Mux => "mux",
        }
    }

    /// `06_asr`: the stage's folder in a job and its key in the manifest.
    pub fn folder(self) -> String {
        format!("{:02}_{}", self.number(), self.name())
    }

    /// The settings section that configures the stage (`glossary-load`).
    pub fn section(self) -> String {
        self.name().replace('_', "-")
    }

    /// Accepts `asr`, `06_asr`, `06`, `6`, `glossary-load`.
    pub fn parse(text: &str) -> Option<StageId> {
        let t = text.trim().to_ascii_lowercase().replace('-', "_");
        if let Ok(n) = t.parse::<u8>() {
            return StageId::ALL.into_iter().find(|s| s.number() == n);
        }
        StageId::ALL
            .into_iter()
            .find(|s| s.name() == t || s.folder() == t)
    }

    pub fn names() -> String {
        StageId::ALL.map(StageId::name).join(", ")
    }
}

impl fmt::Display for StageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.folder())
    }
}

impl serde::Serialize for StageId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.folder())
    }
}

impl<'de> serde::Deserialize<'de> for StageId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        StageId::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown stage `{s}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::StageId;

    #[test]
    fn names_and_folders() {
        assert_eq!(StageId::Asr.folder(), "06_asr");
        assert_eq!(StageId::parse("06_asr"), Some(StageId::Asr));
        assert_eq!(StageId::parse("6"), Some(StageId::Asr));
        assert_eq!(StageId::parse("glossary-load"), Some(StageId::GlossaryLoad));
        assert_eq!(StageId::parse("nope"), None);
        assert!(StageId::Demux < StageId::Mux);
        assert_eq!(
            StageId::ALL.iter().map(|s| s.number()).collect::<Vec<_>>(),
            (1..=12).collect::<Vec<_>>()
        );
    }
}
