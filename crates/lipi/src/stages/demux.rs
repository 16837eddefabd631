//! Stage 01: FFmpeg extracts the chosen audio stream as 16 kHz mono PCM within the clip range.

use std::path::PathBuf;

use crate::artifacts::{DemuxReport, Demuxed};
use crate::media::{self, MediaError, extract};
use crate::settings::DemuxSettings;
use crate::stage::{Stage, StageContext, StageError, StageKey};
use crate::stage_id::StageId;
use crate::timecode::Millis;

pub struct Demux {
    pub media: PathBuf,
    pub settings: DemuxSettings,
    pub start: Option<Millis>,
    pub end: Option<Millis>,
}

impl Stage for Demux {
    const ID: StageId = StageId::Demux;
    const VERSION: u32 = 1;
    type Input = ();
    type Output = Demuxed;

    fn key(&self) -> Result<StageKey, StageError> {
        Ok(StageKey::new()
            .section("demux", &self.settings)
            .set("job.start-time", self.start)
            .set("job.end-time", self.end)
            .set("engine", media::ffmpeg_version()?))
    }

    fn external_inputs(&self) -> Vec<PathBuf> {
        vec![self.media.clone()]
    }

    fn run(&self, (): (), cx: &mut StageContext<'_>) -> Result<Demuxed, StageError> {
        let info = media::probe(&self.media)?;
        let count = info.audio_stream_count();
        if count == 0 {
            return Err(MediaError::NoAudio(self.media.clone()).into());
        }
        if self.settings.audio_stream as usize >= count {
            return Err(MediaError::NoSuchAudioStream {
                path: self.media.clone(),
                wanted: self.settings.audio_stream,
                count,
            }
            .into());
        }
        let start = self.start.map_or(0.0, Millis::as_secs_f64);
        // The audio may end before the video: its own duration bounds what can be decoded.
        let audio_end = info
            .audio_stream(self.settings.audio_stream)
            .and_then(|s| s.duration_s)
            .filter(|d| *d > 0.0)
            .unwrap_or(info.duration_s)
            .min(info.duration_s);
        let end = self
            .end
            .map_or(audio_end, |e| e.as_secs_f64().min(audio_end));
        let expected = (end - start).max(0.0);
        let audio = cx.out_dir().join("audio.wav");
        cx.note(format!(
            "extracting audio stream {} of {count} ({} → {})",
            self.settings.audio_stream,
            Millis::from_secs_f64(start),
            Millis::from_secs_f64(end)
        ));
        let req = extract::ExtractRequest {
            media: &self.media,
            audio_stream: self.settings.audio_stream,
            start: self.start,
            end: self.end,
            output: &audio,
            expected_s: expected,
        };
        let decoded = extract::extract(&req, &|f| cx.progress(f, "decoding"))?;
        let report = DemuxReport {
            frame_rate: info.frame_rate(),
            media: info,
            audio_stream: self.settings.audio_stream,
            start: self.start,
            end: self.end,
            audio_duration_s: decoded,
            sample_rate: extract::SAMPLE_RATE,
        };
        Ok(Demuxed {
            audio: PathBuf::from("audio.wav"),
            report,
        })
    }
}
