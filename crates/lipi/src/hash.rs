//! Content hashes (BLAKE3), streamed so a two-hour film never sits in memory.

use std::io::Read;
use std::path::Path;

/// Hex BLAKE3 digest of a file's bytes, read in 1 MiB blocks.
pub fn file(path: &Path) -> std::io::Result<String> {
    let mut f = fs_err::File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().to_hex().to_string())
}

/// Hex BLAKE3 digest of bytes.
pub fn bytes(data: &[u8]) -> String {
    blake3::hash(data).to_hex().to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_and_bytes_agree() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x");
        let data = vec![7u8; 3 << 20];
        std::fs::write(&p, &data).unwrap();
        assert_eq!(super::file(&p).unwrap(), super::bytes(&data));
    }
}
