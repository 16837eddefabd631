//! Speech recognition end to end through `lipi` with the real Whisper base model (pulled by
//! `.ci/run` into the model store) on real speech: LibriVox clips with reference text, and the
//! 169 s news recording (`scripts/assets.sh`).
#![allow(clippy::unwrap_used, reason = "test code fails loudly")]
#![allow(clippy::print_stderr, reason = "loud skips and measured WERs")]

use std::path::{Path, PathBuf};

use lipi::asr::RawTranscript;
use lipi::testkit;

#[path = "../common/mod.rs"]
mod common;
use common::{Env, text};

/// The model the suite needs, or a loud skip (a failure under CI).
fn model(name: &str) -> bool {
    if lipi_models::store::Store::open().get(name).is_some() {
        return true;
    }
    let why = format!("skipped: model `{name}` is not installed (run `lipi models pull {name}`)");
    assert!(std::env::var_os("CI").is_none(), "{why}");
    eprintln!("{why}");
    false
}

fn ready() -> bool {
    testkit::require("asr", &["ffmpeg", "ffprobe"]) && model("base")
}

/// Runs `lipi transcribe` and returns the job folder.
fn transcribe(env: &Env, media: &Path, extra: &[&str]) -> PathBuf {
    env.job_dir(&env.one_shot("transcribe", media, extra).0)
}

fn transcript(job: &Path) -> RawTranscript {
    serde_json::from_slice(&std::fs::read(job.join("06_asr/transcript.json")).unwrap()).unwrap()
}

#[test]
fn librivox_wer_is_at_most_6_percent_and_language_is_english() {
    if !ready() {
        return;
    }
    let clips = testkit::librivox();
    assert!(
        clips.len() >= 5,
        "pocketsphinx-testdata is missing (scripts/setup.sh installs it)"
    );
    let env = Env::new();
    let mut rates = Vec::new();
    for (wav, reference) in &clips {
        let job = transcribe(&env, wav, &["-s", "auto"]);
        let t = transcript(&job);
        assert_eq!(t.language, "en", "{}", wav.display());
        let hyp = std::fs::read_to_string(job.join("output/transcript.txt")).unwrap();
        let wer = lipi::text::wer(reference, &hyp);
        eprintln!(
            "{:.3}  {}\n       ref: {reference}\n       hyp: {}",
            wer,
            wav.display(),
            hyp.trim()
        );
        rates.push(wer);
    }
    let mean = rates.iter().sum::<f64>() / rates.len() as f64;
    eprintln!("mean WER {:.2} % over {} clips", mean * 100.0, rates.len());
    assert!(mean <= 0.06, "mean WER {mean:.3} exceeds 6 %");
}

/// No 4-gram repeated more than 3 times back to back.
fn longest_ngram_run(words: &[String], n: usize) -> usize {
    let mut best = 0;
    for start in 0..words.len() {
        let mut reps = 1;
        let mut pos = start + n;
        while pos + n <= words.len() && words[pos..pos + n] == words[start..start + n] {
            reps += 1;
            pos += n;
        }
        best = best.max(reps);
    }
    best
}

#[test]
fn the_169_s_news_recording_has_no_repetition_loop() {
    if !ready() {
        return;
    }
    let Some(news) = testkit::asset("asr", "news_169s.wav") else {
        return;
    };
    let env = Env::new();
    let job = transcribe(&env, &news, &["-s", "auto"]);
    let t = transcript(&job);
    let words: Vec<String> = lipi::text::normalize_english(&t.plain_text())
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert!(words.len() > 200, "only {} words recognised", words.len());
    let run = longest_ngram_run(&words, 4);
    assert!(run <= 3, "a 4-gram repeats {run} times in a row");
    check_times(&t, 169.152);
}

fn check_times(t: &RawTranscript, duration: f64) {
    let mut last_seg = 0.0;
    for s in &t.segments {
        assert!(
            s.start >= 0.0 && s.end <= duration + 1e-6 && s.start <= s.end,
            "segment {} at {}–{}",
            s.id,
            s.start,
            s.end
        );
        assert!(
            s.start >= last_seg,
            "segment {} starts before the previous one",
            s.id
        );
        last_seg = s.start;
        let mut last_tok = s.start.min(s.tokens.first().map_or(s.start, |t| t.start));
        for tok in &s.tokens {
            assert!(
                tok.start >= 0.0 && tok.end <= duration + 1e-6 && tok.start <= tok.end,
                "token {:?}",
                tok
            );
            assert!(
                tok.start >= last_tok,
                "token times go back in segment {}: {:?}",
                s.id,
                tok
            );
            last_tok = tok.start;
        }
    }
}

#[test]
fn times_are_inside_monotonic_and_never_straddle_long_silences() {
    if !ready() {
        return;
    }
    let clips = testkit::librivox();
    let env = Env::new();
    // clip, 4 s of silence, clip, 2.5 s of silence, clip: gaps at known places.
    let gaps = [4.0, 2.5];
    let mut parts = Vec::new();
    let mut boundaries = Vec::new();
    let mut t = 0.0;
    for (i, (wav, _)) in clips.iter().take(3).enumerate() {
        parts.push(wav.clone());
        t += lipi::media::wav::read_header(wav).unwrap().duration_s();
        if let Some(len) = gaps.get(i) {
            parts.push(testkit::silence(*len, &env.path(&format!("gap{i}.wav"))));
            boundaries.push((t, t + len));
            t += len;
        }
    }
    let joined = testkit::concat(&parts, &env.path("joined.wav"));
    let job = transcribe(&env, &joined, &["-s", "en"]);
    let tr = transcript(&job);
    check_times(&tr, t);
    assert!(tr.segments.len() >= 3);
    for (a, b) in boundaries {
        for s in &tr.segments {
            let straddles = s.start < a + 0.1 && s.end > b - 0.1;
            assert!(
                !straddles,
                "segment {} ({:.2}–{:.2}) spans the silence {a:.2}–{b:.2}",
                s.id, s.start, s.end
            );
        }
    }
}

#[test]
fn silence_gives_an_empty_transcript_without_decoding() {
    if !ready() {
        return;
    }
    let env = Env::new();
    let p = testkit::silence(20.0, &env.path("silence.wav"));
    let job = transcribe(&env, &p, &["-s", "en"]);
    assert!(transcript(&job).segments.is_empty());
}

#[test]
fn installed_models_verify_and_a_missing_model_says_what_to_pull() {
    if !ready() || !model("tiny.en") {
        return;
    }
    let env = Env::new();
    let (list, _) = env.ok(&["models", "list"]);
    assert!(
        list.contains("base ") && list.contains("tiny.en "),
        "{list}"
    );
    let (verify, _) = env.ok(&["models", "verify"]);
    assert!(
        verify.lines().any(|l| l.starts_with("ok      base")),
        "{verify}"
    );
    assert!(!verify.contains("FAILED"), "{verify}");

    let clip = testkit::librivox()[0].0.clone();
    let o = env
        .cmd()
        .arg("transcribe")
        .arg(&clip)
        .args(["-s", "en", "-c", "asr.model=medium"])
        .output()
        .unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("model `medium` is not installed"), "{err}");
    assert!(err.contains("hint: run `lipi models pull medium`"), "{err}");
}

#[test]
fn a_second_run_loads_no_model_and_threads_do_not_dirty_asr() {
    if !ready() {
        return;
    }
    let env = Env::new();
    let clip = testkit::librivox()[1].0.clone();
    let job = transcribe(&env, &clip, &["-s", "en"]);
    let id =
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(job.join("job.json")).unwrap())
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let (_, again) = env.ok(&["run", &id]);
    assert!(
        again.contains("fresh   06_asr") && !again.contains("loading model"),
        "{again}"
    );
    let (_, threads) = env.ok(&["run", &id, "-c", "asr.threads=1"]);
    assert!(threads.contains("fresh   06_asr"), "{threads}");
    let (_, beam) = env.ok(&["run", &id, "-c", "asr.beam-size=1"]);
    assert!(
        beam.contains("dirty   06_asr: asr.beam-size changed (5 → 1)"),
        "{beam}"
    );
}

#[test]
fn the_subtitle_workflow_makes_checked_subtitles_and_a_tagged_video() {
    if !ready() || !testkit::require("asr", &["espeak-ng"]) {
        return;
    }
    let env = Env::new();
    let clips: Vec<PathBuf> = testkit::librivox().into_iter().map(|(w, _)| w).collect();
    let speech = testkit::concat(&clips, &env.path("speech.wav"));
    let video = testkit::video_with_audio(&speech, &env.path("book.mkv"));
    let (_, out) = env.one_shot("subtitle", &video, &["-s", "en", "--title", "Book"]);
    let srt = out
        .lines()
        .find(|l| l.ends_with("Book.en.srt"))
        .unwrap()
        .to_owned();
    assert!(out.lines().any(|l| l.ends_with("Book.en.vtt")), "{out}");
    let mkv = out
        .lines()
        .find(|l| l.ends_with("Book_subtitled.mkv"))
        .unwrap()
        .to_owned();
    // Every cue keeps the rules.
    let check = env.run(&["check", &srt, "--fps", "25"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
    let cues = lipi_subs::format::parse_srt(&std::fs::read_to_string(&srt).unwrap()).unwrap();
    assert!(cues.len() >= 5);
    let words: String = cues.iter().map(|c| c.text()).collect::<Vec<_>>().join(" ");
    let reference: String = testkit::librivox()
        .iter()
        .map(|(_, r)| r.clone())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(lipi::text::wer(&reference, &words) < 0.06, "{words}");
    let probe = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "s",
            "-show_entries",
            "stream_tags=language",
            "-of",
            "csv=p=0",
        ])
        .arg(&mkv)
        .output()
        .unwrap();
    assert_eq!(text(&probe.stdout).trim(), "eng");
}

fn vad_ready() -> bool {
    ready() && model("silero-vad")
}

#[test]
fn silence_music_and_noise_give_no_words() {
    if !vad_ready() {
        return;
    }
    let env = Env::new();
    let make = |name: &str, source: &str| {
        let p = env.path(name);
        testkit::ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            source,
            "-ac",
            "1",
            "-ar",
            "16000",
            "-c:a",
            "pcm_s16le",
            &p.to_string_lossy(),
        ]);
        p
    };
    let cases = [
        make("silence.wav", "anullsrc=r=16000:cl=mono:d=60"),
        // C major chord with a kick drum on every half second.
        make(
            "music.wav",
            "aevalsrc='0.2*sin(2*PI*261.6*t)+0.2*sin(2*PI*329.6*t)+0.2*sin(2*PI*392*t)+0.5*sin(2*PI*60*t)*exp(-20*mod(t\\,0.5))':s=16000:d=60",
        ),
        make("noise.wav", "anoisesrc=d=60:c=pink:r=16000:a=0.3"),
    ];
    for media in cases {
        let job = transcribe(&env, &media, &["-s", "auto"]);
        let t = transcript(&job);
        let words: usize = t
            .segments
            .iter()
            .map(|s| s.text.split_whitespace().count())
            .sum();
        assert_eq!(words, 0, "{}: {:?}", media.display(), t.plain_text());
    }
}

/// Where each clip's speech really starts and ends: the first and last 20 ms frame louder than
/// -40 dBFS in the clean clip.
fn speech_bounds(wav: &Path) -> (f64, f64) {
    let (_, s) = lipi::media::wav::read_f32(wav).unwrap();
    let frames: Vec<bool> = s
        .chunks(320)
        .map(|f| {
            10.0 * ((f.iter().map(|x| x * x).sum::<f32>() / f.len() as f32) + 1e-12).log10() > -40.0
        })
        .collect();
    let first = frames.iter().position(|a| *a).unwrap() as f64 * 0.02;
    let last = (frames.iter().rposition(|a| *a).unwrap() + 1) as f64 * 0.02;
    (first, last)
}

#[test]
fn vad_finds_every_utterance_between_known_silences() {
    if !vad_ready() {
        return;
    }
    let env = Env::new();
    let clips = testkit::librivox();
    let silences = [0.3, 1.0, 2.0, 5.0, 1.5];
    let mut parts = Vec::new();
    let mut truth = Vec::new();
    let mut t = 0.0;
    for (i, (wav, _)) in clips.iter().enumerate() {
        let (a, b) = speech_bounds(wav);
        truth.push((t + a, t + b));
        parts.push(wav.clone());
        t += lipi::media::wav::read_header(wav).unwrap().duration_s();
        if let Some(gap) = silences.get(i).filter(|_| i + 1 < clips.len()) {
            parts.push(testkit::silence(*gap, &env.path(&format!("gap{i}.wav"))));
            t += gap;
        }
    }
    let joined = testkit::concat(&parts, &env.path("joined.wav"));
    // A noise bed 30 dB under the speech.
    let mixed = env.path("mixed.wav");
    testkit::ffmpeg(&[
        "-i",
        &joined.to_string_lossy(),
        "-f",
        "lavfi",
        "-i",
        &format!("anoisesrc=d={t}:c=pink:r=16000:a=0.01"),
        "-filter_complex",
        "amix=inputs=2:duration=first:normalize=0",
        "-ac",
        "1",
        "-c:a",
        "pcm_s16le",
        &mixed.to_string_lossy(),
    ]);
    let (id, _) = env.one_shot(
        "transcribe",
        &mixed,
        &["-s", "en", "--until", "vad", "-c", "vad.speech-pad-ms=0"],
    );
    let speech: lipi::vad::Speech = serde_json::from_slice(
        &std::fs::read(env.job_dir(&id).join("05_vad/speech.json")).unwrap(),
    )
    .unwrap();
    // Every utterance is found, and the found boundaries sit near the true ones.
    let mut errors = Vec::new();
    for (a, b) in &truth {
        let hit = speech
            .regions
            .iter()
            .filter(|r| r.end > *a && r.start < *b)
            .collect::<Vec<_>>();
        assert!(
            !hit.is_empty(),
            "utterance {a:.2}–{b:.2} not found in {:?}",
            speech.regions
        );
        errors.push((hit[0].start - a).abs());
        errors.push((hit[hit.len() - 1].end - b).abs());
    }
    let mean = errors.iter().sum::<f64>() / errors.len() as f64;
    eprintln!(
        "mean boundary error {:.0} ms over {} boundaries",
        mean * 1000.0,
        errors.len()
    );
    assert!(mean <= 0.1, "mean boundary error {mean:.3} s");
    // No region lies inside a silence of 1 s or more.
    for w in truth.windows(2) {
        let (gap_start, gap_end) = (w[0].1, w[1].0);
        if gap_end - gap_start >= 1.0 {
            for r in &speech.regions {
                assert!(
                    !(r.start > gap_start + 0.05 && r.end < gap_end - 0.05),
                    "region {r:?} inside the silence {gap_start:.2}–{gap_end:.2}"
                );
            }
        }
    }
}
