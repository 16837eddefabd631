//! One typed settings struct for the whole pipeline, resolved from layers.
//!
//! Precedence (highest first): command-line flags and `-c key=value`, the job's overrides in
//! `job.json`, the config file (`lipi.toml`), built-in defaults. Layers are merged key by key on
//! a flattened view (`asr.beam-size`), so the winner of every key can be printed
//! (`lipi config show --sources`). Unknown keys and wrongly typed values are errors that name the
//! layer (a file path, `job.json`, the command line) and the key.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Every setting of the pipeline. Sections are named after the stages they configure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Settings {
    pub job: JobSettings,
    pub demux: DemuxSettings,
    pub tmdb: TmdbSettings,
    pub glossary_load: GlossarySettings,
    pub source_separation: SourceSeparationSettings,
    pub vad: VadSettings,
    pub asr: AsrSettings,
    pub alignment: AlignmentSettings,
    pub lyrics_detection: LyricsSettings,
    pub hallucination_removal: HallucinationSettings,
    pub translation: TranslationSettings,
    pub subtitle_generation: SubtitleSettings,
    pub mux: MuxSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct JobSettings {
    /// Where job folders are created (`out/YYYY/MM/DD/<user>/<N>/`), relative to the working directory.
    pub output_root: PathBuf,
    /// The user name in job ids when `--user` is not given; empty means the login name.
    pub user: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct DemuxSettings {
    /// Which audio stream to extract, counting audio streams only, from 0.
    pub audio_stream: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct TmdbSettings {
    pub enabled: bool,
    pub base_url: String,
    /// Language of TMDB's answers (titles, character names).
    pub language: String,
    pub cache_ttl_hours: u32,
    pub timeout_s: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct GlossarySettings {
    /// Use the built-in Hinglish glossary.
    pub builtin: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeparationMode {
    /// Separate only when the measured music score says the dialogue needs it.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct SourceSeparationSettings {
    pub mode: SeparationMode,
    /// Music-vs-speech score (0–1) above which `auto` separates.
    pub music_threshold: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct VadSettings {
    /// Speech probability above which a frame is speech.
    pub threshold: f64,
    pub min_speech_ms: u32,
    pub min_silence_ms: u32,
    pub speech_pad_ms: u32,
    /// Longest ASR chunk after cut-and-merge.
    pub max_chunk_s: f64,
    /// Who speaks when; on by default for the subtitle workflow only.
    pub diarize: Diarize,
    /// Known number of speakers; 0 means find it.
    pub num_speakers: u32,
    pub min_speakers: u32,
    /// 0 means no upper bound.
    pub max_speakers: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Diarize {
    /// On for the subtitle workflow, off otherwise.
    Auto,
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AsrTask {
    Transcribe,
    /// Whisper's speech translation to English.
    Translate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct AsrSettings {
    /// Model name in the model store (`lipi models list`).
    pub model: String,
    pub task: AsrTask,
    /// 1 means greedy decoding.
    pub beam_size: u32,
    pub best_of: u32,
    /// Temperature fallback: start at 0, add this step after a failed guard.
    pub temperature_increment: f64,
    /// How many fallback steps at most (0 disables the fallback).
    pub max_fallbacks: u32,
    pub compression_ratio_threshold: f64,
    pub logprob_threshold: f64,
    pub no_speech_threshold: f64,
    pub condition_on_previous_text: bool,
    /// Detect the language per chunk (mixed-language media).
    pub language_per_chunk: bool,
    /// Decoder threads; 0 means all cores.
    pub threads: u32,
    /// Extra words for the prompt, after the glossary's names.
    pub initial_prompt: String,
    /// whisper.cpp's flash attention: faster; token times then come without cross-attention DTW.
    pub flash_attention: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct AlignmentSettings {
    /// Pull word boundaries into the VAD speech regions.
    pub snap_to_speech: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct LyricsSettings {
    pub enabled: bool,
    /// Song score (0–1) above which a stretch is marked as lyrics.
    pub threshold: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct HallucinationSettings {
    /// Back-to-back repeats of a segment or n-gram kept at most.
    pub max_repeats: u32,
    pub compression_ratio_threshold: f64,
    pub no_speech_threshold: f64,
    pub logprob_threshold: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct TranslationSettings {
    /// Engines tried in order for every pair; the first that can do a pair wins.
    pub engines: Vec<String>,
    /// OpenAI-compatible endpoint for the `llm` engine (empty: not configured).
    pub llm_base_url: String,
    pub llm_model: String,
    /// Lines per request to the LLM.
    pub llm_batch_size: u32,
    pub llm_timeout_s: f64,
    pub beam_size: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct SubtitleSettings {
    /// Any of `srt`, `vtt`, `ass`, `ttml`.
    pub formats: Vec<String>,
    pub max_chars_per_line: u32,
    pub max_lines: u32,
    pub min_duration_s: f64,
    pub max_duration_s: f64,
    pub min_gap_frames: u32,
    /// Gaps shorter than this are closed to `min-gap-frames`.
    pub chain_gap_s: f64,
    /// Reading speed (characters per second, spaces included) for languages not in `cps`.
    pub default_cps: f64,
    /// Reading speed per language code.
    pub cps: BTreeMap<String, f64>,
    pub speaker_labels: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Container {
    /// The input's container when it is MP4 or Matroska, Matroska otherwise.
    Auto,
    Mkv,
    Mp4,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DefaultTrack {
    Source,
    FirstTarget,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct MuxSettings {
    pub container: Container,
    pub default_track: DefaultTrack,
    /// Burn the default track into the picture (re-encodes the video).
    pub burn_in: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            job: JobSettings {
                output_root: PathBuf::from("out"),
                user: String::new(),
            },
            demux: DemuxSettings { audio_stream: 0 },
            tmdb: TmdbSettings {
                enabled: true,
                base_url: "https://api.themoviedb.org/3".into(),
                language: "en-US".into(),
                cache_ttl_hours: 24 * 7,
                timeout_s: 10.0,
            },
            glossary_load: GlossarySettings { builtin: true },
            source_separation: SourceSeparationSettings {
                mode: SeparationMode::Auto,
                music_threshold: 0.5,
            },
            vad: VadSettings {
                threshold: 0.5,
                min_speech_ms: 250,
                min_silence_ms: 300,
                speech_pad_ms: 200,
                max_chunk_s: 30.0,
                diarize: Diarize::Auto,
                num_speakers: 0,
                min_speakers: 0,
                max_speakers: 0,
            },
            asr: AsrSettings {
                model: "base".into(),
                task: AsrTask::Transcribe,
                beam_size: 5,
                best_of: 5,
                temperature_increment: 0.2,
                max_fallbacks: 2,
                compression_ratio_threshold: 2.4,
                logprob_threshold: -1.0,
                no_speech_threshold: 0.6,
                condition_on_previous_text: false,
                language_per_chunk: false,
                threads: 0,
                initial_prompt: String::new(),
                flash_attention: false,
            },
            alignment: AlignmentSettings {
                snap_to_speech: true,
            },
            lyrics_detection: LyricsSettings {
                enabled: true,
                threshold: 0.6,
            },
            hallucination_removal: HallucinationSettings {
                max_repeats: 2,
                compression_ratio_threshold: 2.4,
                no_speech_threshold: 0.6,
                logprob_threshold: -1.0,
            },
            translation: TranslationSettings {
                engines: [
                    "indictrans2",
                    "nllb",
                    "m2m100",
                    "marian",
                    "llm",
                    "apertium",
                    "whisper",
                ]
                .map(String::from)
                .to_vec(),
                llm_base_url: String::new(),
                llm_model: String::new(),
                llm_batch_size: 20,
                llm_timeout_s: 60.0,
                beam_size: 4,
            },
            subtitle_generation: SubtitleSettings {
                formats: vec!["srt".into(), "vtt".into()],
                max_chars_per_line: 42,
                max_lines: 2,
                min_duration_s: 0.833,
                max_duration_s: 7.0,
                min_gap_frames: 2,
                chain_gap_s: 0.5,
                default_cps: 17.0,
                cps: [("en", 20.0), ("hi", 22.0), ("ar", 20.0), ("ja", 4.0)]
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
                speaker_labels: false,
            },
            mux: MuxSettings {
                container: Container::Auto,
                default_track: DefaultTrack::Source,
                burn_in: false,
            },
        }
    }
}
macro_rules! default_from_settings {
    ($($ty:ident => $field:ident),* $(,)?) => {
        $(impl Default for $ty {
            fn default() -> Self { Settings::default().$field }
        })*
    };
}
default_from_settings!(
    JobSettings => job, DemuxSettings => demux, TmdbSettings => tmdb,
    GlossarySettings => glossary_load, SourceSeparationSettings => source_separation,
    VadSettings => vad, AsrSettings => asr, AlignmentSettings => alignment,
    LyricsSettings => lyrics_detection, HallucinationSettings => hallucination_removal,
    TranslationSettings => translation, SubtitleSettings => subtitle_generation,
    MuxSettings => mux,
);

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layer {
    Default,
    ConfigFile(PathBuf),
    Job(PathBuf),
    CommandLine,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layer::Default => f.write_str("default"),
            Layer::ConfigFile(p) => write!(f, "config file {}", p.display()),
            Layer::Job(p) => write!(f, "job {}", p.display()),
            Layer::CommandLine => f.write_str("command line"),
        }
    }
}

/// One layer's values, as dotted keys (`asr.beam-size`) to TOML values.
#[derive(Debug, Clone)]
pub struct LayerValues {
    pub layer: Layer,
    pub values: BTreeMap<String, toml::Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("unknown setting `{key}` in {layer}")]
    UnknownKey {
        key: String,
        layer: Layer,
        suggestion: Option<String>,
    },
    #[error("setting `{key}` in {layer} must be {expected}, not `{found}`")]
    WrongType {
        key: String,
        layer: Layer,
        expected: &'static str,
        found: String,
    },
    #[error("invalid value for `{key}` in {layer}: {message}")]
    Invalid {
        key: String,
        layer: Layer,
        message: String,
    },
    #[error("`{text}` is not a setting: write -c key=value, for example -c asr.beam-size=8")]
    BadAssignment { text: String },
    #[error("cannot read config file `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file `{path}` is not valid TOML: {message}")]
    Parse { path: PathBuf, message: String },
}

impl SettingsError {
    pub fn hint(&self) -> Option<String> {
        match self {
            SettingsError::UnknownKey {
                suggestion: Some(s),
                ..
            } => Some(format!(
                "did you mean `{s}`? `lipi config show` lists every key"
            )),
            SettingsError::UnknownKey { .. } => {
                Some("`lipi config show` lists every key with its default".into())
            }
            SettingsError::WrongType { .. } | SettingsError::Invalid { .. } => {
                Some("`lipi config show` shows each key with a valid value".into())
            }
            SettingsError::BadAssignment { .. } => None,
            SettingsError::Read { .. } => {
                Some("check the path given by --config or LIPI_CONFIG".into())
            }
            SettingsError::Parse { .. } => Some("fix the TOML syntax at the place shown".into()),
        }
    }
}

/// Settings with the layer that set each key.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub settings: Settings,
    pub sources: BTreeMap<String, Layer>,
    /// The merged flat view, in key order.
    pub values: BTreeMap<String, toml::Value>,
}

/// The defaults as a flat map of dotted keys.
pub fn default_values() -> BTreeMap<String, toml::Value> {
    let table = toml::Table::try_from(Settings::default()).expect("settings serialise to TOML");
    let mut out = BTreeMap::new();
    flatten("", &table, &mut out);
    out
}

/// Flattens nested tables into dotted keys; arrays and the free-form `cps` table stay whole.
fn flatten(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, toml::Value>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) if !is_map_setting(&key) => flatten(&key, t, out),
            _ => {
                out.insert(key, v.clone());
            }
        }
    }
}

/// Keys whose value is a free map (language → number) rather than a section.
fn is_map_setting(key: &str) -> bool {
    key == "subtitle-generation.cps"
}

/// Reads a config file into a layer.
pub fn read_config_file(path: &Path) -> Result<LayerValues, SettingsError> {
    let text = fs_err::read_to_string(path).map_err(|source| SettingsError::Read {
        path: path.to_owned(),
        source,
    })?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| SettingsError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let mut values = BTreeMap::new();
    flatten("", &table, &mut values);
    Ok(LayerValues {
        layer: Layer::ConfigFile(path.to_owned()),
        values,
    })
}

/// Parses `-c key=value` assignments. Values are TOML (`8`, `true`, `["srt"]`, `"x"`); a bare
/// word that is not TOML is taken as a string.
pub fn parse_assignments(items: &[String]) -> Result<BTreeMap<String, toml::Value>, SettingsError> {
    let mut out = BTreeMap::new();
    for item in items {
        let (k, v) = item
            .split_once('=')
            .ok_or_else(|| SettingsError::BadAssignment { text: item.clone() })?;
        let key = k.trim();
        if key.is_empty() {
            return Err(SettingsError::BadAssignment { text: item.clone() });
        }
        out.insert(key.to_owned(), parse_value(v.trim()));
    }
    Ok(out)
}

/// A value typed on the command line: TOML when it parses, a string otherwise.
pub fn parse_value(text: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_owned()))
}

fn type_name(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a number",
        toml::Value::Boolean(_) => "true or false",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "a list",
        toml::Value::Table(_) => "a table",
    }
}

/// Brings a layer's value to the default's type where that is lossless (1 → 1.0, 8 → "8").
fn coerce(default: &toml::Value, v: toml::Value) -> Option<toml::Value> {
    use toml::Value as V;
    match (default, v) {
        (V::Float(_), V::Integer(i)) => Some(V::Float(i as f64)),
        (V::String(_), V::Integer(i)) => Some(V::String(i.to_string())),
        (V::String(_), V::Float(f)) => Some(V::String(f.to_string())),
        (V::String(_), V::Boolean(b)) => Some(V::String(b.to_string())),
        (V::Array(_), V::String(s)) => Some(V::Array(
            s.split(',')
                .map(|p| V::String(p.trim().to_owned()))
                .filter(|p| p.as_str() != Some(""))
                .collect(),
        )),
        (d, v) if std::mem::discriminant(d) == std::mem::discriminant(&v) => Some(v),
        _ => None,
    }
}

/// Merges the layers (lowest precedence first) over the defaults.
pub fn resolve(layers: &[LayerValues]) -> Result<Resolved, SettingsError> {
    let defaults = default_values();
    let mut values = defaults.clone();
    let mut sources: BTreeMap<String, Layer> = defaults
        .keys()
        .map(|k| (k.clone(), Layer::Default))
        .collect();
    for layer in layers {
        for (key, value) in &layer.values {
            let Some(default) = defaults.get(key) else {
                return Err(SettingsError::UnknownKey {
                    key: key.clone(),
                    layer: layer.layer.clone(),
                    suggestion: suggest(key, defaults.keys()),
                });
            };
            let v = coerce(default, value.clone()).ok_or_else(|| SettingsError::WrongType {
                key: key.clone(),
                layer: layer.layer.clone(),
                expected: type_name(default),
                found: value.to_string(),
            })?;
            // Each value must also be valid on its own (enums, ranges), blamed on its layer.
            let mut probe = defaults.clone();
            probe.insert(key.clone(), v.clone());
            if let Err(message) = build(&probe) {
                return Err(SettingsError::Invalid {
                    key: key.clone(),
                    layer: layer.layer.clone(),
                    message,
                });
            }
            values.insert(key.clone(), v);
            sources.insert(key.clone(), layer.layer.clone());
        }
    }
    let settings = build(&values).map_err(|message| SettingsError::Invalid {
        key: "(settings)".into(),
        layer: Layer::Default,
        message,
    })?;
    Ok(Resolved {
        settings,
        sources,
        values,
    })
}

fn build(values: &BTreeMap<String, toml::Value>) -> Result<Settings, String> {
    let mut root = toml::Table::new();
    for (key, v) in values {
        let mut parts: Vec<&str> = key.split('.').collect();
        let leaf = parts.pop().expect("keys are never empty");
        let mut t = &mut root;
        for p in parts {
            t = t
                .entry(p.to_owned())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                .as_table_mut()
                .expect("sections are tables");
        }
        t.insert(leaf.to_owned(), v.clone());
    }
    let settings: Settings = root
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_owned())?;
    settings.validate()?;
    Ok(settings)
}

impl Settings {
    /// Range checks serde cannot express.
    fn validate(&self) -> Result<(), String> {
        let unit = |name: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(format!("`{name}` must lie between 0 and 1, not {v}"))
            }
        };
        unit("vad.threshold", self.vad.threshold)?;
        unit(
            "source-separation.music-threshold",
            self.source_separation.music_threshold,
        )?;
        unit(
            "lyrics-detection.threshold",
            self.lyrics_detection.threshold,
        )?;
        if !(1.0..=30.0).contains(&self.vad.max_chunk_s) {
            return Err(format!(
                "`vad.max-chunk-s` must lie between 1 and 30 (Whisper's window), not {}",
                self.vad.max_chunk_s
            ));
        }
        if self.asr.beam_size == 0 {
            return Err("`asr.beam-size` must be at least 1 (1 is greedy decoding)".into());
        }
        if self.subtitle_generation.max_lines == 0
            || self.subtitle_generation.max_chars_per_line == 0
        {
            return Err("subtitle lines and characters per line must be at least 1".into());
        }
        for f in &self.subtitle_generation.formats {
            if !["srt", "vtt", "ass", "ttml"].contains(&f.as_str()) {
                return Err(format!(
                    "unknown subtitle format `{f}` (srt, vtt, ass, ttml)"
                ));
            }
        }
        if self.subtitle_generation.min_duration_s > self.subtitle_generation.max_duration_s {
            return Err("`subtitle-generation.min-duration-s` exceeds `max-duration-s`".into());
        }
        Ok(())
    }
}

/// The closest known key by edit distance, when it is close enough to be a typo.
fn suggest<'a>(key: &str, known: impl Iterator<Item = &'a String>) -> Option<String> {
    known
        .map(|k| (edit_distance(key, k), k))
        .filter(|(d, k)| *d <= 3.max(k.len() / 5))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.clone())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Where the config file is: `--config`, then `LIPI_CONFIG`, then `<user config dir>/lipi/lipi.toml`
/// when it exists. An explicitly named file must exist.
pub fn config_file_path(explicit: Option<&Path>) -> Option<(PathBuf, bool)> {
    if let Some(p) = explicit {
        return Some((p.to_owned(), true));
    }
    if let Some(p) = std::env::var_os("LIPI_CONFIG").filter(|p| !p.is_empty()) {
        return Some((PathBuf::from(p), true));
    }
    let p = dirs::config_dir()?.join("lipi").join("lipi.toml");
    p.exists().then_some((p, false))
}

/// Renders the flat values as `key = value` lines, optionally with their source.
pub fn render(resolved: &Resolved, with_sources: bool) -> String {
    let width = resolved.values.keys().map(String::len).max().unwrap_or(0);
    let mut out = String::new();
    let mut section = "";
    for (key, value) in &resolved.values {
        let sec = key.split('.').next().unwrap_or("");
        if sec != section {
            if !section.is_empty() {
                out.push('\n');
            }
            section = sec;
        }
        let shown = render_value(value);
        if with_sources {
            let src = resolved
                .sources
                .get(key)
                .map(ToString::to_string)
                .unwrap_or_default();
            out.push_str(&format!("{key:width$} = {shown}  # {src}\n"));
        } else {
            out.push_str(&format!("{key:width$} = {shown}\n"));
        }
    }
    out
}

fn render_value(v: &toml::Value) -> String {
    match v {
        toml::Value::Table(t) => {
            let parts: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{k} = {}", render_value(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(pairs: &[&str]) -> LayerValues {
        let items: Vec<String> = pairs.iter().map(|s| s.to_string()).collect();
        LayerValues {
            layer: Layer::CommandLine,
            values: parse_assignments(&items).unwrap(),
        }
    }

    #[test]
    fn defaults_round_trip() {
        let r = resolve(&[]).unwrap();
        assert_eq!(r.settings, Settings::default());
        assert!(r.sources.values().all(|l| *l == Layer::Default));
        assert!(r.values.contains_key("asr.beam-size"));
        assert!(r.values.contains_key("subtitle-generation.cps"));
    }

    #[test]
    fn later_layers_win_and_are_recorded() {
        let file = LayerValues {
            layer: Layer::ConfigFile("/etc/lipi.toml".into()),
            values: [("asr.beam-size".to_string(), toml::Value::Integer(3))].into(),
        };
        let r = resolve(&[file, cli(&["asr.beam-size=8", "vad.threshold=1"])]).unwrap();
        assert_eq!(r.settings.asr.beam_size, 8);
        assert_eq!(r.settings.vad.threshold, 1.0);
        assert_eq!(r.sources["asr.beam-size"], Layer::CommandLine);
    }

    #[test]
    fn unknown_keys_name_the_layer_and_suggest() {
        let err = resolve(&[cli(&["asr.beem-size=3"])]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown setting `asr.beem-size` in command line"
        );
        assert!(err.hint().unwrap().contains("asr.beam-size"));
    }

    #[test]
    fn wrong_types_and_bad_values_are_refused() {
        let err = resolve(&[cli(&["asr.beam-size=lots"])]).unwrap_err();
        assert!(matches!(err, SettingsError::WrongType { .. }), "{err}");
        let err = resolve(&[cli(&["asr.task=dance"])]).unwrap_err();
        assert!(err.to_string().contains("asr.task"), "{err}");
        let err = resolve(&[cli(&["vad.threshold=2"])]).unwrap_err();
        assert!(err.to_string().contains("between 0 and 1"), "{err}");
    }

    #[test]
    fn lists_accept_comma_strings() {
        let r = resolve(&[cli(&["subtitle-generation.formats=srt,ass"])]).unwrap();
        assert_eq!(r.settings.subtitle_generation.formats, vec!["srt", "ass"]);
    }
}
