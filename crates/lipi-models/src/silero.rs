//! Silero VAD (v6, from the `silero-vad` package) in pure Rust with tract, on the
//! `silero_vad_16k_sequence.onnx` export: windows of 512 samples, each preceded by the 64
//! samples before it, go through the model as one sequence, so the LSTM state is carried by the
//! model itself; long audio is fed in fixed blocks with the state passed on.

use lipi::asr::EngineError;
use lipi::vad::SpeechDetector;
use tract_onnx::prelude::*;

use crate::store::Store;

const WINDOW: usize = 512;
const CONTEXT: usize = 64;
const BLOCK: usize = 256;

pub struct SileroVad {
    pub store: Store,
}

fn failed(what: &str) -> impl FnOnce(TractError) -> EngineError + '_ {
    move |e| EngineError::Failed(format!("silero-vad: {what}: {e}"))
}

impl SpeechDetector for SileroVad {
    fn identity(&self) -> Result<String, EngineError> {
        let e = self.store.require("silero-vad")?;
        Ok(format!(
            "silero-vad {} sha256:{}",
            e.source_version(),
            e.sha256
        ))
    }

    fn frame(&self) -> usize {
        WINDOW
    }

    fn probabilities(
        &self,
        audio: &[f32],
        progress: &dyn Fn(f64),
    ) -> Result<Vec<f32>, EngineError> {
        let entry = self.store.require("silero-vad")?;
        let model = tract_onnx::onnx()
            .model_for_path(&entry.model_path)
            .map_err(failed("reading the model"))?
            .with_input_fact(0, f32::fact([BLOCK, WINDOW + CONTEXT]).into())
            .and_then(|m| m.with_input_fact(1, f32::fact([1, 1, 128]).into()))
            .and_then(|m| m.with_input_fact(2, f32::fact([1, 1, 128]).into()))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(failed("preparing the model"))?;
        let windows = audio.len().div_ceil(WINDOW);
        let mut probs = Vec::with_capacity(windows);
        let mut h: Tensor = tract_ndarray::Array3::<f32>::zeros((1, 1, 128)).into();
        let mut c: Tensor = tract_ndarray::Array3::<f32>::zeros((1, 1, 128)).into();
        let mut block = vec![0f32; BLOCK * (WINDOW + CONTEXT)];
        let mut w = 0;
        while w < windows {
            block.fill(0.0);
            let n = (windows - w).min(BLOCK);
            for row in 0..n {
                let start = (w + row) * WINDOW;
                let dst = &mut block[row * (WINDOW + CONTEXT)..(row + 1) * (WINDOW + CONTEXT)];
                let ctx_from = start.saturating_sub(CONTEXT);
                let ctx = &audio[ctx_from..start];
                dst[CONTEXT - ctx.len()..CONTEXT].copy_from_slice(ctx);
                let end = (start + WINDOW).min(audio.len());
                dst[CONTEXT..CONTEXT + end - start].copy_from_slice(&audio[start..end]);
            }
            let input: Tensor =
                tract_ndarray::Array2::from_shape_vec((BLOCK, WINDOW + CONTEXT), block.clone())
                    .map_err(|e| EngineError::Failed(format!("silero-vad: {e}")))?
                    .into();
            let out = model
                .run(tvec!(input.into(), h.clone().into(), c.clone().into()))
                .map_err(failed("running"))?;
            let p = out[0]
                .to_plain_array_view::<f32>()
                .map_err(failed("reading its output"))?;
            probs.extend(p.iter().take(n).copied());
            // The state after a padded block is only used when more audio follows, and then the
            // block was full.
            h = out[1].clone().into_tensor();
            c = out[2].clone().into_tensor();
            w += n;
            progress(w as f64 / windows as f64);
        }
        Ok(probs)
    }
}
