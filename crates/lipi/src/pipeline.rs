//! Which stages a job runs: the workflows of SPEC §3, built into live stages from settings.

use crate::asr::Engines;
use crate::job::{JobSpec, Workflow};
use crate::settings::Settings;
use crate::stage::{Plan, Step};
use crate::stage_id::StageId;
use crate::stages;

/// Is the stage part of the workflow's work at all?
pub fn in_workflow(workflow: Workflow, id: StageId) -> bool {
    match id {
        StageId::Translation => workflow != Workflow::Transcribe,
        StageId::Mux => workflow == Workflow::Subtitle,
        _ => true,
    }
}

/// Builds the job's plan: a live stage or a skip with its reason, for each of the twelve.
pub fn plan(spec: &JobSpec, settings: &Settings, engines: &Engines) -> Plan {
    let steps = StageId::ALL
        .into_iter()
        .map(|id| {
            let step = if !in_workflow(spec.workflow, id) {
                Step::Skip(format!("not part of the {} workflow", spec.workflow))
            } else {
                build(id, spec, settings, engines)
            };
            (id, step)
        })
        .collect();
    Plan { steps }
}

fn build(id: StageId, spec: &JobSpec, settings: &Settings, engines: &Engines) -> Step {
    match id {
        StageId::Vad => match &engines.vad {
            // Without its model the stage is skipped (ASR then decodes the stretches of sound),
            // and the reason says how to install it.
            Some(engine) => match engine.identity() {
                Ok(_) => Step::Run(Box::new(stages::vad::Vad {
                    settings: settings.vad.clone(),
                    engine: engine.clone(),
                })),
                Err(e) => Step::Skip(format!(
                    "{e}: run `lipi models pull silero-vad` (until then ASR decodes the stretches of sound)"
                )),
            },
            None => Step::Skip("no voice activity engine in this build".into()),
        },
        StageId::Asr => match &engines.asr {
            Some(engine) => Step::Run(Box::new(stages::asr::Asr {
                settings: settings.asr.clone(),
                language: spec.source_language.clone(),
                engine: engine.clone(),
            })),
            None => Step::Skip("no speech recognition engine in this build".into()),
        },
        StageId::Demux => Step::Run(Box::new(stages::demux::Demux {
            media: spec.media.path.clone(),
            settings: settings.demux.clone(),
            start: spec.start_time,
            end: spec.end_time,
        })),
        StageId::HallucinationRemoval => Step::Run(Box::new(stages::clean::HallucinationRemoval {
            settings: settings.hallucination_removal.clone(),
        })),
        StageId::SubtitleGeneration => Step::Run(Box::new(stages::subtitles::SubtitleGeneration {
            settings: settings.subtitle_generation.clone(),
            title: spec.display_title(),
            source_language: spec.source_language.clone(),
        })),
        StageId::Mux => Step::Run(Box::new(stages::mux::Mux {
            media: spec.media.path.clone(),
            title: spec.display_title(),
            source_language: spec.source_language.clone(),
            settings: settings.mux.clone(),
            start: spec.start_time,
            end: spec.end_time,
        })),
        other => Step::Skip(format!(
            "{} is not available in lipi {} yet",
            other.name(),
            crate::VERSION
        )),
    }
}
