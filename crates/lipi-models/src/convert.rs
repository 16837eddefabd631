//! CTranslate2 Whisper (faster-whisper's format) → whisper.cpp ggml, in Rust.
//!
//! Names follow whisper.cpp's loader (`whisper_model_load`), which expects OpenAI's PyTorch
//! names. CTranslate2 fuses attention projections: self-attention `linear_0` is [Q;K;V] (K has
//! no bias: CTranslate2 stores zeros), cross-attention `linear_0` is Q and `linear_1` is [K;V].
//! Precision follows `convert-pt-to-ggml.py`: 1-D tensors, conv biases and positional
//! embeddings in f32, the rest in f16 (or quantized, for 2-D weights, as whisper.cpp's
//! `quantize` does).

use std::io::Write;
use std::path::Path;

use crate::ct2::{Ct2Error, Model, Variable};
use crate::ggml::{self, Hparams, Quant, TensorType, Writer};

#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error(transparent)]
    Ct2(#[from] Ct2Error),
    #[error("not a Whisper model: the spec is `{0}`")]
    NotWhisper(String),
    #[error(transparent)]
    Vocab(#[from] crate::bpe::VocabError),
    #[error("cannot write the converted model")]
    Write(#[from] std::io::Error),
    #[error("{0}")]
    Shape(String),
}

/// What a conversion produced.
#[derive(Debug, Clone)]
pub struct Converted {
    pub hparams: Hparams,
    pub quant: Quant,
    pub tensors: usize,
}

fn count_layers(m: &Model, prefix: &str) -> i32 {
    (0..)
        .take_while(|i| {
            m.get(&format!("{prefix}/layer_{i}/ffn/linear_0/weight"))
                .is_some()
        })
        .count() as i32
}

fn heads(m: &Model, name: &str, state: i32) -> i32 {
    m.get(name)
        .and_then(Variable::scalar_i64)
        .map(|h| h as i32)
        // OpenAI's models all use 64-dimensional heads.
        .unwrap_or(state / 64)
}

pub fn hparams(m: &Model) -> Result<Hparams, ConvertError> {
    if m.spec != "WhisperSpec" {
        return Err(ConvertError::NotWhisper(m.spec.clone()));
    }
    let emb = m.require("decoder/embeddings/weight")?;
    let enc_pos = m.require("encoder/position_encodings/encodings")?;
    let dec_pos = m.require("decoder/position_encodings/encodings")?;
    let conv1 = m.require("encoder/conv1/weight")?;
    let audio_state = enc_pos.shape[1] as i32;
    let text_state = dec_pos.shape[1] as i32;
    Ok(Hparams {
        n_vocab: emb.shape[0] as i32,
        n_audio_ctx: enc_pos.shape[0] as i32,
        n_audio_state: audio_state,
        n_audio_head: heads(m, "encoder/num_heads", audio_state),
        n_audio_layer: count_layers(m, "encoder"),
        n_text_ctx: dec_pos.shape[0] as i32,
        n_text_state: text_state,
        n_text_head: heads(m, "decoder/num_heads", text_state),
        n_text_layer: count_layers(m, "decoder"),
        n_mels: conv1.shape[1] as i32,
    })
}

/// One output tensor: its name, PyTorch shape and values.
struct Out {
    name: String,
    shape: Vec<usize>,
    values: Vec<f32>,
}

fn rows(v: &Variable, values: &[f32], from: usize, to: usize) -> (Vec<usize>, Vec<f32>) {
    let cols: usize = v.shape[1..].iter().product::<usize>().max(1);
    let mut shape = v.shape.clone();
    shape[0] = to - from;
    (shape, values[from * cols..to * cols].to_vec())
}

fn plain(m: &Model, ct2: &str, name: &str, out: &mut Vec<Out>) -> Result<(), ConvertError> {
    let v = m.require(ct2)?;
    out.push(Out {
        name: name.into(),
        shape: v.shape.clone(),
        values: v.to_f32()?,
    });
    Ok(())
}

/// Splits a fused projection into `parts` equal row blocks named `names` (None: dropped).
fn split(
    m: &Model,
    ct2: &str,
    names: &[Option<String>],
    out: &mut Vec<Out>,
) -> Result<(), ConvertError> {
    let v = m.require(ct2)?;
    let values = v.to_f32()?;
    let n = v.shape[0];
    if n % names.len() != 0 {
        return Err(ConvertError::Shape(format!(
            "`{ct2}` has {n} rows, not divisible by {}",
            names.len()
        )));
    }
    let part = n / names.len();
    for (i, name) in names.iter().enumerate() {
        if let Some(name) = name {
            let (shape, vals) = rows(v, &values, i * part, (i + 1) * part);
            out.push(Out {
                name: name.clone(),
                shape,
                values: vals,
            });
        }
    }
    Ok(())
}

fn ln(m: &Model, ct2: &str, name: &str, out: &mut Vec<Out>) -> Result<(), ConvertError> {
    plain(m, &format!("{ct2}/gamma"), &format!("{name}.weight"), out)?;
    plain(m, &format!("{ct2}/beta"), &format!("{name}.bias"), out)
}

fn linear(m: &Model, ct2: &str, name: &str, out: &mut Vec<Out>) -> Result<(), ConvertError> {
    plain(m, &format!("{ct2}/weight"), &format!("{name}.weight"), out)?;
    plain(m, &format!("{ct2}/bias"), &format!("{name}.bias"), out)
}

fn self_attention(m: &Model, c: &str, w: &str, out: &mut Vec<Out>) -> Result<(), ConvertError> {
    ln(
        m,
        &format!("{c}/self_attention/layer_norm"),
        &format!("{w}.attn_ln"),
        out,
    )?;
    let s = |p: &str| Some(format!("{w}.attn.{p}"));
    split(
        m,
        &format!("{c}/self_attention/linear_0/weight"),
        &[s("query.weight"), s("key.weight"), s("value.weight")],
        out,
    )?;
    split(
        m,
        &format!("{c}/self_attention/linear_0/bias"),
        &[s("query.bias"), None, s("value.bias")],
        out,
    )?;
    linear(
        m,
        &format!("{c}/self_attention/linear_1"),
        &format!("{w}.attn.out"),
        out,
    )
}

fn ffn(m: &Model, c: &str, w: &str, out: &mut Vec<Out>) -> Result<(), ConvertError> {
    ln(
        m,
        &format!("{c}/ffn/layer_norm"),
        &format!("{w}.mlp_ln"),
        out,
    )?;
    linear(m, &format!("{c}/ffn/linear_0"), &format!("{w}.mlp.0"), out)?;
    linear(m, &format!("{c}/ffn/linear_1"), &format!("{w}.mlp.2"), out)
}

/// All tensors under whisper.cpp's names.
fn tensors(m: &Model, hp: &Hparams) -> Result<Vec<Out>, ConvertError> {
    let mut out = Vec::new();
    plain(
        m,
        "encoder/position_encodings/encodings",
        "encoder.positional_embedding",
        &mut out,
    )?;
    plain(m, "encoder/conv1/weight", "encoder.conv1.weight", &mut out)?;
    plain(m, "encoder/conv1/bias", "encoder.conv1.bias", &mut out)?;
    plain(m, "encoder/conv2/weight", "encoder.conv2.weight", &mut out)?;
    plain(m, "encoder/conv2/bias", "encoder.conv2.bias", &mut out)?;
    for i in 0..hp.n_audio_layer {
        let (c, w) = (format!("encoder/layer_{i}"), format!("encoder.blocks.{i}"));
        self_attention(m, &c, &w, &mut out)?;
        ffn(m, &c, &w, &mut out)?;
    }
    ln(m, "encoder/layer_norm", "encoder.ln_post", &mut out)?;
    plain(
        m,
        "decoder/position_encodings/encodings",
        "decoder.positional_embedding",
        &mut out,
    )?;
    plain(
        m,
        "decoder/embeddings/weight",
        "decoder.token_embedding.weight",
        &mut out,
    )?;
    for i in 0..hp.n_text_layer {
        let (c, w) = (format!("decoder/layer_{i}"), format!("decoder.blocks.{i}"));
        self_attention(m, &c, &w, &mut out)?;
        ln(
            m,
            &format!("{c}/attention/layer_norm"),
            &format!("{w}.cross_attn_ln"),
            &mut out,
        )?;
        linear(
            m,
            &format!("{c}/attention/linear_0"),
            &format!("{w}.cross_attn.query"),
            &mut out,
        )?;
        let s = |p: &str| Some(format!("{w}.cross_attn.{p}"));
        split(
            m,
            &format!("{c}/attention/linear_1/weight"),
            &[s("key.weight"), s("value.weight")],
            &mut out,
        )?;
        split(
            m,
            &format!("{c}/attention/linear_1/bias"),
            &[None, s("value.bias")],
            &mut out,
        )?;
        linear(
            m,
            &format!("{c}/attention/linear_2"),
            &format!("{w}.cross_attn.out"),
            &mut out,
        )?;
        ffn(m, &c, &w, &mut out)?;
    }
    ln(m, "decoder/layer_norm", "decoder.ln", &mut out)?;
    Ok(out)
}

/// Tensors that stay f32 whatever the precision (as `convert-pt-to-ggml.py` and `quantize` do).
fn keep_f32(name: &str, shape: &[usize]) -> bool {
    shape.len() < 2
        || matches!(
            name,
            "encoder.conv1.bias"
                | "encoder.conv2.bias"
                | "encoder.positional_embedding"
                | "decoder.positional_embedding"
        )
}

/// Converts a CTranslate2 Whisper folder (`model.bin`, `tokenizer.json`) into a ggml file.
pub fn convert(
    model: &Model,
    tokenizer_json: &str,
    quant: Quant,
    out: impl Write,
) -> Result<Converted, ConvertError> {
    let hp = hparams(model)?;
    let tokens = crate::bpe::regular_tokens(tokenizer_json)?;
    let mel = crate::mel::filters(hp.n_mels as usize);
    let mut w = Writer::new(std::io::BufWriter::new(out));
    w.header(&hp, quant, &mel, crate::mel::N_FFT / 2 + 1, &tokens)?;
    let all = tensors(model, &hp)?;
    let count = all.len();
    for t in all {
        let mut shape = t.shape.clone();
        // whisper.cpp keeps conv biases as [n, 1].
        if t.name == "encoder.conv1.bias" || t.name == "encoder.conv2.bias" {
            shape.push(1);
        }
        let (ty, data) = if keep_f32(&t.name, &t.shape) {
            (TensorType::F32, ggml::f32_bytes(&t.values))
        } else if shape.len() == 2 && quant != Quant::F16 && shape[1] % 32 == 0 {
            match quant {
                Quant::Q8_0 => (TensorType::Q8_0, ggml::quantize_q8_0(&t.values)),
                Quant::Q5_1 => (TensorType::Q5_1, ggml::quantize_q5_1(&t.values)),
                Quant::F16 => unreachable_f16(),
            }
        } else {
            (TensorType::F16, ggml::f16_bytes(&t.values))
        };
        w.tensor(&t.name, &shape, ty, &data)?;
    }
    w.finish()?;
    Ok(Converted {
        hparams: hp,
        quant,
        tensors: count,
    })
}

fn unreachable_f16() -> (TensorType, Vec<u8>) {
    // Guarded by `quant != Quant::F16` above; f16 needs no quantization.
    (TensorType::F16, Vec::new())
}

/// Converts `dir` (a faster-whisper / CTranslate2 folder) into `dest`.
pub fn convert_dir(dir: &Path, quant: Quant, dest: &Path) -> Result<Converted, ConvertError> {
    let model = Model::read(&dir.join("model.bin"))?;
    let tok_path = dir.join("tokenizer.json");
    let tokenizer = fs_err::read_to_string(&tok_path)?;
    let file = fs_err::File::create(dest)?;
    convert(&model, &tokenizer, quant, file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ct2::{DType, write};

    /// A tiny Whisper-shaped CTranslate2 model: 1 encoder and 1 decoder layer, state 64.
    fn tiny() -> Vec<u8> {
        let d = 64usize;
        let f = |n: usize, seed: f32| -> Vec<u8> {
            (0..n)
                .flat_map(|i| {
                    half::f16::from_f32(((i as f32) * 0.01 + seed).sin())
                        .to_bits()
                        .to_le_bytes()
                })
                .collect()
        };
        let mut names: Vec<(String, Vec<usize>)> = vec![
            ("decoder/embeddings/weight".into(), vec![10, d]),
            ("encoder/position_encodings/encodings".into(), vec![8, d]),
            ("decoder/position_encodings/encodings".into(), vec![6, d]),
            ("encoder/conv1/weight".into(), vec![d, 4, 3]),
            ("encoder/conv1/bias".into(), vec![d]),
            ("encoder/conv2/weight".into(), vec![d, d, 3]),
            ("encoder/conv2/bias".into(), vec![d]),
            ("encoder/layer_norm/gamma".into(), vec![d]),
            ("encoder/layer_norm/beta".into(), vec![d]),
            ("decoder/layer_norm/gamma".into(), vec![d]),
            ("decoder/layer_norm/beta".into(), vec![d]),
        ];
        for side in ["encoder", "decoder"] {
            let l = format!("{side}/layer_0");
            let mut add = |n: &str, s: Vec<usize>| names.push((format!("{l}/{n}"), s));
            for ln in ["self_attention/layer_norm", "ffn/layer_norm"] {
                add(&format!("{ln}/gamma"), vec![d]);
                add(&format!("{ln}/beta"), vec![d]);
            }
            add("self_attention/linear_0/weight", vec![3 * d, d]);
            add("self_attention/linear_0/bias", vec![3 * d]);
            add("self_attention/linear_1/weight", vec![d, d]);
            add("self_attention/linear_1/bias", vec![d]);
            add("ffn/linear_0/weight", vec![4 * d, d]);
            add("ffn/linear_0/bias", vec![4 * d]);
            add("ffn/linear_1/weight", vec![d, 4 * d]);
            add("ffn/linear_1/bias", vec![d]);
            if side == "decoder" {
                add("attention/layer_norm/gamma", vec![d]);
                add("attention/layer_norm/beta", vec![d]);
                add("attention/linear_0/weight", vec![d, d]);
                add("attention/linear_0/bias", vec![d]);
                add("attention/linear_1/weight", vec![2 * d, d]);
                add("attention/linear_1/bias", vec![2 * d]);
                add("attention/linear_2/weight", vec![d, d]);
                add("attention/linear_2/bias", vec![d]);
            }
        }
        let datas: Vec<Vec<u8>> = names
            .iter()
            .enumerate()
            .map(|(i, (_, s))| f(s.iter().product(), i as f32))
            .collect();
        let heads = 1i16.to_le_bytes();
        let mut vars: Vec<(&str, &[usize], DType, &[u8])> = names
            .iter()
            .zip(&datas)
            .map(|((n, s), d)| (n.as_str(), s.as_slice(), DType::F16, d.as_slice()))
            .collect();
        vars.push(("encoder/num_heads", &[], DType::I16, &heads));
        vars.push(("decoder/num_heads", &[], DType::I16, &heads));
        write(
            "WhisperSpec",
            &vars,
            &[("decoder/projection/weight", "decoder/embeddings/weight")],
        )
    }

    const TOKENIZER: &str = r#"{"model":{"vocab":{"a":0,"b":1,"Ġc":2,"<|endoftext|>":3}},"added_tokens":[{"id":3,"special":true}]}"#;

    #[test]
    fn hparams_from_shapes() {
        let m = Model::parse(&mut tiny().as_slice()).unwrap();
        let hp = hparams(&m).unwrap();
        assert_eq!(
            (hp.n_vocab, hp.n_audio_ctx, hp.n_audio_state, hp.n_mels),
            (10, 8, 64, 4)
        );
        assert_eq!(
            (
                hp.n_audio_layer,
                hp.n_text_layer,
                hp.n_audio_head,
                hp.n_text_ctx
            ),
            (1, 1, 1, 6)
        );
    }

    #[test]
    fn splits_fused_attention_and_keeps_values() {
        let m = Model::parse(&mut tiny().as_slice()).unwrap();
        let hp = hparams(&m).unwrap();
        let t = tensors(&m, &hp).unwrap();
        let get = |n: &str| {
            t.iter()
                .find(|o| o.name == n)
                .unwrap_or_else(|| panic!("{n} missing"))
        };
        let fused = m
            .require("encoder/layer_0/self_attention/linear_0/weight")
            .unwrap()
            .to_f32()
            .unwrap();
        let v = get("encoder.blocks.0.attn.value.weight");
        assert_eq!(v.shape, [64, 64]);
        assert_eq!(v.values, fused[2 * 64 * 64..]);
        assert!(
            t.iter().all(|o| o.name != "encoder.blocks.0.attn.key.bias"),
            "K has no bias"
        );
        let kv = m
            .require("decoder/layer_0/attention/linear_1/bias")
            .unwrap()
            .to_f32()
            .unwrap();
        assert_eq!(
            get("decoder.blocks.0.cross_attn.value.bias").values,
            kv[64..]
        );
        // whisper.cpp's tensors: 7 encoder globals + 15 per encoder layer + 4 decoder globals
        // + 24 per decoder layer.
        assert_eq!(t.len(), 7 + 15 + 4 + 24);
    }

    #[test]
    fn converts_to_every_precision() {
        let m = Model::parse(&mut tiny().as_slice()).unwrap();
        for q in [Quant::F16, Quant::Q8_0, Quant::Q5_1] {
            let mut buf = Vec::new();
            let c = convert(&m, TOKENIZER, q, &mut buf).unwrap();
            assert_eq!(c.tensors, 50);
            assert_eq!(
                u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]),
                ggml::MAGIC
            );
        }
    }
}
