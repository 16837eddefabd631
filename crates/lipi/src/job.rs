//! Jobs: ids, folders, `job.json`, and the atomic per-day counter.
//!
//! A job id `job-YYYYMMDD-<user>-NNNN` maps one-to-one to its folder
//! `<output root>/YYYY/MM/DD/<user>/<N>/`, so finding a job never needs an index. The counter is
//! the folder itself: `create_dir` either creates `<N>` or fails because another process did, in
//! which case the next number is tried. Concurrent `prepare` calls therefore never share an id.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::atomic;
use crate::stage_id::StageId;
use crate::timecode::Millis;

/// Which products the user wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Workflow {
    Transcribe,
    Translate,
    Subtitle,
}

impl Workflow {
    pub fn parse(s: &str) -> Option<Workflow> {
        match s.trim().to_ascii_lowercase().as_str() {
            "transcribe" => Some(Workflow::Transcribe),
            "translate" => Some(Workflow::Translate),
            "subtitle" => Some(Workflow::Subtitle),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Workflow::Transcribe => "transcribe",
            Workflow::Translate => "translate",
            Workflow::Subtitle => "subtitle",
        }
    }
}

impl fmt::Display for Workflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The media a job works on, pinned by its content hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaRef {
    /// Absolute path.
    pub path: PathBuf,
    pub size: u64,
    /// BLAKE3 of the file's bytes.
    pub hash: String,
    /// Duration from the probe, seconds.
    pub duration_s: f64,
}

/// `job.json`: everything the user chose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct JobSpec {
    pub id: JobId,
    pub created: String,
    pub lipi_version: String,
    pub workflow: Workflow,
    pub user: String,
    pub media: MediaRef,
    /// An ISO 639-1 code, or `auto`.
    pub source_language: String,
    pub target_languages: Vec<String>,
    pub start_time: Option<Millis>,
    pub end_time: Option<Millis>,
    pub title: Option<String>,
    pub year: Option<u32>,
    pub glossaries: Vec<PathBuf>,
    /// Per-job settings (`-c key=value` given to prepare or run), dotted keys.
    pub overrides: BTreeMap<String, serde_json::Value>,
}

impl JobSpec {
    /// The title used in product file names: the given title, else the media's file stem.
    pub fn display_title(&self) -> String {
        let raw = self.title.clone().unwrap_or_else(|| {
            self.media
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "media".into())
        });
        sanitize_file_name(&raw)
    }

    /// Length of the part of the media the job covers, seconds.
    pub fn clip_duration_s(&self) -> f64 {
        let start = self.start_time.map_or(0.0, Millis::as_secs_f64);
        let end = self
            .end_time
            .map_or(self.media.duration_s, Millis::as_secs_f64);
        (end.min(self.media.duration_s) - start).max(0.0)
    }
}

/// Keeps a title usable as a file name on every system (no separators or reserved characters).
pub fn sanitize_file_name(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| {
            if c.is_control() || r#"/\:*?"<>|"#.contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_matches('.').to_owned();
    if trimmed.is_empty() {
        "media".into()
    } else {
        trimmed
    }
}

/// `job-20261123-asha-0007`
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JobId {
    pub date: NaiveDate,
    pub user: String,
    pub n: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("`{0}` is not a job id (expected job-YYYYMMDD-<user>-NNNN or a job folder)")]
    BadId(String),
    #[error("job `{id}` does not exist (looked in `{dir}`)")]
    NotFound { id: String, dir: PathBuf },
    #[error("user name `{0}` may only contain letters, digits, `.`, `_` and `-`")]
    BadUser(String),
    #[error("cannot create job folder under `{dir}`")]
    Create {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` is damaged: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("job `{id}` is being run by another lipi process")]
    Busy { id: String },
    #[error("cannot write `{path}`")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl JobError {
    pub fn hint(&self) -> Option<String> {
        match self {
            JobError::BadId(_) | JobError::NotFound { .. } => {
                Some("`lipi status` lists the jobs under the output root".into())
            }
            JobError::BadUser(_) => Some("pass --user with a simple name, e.g. --user asha".into()),
            JobError::Busy { .. } => Some(
                "wait for it to finish (`lipi status JOB` shows its progress), or stop that process"
                    .into(),
            ),
            JobError::Corrupt { .. } => {
                Some("prepare the job again; the media and caches are untouched".into())
            }
            _ => None,
        }
    }
}

impl JobId {
    pub fn parse(text: &str) -> Result<JobId, JobError> {
        let bad = || JobError::BadId(text.to_owned());
        let rest = text.strip_prefix("job-").ok_or_else(bad)?;
        let (date, rest) = rest.split_once('-').ok_or_else(bad)?;
        let (user, n) = rest.rsplit_once('-').ok_or_else(bad)?;
        let date = NaiveDate::parse_from_str(date, "%Y%m%d").map_err(|_| bad())?;
        if n.len() < 4 || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        validate_user(user).map_err(|_| bad())?;
        Ok(JobId {
            date,
            user: user.to_owned(),
            n: n.parse().map_err(|_| bad())?,
        })
    }

    /// `<root>/YYYY/MM/DD/<user>/<N>`
    pub fn dir(&self, root: &Path) -> PathBuf {
        root.join(format!("{:04}", self.date.year()))
            .join(format!("{:02}", self.date.month()))
            .join(format!("{:02}", self.date.day()))
            .join(&self.user)
            .join(self.n.to_string())
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "job-{}-{}-{:04}",
            self.date.format("%Y%m%d"),
            self.user,
            self.n
        )
    }
}

impl Serialize for JobId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for JobId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        JobId::parse(&s).map_err(serde::de::Error::custom)
    }
}

pub fn validate_user(user: &str) -> Result<(), JobError> {
    let ok = !user.is_empty()
        && user.len() <= 64
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && !user.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(JobError::BadUser(user.to_owned()))
    }
}

/// The user name for job ids when none is given: `$USER`, made safe, or `user`.
pub fn default_user() -> String {
    let raw = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_default();
    let safe: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
        .collect::<String>()
        .trim_start_matches('.')
        .to_owned();
    if safe.is_empty() { "user".into() } else { safe }
}

/// The folders and files of one job.
#[derive(Debug, Clone)]
pub struct JobDir {
    pub root: PathBuf,
}

impl JobDir {
    pub fn job_json(&self) -> PathBuf {
        self.root.join("job.json")
    }
    pub fn manifest(&self) -> PathBuf {
        self.root.join("manifest.json")
    }
    pub fn stage(&self, id: StageId) -> PathBuf {
        self.root.join(id.folder())
    }
    pub fn output(&self) -> PathBuf {
        self.root.join("output")
    }
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }
    pub fn log_file(&self) -> PathBuf {
        self.logs().join("pipeline.log")
    }
    pub fn lock_file(&self) -> PathBuf {
        self.root.join(".lock")
    }

    pub fn load_spec(&self) -> Result<JobSpec, JobError> {
        let path = self.job_json();
        let text = fs_err::read_to_string(&path).map_err(|source| JobError::Read {
            path: path.clone(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| JobError::Corrupt {
            path,
            message: e.to_string(),
        })
    }

    pub fn save_spec(&self, spec: &JobSpec) -> Result<(), JobError> {
        let path = self.job_json();
        atomic::write_json(&path, spec).map_err(|source| JobError::Write { path, source })
    }

    /// Takes the job's run lock, or says who holds it. Released when the file is dropped.
    pub fn lock(&self, id: &JobId) -> Result<std::fs::File, JobError> {
        let path = self.lock_file();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| JobError::Write {
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => Err(JobError::Busy { id: id.to_string() }),
            Err(std::fs::TryLockError::Error(source)) => Err(JobError::Write { path, source }),
        }
    }

    /// True while some process holds the run lock.
    pub fn is_locked(&self) -> bool {
        let Ok(file) = std::fs::OpenOptions::new()
            .write(true)
            .open(self.lock_file())
        else {
            return false;
        };
        matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock))
    }
}

/// Creates the next free job folder for `user` on `date`, with every stage folder, `logs/`
/// and `output/`, and returns its id. Safe against concurrent callers.
pub fn allocate(root: &Path, date: NaiveDate, user: &str) -> Result<(JobId, JobDir), JobError> {
    validate_user(user)?;
    // Absolute, so stages and their artifacts never depend on the working directory.
    let root = &std::path::absolute(root).map_err(|source| JobError::Create {
        dir: root.to_owned(),
        source,
    })?;
    let probe = JobId {
        date,
        user: user.to_owned(),
        n: 1,
    };
    let parent = probe
        .dir(root)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.into());
    fs_err::create_dir_all(&parent).map_err(|source| JobError::Create {
        dir: parent.clone(),
        source,
    })?;
    let mut n = highest_job_number(&parent) + 1;
    loop {
        let id = JobId {
            date,
            user: user.to_owned(),
            n,
        };
        let dir = id.dir(root);
        match std::fs::create_dir(&dir) {
            Ok(()) => {
                let job = JobDir { root: dir };
                for sub in StageId::ALL
                    .iter()
                    .map(|s| job.stage(*s))
                    .chain([job.logs(), job.output()])
                {
                    fs_err::create_dir(&sub).map_err(|source| JobError::Create {
                        dir: sub.clone(),
                        source,
                    })?;
                }
                return Ok((id, job));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
            Err(source) => return Err(JobError::Create { dir, source }),
        }
    }
}

fn highest_job_number(parent: &Path) -> u32 {
    std::fs::read_dir(parent)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()))
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
}

/// Finds a job by id or by folder path.
pub fn locate(root: &Path, text: &str) -> Result<(JobId, JobDir), JobError> {
    let as_path = Path::new(text);
    if as_path.join("job.json").is_file() {
        let dir = JobDir {
            root: std::path::absolute(as_path).unwrap_or_else(|_| as_path.to_owned()),
        };
        let spec = dir.load_spec()?;
        return Ok((spec.id, dir));
    }
    let id = JobId::parse(text)?;
    let dir = id.dir(&std::path::absolute(root).unwrap_or_else(|_| root.to_owned()));
    if !dir.join("job.json").is_file() {
        return Err(JobError::NotFound {
            id: text.to_owned(),
            dir,
        });
    }
    Ok((id, JobDir { root: dir }))
}

/// Every job under the output root, oldest first.
pub fn list(root: &Path) -> Vec<(JobId, JobDir)> {
    let mut found = Vec::new();
    walk(root, 0, &mut found);
    found.sort_by(|a: &(JobId, JobDir), b| {
        (a.0.date, &a.0.user, a.0.n).cmp(&(b.0.date, &b.0.user, b.0.n))
    });
    found
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<(JobId, JobDir)>) {
    if depth == 5 {
        let job = JobDir {
            root: dir.to_owned(),
        };
        if let Ok(spec) = job.load_spec() {
            found.push((spec.id, job));
        }
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.filter_map(Result::ok) {
        if e.file_type().is_ok_and(|t| t.is_dir())
            && !e.file_name().to_string_lossy().starts_with('.')
        {
            walk(&e.path(), depth + 1, found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_map_to_folders() {
        let id = JobId::parse("job-20261123-asha-0007").unwrap();
        assert_eq!(id.n, 7);
        assert_eq!(id.to_string(), "job-20261123-asha-0007");
        assert_eq!(id.dir(Path::new("out")), Path::new("out/2026/11/23/asha/7"));
        assert!(JobId::parse("job-2026-asha-1").is_err());
        assert!(JobId::parse("job-20261123-a/b-0001").is_err());
        let id = JobId::parse("job-20261123-first-last-0012").unwrap();
        assert_eq!(id.user, "first-last");
    }

    #[test]
    fn allocation_counts_up_and_creates_stage_folders() {
        let dir = tempfile::tempdir().unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let (a, ja) = allocate(dir.path(), date, "asha").unwrap();
        let (b, _) = allocate(dir.path(), date, "asha").unwrap();
        assert_eq!((a.n, b.n), (1, 2));
        assert!(ja.stage(StageId::Asr).is_dir());
        assert!(ja.output().is_dir() && ja.logs().is_dir());
    }

    #[test]
    fn titles_become_safe_file_names() {
        assert_eq!(sanitize_file_name("Lagaan: Once/Upon"), "Lagaan_ Once_Upon");
        assert_eq!(sanitize_file_name(" .. "), "media");
        assert_eq!(sanitize_file_name("जाने तू"), "जाने तू");
    }
}
