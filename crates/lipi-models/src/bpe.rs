//! Whisper's vocabulary as raw bytes, from a Hugging Face `tokenizer.json` (byte-level BPE,
//! where each byte is written as a printable character: GPT-2's `bytes_to_unicode`).

use std::collections::HashMap;

/// GPT-2's byte ↔ character table, reversed: character → byte.
fn unicode_to_byte() -> HashMap<char, u8> {
    let mut bs: Vec<u32> = (u32::from('!')..=u32::from('~'))
        .chain(u32::from('¡')..=u32::from('¬'))
        .chain(u32::from('®')..=u32::from('ÿ'))
        .collect();
    let mut cs = bs.clone();
    let mut n = 0;
    for b in 0..256u32 {
        if !bs.contains(&b) {
            bs.push(b);
            cs.push(256 + n);
            n += 1;
        }
    }
    bs.into_iter()
        .zip(cs)
        .filter_map(|(b, c)| Some((char::from_u32(c)?, b as u8)))
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum VocabError {
    #[error("tokenizer.json is not valid JSON: {0}")]
    Json(String),
    #[error("tokenizer.json has no `model.vocab`")]
    NoVocab,
    #[error("tokenizer.json token `{0}` is not byte-level BPE")]
    NotByteLevel(String),
}

/// The regular (non-special) tokens, by id, as bytes: ids below the first special token.
pub fn regular_tokens(tokenizer_json: &str) -> Result<Vec<Vec<u8>>, VocabError> {
    let v: serde_json::Value =
        serde_json::from_str(tokenizer_json).map_err(|e| VocabError::Json(e.to_string()))?;
    let vocab = v["model"]["vocab"].as_object().ok_or(VocabError::NoVocab)?;
    let first_special = v["added_tokens"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["special"].as_bool().unwrap_or(false))
        .filter_map(|t| t["id"].as_u64())
        .min()
        .unwrap_or(vocab.len() as u64) as usize;
    let table = unicode_to_byte();
    let mut tokens = vec![Vec::new(); first_special];
    for (text, id) in vocab {
        let Some(id) = id
            .as_u64()
            .map(|i| i as usize)
            .filter(|i| *i < first_special)
        else {
            continue;
        };
        let bytes: Option<Vec<u8>> = text.chars().map(|c| table.get(&c).copied()).collect();
        tokens[id] = bytes.ok_or_else(|| VocabError::NotByteLevel(text.clone()))?;
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_byte_level_tokens() {
        let json = r#"{"model":{"vocab":{"!":0,"Ġhello":1,"Ã©":2,"<|endoftext|>":3}},
            "added_tokens":[{"id":3,"content":"<|endoftext|>","special":true}]}"#;
        let t = regular_tokens(json).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t[0], b"!");
        assert_eq!(t[1], b" hello");
        assert_eq!(t[2], "é".as_bytes());
    }

    #[test]
    fn all_256_bytes_have_a_character() {
        assert_eq!(unicode_to_byte().len(), 256);
    }
}
