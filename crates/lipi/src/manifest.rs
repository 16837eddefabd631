//! `manifest.json`: per stage, what ran, with which fingerprint, on which inputs, producing which
//! files. Written atomically after every change of a stage's state, and always after the stage's
//! outputs are in place, so the manifest never vouches for a file that is not complete.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::atomic;
use crate::stage_id::StageId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StageStatus {
    /// Prepared, never run.
    Pending,
    /// Finished; outputs recorded.
    Done,
    /// Not part of this job's work; `reason` says why.
    Skipped,
    /// Failed; `error` says why.
    Failed,
    /// Started and not finished: running now, or killed (when the job is not locked).
    Running,
}

/// A file a stage read or wrote, relative to the job folder (or absolute for external inputs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    pub path: String,
    pub size: u64,
    /// Modification time in nanoseconds since the epoch: a cheap check before re-hashing.
    pub mtime_ns: u128,
    pub hash: String,
}

impl FileRecord {
    /// Stats and hashes a file.
    pub fn of(path: &Path, recorded_as: String) -> std::io::Result<FileRecord> {
        let (size, mtime_ns) = stat(path)?;
        Ok(FileRecord {
            path: recorded_as,
            size,
            mtime_ns,
            hash: crate::hash::file(path)?,
        })
    }
}

/// Size and modification time of a file.
pub fn stat(path: &Path) -> std::io::Result<(u64, u128)> {
    let meta = fs_err::metadata(path)?;
    let mtime = meta
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    Ok((meta.len(), mtime))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct StageRecord {
    pub status: StageStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    #[serde(default)]
    pub version: u32,
    /// The stage's settings and engine identity, as hashed into the fingerprint.
    #[serde(default)]
    pub key: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub inputs: Vec<FileRecord>,
    #[serde(default)]
    pub outputs: Vec<FileRecord>,
    /// Final products linked into the job's `output/` folder.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
}

impl StageRecord {
    pub fn new(status: StageStatus) -> Self {
        StageRecord {
            status,
            fingerprint: None,
            version: 0,
            key: BTreeMap::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            products: Vec::new(),
            started: None,
            finished: None,
            elapsed_s: None,
            error: None,
            reason: None,
            pid: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Manifest {
    pub job: String,
    pub stages: BTreeMap<StageId, StageRecord>,
}

impl Manifest {
    pub fn load(path: &Path) -> std::io::Result<Manifest> {
        let text = fs_err::read_to_string(path)?;
        serde_json::from_str(&text).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        })
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        atomic::write_json(path, self)
    }
}
