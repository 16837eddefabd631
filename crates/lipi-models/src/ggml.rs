//! Writer for whisper.cpp's model file (the legacy `ggml` container whisper.cpp loads).
//!
//! Layout (little-endian, as in whisper.cpp's `models/convert-pt-to-ggml.py` and
//! `whisper_model_load`): u32 magic `0x67676d6c`; eleven i32 hyper-parameters; the mel filters
//! (i32 n_mel, i32 n_fft, f32 × n_mel × n_fft); the vocabulary (i32 count, then i32 length +
//! bytes per token); then tensors: i32 n_dims, i32 name length, i32 type, i32 × n_dims sizes
//! (innermost first, i.e. PyTorch's shape reversed), the name, the data.

use std::io::Write;

pub const MAGIC: u32 = 0x6767_6d6c;
/// ggml's quantisation format version, folded into `ftype` of quantized files.
const QNT_VERSION: i32 = 2;
const QNT_VERSION_FACTOR: i32 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hparams {
    pub n_vocab: i32,
    pub n_audio_ctx: i32,
    pub n_audio_state: i32,
    pub n_audio_head: i32,
    pub n_audio_layer: i32,
    pub n_text_ctx: i32,
    pub n_text_state: i32,
    pub n_text_head: i32,
    pub n_text_layer: i32,
    pub n_mels: i32,
}

/// Weight precision of a converted model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quant {
    F16,
    Q8_0,
    Q5_1,
}

impl Quant {
    pub fn parse(s: &str) -> Option<Quant> {
        match s.to_ascii_lowercase().as_str() {
            "f16" => Some(Quant::F16),
            "q8_0" | "q8" => Some(Quant::Q8_0),
            "q5_1" | "q5" => Some(Quant::Q5_1),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Quant::F16 => "f16",
            Quant::Q8_0 => "q8_0",
            Quant::Q5_1 => "q5_1",
        }
    }

    /// `ftype` in the header (ggml `GGML_FTYPE_*`, with the quantisation version).
    fn ftype(self) -> i32 {
        match self {
            Quant::F16 => 1,
            Quant::Q8_0 => 7 + QNT_VERSION * QNT_VERSION_FACTOR,
            Quant::Q5_1 => 9 + QNT_VERSION * QNT_VERSION_FACTOR,
        }
    }
}

/// ggml tensor types used here (`GGML_TYPE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TensorType {
    F32 = 0,
    F16 = 1,
    Q5_1 = 7,
    Q8_0 = 8,
}

pub struct Writer<W: Write> {
    out: W,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W) -> Self {
        Writer { out }
    }

    fn i32(&mut self, v: i32) -> std::io::Result<()> {
        self.out.write_all(&v.to_le_bytes())
    }

    pub fn header(
        &mut self,
        hp: &Hparams,
        quant: Quant,
        mel: &[f32],
        n_fft: usize,
        tokens: &[Vec<u8>],
    ) -> std::io::Result<()> {
        self.out.write_all(&MAGIC.to_le_bytes())?;
        for v in [
            hp.n_vocab,
            hp.n_audio_ctx,
            hp.n_audio_state,
            hp.n_audio_head,
            hp.n_audio_layer,
            hp.n_text_ctx,
            hp.n_text_state,
            hp.n_text_head,
            hp.n_text_layer,
            hp.n_mels,
        ] {
            self.i32(v)?;
        }
        self.i32(quant.ftype())?;
        self.i32(hp.n_mels)?;
        self.i32(n_fft as i32)?;
        for w in mel {
            self.out.write_all(&w.to_le_bytes())?;
        }
        self.i32(tokens.len() as i32)?;
        for t in tokens {
            self.i32(t.len() as i32)?;
            self.out.write_all(t)?;
        }
        Ok(())
    }

    /// Writes one tensor. `shape` is in PyTorch order (outermost first).
    pub fn tensor(
        &mut self,
        name: &str,
        shape: &[usize],
        ty: TensorType,
        data: &[u8],
    ) -> std::io::Result<()> {
        self.i32(shape.len() as i32)?;
        self.i32(name.len() as i32)?;
        self.i32(ty as i32)?;
        for d in shape.iter().rev() {
            self.i32(*d as i32)?;
        }
        self.out.write_all(name.as_bytes())?;
        self.out.write_all(data)
    }

    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

pub fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub fn f16_bytes(v: &[f32]) -> Vec<u8> {
    v.iter()
        .flat_map(|x| half::f16::from_f32(*x).to_bits().to_le_bytes())
        .collect()
}

/// ggml `quantize_row_q8_0_ref`: blocks of 32 → f16 scale + 32 × i8.
pub fn quantize_q8_0(x: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(x.len() / 32 * 34);
    for block in x.chunks(32) {
        let amax = block.iter().fold(0f32, |m, v| m.max(v.abs()));
        let d = amax / 127.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        out.extend_from_slice(&half::f16::from_f32(d).to_bits().to_le_bytes());
        for v in block {
            out.push((v * id).round() as i8 as u8);
        }
    }
    out
}

/// ggml `quantize_row_q5_1_ref`: blocks of 32 → f16 scale, f16 minimum, 32 high bits, 16 bytes
/// of low nibbles.
pub fn quantize_q5_1(x: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(x.len() / 32 * 24);
    for block in x.chunks(32) {
        let min = block.iter().copied().fold(f32::MAX, f32::min);
        let max = block.iter().copied().fold(f32::MIN, f32::max);
        let d = (max - min) / 31.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        out.extend_from_slice(&half::f16::from_f32(d).to_bits().to_le_bytes());
        out.extend_from_slice(&half::f16::from_f32(min).to_bits().to_le_bytes());
        let mut qh: u32 = 0;
        let mut qs = [0u8; 16];
        for j in 0..16 {
            let x0 = (block[j] - min) * id;
            let x1 = (block[16 + j] - min) * id;
            let xi0 = (x0 + 0.5) as u8;
            let xi1 = (x1 + 0.5) as u8;
            qs[j] = (xi0 & 0x0F) | ((xi1 & 0x0F) << 4);
            qh |= u32::from((xi0 & 0x10) >> 4) << j;
            qh |= u32::from((xi1 & 0x10) >> 4) << (j + 16);
        }
        out.extend_from_slice(&qh.to_le_bytes());
        out.extend_from_slice(&qs);
    }
    out
}

/// Inverse of [`quantize_q8_0`] (tests).
pub fn dequantize_q8_0(b: &[u8]) -> Vec<f32> {
    b.chunks(34)
        .flat_map(|blk| {
            let d = half::f16::from_bits(u16::from_le_bytes([blk[0], blk[1]])).to_f32();
            blk[2..].iter().map(move |q| f32::from(*q as i8) * d)
        })
        .collect()
}

/// Inverse of [`quantize_q5_1`] (tests).
pub fn dequantize_q5_1(b: &[u8]) -> Vec<f32> {
    b.chunks(24)
        .flat_map(|blk| {
            let d = half::f16::from_bits(u16::from_le_bytes([blk[0], blk[1]])).to_f32();
            let m = half::f16::from_bits(u16::from_le_bytes([blk[2], blk[3]])).to_f32();
            let qh = u32::from_le_bytes([blk[4], blk[5], blk[6], blk[7]]);
            let qs = &blk[8..24];
            let mut v = [0f32; 32];
            for j in 0..16 {
                let x0 = (qs[j] & 0x0F) | ((((qh >> j) & 1) as u8) << 4);
                let x1 = (qs[j] >> 4) | ((((qh >> (j + 16)) & 1) as u8) << 4);
                v[j] = f32::from(x0) * d + m;
                v[j + 16] = f32::from(x1) * d + m;
            }
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal(n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| ((i as f32) * 0.37).sin() * (1.0 + (i % 7) as f32 * 0.1))
            .collect()
    }

    #[test]
    fn q8_0_round_trips_within_half_a_step() {
        let x = signal(64);
        let q = quantize_q8_0(&x);
        assert_eq!(q.len(), 2 * 34);
        let y = dequantize_q8_0(&q);
        for (blk_x, blk_y) in x.chunks(32).zip(y.chunks(32)) {
            let step = blk_x.iter().fold(0f32, |m, v| m.max(v.abs())) / 127.0;
            for (a, b) in blk_x.iter().zip(blk_y) {
                assert!((a - b).abs() <= step * 0.51 + 1e-3, "{a} vs {b}");
            }
        }
    }

    #[test]
    fn q5_1_round_trips_within_half_a_step() {
        let x = signal(96);
        let q = quantize_q5_1(&x);
        assert_eq!(q.len(), 3 * 24);
        let y = dequantize_q5_1(&q);
        for (blk_x, blk_y) in x.chunks(32).zip(y.chunks(32)) {
            let (lo, hi) = blk_x
                .iter()
                .fold((f32::MAX, f32::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
            let step = (hi - lo) / 31.0;
            for (a, b) in blk_x.iter().zip(blk_y) {
                assert!((a - b).abs() <= step * 0.51 + 2e-3, "{a} vs {b}");
            }
        }
    }

    #[test]
    fn header_and_tensor_layout() {
        let hp = Hparams {
            n_vocab: 3,
            n_audio_ctx: 4,
            n_audio_state: 8,
            n_audio_head: 2,
            n_audio_layer: 1,
            n_text_ctx: 5,
            n_text_state: 8,
            n_text_head: 2,
            n_text_layer: 1,
            n_mels: 2,
        };
        let mut w = Writer::new(Vec::new());
        w.header(
            &hp,
            Quant::F16,
            &[0.5; 4],
            2,
            &[b"a".to_vec(), b" bc".to_vec()],
        )
        .unwrap();
        w.tensor("x.weight", &[3, 2], TensorType::F32, &f32_bytes(&[1.0; 6]))
            .unwrap();
        let b = w.finish().unwrap();
        let i = |o: usize| i32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        assert_eq!(u32::from_le_bytes([b[0], b[1], b[2], b[3]]), MAGIC);
        assert_eq!(i(4), 3);
        assert_eq!(i(4 + 4 * 10), 1, "ftype f16");
        let mel_at = 4 + 4 * 11;
        assert_eq!((i(mel_at), i(mel_at + 4)), (2, 2));
        let vocab_at = mel_at + 8 + 16;
        assert_eq!(i(vocab_at), 2);
        assert_eq!(i(vocab_at + 4), 1);
        assert_eq!(&b[vocab_at + 8..vocab_at + 9], b"a");
        let t = vocab_at + 4 + 5 + 7;
        assert_eq!((i(t), i(t + 4), i(t + 8)), (2, 8, 0));
        assert_eq!((i(t + 12), i(t + 16)), (2, 3), "sizes innermost first");
        assert_eq!(&b[t + 20..t + 28], b"x.weight");
        assert_eq!(b.len(), t + 28 + 24);
    }
}
