//! CLI behaviour through the real `lipi` binary on real media made with espeak-ng and FFmpeg:
//! jobs, resumable runs, freshness reasons, concurrency, bad input (SPEC §7), `config show`.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use lipi::testkit;

#[path = "../common/mod.rs"]
mod common;
use common::{Env, KillOnDrop, text, tools, wav_info};

#[test]
fn prepare_creates_the_job_and_run_extracts_the_clip() {
    if !tools() {
        return;
    }
    let env = Env::new();
    let clip = env.clip("clip.mp4");
    let id = env.prepare(
        &clip,
        &["--start-time", "00:00:01.000", "--end-time", "3.5"],
    );
    assert!(
        id.starts_with("job-") && id.ends_with("-tester-0001"),
        "{id}"
    );
    let dir = env.job_dir(&id);
    let today = chrono::Local::now().date_naive();
    assert_eq!(
        dir,
        env.out()
            .join(today.format("%Y/%m/%d").to_string())
            .join("tester/1")
    );
    for f in lipi::StageId::ALL
        .map(|s| s.folder())
        .iter()
        .map(String::as_str)
        .chain(["logs", "output"])
    {
        assert!(dir.join(f).is_dir(), "missing folder {f}");
    }
    let job: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("job.json")).unwrap()).unwrap();
    assert_eq!(job["id"], id.as_str());
    assert_eq!(job["workflow"], "subtitle");
    assert_eq!(job["source-language"], "en");
    assert_eq!(job["target-languages"], serde_json::json!(["es"]));
    assert_eq!(job["start-time"], "00:00:01.000");
    assert_eq!(job["end-time"], "00:00:03.500");
    assert_eq!(
        job["media"]["hash"],
        lipi::hash::file(&clip).unwrap().as_str()
    );
    assert!(Path::new(job["media"]["path"].as_str().unwrap()).is_absolute());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["stages"].as_object().unwrap().len(), 12);
    assert_eq!(manifest["stages"]["06_asr"]["status"], "pending");

    env.ok(&["run", &id, "--until", "demux"]);
    let wav = wav_info(&dir.join("01_demux/audio.wav"));
    assert_eq!(
        (wav.sample_rate, wav.channels, wav.bits_per_sample),
        (16_000, 1, 16)
    );
    // ±1 AAC frame (1024 samples at 44.1 kHz ≈ 23 ms).
    assert!(
        (wav.duration_s() - 2.5).abs() <= 0.024,
        "clip lasts {} s",
        wav.duration_s()
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let demux = &manifest["stages"]["01_demux"];
    assert_eq!(demux["status"], "done");
    let outputs: Vec<&str> = demux["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert_eq!(outputs, ["01_demux/audio.wav", "01_demux/media.json"]);
    let media: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("01_demux/media.json")).unwrap()).unwrap();
    assert_eq!(media["frame-rate"], 25.0);
    assert!(
        std::fs::read_to_string(dir.join("logs/pipeline.log"))
            .unwrap()
            .contains("01_demux")
    );
}

#[test]
fn second_run_does_nothing_and_one_setting_dirties_exactly_its_stages() {
    if !tools() {
        return;
    }
    let env = Env::new();
    let a = testkit::speak("First stream speaks here.", "en", &env.path("a.wav"));
    let b = testkit::speak(
        "Second stream speaks here, longer and slower.",
        "en",
        &env.path("b.wav"),
    );
    let media = testkit::video_with_two_audio(&a, &b, &env.path("two.mkv"));
    let id = env.prepare(&media, &[]);
    let (_, first) = env.ok(&["run", &id, "--until", "demux"]);
    assert!(first.contains("dirty   01_demux: never run"), "{first}");
    let audio = env.job_dir(&id).join("01_demux/audio.wav");
    let first_stream = lipi::hash::file(&audio).unwrap();

    let (_, second) = env.ok(&["run", &id, "--until", "demux"]);
    assert!(second.contains("fresh   01_demux"), "{second}");
    for stage in lipi::StageId::ALL {
        assert!(
            second.lines().any(|l| l.contains(&stage.folder())),
            "the second run says nothing about {stage}:\n{second}"
        );
    }
    assert!(second.contains("0 ran, 1 fresh, "), "{second}");

    // A setting of a later stage leaves demux fresh.
    let (_, third) = env.ok(&["run", &id, "--until", "demux", "-c", "asr.beam-size=8"]);
    assert!(
        third.contains("fresh   01_demux") && third.contains("0 ran"),
        "{third}"
    );

    // The audio stream is demux's setting: demux re-runs, and says why.
    let (_, fourth) = env.ok(&["run", &id, "--until", "demux", "-c", "demux.audio-stream=1"]);
    assert!(
        fourth.contains("dirty   01_demux: demux.audio-stream changed (0 → 1)"),
        "{fourth}"
    );
    assert!(fourth.contains("1 ran"), "{fourth}");
    assert_ne!(
        lipi::hash::file(&audio).unwrap(),
        first_stream,
        "the second stream was extracted"
    );

    // --force re-runs a fresh stage, with that reason.
    let (_, fifth) = env.ok(&["run", &id, "--until", "demux", "--force", "demux"]);
    assert!(
        fifth.contains("dirty   01_demux: forced with --force"),
        "{fifth}"
    );

    // A modified output is noticed.
    std::fs::write(env.job_dir(&id).join("01_demux/media.json"), "{}").unwrap();
    let (status, _) = env.ok(&["status", &id]);
    assert!(
        status.contains("output 01_demux/media.json was modified"),
        "{status}"
    );
    let (_, sixth) = env.ok(&["run", &id, "--until", "demux"]);
    assert!(sixth.contains("1 ran"), "{sixth}");
}

#[test]
fn a_killed_run_resumes_to_identical_outputs() {
    if !tools() {
        return;
    }
    let env = Env::new();
    let clip = env.clip("clip.mp4");
    let reference = env.prepare(&clip, &[]);
    env.ok(&["run", &reference, "--until", "demux"]);

    let id = env.prepare(&clip, &[]);
    let dir = env.job_dir(&id);
    let mut child = KillOnDrop(
        env.cmd()
            .args(["run", &id, "--until", "demux"])
            .env("LIPI_TEST_STALL_IN", "demux")
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    // Wait until demux has written its outputs into its staging folder, then SIGKILL.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let staged = std::fs::read_dir(&dir)
            .unwrap()
            .map(Result::unwrap)
            .any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".01_demux.staging-")
                    && e.path().join("media.json").exists()
            });
        if staged {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "demux never reached its stall point"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // While it runs, a second run of the same job is refused.
    let busy = env.run(&["run", &id]);
    assert_eq!(busy.status.code(), Some(2));
    assert!(text(&busy.stderr).contains("is being run by another lipi process"));
    let (status, _) = env.ok(&["status", &id]);
    assert!(status.contains("running"), "{status}");

    child.0.kill().unwrap(); // SIGKILL
    child.0.wait().unwrap();
    assert!(
        !dir.join("01_demux/audio.wav").exists(),
        "nothing was committed by the killed run"
    );
    let (status, _) = env.ok(&["status", &id]);
    assert!(status.contains("interrupted last time"), "{status}");

    let (_, resumed) = env.ok(&["run", &id, "--until", "demux"]);
    assert!(
        resumed.contains("dirty   01_demux: interrupted last time"),
        "{resumed}"
    );
    let ref_dir = env.job_dir(&reference);
    for f in ["01_demux/audio.wav", "01_demux/media.json"] {
        assert_eq!(
            std::fs::read(dir.join(f)).unwrap(),
            std::fs::read(ref_dir.join(f)).unwrap(),
            "{f} differs from the uninterrupted run"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn twenty_concurrent_prepares_get_twenty_ids() {
    if !tools() {
        return;
    }
    let env = Env::new();
    let clip = env.clip("clip.mp4");
    let children: Vec<_> = (0..20)
        .map(|_| {
            env.cmd()
                .args(["prepare"])
                .arg(&clip)
                .args(["--workflow", "transcribe", "-s", "en"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ids: Vec<String> = children
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "{}", text(&o.stderr));
            text(&o.stdout).trim().to_owned()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
    let mut numbers: Vec<u32> = ids
        .iter()
        .map(|i| lipi::job::JobId::parse(i).unwrap().n)
        .collect();
    numbers.sort();
    assert_eq!(numbers, (1..=20).collect::<Vec<_>>());
    for id in &ids {
        let spec: serde_json::Value =
            serde_json::from_slice(&std::fs::read(env.job_dir(id).join("job.json")).unwrap())
                .unwrap();
        assert_eq!(spec["id"], id.as_str());
    }
}

/// Each bad input of SPEC §7: exit code 2, one clear message, a hint, and nothing written.
#[test]
fn bad_inputs_exit_2_with_message_and_hint_and_touch_nothing() {
    if !tools() {
        return;
    }
    let env = Env::new();
    let clip = env.clip("clip.mp4");
    let earlier = env.prepare(&clip, &[]);
    env.ok(&["run", &earlier, "--until", "demux"]);
    let before = env.snapshot_tree();

    std::fs::write(env.path("empty.mp4"), b"").unwrap();
    std::fs::write(
        env.path("notes.mp4"),
        "these are shopping notes, not a film\n".repeat(20),
    )
    .unwrap();
    std::fs::create_dir(env.path("folder.mp4")).unwrap();
    testkit::video_only(2.0, &env.path("silent.mp4"));
    let bytes = std::fs::read(&clip).unwrap();
    std::fs::write(env.path("truncated.mp4"), &bytes[..bytes.len() / 2]).unwrap();
    // A WAV whose header promises more audio than the file holds.
    let wav = testkit::tone(4.0, 440.0, &env.path("tone.wav"));
    let wbytes = std::fs::read(&wav).unwrap();
    std::fs::write(env.path("cut.wav"), &wbytes[..wbytes.len() / 3]).unwrap();
    // A Matroska file cut short: its header still states the full duration.
    let mkv = testkit::video_with_audio(&wav, &env.path("whole.mkv"));
    let mbytes = std::fs::read(&mkv).unwrap();
    std::fs::write(env.path("cut.mkv"), &mbytes[..mbytes.len() / 2]).unwrap();
    let c = clip.to_string_lossy().into_owned();

    let cases: Vec<(Vec<String>, &str, &str)> = vec![
        (
            vec![
                "prepare".into(),
                "missing.mp4".into(),
                "--workflow".into(),
                "subtitle".into(),
            ],
            "does not exist",
            "check the path",
        ),
        (
            vec![
                "prepare".into(),
                "folder.mp4".into(),
                "--workflow".into(),
                "subtitle".into(),
            ],
            "is a directory",
            "video or audio file",
        ),
        (
            vec![
                "prepare".into(),
                "empty.mp4".into(),
                "--workflow".into(),
                "subtitle".into(),
            ],
            "is empty (0 bytes)",
            "fetch the file again",
        ),
        (
            vec![
                "prepare".into(),
                "notes.mp4".into(),
                "--workflow".into(),
                "subtitle".into(),
            ],
            "is not a media file",
            "ffprobe",
        ),
        (
            vec![
                "prepare".into(),
                "silent.mp4".into(),
                "--workflow".into(),
                "subtitle".into(),
            ],
            "has no audio stream",
            "file with sound",
        ),
        (
            vec![
                "prepare".into(),
                "truncated.mp4".into(),
                "--workflow".into(),
                "subtitle".into(),
            ],
            "is corrupt or truncated",
            "download it again",
        ),
        (
            vec![
                "prepare".into(),
                c.clone(),
                "--workflow".into(),
                "subtitle".into(),
                "--start-time".into(),
                "10:00".into(),
            ],
            "after the end of the media",
            "--start-time",
        ),
        (
            vec![
                "prepare".into(),
                c.clone(),
                "--workflow".into(),
                "subtitle".into(),
                "--end-time".into(),
                "99".into(),
            ],
            "after the end of the media",
            "--start-time",
        ),
        (
            vec![
                "prepare".into(),
                c.clone(),
                "--workflow".into(),
                "subtitle".into(),
                "--start-time".into(),
                "3".into(),
                "--end-time".into(),
                "2".into(),
            ],
            "before it starts",
            "--start-time",
        ),
        (
            vec![
                "prepare".into(),
                c.clone(),
                "--workflow".into(),
                "subtitle".into(),
                "--start-time".into(),
                "1:2:3:4".into(),
            ],
            "is not a time",
            "--start-time 90",
        ),
        (
            vec![
                "prepare".into(),
                c.clone(),
                "--workflow".into(),
                "subtitle".into(),
                "-s".into(),
                "xx".into(),
            ],
            "unknown source language `xx`",
            "ISO 639-1",
        ),
        (
            vec![
                "prepare".into(),
                c.clone(),
                "--workflow".into(),
                "subtitle".into(),
                "-s".into(),
                "en".into(),
                "-t".into(),
                "klingon".into(),
            ],
            "unknown target language `klingon`",
            "ISO 639-1",
        ),
        (
            vec![
                "prepare".into(),
                c.clone(),
                "--workflow".into(),
                "translate".into(),
                "-s".into(),
                "en".into(),
            ],
            "needs at least one target language",
            "-t",
        ),
        (
            vec![
                "prepare".into(),
                c.clone(),
                "--workflow".into(),
                "subtitle".into(),
                "-s".into(),
                "en".into(),
                "-t".into(),
                "en".into(),
            ],
            "is the source language",
            "drop it",
        ),
        (
            vec![
                "prepare".into(),
                c.clone(),
                "--workflow".into(),
                "subtitle".into(),
                "-s".into(),
                "or".into(),
            ],
            "cannot recognise Odia",
            "-s auto",
        ),
        (
            vec![
                "prepare".into(),
                c.clone(),
                "--workflow".into(),
                "dance".into(),
            ],
            "unknown workflow `dance`",
            "transcribe, translate or subtitle",
        ),
        (
            vec![
                "prepare".into(),
                c.clone(),
                "--workflow".into(),
                "subtitle".into(),
                "--audio-stream".into(),
                "3".into(),
            ],
            "audio stream 3 does not exist",
            "--audio-stream 0..0",
        ),
        (
            vec![
                "prepare".into(),
                c.clone(),
                "--workflow".into(),
                "subtitle".into(),
                "-c".into(),
                "asr.beem-size=3".into(),
            ],
            "unknown setting `asr.beem-size`",
            "asr.beam-size",
        ),
        (
            vec![
                "prepare".into(),
                c.clone(),
                "--workflow".into(),
                "subtitle".into(),
                "--glossary".into(),
                "nope.tsv".into(),
            ],
            "glossary file `nope.tsv` does not exist",
            "--glossary",
        ),
        (
            vec![
                "run".into(),
                earlier.clone(),
                "--force".into(),
                "transcode".into(),
            ],
            "unknown stage `transcode`",
            "stages are: demux",
        ),
        (
            vec![
                "run".into(),
                earlier.clone(),
                "--from".into(),
                "mux".into(),
                "--until".into(),
                "asr".into(),
            ],
            "comes after --until",
            "swap",
        ),
        (
            vec!["run".into(), "job-20990101-nobody-0001".into()],
            "does not exist",
            "lipi status",
        ),
        (
            vec!["run".into(), "yesterday".into()],
            "is not a job id",
            "lipi status",
        ),
        (
            vec![
                "transcribe".into(),
                "cut.wav".into(),
                "-s".into(),
                "en".into(),
            ],
            "is corrupt or truncated",
            "download it again",
        ),
        (
            vec![
                "transcribe".into(),
                "cut.mkv".into(),
                "-s".into(),
                "en".into(),
            ],
            "is corrupt or truncated",
            "download it again",
        ),
    ];
    for (args, message, hint) in cases {
        let mut args = args;
        if args[0] == "transcribe" {
            args.extend(["--until".to_owned(), "demux".to_owned()]);
        }
        let o = env.cmd().args(&args).output().unwrap();
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?} should exit 2:\n{err}");
        let first = err
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_else(|| panic!("{args:?}: no error line:\n{err}"));
        assert!(
            err.contains(message),
            "{args:?}: expected `{message}` in:\n{err}"
        );
        let hint_line = err
            .lines()
            .find(|l| l.starts_with("hint: "))
            .unwrap_or_else(|| panic!("{args:?}: no hint:\n{err}"));
        assert!(
            hint_line.contains(hint),
            "{args:?}: expected hint `{hint}`, got {hint_line}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert!(first.len() < 300, "one clear line, not a dump: {first}");
    }
    // Everything that failed in prepare wrote nothing; the truncated WAV (found while demuxing)
    // leaves one failed job, and the earlier job is untouched.
    let after = env.snapshot_tree();
    let old_files: Vec<_> = after
        .iter()
        .filter(|(p, _)| before.iter().any(|(q, _)| q == p))
        .cloned()
        .collect();
    let before_without_log: Vec<_> = before
        .iter()
        .filter(|(p, _)| !p.ends_with("pipeline.log"))
        .cloned()
        .collect();
    let after_without_log: Vec<_> = old_files
        .iter()
        .filter(|(p, _)| !p.ends_with("pipeline.log"))
        .cloned()
        .collect();
    assert_eq!(
        before_without_log, after_without_log,
        "an earlier job changed"
    );
    let (list, _) = env.ok(&["status"]);
    assert_eq!(
        list.lines().count(),
        3,
        "header, the earlier job, the failed truncated job:\n{list}"
    );
    assert!(list.contains("failed at 01_demux"), "{list}");
}

#[test]
fn paths_with_spaces_quotes_and_non_ascii_work() {
    if !tools() {
        return;
    }
    let env = Env::new();
    let clip = env.clip("clip.mp4");
    let odd_dir = env.path("मेरी फ़िल्में 'new' \"cut\"");
    std::fs::create_dir(&odd_dir).unwrap();
    let odd = odd_dir.join("जाने तू… (2008) it's \"final\".mp4");
    std::fs::copy(&clip, &odd).unwrap();
    let (id, _) = env.one_shot("transcribe", &odd, &["-s", "en"]);
    let wav = wav_info(&env.job_dir(&id).join("01_demux/audio.wav"));
    assert!(wav.duration_s() > 3.0);
}

#[test]
fn config_show_names_the_layer_of_every_key() {
    let env = Env::new();
    let cfg = env.path("lipi.toml");
    std::fs::write(&cfg, "[asr]\nbeam-size = 3\nmodel = \"small\"\n\n[subtitle-generation]\nmax-chars-per-line = 37\n").unwrap();
    let (out, _) = env.ok(&[
        "--config",
        &cfg.to_string_lossy(),
        "config",
        "show",
        "--sources",
        "-c",
        "asr.beam-size=8",
        "-c",
        "vad.threshold=0.4",
    ]);
    let shown = out
        .replace(&cfg.to_string_lossy().into_owned(), "[CONFIG]")
        .replace(&env.out().to_string_lossy().into_owned(), "[OUT]");
    insta::assert_snapshot!("config_show_sources", shown);
    // Every key has a source.
    assert!(
        out.lines()
            .filter(|l| !l.is_empty())
            .all(|l| l.contains("  # "))
    );

    let bad = env.path("bad.toml");
    std::fs::write(&bad, "[asr]\nbeem-size = 3\n").unwrap();
    let o = env.run(&["--config", &bad.to_string_lossy(), "config", "show"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("unknown setting `asr.beem-size` in config file") && err.contains("bad.toml"),
        "{err}"
    );
}

#[test]
fn job_settings_are_kept_and_shown_with_their_layer() {
    if !tools() {
        return;
    }
    let env = Env::new();
    let clip = env.clip("clip.mp4");
    let id = env.prepare(&clip, &["-c", "asr.beam-size=2"]);
    let (out, _) = env.ok(&["config", "show", &id, "--sources"]);
    let line = out
        .lines()
        .find(|l| l.starts_with("asr.beam-size"))
        .unwrap();
    assert!(
        line.contains("= 2") && line.contains("# job ") && line.contains("job.json"),
        "{line}"
    );
}

#[test]
fn compatibility_wrappers_prepare_and_run() {
    if !tools() {
        return;
    }
    let env = Env::new();
    let clip = env.clip("clip.mp4");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bin = Path::new(env!("CARGO_BIN_EXE_lipi"));
    let out = Command::new("bash")
        .arg(root.join("prepare-job.sh"))
        .args(["--media"])
        .arg(&clip)
        .args([
            "--workflow",
            "subtitle",
            "-s",
            "en",
            "--target-language",
            "es",
            "--start-time",
            "1",
            "--end-time",
            "3",
            "--user-id",
            "wrap",
        ])
        .current_dir(env.dir.path())
        .env("LIPI", bin)
        .env("XDG_CONFIG_HOME", env.path("config"))
        .env_remove("LIPI_CONFIG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let id = text(&out.stdout).trim().to_owned();
    assert!(id.contains("-wrap-0001"), "{id}");
    let run = Command::new("bash")
        .arg(root.join("run-pipeline.sh"))
        .args(["-j", &id, "--resume"])
        .current_dir(env.dir.path())
        .env("LIPI", bin)
        .env("XDG_CONFIG_HOME", env.path("config"))
        .env_remove("LIPI_CONFIG")
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(env.path("out").exists() || env.dir.path().join("out").exists());
    assert!(text(&run.stderr).contains("01_demux"));
}

#[test]
fn audio_shorter_than_the_video_is_not_truncation() {
    if !tools() {
        return;
    }
    let env = Env::new();
    let tone = testkit::tone(3.0, 440.0, &env.path("t.wav"));
    let media = env.path("long-video.mp4");
    testkit::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=black:s=160x120:r=25:d=6",
        "-i",
        &tone.to_string_lossy(),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        &media.to_string_lossy(),
    ]);
    let (id, _) = env.one_shot("transcribe", &media, &["-s", "en"]);
    let wav = wav_info(&env.job_dir(&id).join("01_demux/audio.wav"));
    assert!(
        (wav.duration_s() - 3.0).abs() < 0.05,
        "{}",
        wav.duration_s()
    );
}

#[test]
fn check_reports_each_planted_violation_once() {
    let env = Env::new();
    let bad = env.path("bad.en.srt");
    std::fs::write(
        &bad,
        "1\n00:00:00,000 --> 00:00:03,000\nThis line is far too long to be shown on one subtitle line\n\n\
2\n00:00:03,080 --> 00:00:03,500\nHi\n\n\
3\n00:00:04,500 --> 00:00:12,000\nToo long on screen\n\n\
4\n00:00:11,900 --> 00:00:13,000\nOverlaps\n\n\
5\n00:00:14,000 --> 00:00:15,000\nFar too many words to read in this time\n\n\
6\n00:00:15,010 --> 00:00:16,500\na\nb\nc\n\n\
7\n00:00:16,800 --> 00:00:18,000\nUnclosed gap before\n",
    )
    .unwrap();
    let o = env.run(&["check", &bad.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    let kinds: Vec<(String, String)> = out
        .lines()
        .filter(|l| l.starts_with("cue"))
        .map(|l| {
            let mut it = l.split_whitespace();
            let n = it.nth(1).unwrap().to_owned();
            let _time = it.next();
            let kind: Vec<&str> = it
                .take_while(|w| !w.chars().next().unwrap().is_ascii_digit())
                .collect();
            (n, kind.join(" "))
        })
        .collect();
    let want = [
        ("1", "line length"),
        ("2", "too short:"),
        ("3", "too long:"),
        ("3", "overlap overlaps cue"),
        ("5", "reading speed"),
        ("5", "gap"),
        ("6", "line count"),
        ("6", "unclosed gap"),
    ];
    assert_eq!(kinds.len(), want.len(), "{out}");
    for ((n, k), (wn, wk)) in kinds.iter().zip(want) {
        assert_eq!(n, wn, "{out}");
        assert!(
            k.starts_with(wk.split(':').next().unwrap()),
            "{k} vs {wk}\n{out}"
        );
    }
    assert!(
        out.contains("7 cues, 8 violation(s) (language en, 20 cps"),
        "{out}"
    );

    let o = env.run(&["check", &bad.to_string_lossy(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["violations"].as_array().unwrap().len(), 8);
    assert_eq!(v["violations"][0]["kind"], "line-length");

    let good = env.path("good.vtt");
    std::fs::write(
        &good,
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nनमस्ते, आप कैसे हैं?\n",
    )
    .unwrap();
    let o = env.run(&["check", &good.to_string_lossy(), "--lang", "hi"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let o = env.run(&["check", &env.path("missing.srt").to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("hint:"));
}
