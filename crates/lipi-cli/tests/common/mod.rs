//! Shared harness of the CLI test suites: a temporary working folder, the `lipi` binary with an
//! isolated config and the real model store, and helpers.
#![allow(dead_code, reason = "each suite uses a different part")]
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lipi::testkit;

pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        Env { dir }
    }
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    pub fn out(&self) -> PathBuf {
        self.path("out")
    }
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_lipi"));
        c.current_dir(self.dir.path())
            .env_remove("LIPI_CONFIG")
            .env_remove("LIPI_TEST_STALL_IN")
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("HOME", self.dir.path())
            .env("USER", "tester")
            .env("LIPI_MODELS_DIR", lipi_models::store::Store::open().root)
            .arg("--out")
            .arg(self.out());
        c
    }
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }
    pub fn ok(&self, args: &[&str]) -> (String, String) {
        let o = self.run(args);
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        assert!(
            o.status.success(),
            "lipi {args:?} failed ({:?}):\n{out}\n{err}",
            o.status
        );
        (out, err)
    }
    /// An English speech clip as a video (about 4–5 s).
    pub fn clip(&self, name: &str) -> PathBuf {
        let wav = testkit::speak(
            "Good evening. The train to Mumbai leaves at nine. Please be on time.",
            "en",
            &self.path(&format!("{name}.speech.wav")),
        );
        testkit::video_with_audio(&wav, &self.path(name))
    }
    /// The job id a one-shot command (`lipi transcribe …`) printed on stderr.
    pub fn prepared_id(stderr: &str) -> String {
        stderr
            .lines()
            .find_map(|l| l.strip_prefix("prepared "))
            .and_then(|l| l.split(' ').next())
            .unwrap_or_else(|| panic!("no `prepared` line in:\n{stderr}"))
            .to_owned()
    }

    /// Runs a one-shot workflow (`transcribe`, `subtitle`, …) on `media`, asserts it succeeded,
    /// and returns the job id and the command's stdout.
    pub fn one_shot(&self, workflow: &str, media: &Path, extra: &[&str]) -> (String, String) {
        let o = self
            .cmd()
            .arg(workflow)
            .arg(media)
            .args(extra)
            .output()
            .unwrap();
        let err = text(&o.stderr);
        assert!(o.status.success(), "lipi {workflow} failed:\n{err}");
        (Env::prepared_id(&err), text(&o.stdout))
    }

    pub fn prepare(&self, media: &Path, extra: &[&str]) -> String {
        let m = media.to_string_lossy().into_owned();
        let mut args = vec![
            "prepare",
            &m,
            "--workflow",
            "subtitle",
            "-s",
            "en",
            "-t",
            "es",
        ];
        args.extend_from_slice(extra);
        let (out, _) = self.ok(&args);
        out.trim().to_owned()
    }
    pub fn job_dir(&self, id: &str) -> PathBuf {
        let id = lipi::job::JobId::parse(id).unwrap();
        id.dir(&self.out())
    }
    /// Every file under the output root with its content hash.
    pub fn snapshot_tree(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
            let Ok(rd) = std::fs::read_dir(dir) else {
                return;
            };
            for e in rd.map(Result::unwrap) {
                let p = e.path();
                if p.is_dir() {
                    walk(base, &p, out);
                } else {
                    let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                    out.push((rel, lipi::hash::file(&p).unwrap()));
                }
            }
        }
        walk(&self.out(), &self.out(), &mut out);
        out.sort();
        out
    }
}

/// A child process that is killed if the test panics before it is.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn tools() -> bool {
    testkit::require("cli", &["ffmpeg", "ffprobe", "espeak-ng"])
}

pub fn wav_info(p: &Path) -> lipi::media::wav::WavInfo {
    lipi::media::wav::read_header(p).unwrap()
}
