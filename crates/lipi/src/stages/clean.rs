//! Stage 09: hallucination removal on the ASR transcript, with VAD's regions when stage 05 ran.

use crate::artifacts::{Cleaned, SpeechMap, Transcript};
use crate::settings::HallucinationSettings;
use crate::stage::{Stage, StageContext, StageError, StageKey};
use crate::stage_id::StageId;

pub struct HallucinationRemoval {
    pub settings: HallucinationSettings,
}

impl Stage for HallucinationRemoval {
    const ID: StageId = StageId::HallucinationRemoval;
    const VERSION: u32 = 1;
    type Input = (Transcript, Option<SpeechMap>);
    type Output = Cleaned;

    fn key(&self) -> Result<StageKey, StageError> {
        Ok(StageKey::new().section("hallucination-removal", &self.settings))
    }

    fn run(
        &self,
        (t, speech): (Transcript, Option<SpeechMap>),
        cx: &mut StageContext<'_>,
    ) -> Result<Cleaned, StageError> {
        let regions = speech.as_ref().map(|s| s.0.regions.as_slice());
        let (transcript, removed) = crate::clean::clean(&t.0, regions, &self.settings);
        let n_removed = removed.iter().filter(|r| r.action == "removed").count();
        cx.note(format!(
            "{} of {} segment(s) kept; {n_removed} removed, {} repaired (see removed.json)",
            transcript.segments.len(),
            t.0.segments.len(),
            removed.len() - n_removed
        ));
        let txt = cx.out_dir().join("transcript.txt");
        crate::atomic::write(&txt, transcript.plain_text().as_bytes())
            .map_err(StageError::io(&txt))?;
        // The cleaned transcript is the job's transcript.
        cx.publish("transcript.txt", "transcript.txt");
        cx.publish("clean.json", "transcript.json");
        Ok(Cleaned {
            transcript,
            removed,
        })
    }
}
