//! The runner on a chain of three fake stages (DESIGN: a fake engine exists only to test the
//! runner): freshness, exact dirtiness with reasons, early cut-off, failures, ranges.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use lipi::StageId;
use lipi::event::Event;
use lipi::job::{JobDir, JobId, JobSpec, MediaRef, Workflow};
use lipi::runner::{self, Force, RunOptions, RunSummary};
use lipi::settings::Settings;
use lipi::stage::{Artifact, Plan, Stage, StageContext, StageError, StageKey, Step};

macro_rules! text_artifact {
    ($name:ident, $stage:expr, $file:literal) => {
        struct $name(String);
        impl Artifact for $name {
            const PRODUCER: StageId = $stage;
            fn load(dir: &Path) -> Result<Self, StageError> {
                Ok($name(
                    std::fs::read_to_string(dir.join($file)).map_err(StageError::io(dir))?,
                ))
            }
            fn save(&self, dir: &Path) -> Result<(), StageError> {
                std::fs::write(dir.join($file), &self.0).map_err(StageError::io(dir))
            }
        }
    };
}
text_artifact!(First, StageId::Demux, "a.txt");
text_artifact!(Second, StageId::Asr, "b.txt");
text_artifact!(Third, StageId::Mux, "c.txt");

/// Reads an external file; its setting changes the output.
struct A {
    source: PathBuf,
    suffix: u32,
}
impl Stage for A {
    const ID: StageId = StageId::Demux;
    const VERSION: u32 = 1;
    type Input = ();
    type Output = First;
    fn key(&self) -> Result<StageKey, StageError> {
        Ok(StageKey::new().set("demux.audio-stream", self.suffix))
    }
    fn external_inputs(&self) -> Vec<PathBuf> {
        vec![self.source.clone()]
    }
    fn run(&self, (): (), _: &mut StageContext<'_>) -> Result<First, StageError> {
        let t = std::fs::read_to_string(&self.source).map_err(StageError::io(&self.source))?;
        Ok(First(format!("{}{}", t.to_uppercase(), self.suffix)))
    }
}

/// Its `beam` changes its output; its `threads` does not (early cut-off).
struct B {
    beam: u32,
    threads: u32,
    fail: bool,
}
impl Stage for B {
    const ID: StageId = StageId::Asr;
    const VERSION: u32 = 1;
    type Input = (First,);
    type Output = Second;
    fn key(&self) -> Result<StageKey, StageError> {
        Ok(StageKey::new()
            .set("asr.beam-size", self.beam)
            .set("asr.threads", self.threads))
    }
    fn run(&self, (a,): (First,), _: &mut StageContext<'_>) -> Result<Second, StageError> {
        if self.fail {
            return Err(StageError::failed("the fake engine broke"));
        }
        Ok(Second(format!("{}|beam{}", a.0, self.beam)))
    }
}

struct C {
    container: String,
}
impl Stage for C {
    const ID: StageId = StageId::Mux;
    const VERSION: u32 = 1;
    type Input = (Second,);
    type Output = Third;
    fn key(&self) -> Result<StageKey, StageError> {
        Ok(StageKey::new().set("mux.container", &self.container))
    }
    fn run(&self, (b,): (Second,), cx: &mut StageContext<'_>) -> Result<Third, StageError> {
        std::fs::write(cx.out_dir().join("final.txt"), &b.0)
            .map_err(StageError::io(cx.out_dir()))?;
        cx.publish("final.txt", "final.txt");
        Ok(Third(format!("{}|{}", b.0, self.container)))
    }
}

#[derive(Clone)]
struct Config {
    suffix: u32,
    beam: u32,
    threads: u32,
    container: &'static str,
    fail: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            suffix: 0,
            beam: 5,
            threads: 2,
            container: "mkv",
            fail: false,
        }
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    job: JobDir,
    spec: JobSpec,
    source: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source.txt");
        std::fs::write(&source, "hello").unwrap();
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let (id, job): (JobId, JobDir) =
            lipi::job::allocate(&dir.path().join("out"), date, "t").unwrap();
        let spec = JobSpec {
            id,
            created: "2026-11-23T00:00:00Z".into(),
            lipi_version: "test".into(),
            workflow: Workflow::Subtitle,
            user: "t".into(),
            media: MediaRef {
                path: source.clone(),
                size: 5,
                hash: String::new(),
                duration_s: 1.0,
            },
            source_language: "en".into(),
            target_languages: vec![],
            start_time: None,
            end_time: None,
            title: None,
            year: None,
            glossaries: vec![],
            overrides: Default::default(),
        };
        Fixture {
            _dir: dir,
            job,
            spec,
            source,
        }
    }

    fn plan(&self, c: &Config) -> Plan {
        let mut steps: Vec<(StageId, Step)> = StageId::ALL
            .into_iter()
            .filter(|s| ![StageId::Demux, StageId::Asr, StageId::Mux].contains(s))
            .map(|s| (s, Step::Skip("not in this test".into())))
            .collect();
        steps.push((
            StageId::Demux,
            Step::Run(Box::new(A {
                source: self.source.clone(),
                suffix: c.suffix,
            })),
        ));
        steps.push((
            StageId::Asr,
            Step::Run(Box::new(B {
                beam: c.beam,
                threads: c.threads,
                fail: c.fail,
            })),
        ));
        steps.push((
            StageId::Mux,
            Step::Run(Box::new(C {
                container: c.container.into(),
            })),
        ));
        steps.sort_by_key(|(s, _)| *s);
        Plan { steps }
    }

    fn run_with(
        &self,
        c: &Config,
        options: RunOptions,
    ) -> (Result<RunSummary, runner::RunError>, Vec<Event>) {
        let events = Mutex::new(Vec::new());
        let sink = |e: Event| events.lock().unwrap().push(e);
        let r = runner::run(
            &self.job,
            &self.spec,
            &Settings::default(),
            self.plan(c),
            &options,
            &sink,
        );
        (r, events.into_inner().unwrap())
    }

    fn run(&self, c: &Config) -> (RunSummary, Vec<Event>) {
        let (r, e) = self.run_with(c, RunOptions::default());
        (r.unwrap(), e)
    }
}

fn reasons(events: &[Event], stage: StageId) -> Vec<String> {
    events
        .iter()
        .find_map(|e| match e {
            Event::Dirty { stage: s, reasons } if *s == stage => Some(reasons.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

#[test]
fn runs_once_then_everything_is_fresh() {
    let f = Fixture::new();
    let c = Config::default();
    let (s, _) = f.run(&c);
    assert_eq!(s.ran, [StageId::Demux, StageId::Asr, StageId::Mux]);
    assert_eq!(
        std::fs::read_to_string(f.job.stage(StageId::Mux).join("c.txt")).unwrap(),
        "HELLO0|beam5|mkv"
    );
    assert_eq!(
        std::fs::read_to_string(f.job.output().join("final.txt")).unwrap(),
        "HELLO0|beam5"
    );
    let (s, _) = f.run(&c);
    assert!(s.ran.is_empty());
    assert_eq!(s.fresh, [StageId::Demux, StageId::Asr, StageId::Mux]);
}

#[test]
fn one_setting_dirties_its_stage_and_whatever_its_output_feeds() {
    let f = Fixture::new();
    f.run(&Config::default());
    // asr's beam changes asr's output, so mux follows; demux stays fresh.
    let (s, ev) = f.run(&Config {
        beam: 8,
        ..Config::default()
    });
    assert_eq!(s.ran, [StageId::Asr, StageId::Mux]);
    assert_eq!(
        reasons(&ev, StageId::Asr),
        ["asr.beam-size changed (5 → 8)"]
    );
    assert_eq!(reasons(&ev, StageId::Mux), ["input 06_asr/b.txt changed"]);
    // mux's own setting: only mux.
    let (s, ev) = f.run(&Config {
        beam: 8,
        container: "mp4",
        ..Config::default()
    });
    assert_eq!(s.ran, [StageId::Mux]);
    assert_eq!(
        reasons(&ev, StageId::Mux),
        ["mux.container changed (mkv → mp4)"]
    );
    // A setting that leaves asr's output unchanged stops there (early cut-off).
    let (s, ev) = f.run(&Config {
        beam: 8,
        container: "mp4",
        threads: 4,
        ..Config::default()
    });
    assert_eq!(s.ran, [StageId::Asr]);
    assert_eq!(reasons(&ev, StageId::Asr), ["asr.threads changed (2 → 4)"]);
    assert!(s.fresh.contains(&StageId::Mux));
}

#[test]
fn a_changed_external_input_reruns_everything_downstream() {
    let f = Fixture::new();
    f.run(&Config::default());
    std::fs::write(&f.source, "namaste").unwrap();
    let (s, ev) = f.run(&Config::default());
    assert_eq!(s.ran, [StageId::Demux, StageId::Asr, StageId::Mux]);
    assert!(
        reasons(&ev, StageId::Demux)[0].contains("source.txt changed"),
        "{:?}",
        reasons(&ev, StageId::Demux)
    );
}

#[test]
fn touched_but_unchanged_outputs_stay_fresh() {
    let f = Fixture::new();
    f.run(&Config::default());
    let p = f.job.stage(StageId::Asr).join("b.txt");
    let content = std::fs::read(&p).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&p, content).unwrap();
    let (s, _) = f.run(&Config::default());
    assert!(s.ran.is_empty());
    let (s, _) = f.run(&Config::default());
    assert!(s.ran.is_empty(), "the refreshed mtime was recorded");
}

#[test]
fn a_failed_stage_is_recorded_and_retried() {
    let f = Fixture::new();
    let (r, ev) = f.run_with(
        &Config {
            fail: true,
            ..Config::default()
        },
        RunOptions::default(),
    );
    let err = r.unwrap_err();
    assert_eq!(err.to_string(), "stage 06_asr failed");
    assert_eq!(
        runner::error_chain(&err),
        "stage 06_asr failed: the fake engine broke"
    );
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::Failed {
            stage: StageId::Asr,
            ..
        }
    )));
    let manifest = lipi::manifest::Manifest::load(&f.job.manifest()).unwrap();
    assert_eq!(
        manifest.stages[&StageId::Asr].status,
        lipi::manifest::StageStatus::Failed
    );
    assert!(
        !f.job.stage(StageId::Mux).join("c.txt").exists(),
        "nothing after the failure ran"
    );
    let (s, ev) = f.run(&Config::default());
    assert_eq!(s.ran, [StageId::Asr, StageId::Mux]);
    assert_eq!(
        reasons(&ev, StageId::Asr),
        ["failed last time: the fake engine broke"]
    );
}

#[test]
fn from_until_and_force_limit_the_work() {
    let f = Fixture::new();
    let (r, _) = f.run_with(
        &Config::default(),
        RunOptions {
            until: Some(StageId::Asr),
            ..RunOptions::default()
        },
    );
    assert_eq!(r.unwrap().ran, [StageId::Demux, StageId::Asr]);
    let (r, ev) = f.run_with(
        &Config::default(),
        RunOptions {
            force: Force::Stages([StageId::Demux].into()),
            from: Some(StageId::Asr),
            ..RunOptions::default()
        },
    );
    let s = r.unwrap();
    assert_eq!(
        s.ran,
        [StageId::Mux],
        "demux is forced but outside the range; mux had never run"
    );
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::OutOfRange {
            stage: StageId::Demux,
            ..
        }
    )));
    let (r, _) = f.run_with(
        &Config::default(),
        RunOptions {
            force: Force::All,
            ..RunOptions::default()
        },
    );
    assert_eq!(r.unwrap().ran.len(), 3);
}

#[test]
fn status_reports_each_stage() {
    let f = Fixture::new();
    f.run(&Config::default());
    let states = runner::inspect(
        &f.job,
        &f.spec,
        f.plan(&Config {
            beam: 3,
            ..Config::default()
        }),
    )
    .unwrap();
    let get = |id| states.iter().find(|(s, _)| *s == id).unwrap().1.clone();
    assert!(matches!(
        get(StageId::Demux),
        runner::StageState::Fresh { .. }
    ));
    assert_eq!(
        get(StageId::Asr),
        runner::StageState::Dirty {
            reasons: vec!["asr.beam-size changed (5 → 3)".into()]
        }
    );
    assert!(matches!(
        get(StageId::Vad),
        runner::StageState::Skipped { .. }
    ));
}
