//! Whisper's mel filter bank: librosa's `filters.mel(sr=16000, n_fft=400, n_mels=80|128)` with
//! Slaney's mel scale and area normalisation (librosa `filters.py`, `mel_frequencies`,
//! `hz_to_mel`, `mel_to_hz`). whisper.cpp reads it from the model file.

const SAMPLE_RATE: f64 = 16_000.0;
pub const N_FFT: usize = 400;

fn hz_to_mel(f: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = (6.4f64).ln() / 27.0;
    if f >= min_log_hz {
        min_log_mel + (f / min_log_hz).ln() / logstep
    } else {
        f / f_sp
    }
}

fn mel_to_hz(m: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = (6.4f64).ln() / 27.0;
    if m >= min_log_mel {
        min_log_hz * (logstep * (m - min_log_mel)).exp()
    } else {
        f_sp * m
    }
}

/// `n_mels` × (`N_FFT`/2 + 1) weights, row-major.
pub fn filters(n_mels: usize) -> Vec<f32> {
    let n_bins = N_FFT / 2 + 1;
    let fft_freqs: Vec<f64> = (0..n_bins)
        .map(|i| i as f64 * (SAMPLE_RATE / 2.0) / (n_bins - 1) as f64)
        .collect();
    let (lo, hi) = (hz_to_mel(0.0), hz_to_mel(SAMPLE_RATE / 2.0));
    let mel_f: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (n_mels + 1) as f64))
        .collect();
    let mut out = vec![0f32; n_mels * n_bins];
    for m in 0..n_mels {
        let (f0, f1, f2) = (mel_f[m], mel_f[m + 1], mel_f[m + 2]);
        let enorm = 2.0 / (f2 - f0);
        for (k, &f) in fft_freqs.iter().enumerate() {
            let lower = (f - f0) / (f1 - f0);
            let upper = (f2 - f) / (f2 - f1);
            // librosa stores the triangle in float32, then scales it.
            let w = lower.min(upper).max(0.0) as f32;
            out[m * n_bins + k] = w * enorm as f32;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_known_properties() {
        let f = filters(80);
        assert_eq!(f.len(), 80 * 201);
        // Each filter is a triangle: non-negative, non-zero somewhere.
        for m in 0..80 {
            let row = &f[m * 201..(m + 1) * 201];
            assert!(row.iter().all(|w| *w >= 0.0));
            assert!(row.iter().any(|w| *w > 0.0), "filter {m} is empty");
        }
        // Slaney's scale is linear below 1 kHz: 200/3 Hz per mel.
        assert!((mel_to_hz(15.0) - 1000.0).abs() < 1e-9);
        assert!((hz_to_mel(mel_to_hz(40.0)) - 40.0).abs() < 1e-9);
        assert_eq!(filters(128).len(), 128 * 201);
    }
}
