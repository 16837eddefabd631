//! Reader for CTranslate2's `model.bin` (format version 6), the files faster-whisper uses.
//!
//! Layout (little-endian): u32 version; u16-length NUL-terminated spec name; u32 revision;
//! u32 variable count; per variable: u16-length name, u8 rank, u32 × rank shape, u8 dtype
//! (0 f32, 1 i8, 2 i16, 3 i32, 4 f16, 5 bf16), u32 byte count, raw bytes; then u32 alias count
//! and (alias, target) name pairs.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    F32,
    I8,
    I16,
    I32,
    F16,
    BF16,
}

impl DType {
    fn from_code(c: u8) -> Option<DType> {
        Some(match c {
            0 => DType::F32,
            1 => DType::I8,
            2 => DType::I16,
            3 => DType::I32,
            4 => DType::F16,
            5 => DType::BF16,
            _ => return None,
        })
    }

    pub fn size(self) -> usize {
        match self {
            DType::F32 | DType::I32 => 4,
            DType::I16 | DType::F16 | DType::BF16 => 2,
            DType::I8 => 1,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub shape: Vec<usize>,
    pub dtype: DType,
    pub data: Vec<u8>,
}

impl Variable {
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values as f32 (floating types only; quantized int8 models are not supported).
    pub fn to_f32(&self) -> Result<Vec<f32>, Ct2Error> {
        let d = &self.data;
        Ok(match self.dtype {
            DType::F32 => d
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            DType::F16 => d
                .chunks_exact(2)
                .map(|c| half::f16::from_bits(u16::from_le_bytes([c[0], c[1]])).to_f32())
                .collect(),
            DType::BF16 => d
                .chunks_exact(2)
                .map(|c| half::bf16::from_bits(u16::from_le_bytes([c[0], c[1]])).to_f32())
                .collect(),
            other => {
                return Err(Ct2Error::Format(format!(
                    "cannot read {other:?} weights as floats (int8 CTranslate2 models are not supported; use a float16 or float32 export)"
                )));
            }
        })
    }

    /// An integer scalar (`num_heads`).
    pub fn scalar_i64(&self) -> Option<i64> {
        let d = &self.data;
        match self.dtype {
            DType::I8 => d.first().map(|b| i64::from(*b as i8)),
            DType::I16 => (d.len() >= 2).then(|| i64::from(i16::from_le_bytes([d[0], d[1]]))),
            DType::I32 => {
                (d.len() >= 4).then(|| i64::from(i32::from_le_bytes([d[0], d[1], d[2], d[3]])))
            }
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Ct2Error {
    #[error("cannot read `{path}`")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("not a CTranslate2 model: {0}")]
    Format(String),
}

#[derive(Debug, Default)]
pub struct Model {
    pub spec: String,
    pub revision: u32,
    pub variables: HashMap<String, Variable>,
    pub aliases: HashMap<String, String>,
}

impl Model {
    pub fn get(&self, name: &str) -> Option<&Variable> {
        self.variables
            .get(name)
            .or_else(|| self.aliases.get(name).and_then(|t| self.variables.get(t)))
    }

    pub fn require(&self, name: &str) -> Result<&Variable, Ct2Error> {
        self.get(name)
            .ok_or_else(|| Ct2Error::Format(format!("variable `{name}` is missing")))
    }

    pub fn read(path: &Path) -> Result<Model, Ct2Error> {
        let io = |source| Ct2Error::Io {
            path: path.display().to_string(),
            source,
        };
        let mut f = std::io::BufReader::new(fs_err::File::open(path).map_err(io)?);
        Model::parse(&mut f).map_err(|e| match e {
            Ct2Error::Io { source, .. } => io(source),
            other => other,
        })
    }

    pub fn parse(r: &mut impl Read) -> Result<Model, Ct2Error> {
        let io = |source| Ct2Error::Io {
            path: String::new(),
            source,
        };
        let version = read_u32(r).map_err(io)?;
        if version != 6 {
            return Err(Ct2Error::Format(format!(
                "format version {version} (only 6 is supported)"
            )));
        }
        let spec = read_string(r).map_err(io)?;
        let revision = read_u32(r).map_err(io)?;
        let count = read_u32(r).map_err(io)?;
        let mut variables = HashMap::with_capacity(count as usize);
        for _ in 0..count {
            let name = read_string(r).map_err(io)?;
            let rank = read_u8(r).map_err(io)?;
            let mut shape = Vec::with_capacity(rank as usize);
            for _ in 0..rank {
                shape.push(read_u32(r).map_err(io)? as usize);
            }
            let code = read_u8(r).map_err(io)?;
            let dtype = DType::from_code(code)
                .ok_or_else(|| Ct2Error::Format(format!("unknown dtype {code} for `{name}`")))?;
            let bytes = read_u32(r).map_err(io)? as usize;
            let expected = shape.iter().product::<usize>().max(1) * dtype.size();
            if bytes != expected {
                return Err(Ct2Error::Format(format!(
                    "`{name}` holds {bytes} bytes, its shape {shape:?} needs {expected}"
                )));
            }
            let mut data = vec![0u8; bytes];
            r.read_exact(&mut data).map_err(io)?;
            variables.insert(name, Variable { shape, dtype, data });
        }
        let mut aliases = HashMap::new();
        // Older files end here; an alias table follows in newer ones.
        if let Ok(n) = read_u32(r) {
            for _ in 0..n {
                let alias = read_string(r).map_err(io)?;
                let target = read_string(r).map_err(io)?;
                aliases.insert(alias, target);
            }
        }
        Ok(Model {
            spec,
            revision,
            variables,
            aliases,
        })
    }
}

fn read_u8(r: &mut impl Read) -> std::io::Result<u8> {
    let mut b = [0u8; 1];
    r.read_exact(&mut b)?;
    Ok(b[0])
}

fn read_u16(r: &mut impl Read) -> std::io::Result<u16> {
    let mut b = [0u8; 2];
    r.read_exact(&mut b)?;
    Ok(u16::from_le_bytes(b))
}

fn read_u32(r: &mut impl Read) -> std::io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn read_string(r: &mut impl Read) -> std::io::Result<String> {
    let n = read_u16(r)? as usize;
    let mut b = vec![0u8; n];
    r.read_exact(&mut b)?;
    while b.last() == Some(&0) {
        b.pop();
    }
    String::from_utf8(b).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Writes a model in the same layout (for tests and tiny fixtures).
pub fn write(
    model_spec: &str,
    vars: &[(&str, &[usize], DType, &[u8])],
    aliases: &[(&str, &str)],
) -> Vec<u8> {
    let mut out = Vec::new();
    let s = |out: &mut Vec<u8>, text: &str| {
        out.extend_from_slice(&((text.len() + 1) as u16).to_le_bytes());
        out.extend_from_slice(text.as_bytes());
        out.push(0);
    };
    out.extend_from_slice(&6u32.to_le_bytes());
    s(&mut out, model_spec);
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&(vars.len() as u32).to_le_bytes());
    for (name, shape, dtype, data) in vars {
        s(&mut out, name);
        out.push(shape.len() as u8);
        for d in *shape {
            out.extend_from_slice(&(*d as u32).to_le_bytes());
        }
        out.push(match dtype {
            DType::F32 => 0,
            DType::I8 => 1,
            DType::I16 => 2,
            DType::I32 => 3,
            DType::F16 => 4,
            DType::BF16 => 5,
        });
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
    }
    out.extend_from_slice(&(aliases.len() as u32).to_le_bytes());
    for (a, t) in aliases {
        s(&mut out, a);
        s(&mut out, t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f16_bytes(v: &[f32]) -> Vec<u8> {
        v.iter()
            .flat_map(|x| half::f16::from_f32(*x).to_bits().to_le_bytes())
            .collect()
    }

    #[test]
    fn parses_variables_scalars_and_aliases() {
        let w = f16_bytes(&[1.0, -2.0, 0.5, 3.0, 0.0, 1.5]);
        let bytes = write(
            "WhisperSpec",
            &[
                ("decoder/embeddings/weight", &[3, 2], DType::F16, &w),
                ("encoder/num_heads", &[], DType::I16, &8i16.to_le_bytes()),
            ],
            &[("decoder/projection/weight", "decoder/embeddings/weight")],
        );
        let m = Model::parse(&mut bytes.as_slice()).unwrap();
        assert_eq!(m.spec, "WhisperSpec");
        assert_eq!(m.revision, 3);
        let e = m.require("decoder/projection/weight").unwrap();
        assert_eq!(e.shape, [3, 2]);
        assert_eq!(e.to_f32().unwrap(), [1.0, -2.0, 0.5, 3.0, 0.0, 1.5]);
        assert_eq!(
            m.require("encoder/num_heads").unwrap().scalar_i64(),
            Some(8)
        );
    }

    #[test]
    fn refuses_other_versions_and_bad_sizes() {
        let mut bytes = write("X", &[], &[]);
        bytes[0] = 5;
        assert!(
            Model::parse(&mut bytes.as_slice())
                .unwrap_err()
                .to_string()
                .contains("version 5")
        );
        let bytes = write("X", &[("a", &[4], DType::F32, &[0u8; 8])], &[]);
        assert!(
            Model::parse(&mut bytes.as_slice())
                .unwrap_err()
                .to_string()
                .contains("holds 8 bytes")
        );
        let bytes = write("X", &[("a", &[4], DType::F32, &[0u8; 16])], &[]);
        assert!(
            Model::parse(&mut &bytes[..20]).is_err(),
            "truncated input is an error"
        );
    }
}
