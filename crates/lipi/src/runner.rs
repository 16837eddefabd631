//! The stage runner: decides, for each stage, whether it is fresh, and runs the rest.
//!
//! Freshness is cargo's: a stage is fresh when its fingerprint (stage id, version, settings key,
//! engine identity, digests of every input file) equals the recorded one and its recorded outputs
//! are on disk unchanged (size + mtime, re-hashed only on mismatch). Every re-run carries its
//! reasons. A stage writes into a private staging folder that replaces the stage folder only when
//! the stage succeeded; the manifest is written after that. A killed run therefore leaves the
//! stage recorded as `running` (or with its previous fingerprint), and the next run redoes it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::event::{Event, EventSink};
use crate::job::{JobDir, JobError, JobSpec};
use crate::manifest::{FileRecord, Manifest, StageRecord, StageStatus, stat};
use crate::settings::Settings;
use crate::stage::{DynStage, Plan, StageContext, StageError, Step};
use crate::stage_id::StageId;

/// Which stages to run regardless of freshness.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Force {
    #[default]
    None,
    All,
    Stages(BTreeSet<StageId>),
}

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub force: Force,
    pub from: Option<StageId>,
    pub until: Option<StageId>,
}

impl RunOptions {
    fn in_range(&self, id: StageId) -> bool {
        self.from.is_none_or(|f| id >= f) && self.until.is_none_or(|u| id <= u)
    }
    fn forced(&self, id: StageId) -> bool {
        match &self.force {
            Force::None => false,
            Force::All => true,
            Force::Stages(s) => s.contains(&id),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Job(#[from] JobError),
    #[error("stage {stage} failed")]
    Stage {
        stage: StageId,
        #[source]
        source: StageError,
    },
    #[error("cannot write the manifest `{path}`")]
    Manifest {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl RunError {
    pub fn hint(&self) -> Option<String> {
        match self {
            RunError::Job(e) => e.hint(),
            RunError::Stage { source, .. } => source.hint(),
            RunError::Manifest { .. } => None,
        }
    }
    pub fn is_bad_input(&self) -> bool {
        match self {
            RunError::Stage { source, .. } => source.is_bad_input(),
            RunError::Job(e) => !matches!(e, JobError::Write { .. } | JobError::Create { .. }),
            RunError::Manifest { .. } => false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub ran: Vec<StageId>,
    pub fresh: Vec<StageId>,
    pub skipped: Vec<StageId>,
}

/// The state of one stage as `lipi status` shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum StageState {
    Fresh { elapsed_s: Option<f64> },
    Dirty { reasons: Vec<String> },
    Skipped { reason: String },
    Failed { error: String },
    Running { pid: Option<u32> },
}

/// Outcome of a freshness check.
struct Check {
    fingerprint: String,
    key: BTreeMap<String, serde_json::Value>,
    inputs: Vec<FileRecord>,
    reasons: Vec<String>,
    /// Outputs whose mtime moved but whose content is unchanged.
    refreshed: Option<Vec<FileRecord>>,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn save(manifest: &Manifest, job: &JobDir) -> Result<(), RunError> {
    let path = job.manifest();
    manifest
        .save(&path)
        .map_err(|source| RunError::Manifest { path, source })
}

/// Loads the manifest, or starts one for a new job.
pub fn load_manifest(job: &JobDir, spec: &JobSpec) -> Result<Manifest, JobError> {
    let path = job.manifest();
    if !path.exists() {
        return Ok(Manifest {
            job: spec.id.to_string(),
            stages: BTreeMap::new(),
        });
    }
    Manifest::load(&path).map_err(|e| JobError::Corrupt {
        path,
        message: e.to_string(),
    })
}

/// Runs (or resumes) a job.
pub fn run(
    job: &JobDir,
    spec: &JobSpec,
    settings: &Settings,
    plan: Plan,
    options: &RunOptions,
    events: &dyn EventSink,
) -> Result<RunSummary, RunError> {
    let _lock = job.lock(&spec.id)?;
    let started = Instant::now();
    let mut manifest = load_manifest(job, spec)?;
    let mut summary = RunSummary::default();
    events.emit(Event::RunStarted {
        job: spec.id.to_string(),
        stages: plan.steps.len(),
    });
    tracing::info!(job = %spec.id, "run started");

    for (id, step) in plan.steps {
        let stage = match step {
            Step::Skip(reason) => {
                record_skip(&mut manifest, id, &reason);
                save(&manifest, job)?;
                events.emit(Event::Skipped { stage: id, reason });
                summary.skipped.push(id);
                continue;
            }
            Step::Run(stage) => stage,
        };
        if let Some(reason) = missing_producer(&*stage, &manifest) {
            record_skip(&mut manifest, id, &reason);
            save(&manifest, job)?;
            events.emit(Event::Skipped { stage: id, reason });
            summary.skipped.push(id);
            continue;
        }
        let check = match check(&*stage, &manifest, job, options.forced(id), true) {
            Ok(c) => c,
            // A stage outside --from/--until is only reported, even when it cannot be checked
            // (a model that is not installed, say).
            Err(e) if !options.in_range(id) => {
                events.emit(Event::OutOfRange {
                    stage: id,
                    reasons: vec![error_chain(&e)],
                });
                continue;
            }
            Err(source) => return Err(RunError::Stage { stage: id, source }),
        };
        if check.reasons.is_empty() {
            if let Some(outputs) = check.refreshed {
                if let Some(rec) = manifest.stages.get_mut(&id) {
                    rec.outputs = outputs;
                }
                save(&manifest, job)?;
            }
            relink_products(job, id, &manifest);
            events.emit(Event::Fresh { stage: id });
            summary.fresh.push(id);
            continue;
        }
        if !options.in_range(id) {
            events.emit(Event::OutOfRange {
                stage: id,
                reasons: check.reasons,
            });
            continue;
        }
        events.emit(Event::Dirty {
            stage: id,
            reasons: check.reasons.clone(),
        });
        tracing::info!(stage = %id, reasons = ?check.reasons, "running");
        execute(job, spec, settings, &*stage, check, &mut manifest, events)?;
        summary.ran.push(id);
    }
    let elapsed = started.elapsed();
    events.emit(Event::RunFinished {
        ran: summary.ran.len(),
        fresh: summary.fresh.len(),
        skipped: summary.skipped.len(),
        elapsed,
    });
    tracing::info!(
        ran = summary.ran.len(),
        fresh = summary.fresh.len(),
        "run finished"
    );
    Ok(summary)
}

fn record_skip(manifest: &mut Manifest, id: StageId, reason: &str) {
    let mut rec = StageRecord::new(StageStatus::Skipped);
    rec.reason = Some(reason.to_owned());
    manifest.stages.insert(id, rec);
}

/// A required input whose producer did not run makes the stage a skip, with the reason.
fn missing_producer(stage: &dyn DynStage, manifest: &Manifest) -> Option<String> {
    for (producer, required) in stage.producers() {
        let rec = manifest.stages.get(&producer);
        if required && rec.is_none_or(|r| r.status != StageStatus::Done) {
            let why = match rec {
                Some(r) if r.status == StageStatus::Skipped => {
                    format!(" (skipped: {})", r.reason.clone().unwrap_or_default())
                }
                Some(r) if r.status == StageStatus::Failed => " (failed)".to_owned(),
                _ => " (has not run)".to_owned(),
            };
            return Some(format!("needs the output of {producer}{why}"));
        }
    }
    None
}

fn execute(
    job: &JobDir,
    spec: &JobSpec,
    settings: &Settings,
    stage: &dyn DynStage,
    check: Check,
    manifest: &mut Manifest,
    events: &dyn EventSink,
) -> Result<(), RunError> {
    let id = stage.id();
    let fail = |manifest: &mut Manifest, err: StageError, started: String, t: Instant| {
        let mut rec = StageRecord::new(StageStatus::Failed);
        rec.fingerprint = None;
        rec.error = Some(error_chain(&err));
        rec.started = Some(started);
        rec.finished = Some(now());
        rec.elapsed_s = Some(t.elapsed().as_secs_f64());
        manifest.stages.insert(id, rec);
        save(manifest, job)?;
        events.emit(Event::Failed {
            stage: id,
            error: error_chain(&err),
        });
        tracing::error!(stage = %id, error = %error_chain(&err), "stage failed");
        Err(RunError::Stage {
            stage: id,
            source: err,
        })
    };

    let started_at = now();
    let t0 = Instant::now();
    let mut running = StageRecord::new(StageStatus::Running);
    running.started = Some(started_at.clone());
    running.pid = Some(std::process::id());
    running.version = stage.version();
    manifest.stages.insert(id, running);
    save(manifest, job)?;
    events.emit(Event::Started { stage: id });

    let staging = job
        .root
        .join(format!(".{}.staging-{}", id.folder(), std::process::id()));
    clear_stale_staging(job, id);
    if let Err(e) = fs_err::create_dir_all(&staging) {
        return fail(
            manifest,
            StageError::Io {
                path: staging,
                source: e,
            },
            started_at,
            t0,
        );
    }
    let produced = |p: StageId| {
        manifest
            .stages
            .get(&p)
            .is_some_and(|r| r.status == StageStatus::Done)
    };
    let mut cx = StageContext {
        spec,
        job,
        settings,
        stage: id,
        out_dir: staging.clone(),
        events,
        products: Vec::new(),
    };
    let result = stage.execute(&produced, &mut cx);
    let products = std::mem::take(&mut cx.products);
    if let Err(e) = result {
        let _ = fs_err::remove_dir_all(&staging);
        return fail(manifest, e, started_at, t0);
    }
    test_stall_point(id);

    let target = job.stage(id);
    let committed = list_files(&staging)
        .and_then(|files| {
            crate::atomic::replace_dir(&staging, &target)?;
            files
                .iter()
                .map(|rel| {
                    let recorded = format!("{}/{}", id.folder(), rel);
                    FileRecord::of(&target.join(rel), recorded)
                })
                .collect::<std::io::Result<Vec<_>>>()
        })
        .map_err(|e| StageError::Io {
            path: target.clone(),
            source: e,
        });
    let outputs = match committed {
        Ok(o) => o,
        Err(e) => {
            let _ = fs_err::remove_dir_all(&staging);
            return fail(manifest, e, started_at, t0);
        }
    };
    let mut product_names = Vec::new();
    for (file, name) in &products {
        if let Err(e) = link_product(&target.join(file), &job.output().join(name)) {
            return fail(
                manifest,
                StageError::Io {
                    path: job.output().join(name),
                    source: e,
                },
                started_at,
                t0,
            );
        }
        product_names.push(format!("{file} -> output/{name}"));
    }

    let mut rec = StageRecord::new(StageStatus::Done);
    rec.fingerprint = Some(check.fingerprint);
    rec.version = stage.version();
    rec.key = check.key;
    rec.inputs = check.inputs;
    rec.outputs = outputs;
    rec.products = product_names;
    rec.started = Some(started_at);
    rec.finished = Some(now());
    let elapsed = t0.elapsed();
    rec.elapsed_s = Some((elapsed.as_secs_f64() * 1000.0).round() / 1000.0);
    manifest.stages.insert(id, rec);
    save(manifest, job)?;
    events.emit(Event::Finished { stage: id, elapsed });
    tracing::info!(stage = %id, elapsed_s = elapsed.as_secs_f64(), "stage finished");
    Ok(())
}

/// Removes staging folders left by killed runs of this stage.
fn clear_stale_staging(job: &JobDir, id: StageId) {
    let prefix = format!(".{}.staging-", id.folder());
    if let Ok(rd) = std::fs::read_dir(&job.root) {
        for e in rd.filter_map(Result::ok) {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Test hook: `LIPI_TEST_STALL_IN=<stage>` makes the run stop, forever, after that stage wrote
/// its outputs and before they are committed, so tests can kill a run mid-stage deterministically.
fn test_stall_point(id: StageId) {
    if let Ok(v) = std::env::var("LIPI_TEST_STALL_IN")
        && StageId::parse(&v) == Some(id)
    {
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
}

fn list_files(dir: &Path) -> std::io::Result<Vec<String>> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
        for e in fs_err::read_dir(dir)? {
            let e = e?;
            let p = e.path();
            if e.file_type()?.is_dir() {
                walk(base, &p, out)?;
            } else {
                let rel = p.strip_prefix(base).map_err(std::io::Error::other)?;
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// Puts a product into `output/`: a hard link when the file system allows, a copy otherwise,
/// renamed into place so a reader never sees half a file.
fn link_product(src: &Path, dst: &Path) -> std::io::Result<()> {
    let tmp = crate::atomic::temp_sibling(dst);
    if std::fs::hard_link(src, &tmp).is_err() {
        fs_err::copy(src, &tmp)?;
    }
    fs_err::rename(&tmp, dst)
}

fn relink_products(job: &JobDir, id: StageId, manifest: &Manifest) {
    let Some(rec) = manifest.stages.get(&id) else {
        return;
    };
    for p in &rec.products {
        if let Some((file, name)) = p.split_once(" -> ") {
            let dst = job.root.join(name);
            if !dst.exists() {
                let _ = link_product(&job.stage(id).join(file), &dst);
            }
        }
    }
}

/// `error: cause: cause` on one line, for the manifest.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

fn fingerprint(
    id: StageId,
    version: u32,
    key: &BTreeMap<String, serde_json::Value>,
    inputs: &[FileRecord],
) -> String {
    let canonical = serde_json::json!({
        "stage": id.folder(),
        "version": version,
        "key": key,
        "inputs": inputs.iter().map(|i| (&i.path, &i.hash)).collect::<Vec<_>>(),
    });
    crate::hash::bytes(canonical.to_string().as_bytes())
}

/// A record of an external file, re-hashed only when its size or mtime moved.
fn external_record(path: &Path, previous: Option<&FileRecord>) -> Result<FileRecord, StageError> {
    let shown = path.to_string_lossy().into_owned();
    let (size, mtime_ns) = stat(path).map_err(StageError::io(path))?;
    if let Some(p) = previous.filter(|p| p.size == size && p.mtime_ns == mtime_ns) {
        return Ok(p.clone());
    }
    FileRecord::of(path, shown).map_err(StageError::io(path))
}

fn check(
    stage: &dyn DynStage,
    manifest: &Manifest,
    job: &JobDir,
    forced: bool,
    lock_held: bool,
) -> Result<Check, StageError> {
    let id = stage.id();
    let key = stage.key()?.0;
    let previous = manifest.stages.get(&id);
    let mut inputs = Vec::new();
    for (producer, _) in stage.producers() {
        if let Some(rec) = manifest
            .stages
            .get(&producer)
            .filter(|r| r.status == StageStatus::Done)
        {
            inputs.extend(rec.outputs.iter().cloned());
        }
    }
    for ext in stage.external_inputs() {
        let shown = ext.to_string_lossy();
        let prev = previous.and_then(|p| p.inputs.iter().find(|i| i.path == shown));
        inputs.push(external_record(&ext, prev)?);
    }
    let fp = fingerprint(id, stage.version(), &key, &inputs);

    let mut reasons = Vec::new();
    let mut refreshed = None;
    match previous {
        None => reasons.push("never run".to_owned()),
        Some(rec) => match rec.status {
            StageStatus::Skipped | StageStatus::Pending => reasons.push("never run".to_owned()),
            StageStatus::Failed => reasons.push(format!(
                "failed last time: {}",
                rec.error.clone().unwrap_or_else(|| "unknown error".into())
            )),
            StageStatus::Running if lock_held => {
                reasons.push("interrupted last time (the run was killed or crashed)".to_owned())
            }
            StageStatus::Running => reasons.push("running now".to_owned()),
            StageStatus::Done => {
                if rec.version != stage.version() {
                    reasons.push(format!(
                        "stage version changed ({} → {})",
                        rec.version,
                        stage.version()
                    ));
                }
                reasons.extend(key_changes(&rec.key, &key));
                reasons.extend(input_changes(&rec.inputs, &inputs));
                if reasons.is_empty() && rec.fingerprint.as_deref() != Some(fp.as_str()) {
                    reasons.push("fingerprint changed".to_owned());
                }
                let (output_reasons, outs) = verify_outputs(job, &rec.outputs);
                reasons.extend(output_reasons);
                refreshed = outs;
            }
        },
    }
    if forced {
        reasons.insert(0, "forced with --force".to_owned());
    }
    Ok(Check {
        fingerprint: fp,
        key,
        inputs,
        reasons,
        refreshed,
    })
}

fn show(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => "none".into(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn key_changes(
    old: &BTreeMap<String, serde_json::Value>,
    new: &BTreeMap<String, serde_json::Value>,
) -> Vec<String> {
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| format!("{k} changed ({} → {})", show(old.get(k)), show(new.get(k))))
        .collect()
}

fn input_changes(old: &[FileRecord], new: &[FileRecord]) -> Vec<String> {
    let mut out = Vec::new();
    for n in new {
        match old.iter().find(|o| o.path == n.path) {
            None => out.push(format!("new input {}", n.path)),
            Some(o) if o.hash != n.hash => out.push(format!("input {} changed", n.path)),
            _ => {}
        }
    }
    for o in old {
        if !new.iter().any(|n| n.path == o.path) {
            out.push(format!("input {} no longer used", o.path));
        }
    }
    out
}

/// Checks recorded outputs; returns reasons, and refreshed records when only mtimes moved.
fn verify_outputs(job: &JobDir, outputs: &[FileRecord]) -> (Vec<String>, Option<Vec<FileRecord>>) {
    let mut reasons = Vec::new();
    let mut refreshed = outputs.to_vec();
    let mut changed = false;
    for rec in refreshed.iter_mut() {
        let path = job.root.join(&rec.path);
        match stat(&path) {
            Err(_) => reasons.push(format!("output {} is missing", rec.path)),
            Ok((size, mtime)) if size == rec.size && mtime == rec.mtime_ns => {}
            Ok((_, mtime)) => match crate::hash::file(&path) {
                Ok(h) if h == rec.hash => {
                    rec.mtime_ns = mtime;
                    changed = true;
                }
                _ => reasons.push(format!("output {} was modified", rec.path)),
            },
        }
    }
    let refreshed = (changed && reasons.is_empty()).then_some(refreshed);
    (reasons, refreshed)
}

/// The state of every stage, without running anything (`lipi status JOB`).
pub fn inspect(
    job: &JobDir,
    spec: &JobSpec,
    plan: Plan,
) -> Result<Vec<(StageId, StageState)>, JobError> {
    let manifest = load_manifest(job, spec)?;
    let locked = job.is_locked();
    let mut out = Vec::new();
    for (id, step) in plan.steps {
        let rec = manifest.stages.get(&id);
        let state = match (step, rec) {
            (_, Some(r)) if r.status == StageStatus::Running && locked => {
                StageState::Running { pid: r.pid }
            }
            (_, Some(r)) if r.status == StageStatus::Failed => StageState::Failed {
                error: r.error.clone().unwrap_or_default(),
            },
            (Step::Skip(reason), _) => StageState::Skipped { reason },
            (Step::Run(stage), _) => match missing_producer(&*stage, &manifest) {
                Some(reason) if rec.is_some_and(|r| r.status == StageStatus::Skipped) => {
                    StageState::Skipped { reason }
                }
                _ => match check(&*stage, &manifest, job, false, !locked) {
                    Ok(c) if c.reasons.is_empty() => StageState::Fresh {
                        elapsed_s: rec.and_then(|r| r.elapsed_s),
                    },
                    Ok(c) => StageState::Dirty { reasons: c.reasons },
                    Err(e) => StageState::Dirty {
                        reasons: vec![error_chain(&e)],
                    },
                },
            },
        };
        out.push((id, state));
    }
    Ok(out)
}
