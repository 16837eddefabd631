//! `lipi prepare`: validate everything the user asked for, then create the job.
//!
//! Validation comes first and writes nothing, so a bad request leaves every earlier job — and
//! the output root — untouched.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::job::{self, JobDir, JobError, JobId, JobSpec, MediaRef, Workflow};
use crate::lang;
use crate::manifest::{Manifest, StageRecord, StageStatus};
use crate::media::{self, MediaError};
use crate::settings::Resolved;
use crate::stage_id::StageId;
use crate::timecode::Millis;

#[derive(Debug, Clone)]
pub struct PrepareRequest {
    pub media: PathBuf,
    pub workflow: Workflow,
    pub source_language: String,
    pub target_languages: Vec<String>,
    pub start_time: Option<Millis>,
    pub end_time: Option<Millis>,
    pub title: Option<String>,
    pub year: Option<u32>,
    pub user: Option<String>,
    pub glossaries: Vec<PathBuf>,
    /// Dotted keys from `-c key=value` and flags, already validated by the settings resolver.
    pub overrides: BTreeMap<String, toml::Value>,
    pub date: NaiveDate,
}

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error(transparent)]
    Job(#[from] JobError),
    #[error("unknown {role} language `{code}`")]
    UnknownLanguage { role: &'static str, code: String },
    #[error("Whisper cannot recognise {name} (`{code}`), so it cannot be the source language")]
    NotRecognisable { code: String, name: String },
    #[error("the {0} workflow needs at least one target language")]
    NoTargets(Workflow),
    #[error("target language `{0}` is the source language")]
    TargetIsSource(String),
    #[error("the clip ends ({end}) before it starts ({start})")]
    EmptyClip { start: Millis, end: Millis },
    #[error("the clip starts at {start}, after the end of the media ({duration})")]
    StartBeyondEnd { start: Millis, duration: Millis },
    #[error("the clip ends at {end}, after the end of the media ({duration})")]
    EndBeyondEnd { end: Millis, duration: Millis },
    #[error("glossary file `{0}` does not exist")]
    MissingGlossary(PathBuf),
    #[error("year {0} is not plausible for a film")]
    BadYear(u32),
}

impl PrepareError {
    pub fn hint(&self) -> Option<String> {
        match self {
            PrepareError::Media(e) => e.hint(),
            PrepareError::Job(e) => e.hint(),
            PrepareError::UnknownLanguage { .. } => Some(
                "use ISO 639-1 codes such as hi, en, ta, es (or `auto` for the source)".into(),
            ),
            PrepareError::NotRecognisable { .. } => {
                Some("give the spoken language with -s, or -s auto to detect it".into())
            }
            PrepareError::NoTargets(_) => Some("add -t with one or more languages, e.g. -t en,gu".into()),
            PrepareError::TargetIsSource(_) => Some("drop it from -t: the source transcript is always produced".into()),
            PrepareError::EmptyClip { .. }
            | PrepareError::StartBeyondEnd { .. }
            | PrepareError::EndBeyondEnd { .. } => Some(
                "choose --start-time/--end-time inside the media (HH:MM:SS[.mmm] or seconds); `ffprobe` shows its duration".into(),
            ),
            PrepareError::MissingGlossary(_) => Some("check the path given to --glossary".into()),
            PrepareError::BadYear(_) => Some("give the release year, e.g. --year 2001".into()),
        }
    }

    /// Everything here is the user's input, except failures to write the job.
    pub fn is_bad_input(&self) -> bool {
        match self {
            PrepareError::Media(e) => e.is_bad_input(),
            PrepareError::Job(JobError::Create { .. } | JobError::Write { .. }) => false,
            _ => true,
        }
    }
}

/// Checks the request without touching the disk; returns the probed media.
pub fn validate(req: &PrepareRequest) -> Result<media::MediaInfo, PrepareError> {
    if req.source_language != "auto" {
        let l =
            lang::lookup(&req.source_language).ok_or_else(|| PrepareError::UnknownLanguage {
                role: "source",
                code: req.source_language.clone(),
            })?;
        if !l.whisper {
            return Err(PrepareError::NotRecognisable {
                code: l.code.into(),
                name: l.name.into(),
            });
        }
    }
    for t in &req.target_languages {
        let l = lang::lookup(t).ok_or_else(|| PrepareError::UnknownLanguage {
            role: "target",
            code: t.clone(),
        })?;
        if lang::lookup(&req.source_language).is_some_and(|s| s.code == l.code) {
            return Err(PrepareError::TargetIsSource(l.code.into()));
        }
    }
    if req.workflow == Workflow::Translate && req.target_languages.is_empty() {
        return Err(PrepareError::NoTargets(req.workflow));
    }
    if let Some(y) = req.year
        && !(1880..=2100).contains(&y)
    {
        return Err(PrepareError::BadYear(y));
    }
    for g in &req.glossaries {
        if !g.is_file() {
            return Err(PrepareError::MissingGlossary(g.clone()));
        }
    }
    if let Some(u) = &req.user {
        job::validate_user(u)?;
    }
    if let (Some(s), Some(e)) = (req.start_time, req.end_time)
        && e <= s
    {
        return Err(PrepareError::EmptyClip { start: s, end: e });
    }
    let info = media::probe(&req.media)?;
    let count = info.audio_stream_count();
    if count == 0 {
        return Err(MediaError::NoAudio(req.media.clone()).into());
    }
    let wanted = req
        .overrides
        .get("demux.audio-stream")
        .and_then(toml::Value::as_integer)
        .unwrap_or(0);
    if wanted < 0 || wanted as usize >= count {
        return Err(MediaError::NoSuchAudioStream {
            path: req.media.clone(),
            wanted: wanted.max(0) as u32,
            count,
        }
        .into());
    }
    let duration = Millis::from_secs_f64(info.duration_s);
    if let Some(s) = req.start_time
        && s >= duration
    {
        return Err(PrepareError::StartBeyondEnd { start: s, duration });
    }
    if let Some(e) = req.end_time {
        // Containers round durations; half a second of slack is not an error.
        if e.0 > duration.0 + 500 {
            return Err(PrepareError::EndBeyondEnd { end: e, duration });
        }
    }
    Ok(info)
}

/// Validates, then creates the job folder with `job.json` and `manifest.json`.
pub fn prepare(
    req: &PrepareRequest,
    settings: &Resolved,
) -> Result<(JobId, JobDir, JobSpec), PrepareError> {
    let info = validate(req)?;
    let media_path = std::path::absolute(&req.media).map_err(|source| MediaError::Unreadable {
        path: req.media.clone(),
        source,
    })?;
    let hash = crate::hash::file(&media_path).map_err(|source| MediaError::Unreadable {
        path: req.media.clone(),
        source,
    })?;
    let user = match &req.user {
        Some(u) => u.clone(),
        None if !settings.settings.job.user.is_empty() => settings.settings.job.user.clone(),
        None => job::default_user(),
    };
    let root = &settings.settings.job.output_root;
    let (id, dir) = job::allocate(root, req.date, &user)?;
    let targets: Vec<String> = dedupe(
        req.target_languages
            .iter()
            .filter_map(|t| lang::lookup(t))
            .map(|l| l.code.to_owned()),
    );
    let source = if req.source_language == "auto" {
        "auto".to_owned()
    } else {
        lang::lookup(&req.source_language)
            .map_or_else(|| req.source_language.clone(), |l| l.code.into())
    };
    let spec = JobSpec {
        id: id.clone(),
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        lipi_version: crate::VERSION.to_owned(),
        workflow: req.workflow,
        user,
        media: MediaRef {
            path: media_path,
            size: info.size,
            hash,
            duration_s: info.duration_s,
        },
        source_language: source,
        target_languages: targets,
        start_time: req.start_time,
        end_time: req.end_time,
        title: req.title.clone(),
        year: req.year,
        glossaries: req
            .glossaries
            .iter()
            .map(|g| std::path::absolute(g).unwrap_or_else(|_| g.clone()))
            .collect(),
        overrides: req
            .overrides
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    serde_json::to_value(v).unwrap_or(serde_json::Value::Null),
                )
            })
            .collect(),
    };
    let written = dir.save_spec(&spec).and_then(|()| {
        let manifest = Manifest {
            job: id.to_string(),
            stages: StageId::ALL
                .into_iter()
                .map(|s| (s, StageRecord::new(StageStatus::Pending)))
                .collect(),
        };
        let path = dir.manifest();
        manifest
            .save(&path)
            .map_err(|source| JobError::Write { path, source })
    });
    if let Err(e) = written {
        let _ = fs_err::remove_dir_all(&dir.root);
        return Err(e.into());
    }
    Ok((id, dir, spec))
}

fn dedupe(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// Converts the overrides stored in `job.json` back into a settings layer.
pub fn overrides_layer(spec: &JobSpec, path: PathBuf) -> crate::settings::LayerValues {
    let values = spec
        .overrides
        .iter()
        .filter_map(|(k, v)| {
            let tv = toml::Value::try_from(v).ok()?;
            Some((k.clone(), tv))
        })
        .collect();
    crate::settings::LayerValues {
        layer: crate::settings::Layer::Job(path),
        values,
    }
}
