//! Real media through real FFmpeg: probing and muxing soft subtitle tracks.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::path::{Path, PathBuf};
use std::process::Command;

use lipi::lang;
use lipi::media::mux::{self, ContainerKind, MuxRequest, SubtitleTrack};
use lipi::testkit;

fn probe_json(path: &Path) -> serde_json::Value {
    let o = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_streams",
            "-show_format",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(o.status.success());
    serde_json::from_slice(&o.stdout).unwrap()
}

/// MD5 of a stream's packets, copied without decoding: equal hashes mean a true stream copy.
fn packet_md5(path: &Path, selector: &str) -> String {
    let o = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-map", selector, "-c", "copy", "-f", "md5", "-"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

fn srt(dir: &Path, name: &str, lines: &[&str]) -> PathBuf {
    let mut text = String::new();
    for (i, l) in lines.iter().enumerate() {
        text.push_str(&format!(
            "{}\n00:00:0{},000 --> 00:00:0{},500\n{}\n\n",
            i + 1,
            i,
            i,
            l
        ));
    }
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn mkv_and_mp4_get_two_tagged_tracks_and_untouched_streams() {
    if !testkit::require("mux", &["ffmpeg", "ffprobe", "espeak-ng"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let wav = testkit::speak(
        "One two three four five six seven.",
        "en",
        &dir.path().join("s.wav"),
    );
    let source = testkit::video_with_audio(&wav, &dir.path().join("in.mp4"));
    let en = srt(
        dir.path(),
        "film.en.srt",
        &["One two three.", "Four five six."],
    );
    let es = srt(
        dir.path(),
        "film.es.srt",
        &["Uno dos tres.", "Cuatro cinco seis."],
    );
    let tracks = vec![
        SubtitleTrack {
            path: en,
            language: lang::require("en").unwrap(),
            title: "English".into(),
            default: true,
        },
        SubtitleTrack {
            path: es,
            language: lang::require("es").unwrap(),
            title: "Spanish".into(),
            default: false,
        },
    ];
    let video_md5 = packet_md5(&source, "0:v:0");
    let audio_md5 = packet_md5(&source, "0:a:0");
    for (container, name, codec) in [
        (ContainerKind::Mkv, "out.mkv", "subrip"),
        (ContainerKind::Mp4, "out.mp4", "mov_text"),
    ] {
        let output = dir.path().join(name);
        mux::mux(&MuxRequest {
            media: &source,
            tracks: &tracks,
            output: &output,
            container,
            start: None,
            end: None,
            burn_in: None,
        })
        .unwrap();
        let info = probe_json(&output);
        let streams = info["streams"].as_array().unwrap();
        let subs: Vec<&serde_json::Value> = streams
            .iter()
            .filter(|s| s["codec_type"] == "subtitle")
            .collect();
        assert_eq!(subs.len(), 2, "{name}");
        let tags: Vec<&str> = subs
            .iter()
            .map(|s| s["tags"]["language"].as_str().unwrap())
            .collect();
        assert_eq!(tags, ["eng", "spa"], "{name}");
        assert!(subs.iter().all(|s| s["codec_name"] == codec), "{name}");
        assert_eq!(subs[0]["disposition"]["default"], 1, "{name}");
        assert_eq!(subs[1]["disposition"]["default"], 0, "{name}");
        if container == ContainerKind::Mkv {
            let titles: Vec<&str> = subs
                .iter()
                .map(|s| s["tags"]["title"].as_str().unwrap())
                .collect();
            assert_eq!(titles, ["English", "Spanish"]);
        }
        assert_eq!(
            streams
                .iter()
                .filter(|s| s["codec_type"] == "video")
                .count(),
            1
        );
        assert_eq!(
            streams
                .iter()
                .filter(|s| s["codec_type"] == "audio")
                .count(),
            1
        );
        assert_eq!(
            packet_md5(&output, "0:v:0"),
            video_md5,
            "{name}: video was re-encoded"
        );
        assert_eq!(
            packet_md5(&output, "0:a:0"),
            audio_md5,
            "{name}: audio was re-encoded"
        );
        // The cue text made it in.
        let o = Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-i"])
            .arg(&output)
            .args(["-map", "0:s:1", "-f", "srt", "-"])
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("Cuatro cinco seis."),
            "{name}"
        );
    }
}

#[test]
fn clip_range_applies_to_the_video() {
    if !testkit::require("mux", &["ffmpeg", "ffprobe", "espeak-ng"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let wav = testkit::tone(8.0, 300.0, &dir.path().join("t.wav"));
    let source = testkit::video_with_audio(&wav, &dir.path().join("in.mkv"));
    let en = srt(dir.path(), "a.en.srt", &["Hello."]);
    let tracks = vec![SubtitleTrack {
        path: en,
        language: lang::require("en").unwrap(),
        title: "English".into(),
        default: true,
    }];
    let output = dir.path().join("clip.mkv");
    mux::mux(&MuxRequest {
        media: &source,
        tracks: &tracks,
        output: &output,
        container: ContainerKind::Mkv,
        start: Some(lipi::timecode::Millis(2000)),
        end: Some(lipi::timecode::Millis(5000)),
        burn_in: None,
    })
    .unwrap();
    let d: f64 = probe_json(&output)["format"]["duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // Stream copy cuts at key frames; x264's default GOP keeps this within a couple of seconds.
    assert!((2.5..=5.5).contains(&d), "clip lasts {d} s");
}

#[test]
fn probe_reports_streams_and_frame_rate() {
    if !testkit::require("probe", &["ffmpeg", "ffprobe", "espeak-ng"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let a = testkit::tone(2.0, 300.0, &dir.path().join("a.wav"));
    let b = testkit::tone(2.0, 500.0, &dir.path().join("b.wav"));
    let v = testkit::video_with_two_audio(&a, &b, &dir.path().join("v.mkv"));
    let info = lipi::media::probe(&v).unwrap();
    assert_eq!(info.audio_stream_count(), 2);
    assert_eq!(info.frame_rate(), 25.0);
    assert!((info.duration_s - 2.0).abs() < 0.2, "{}", info.duration_s);
    let audio_only = lipi::media::probe(&a).unwrap();
    assert!(audio_only.video().is_none());
    assert_eq!(
        audio_only.frame_rate(),
        25.0,
        "audio-only media times subtitles at 25 fps"
    );
}
