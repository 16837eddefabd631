//! The `Stage` trait: typed inputs in, one artifact out (DESIGN "Shapes").
//!
//! Artifacts live as files in their producer's folder; `Artifact::load` reads them back, so a
//! stage's inputs are checked by the compiler (`type Input = (Audio, Speech)`) while the runner
//! only ever deals with files and hashes. `DynStage` erases the types for the runner.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::event::{Event, EventSink};
use crate::job::{JobDir, JobSpec};
use crate::settings::Settings;
use crate::stage_id::StageId;

/// Why a stage did not produce its artifact.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// The user's input is at fault (exit code 2): bad media, impossible request.
    #[error("{message}")]
    BadInput {
        message: String,
        hint: Option<String>,
    },
    /// The stage could not do its work (exit code 1).
    #[error("{message}")]
    Failed {
        message: String,
        hint: Option<String>,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    #[error("`{path}`")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl StageError {
    pub fn failed(message: impl Into<String>) -> Self {
        StageError::Failed {
            message: message.into(),
            hint: None,
            source: None,
        }
    }

    pub fn with_hint(self, hint: impl Into<String>) -> Self {
        match self {
            StageError::BadInput { message, .. } => StageError::BadInput {
                message,
                hint: Some(hint.into()),
            },
            StageError::Failed {
                message, source, ..
            } => StageError::Failed {
                message,
                hint: Some(hint.into()),
                source,
            },
            other => other,
        }
    }

    pub fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StageError + '_ {
        move |source| StageError::Io {
            path: path.to_owned(),
            source,
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            StageError::BadInput { hint, .. } | StageError::Failed { hint, .. } => hint.clone(),
            StageError::Io { .. } => None,
        }
    }

    pub fn is_bad_input(&self) -> bool {
        matches!(self, StageError::BadInput { .. })
    }
}

/// The part of a stage's fingerprint that comes from settings and engines: dotted keys to values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageKey(pub BTreeMap<String, serde_json::Value>);

impl StageKey {
    pub fn new() -> Self {
        StageKey::default()
    }

    pub fn set(mut self, key: &str, value: impl serde::Serialize) -> Self {
        let v = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
        self.0.insert(key.to_owned(), v);
        self
    }

    /// Adds every field of a settings section as `section.field`.
    pub fn section(mut self, prefix: &str, section: &impl serde::Serialize) -> Self {
        if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(section) {
            for (k, v) in map {
                self.0.insert(format!("{prefix}.{}", k), v);
            }
        }
        self
    }
}

/// A typed artifact stored as files in its producer's folder.
pub trait Artifact: Sized {
    const PRODUCER: StageId;
    fn load(stage_dir: &Path) -> Result<Self, StageError>;
    /// Writes the structured part of the artifact (large files may already be in place).
    fn save(&self, stage_dir: &Path) -> Result<(), StageError>;
}

/// What a stage needs from earlier stages.
pub trait Inputs: Sized {
    /// The producing stages, and whether each is required.
    fn producers() -> Vec<(StageId, bool)>;
    fn load(job: &JobDir, produced: &dyn Fn(StageId) -> bool) -> Result<Self, StageError>;
}

impl Inputs for () {
    fn producers() -> Vec<(StageId, bool)> {
        Vec::new()
    }
    fn load(_: &JobDir, _: &dyn Fn(StageId) -> bool) -> Result<Self, StageError> {
        Ok(())
    }
}

fn load_one<A: Artifact>(job: &JobDir) -> Result<A, StageError> {
    A::load(&job.stage(A::PRODUCER))
}

/// One member of a stage's inputs: an artifact (required) or `Option<artifact>` (used when
/// its producer ran, ignored when it was skipped).
pub trait Part: Sized {
    fn producer() -> (StageId, bool);
    fn load_part(job: &JobDir, produced: &dyn Fn(StageId) -> bool) -> Result<Self, StageError>;
}

impl<A: Artifact> Part for A {
    fn producer() -> (StageId, bool) {
        (A::PRODUCER, true)
    }
    fn load_part(job: &JobDir, _: &dyn Fn(StageId) -> bool) -> Result<Self, StageError> {
        load_one(job)
    }
}

impl<A: Artifact> Part for Option<A> {
    fn producer() -> (StageId, bool) {
        (A::PRODUCER, false)
    }
    fn load_part(job: &JobDir, produced: &dyn Fn(StageId) -> bool) -> Result<Self, StageError> {
        if produced(A::PRODUCER) {
            load_one(job).map(Some)
        } else {
            Ok(None)
        }
    }
}

macro_rules! tuple_inputs {
    ($($t:ident),+) => {
        impl<$($t: Part),+> Inputs for ($($t,)+) {
            fn producers() -> Vec<(StageId, bool)> {
                vec![$($t::producer()),+]
            }
            fn load(job: &JobDir, produced: &dyn Fn(StageId) -> bool) -> Result<Self, StageError> {
                Ok(($($t::load_part(job, produced)?,)+))
            }
        }
    };
}
tuple_inputs!(A);
tuple_inputs!(A, B);
tuple_inputs!(A, B, C);
tuple_inputs!(A, B, C, D);

/// What a running stage may use and tell.
pub struct StageContext<'a> {
    pub spec: &'a JobSpec,
    pub job: &'a JobDir,
    pub settings: &'a Settings,
    pub(crate) stage: StageId,
    pub(crate) out_dir: PathBuf,
    pub(crate) events: &'a dyn EventSink,
    pub(crate) products: Vec<(String, String)>,
}

impl StageContext<'_> {
    /// Where the stage writes its files; renamed into the stage folder on success.
    pub fn out_dir(&self) -> &Path {
        &self.out_dir
    }

    pub fn progress(&self, fraction: f64, note: impl Into<String>) {
        self.events.emit(Event::Progress {
            stage: self.stage,
            fraction: fraction.clamp(0.0, 1.0),
            note: note.into(),
        });
    }

    pub fn note(&self, message: impl Into<String>) {
        let message = message.into();
        tracing::info!(stage = %self.stage, "{message}");
        self.events.emit(Event::Note {
            stage: self.stage,
            message,
        });
    }

    /// Marks `file` (in `out_dir`) as a final product, linked into the job's `output/` as `name`.
    pub fn publish(&mut self, file: &str, name: &str) {
        self.products.push((file.to_owned(), name.to_owned()));
    }
}

/// One step of the pipeline.
pub trait Stage {
    const ID: StageId;
    /// Bump when the algorithm changes: old results become dirty.
    const VERSION: u32;
    type Input: Inputs;
    type Output: Artifact;
    /// Own settings section + engine identity. Must not load models (a fresh stage loads nothing).
    fn key(&self) -> Result<StageKey, StageError>;
    /// Files outside the job that the stage reads (the media): hashed into the fingerprint.
    fn external_inputs(&self) -> Vec<PathBuf> {
        Vec::new()
    }
    fn run(
        &self,
        input: Self::Input,
        cx: &mut StageContext<'_>,
    ) -> Result<Self::Output, StageError>;
}

/// A stage with its types erased, for the runner.
pub trait DynStage {
    fn id(&self) -> StageId;
    fn version(&self) -> u32;
    fn key(&self) -> Result<StageKey, StageError>;
    fn producers(&self) -> Vec<(StageId, bool)>;
    fn external_inputs(&self) -> Vec<PathBuf>;
    fn execute(
        &self,
        produced: &dyn Fn(StageId) -> bool,
        cx: &mut StageContext<'_>,
    ) -> Result<(), StageError>;
}

impl<S: Stage> DynStage for S {
    fn id(&self) -> StageId {
        S::ID
    }
    fn version(&self) -> u32 {
        S::VERSION
    }
    fn key(&self) -> Result<StageKey, StageError> {
        Stage::key(self)
    }
    fn producers(&self) -> Vec<(StageId, bool)> {
        S::Input::producers()
    }
    fn external_inputs(&self) -> Vec<PathBuf> {
        Stage::external_inputs(self)
    }
    fn execute(
        &self,
        produced: &dyn Fn(StageId) -> bool,
        cx: &mut StageContext<'_>,
    ) -> Result<(), StageError> {
        let input = S::Input::load(cx.job, produced)?;
        let output = self.run(input, cx)?;
        output.save(cx.out_dir())
    }
}

/// What the runner does with each stage of a job.
pub enum Step {
    Run(Box<dyn DynStage>),
    /// Not part of this job's work, with the reason shown in `lipi status`.
    Skip(String),
}

/// The ordered steps of one job.
pub struct Plan {
    pub steps: Vec<(StageId, Step)>,
}
