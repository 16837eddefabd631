//! Silero VAD in Rust (tract) against onnxruntime on the same export and audio.
#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test code")]

use lipi::vad::SpeechDetector;
use lipi_models::silero::SileroVad;
use lipi_models::store::Store;

#[test]
fn probabilities_match_onnxruntime() {
    let store = Store::open();
    if store.get("silero-vad").is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "silero-vad is not installed (lipi models pull silero-vad)"
        );
        eprintln!("skipped: silero-vad is not installed (lipi models pull silero-vad)");
        return;
    }
    let Some(wav) = lipi::testkit::asset("silero", "lecture_60s.wav") else {
        return;
    };
    let (_, audio) = lipi::media::wav::read_f32(&wav).unwrap();
    let vad = SileroVad { store };
    let got = vad.probabilities(&audio, &|_| {}).unwrap();
    let reference: serde_json::Value =
        serde_json::from_str(include_str!("reference_lecture.json")).unwrap();
    let want: Vec<f64> = reference["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(got.len(), want.len());
    let worst = got
        .iter()
        .zip(&want)
        .map(|(g, w)| (f64::from(*g) - w).abs())
        .fold(0.0, f64::max);
    eprintln!(
        "max |tract − onnxruntime| = {worst:.2e} over {} frames",
        got.len()
    );
    assert!(worst < 2e-3, "max difference {worst}");
}
