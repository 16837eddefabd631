//! Minimal WAV (RIFF PCM) reading and writing for 16-bit audio.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavInfo {
    pub sample_rate: u32,
    pub channels: u16,
    pub bits_per_sample: u16,
    pub data_offset: u64,
    /// Bytes of sample data present in the file.
    pub data_len: u64,
    /// Bytes of sample data the header promises (more than `data_len` in a truncated file;
    /// 0 or 0xFFFFFFFF when the writer could not know, as in a stream).
    pub claimed_len: u64,
}

impl WavInfo {
    pub fn frames(&self) -> u64 {
        let frame = u64::from(self.channels) * u64::from(self.bits_per_sample / 8);
        self.data_len.checked_div(frame).unwrap_or(0)
    }
    /// The header promises more samples than the file holds (ignoring streaming placeholders).
    pub fn is_truncated(&self) -> bool {
        self.claimed_len != 0 && self.claimed_len != 0xFFFF_FFFF && self.claimed_len > self.data_len
    }

    pub fn duration_s(&self) -> f64 {
        if self.sample_rate == 0 {
            0.0
        } else {
            self.frames() as f64 / f64::from(self.sample_rate)
        }
    }
}

fn invalid(msg: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg.to_owned())
}

/// Reads the header of a PCM WAV file. A data chunk that claims more than the file holds is
/// clipped to the file's length.
pub fn read_header(path: &Path) -> std::io::Result<WavInfo> {
    let mut f = fs_err::File::open(path)?;
    let file_len = f.metadata()?.len();
    let mut riff = [0u8; 12];
    f.read_exact(&mut riff)?;
    if &riff[0..4] != b"RIFF" || &riff[8..12] != b"WAVE" {
        return Err(invalid("not a RIFF/WAVE file"));
    }
    let mut fmt: Option<(u16, u32, u16, u16)> = None;
    loop {
        let mut head = [0u8; 8];
        f.read_exact(&mut head)?;
        let id = &head[0..4];
        let len = u64::from(u32::from_le_bytes([head[4], head[5], head[6], head[7]]));
        if id == b"fmt " {
            let mut body = vec![0u8; len as usize];
            f.read_exact(&mut body)?;
            if body.len() < 16 {
                return Err(invalid("short fmt chunk"));
            }
            let format = u16::from_le_bytes([body[0], body[1]]);
            let channels = u16::from_le_bytes([body[2], body[3]]);
            let rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
            let bits = u16::from_le_bytes([body[14], body[15]]);
            fmt = Some((format, rate, channels, bits));
            if len % 2 == 1 {
                f.seek(SeekFrom::Current(1))?;
            }
        } else if id == b"data" {
            let (format, sample_rate, channels, bits_per_sample) =
                fmt.ok_or_else(|| invalid("data chunk before fmt chunk"))?;
            if format != 1 && format != 0xFFFE {
                return Err(invalid("not PCM"));
            }
            let data_offset = f.stream_position()?;
            let data_len = len.min(file_len.saturating_sub(data_offset));
            return Ok(WavInfo {
                sample_rate,
                channels,
                bits_per_sample,
                data_offset,
                data_len,
                claimed_len: len,
            });
        } else {
            f.seek(SeekFrom::Current((len + len % 2) as i64))?;
        }
    }
}

/// Reads a 16-bit WAV as f32 samples in -1..1 (interleaved when it has several channels).
pub fn read_f32(path: &Path) -> std::io::Result<(WavInfo, Vec<f32>)> {
    let info = read_header(path)?;
    if info.bits_per_sample != 16 {
        return Err(invalid("only 16-bit PCM is supported"));
    }
    let mut f = fs_err::File::open(path)?;
    f.seek(SeekFrom::Start(info.data_offset))?;
    let mut bytes = vec![0u8; info.data_len as usize];
    f.read_exact(&mut bytes)?;
    let samples = bytes
        .chunks_exact(2)
        .map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])) / 32768.0)
        .collect();
    Ok((info, samples))
}

/// Encodes mono f32 samples as a 16-bit PCM WAV file's bytes.
pub fn encode_mono_i16(samples: &[f32], sample_rate: u32) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_then_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.wav");
        let samples: Vec<f32> = (0..16_000)
            .map(|i| ((i as f32) * 0.01).sin() * 0.5)
            .collect();
        std::fs::write(&p, encode_mono_i16(&samples, 16_000)).unwrap();
        let (info, back) = read_f32(&p).unwrap();
        assert_eq!(info.sample_rate, 16_000);
        assert_eq!(info.channels, 1);
        assert!((info.duration_s() - 1.0).abs() < 1e-9);
        assert!(samples.iter().zip(&back).all(|(a, b)| (a - b).abs() < 1e-4));
    }

    #[test]
    fn truncated_data_is_clipped_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.wav");
        let mut bytes = encode_mono_i16(&[0.1; 1000], 16_000);
        bytes.truncate(44 + 500);
        std::fs::write(&p, bytes).unwrap();
        let info = read_header(&p).unwrap();
        assert_eq!(info.frames(), 250);
        assert!(info.is_truncated());
    }
}
