//! Stage 11: cues from timed words under the subtitle rules, written in every configured format.

use lipi_subs::build::{Word, build};
use lipi_subs::format::{Format, write};
use lipi_subs::rules::{Rules, is_cjk};

use crate::artifacts::{Cleaned, Demuxed, SubtitleFile, SubtitleTracks, Transcript};
use crate::asr::RawTranscript;
use crate::job::sanitize_file_name;
use crate::settings::SubtitleSettings;
use crate::stage::{Stage, StageContext, StageError, StageKey};
use crate::stage_id::StageId;

pub struct SubtitleGeneration {
    pub settings: SubtitleSettings,
    pub title: String,
    pub source_language: String,
}

/// The rules for a language: SPEC §5 defaults, overridden by the settings.
pub fn rules(settings: &SubtitleSettings, lang: &str, fps: f64) -> Rules {
    let mut r = Rules::for_language(lang, fps);
    if !is_cjk(lang) {
        r.max_chars_per_line = settings.max_chars_per_line as usize;
    }
    r.max_lines = settings.max_lines as usize;
    r.min_duration_ms = (settings.min_duration_s * 1000.0).round() as u64;
    r.max_duration_ms = (settings.max_duration_s * 1000.0).round() as u64;
    r.min_gap_frames = settings.min_gap_frames;
    r.chain_gap_ms = (settings.chain_gap_s * 1000.0).round() as u64;
    r.max_cps = settings
        .cps
        .get(lang)
        .copied()
        .unwrap_or(settings.default_cps);
    r
}

/// Words from Whisper's tokens: a token that starts with a space starts a word; in languages
/// written without spaces every token is a word.
pub fn words(t: &RawTranscript, cjk: bool) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
    for s in &t.segments {
        let mut first = true;
        for tok in &s.tokens {
            let text = &tok.text;
            if text.trim().is_empty() && !cjk {
                continue;
            }
            let starts_word = cjk || first || text.starts_with(' ');
            let ms = |x: f64| (x * 1000.0).round().max(0.0) as u64;
            match out.last_mut() {
                Some(w) if !starts_word => {
                    w.text.push_str(text);
                    w.end = w.end.max(ms(tok.end));
                }
                _ => out.push(Word {
                    text: text.trim().to_owned(),
                    start: ms(tok.start),
                    end: ms(tok.end),
                    segment: s.id,
                    speaker: None,
                    lyric: false,
                }),
            }
            first = false;
        }
    }
    out
}

impl Stage for SubtitleGeneration {
    const ID: StageId = StageId::SubtitleGeneration;
    const VERSION: u32 = 1;
    /// The cleaned transcript when stage 09 ran, else the raw one.
    type Input = (Demuxed, Transcript, Option<Cleaned>);
    type Output = SubtitleTracks;

    fn key(&self) -> Result<StageKey, StageError> {
        Ok(StageKey::new()
            .section("subtitle-generation", &self.settings)
            .set("job.title", &self.title)
            .set("job.source-language", &self.source_language))
    }

    fn run(
        &self,
        (demuxed, transcript, cleaned): (Demuxed, Transcript, Option<Cleaned>),
        cx: &mut StageContext<'_>,
    ) -> Result<SubtitleTracks, StageError> {
        let t = cleaned.as_ref().map_or(&transcript.0, |c| &c.transcript);
        let lang = if self.source_language == "auto" {
            t.language.clone()
        } else {
            self.source_language.clone()
        };
        let rules = rules(&self.settings, &lang, demuxed.report.frame_rate);
        let built = build(&words(t, is_cjk(&lang)), &rules, &lang);
        let mut files = Vec::new();
        let base = sanitize_file_name(&self.title);
        for f in &self.settings.formats {
            let format = Format::parse(f)
                .ok_or_else(|| StageError::failed(format!("unknown subtitle format `{f}`")))?;
            let name = format!("{base}.{lang}.{}", format.extension());
            let path = cx.out_dir().join(&name);
            crate::atomic::write(
                &path,
                write(format, &built.cues, &lang, &self.title).as_bytes(),
            )
            .map_err(StageError::io(&path))?;
            cx.publish(&name, &name);
            files.push(SubtitleFile {
                language: lang.clone(),
                role: "source".into(),
                format: format.extension().into(),
                file: name,
            });
        }
        cx.note(format!(
            "{} cues in {} ({} format(s)){}",
            built.cues.len(),
            lang,
            files.len(),
            if built.unavoidable_cps.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} cue(s) faster than {} cps because the speech is",
                    built.unavoidable_cps.len(),
                    rules.max_cps
                )
            }
        ));
        let report = serde_json::json!({
            "languages": {
                lang.clone(): {
                    "cues": built.cues.len(),
                    "fps": rules.fps,
                    "unavoidable": built.unavoidable_cps.iter().map(|i| i + 1).collect::<Vec<_>>(),
                }
            }
        });
        let path = cx.out_dir().join("report.json");
        crate::atomic::write_json(&path, &report).map_err(StageError::io(&path))?;
        Ok(SubtitleTracks {
            dir: cx.out_dir().to_owned(),
            files,
        })
    }
}
