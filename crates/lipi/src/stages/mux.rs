//! Stage 12: the video with one soft subtitle track per language.

use std::path::PathBuf;

use crate::artifacts::{Demuxed, Muxed, SubtitleTracks};
use crate::job::sanitize_file_name;
use crate::lang;
use crate::media::{self, mux as m};
use crate::settings::{Container, DefaultTrack, MuxSettings};
use crate::stage::{Stage, StageContext, StageError, StageKey};
use crate::stage_id::StageId;
use crate::timecode::Millis;

pub struct Mux {
    pub media: PathBuf,
    pub title: String,
    pub source_language: String,
    pub settings: MuxSettings,
    pub start: Option<Millis>,
    pub end: Option<Millis>,
}

impl Mux {
    fn container(&self) -> m::ContainerKind {
        match self.settings.container {
            Container::Auto => m::ContainerKind::for_media(&self.media),
            Container::Mkv => m::ContainerKind::Mkv,
            Container::Mp4 => m::ContainerKind::Mp4,
        }
    }
}

impl Stage for Mux {
    const ID: StageId = StageId::Mux;
    const VERSION: u32 = 1;
    type Input = (Demuxed, SubtitleTracks);
    type Output = Muxed;

    fn key(&self) -> Result<StageKey, StageError> {
        Ok(StageKey::new()
            .section("mux", &self.settings)
            .set("job.title", &self.title)
            .set("job.start-time", self.start)
            .set("job.end-time", self.end)
            .set("engine", media::ffmpeg_version()?))
    }

    fn external_inputs(&self) -> Vec<PathBuf> {
        vec![self.media.clone()]
    }

    fn run(
        &self,
        (demuxed, subs): (Demuxed, SubtitleTracks),
        cx: &mut StageContext<'_>,
    ) -> Result<Muxed, StageError> {
        if demuxed.report.media.video().is_none() {
            return Err(StageError::BadInput {
                message: format!(
                    "`{}` has no video to put subtitles into",
                    self.media.display()
                ),
                hint: Some("use the transcribe or translate workflow for audio-only media".into()),
            });
        }
        let container = self.container();
        // One track per language: the format that carries best in this container.
        let prefer: &[&str] = match container {
            m::ContainerKind::Mkv => &["ass", "srt", "vtt"],
            m::ContainerKind::Mp4 => &["srt", "vtt", "ass"],
        };
        let mut languages: Vec<(&str, &str)> = Vec::new();
        for f in &subs.files {
            if !languages.iter().any(|(l, _)| *l == f.language) {
                languages.push((&f.language, &f.role));
            }
        }
        // The default track: the source, or the first target, as configured.
        let default_lang = match self.settings.default_track {
            DefaultTrack::Source => languages.iter().find(|(_, r)| *r == "source"),
            DefaultTrack::FirstTarget => languages.iter().find(|(_, r)| *r == "target"),
        }
        .or(languages.first())
        .map(|(l, _)| l.to_string());
        let mut tracks = Vec::new();
        for (code, _) in &languages {
            let file = prefer
                .iter()
                .find_map(|fmt| {
                    subs.files
                        .iter()
                        .find(|f| f.language == *code && f.format == *fmt)
                })
                .ok_or_else(|| {
                    StageError::failed(format!("no muxable subtitle file for `{code}`"))
                })?;
            let language = lang::require(code).map_err(|e| StageError::failed(e.to_string()))?;
            tracks.push(m::SubtitleTrack {
                path: subs.dir.join(&file.file),
                language,
                title: language.name.to_owned(),
                default: default_lang.as_deref() == Some(*code),
            });
        }
        if tracks.is_empty() {
            return Err(StageError::failed(
                "stage 11 produced no subtitle files to mux",
            ));
        }
        let name = format!(
            "{}_subtitled.{}",
            sanitize_file_name(&self.title),
            container.extension()
        );
        let output = cx.out_dir().join(&name);
        let burn_in = self
            .settings
            .burn_in
            .then(|| tracks.iter().position(|t| t.default))
            .flatten();
        cx.note(format!(
            "muxing {} subtitle track(s) into {}",
            tracks.len(),
            container.extension()
        ));
        m::mux(&m::MuxRequest {
            media: &self.media,
            tracks: &tracks,
            output: &output,
            container,
            start: self.start,
            end: self.end,
            burn_in,
        })?;
        cx.publish(&name, &name);
        Ok(Muxed {
            file: name,
            container: container.extension().into(),
            tracks: tracks
                .iter()
                .map(|t| t.language.iso639_2.to_owned())
                .collect(),
            default_track: default_lang,
            burned_in: burn_in.map(|i| tracks[i].language.code.to_owned()),
        })
    }
}
