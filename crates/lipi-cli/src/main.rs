//! The `lipi` command. Parses arguments into settings layers and requests, runs the library,
//! renders its events, and turns errors into `error:` / `caused by:` / `hint:` lines with exit
//! codes 0 (ok), 1 (a stage failed), 2 (bad usage, settings or input).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the binary's output"
)]

mod args;
mod render;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use lipi::StageId;
use lipi::job::{self, JobDir, JobId, JobSpec, Workflow};
use lipi::manifest::StageStatus;
use lipi::prepare::{self, PrepareRequest};
use lipi::runner::{self, Force, RunOptions, StageState};
use lipi::settings::{self, Layer, LayerValues, Resolved};
use lipi::timecode::Millis;

use crate::args::{Cli, Command, ConfigCommand, Global, JobArgs, ModelsCommand, RunArgs};

/// A usage mistake found by the CLI itself (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct Usage {
    message: String,
    hint: Option<String>,
}

fn usage(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    Usage {
        message: message.into(),
        hint: Some(hint.into()),
    }
    .into()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(err) => report(&err),
    }
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    let g = &cli.global;
    match cli.command {
        Command::Prepare { job, workflow } => {
            let wf = Workflow::parse(&workflow).ok_or_else(|| {
                usage(
                    format!("unknown workflow `{workflow}`"),
                    "use --workflow transcribe, translate or subtitle",
                )
            })?;
            let (id, _, _) = prepare_job(g, &job, wf)?;
            println!("{id}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { job, run, set } => {
            let root = output_root(g)?;
            let (id, dir) = job::locate(&root, &job)?;
            if !set.is_empty() {
                update_overrides(g, &dir, &set)?;
            }
            run_job(g, &id, &dir, &run)
        }
        Command::Transcribe { job, run } => one_shot(g, &job, &run, Workflow::Transcribe),
        Command::Translate { job, run } => one_shot(g, &job, &run, Workflow::Translate),
        Command::Subtitle { job, run } => one_shot(g, &job, &run, Workflow::Subtitle),
        Command::Status { job } => status(g, job.as_deref()),
        Command::Models { command } => models(g, command),
        Command::Check {
            file,
            lang,
            fps,
            format,
        } => check(g, &file, lang.as_deref(), fps, &format),
        Command::Config {
            command: ConfigCommand::Show { job, sources, set },
        } => {
            let resolved = match job {
                Some(j) => {
                    let root = output_root(g)?;
                    let (_, dir) = job::locate(&root, &j)?;
                    let spec = dir.load_spec()?;
                    resolve(g, Some((&spec, &dir)), &set)?
                }
                None => resolve(g, None, &set)?,
            };
            print!("{}", settings::render(&resolved, sources));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The config-file layer, when there is a config file.
fn config_layer(g: &Global) -> Result<Option<LayerValues>> {
    match settings::config_file_path(g.config.as_deref()) {
        None => Ok(None),
        Some((path, explicit)) => {
            if !path.exists() && explicit {
                return Err(settings::SettingsError::Read {
                    path: path.clone(),
                    source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
                }
                .into());
            }
            Ok(Some(settings::read_config_file(&path)?))
        }
    }
}

/// Values that only this invocation sets (never stored in a job).
fn invocation_layer(g: &Global, set: &[String]) -> Result<LayerValues> {
    let mut values = settings::parse_assignments(set)?;
    if let Some(out) = &g.out {
        values.insert(
            "job.output-root".into(),
            toml::Value::String(out.to_string_lossy().into()),
        );
    }
    Ok(LayerValues {
        layer: Layer::CommandLine,
        values,
    })
}

/// Settings for a job (or none): defaults < config file < job.json overrides < command line.
fn resolve(g: &Global, job: Option<(&JobSpec, &JobDir)>, set: &[String]) -> Result<Resolved> {
    let mut layers = Vec::new();
    layers.extend(config_layer(g)?);
    if let Some((spec, dir)) = job {
        layers.push(prepare::overrides_layer(spec, dir.job_json()));
    }
    layers.push(invocation_layer(g, set)?);
    Ok(settings::resolve(&layers)?)
}

fn output_root(g: &Global) -> Result<PathBuf> {
    Ok(resolve(g, None, &[])?.settings.job.output_root)
}

fn parse_time(text: &Option<String>, flag: &str) -> Result<Option<Millis>> {
    text.as_deref()
        .map(|t| {
            Millis::parse(t).map_err(|e| {
                usage(
                    format!("{flag}: {e}"),
                    "for example --start-time 00:01:30 or --start-time 90",
                )
            })
        })
        .transpose()
}

fn prepare_job(g: &Global, a: &JobArgs, workflow: Workflow) -> Result<(JobId, JobDir, JobSpec)> {
    let mut overrides = settings::parse_assignments(&a.set)?;
    if let Some(n) = a.audio_stream {
        overrides.insert(
            "demux.audio-stream".into(),
            toml::Value::Integer(i64::from(n)),
        );
    }
    // Validate the job's settings now, so a bad key fails before any folder exists.
    let mut layers: Vec<LayerValues> = config_layer(g)?.into_iter().collect();
    layers.push(LayerValues {
        layer: Layer::CommandLine,
        values: overrides.clone(),
    });
    layers.push(invocation_layer(g, &[])?);
    let resolved = settings::resolve(&layers)?;
    let req = PrepareRequest {
        media: a.media.clone(),
        workflow,
        source_language: a.source_language.trim().to_owned(),
        target_languages: a
            .target_languages
            .iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
        start_time: parse_time(&a.start_time, "--start-time")?,
        end_time: parse_time(&a.end_time, "--end-time")?,
        title: a.title.clone(),
        year: a.year,
        user: a.user.clone(),
        glossaries: a.glossary.clone(),
        overrides,
        date: chrono::Local::now().date_naive(),
    };
    Ok(prepare::prepare(&req, &resolved)?)
}

/// `lipi run JOB -c k=v`: validates and stores the new values in the job's overrides.
fn update_overrides(g: &Global, dir: &JobDir, set: &[String]) -> Result<()> {
    let mut spec = dir.load_spec()?;
    let new = settings::parse_assignments(set)?;
    let mut layer = prepare::overrides_layer(&spec, dir.job_json());
    layer.values.extend(new.clone());
    let mut layers: Vec<LayerValues> = config_layer(g)?.into_iter().collect();
    layers.push(LayerValues {
        layer: Layer::CommandLine,
        values: layer.values.clone(),
    });
    settings::resolve(&layers)?;
    for (k, v) in new {
        spec.overrides.insert(
            k,
            serde_json::to_value(&v).unwrap_or(serde_json::Value::Null),
        );
    }
    dir.save_spec(&spec)?;
    Ok(())
}

fn run_options(run: &RunArgs) -> Result<RunOptions> {
    let stage = |s: &str| {
        StageId::parse(s).ok_or_else(|| {
            usage(
                format!("unknown stage `{s}`"),
                format!("stages are: {}", StageId::names()),
            )
        })
    };
    let force = if run.force.iter().any(|s| s == "all") {
        Force::All
    } else if run.force.is_empty() {
        Force::None
    } else {
        Force::Stages(
            run.force
                .iter()
                .map(|s| stage(s))
                .collect::<Result<BTreeSet<_>>>()?,
        )
    };
    let from = run.from.as_deref().map(stage).transpose()?;
    let until = run.until.as_deref().map(stage).transpose()?;
    if let (Some(f), Some(u)) = (from, until)
        && f > u
    {
        return Err(usage(
            format!("--from {f} comes after --until {u}"),
            "swap them",
        ));
    }
    Ok(RunOptions { force, from, until })
}

fn init_log(dir: &JobDir, level: &str) {
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.log_file())
    else {
        return;
    };
    let level = level.parse().unwrap_or(tracing::Level::INFO);
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_max_level(level)
        .try_init();
}

fn run_job(g: &Global, id: &JobId, dir: &JobDir, run: &RunArgs) -> Result<ExitCode> {
    let options = run_options(run)?;
    let spec = dir.load_spec()?;
    let resolved = resolve(g, Some((&spec, dir)), &[])?;
    init_log(dir, &g.log_level);
    let plan = lipi::pipeline::plan(&spec, &resolved.settings, &lipi_models::engines());
    let renderer = render::Renderer::new(g.quiet);
    runner::run(dir, &spec, &resolved.settings, plan, &options, &renderer)
        .with_context(|| format!("job {id} did not finish; `lipi run {id}` resumes it"))?;
    print_products(dir);
    Ok(ExitCode::SUCCESS)
}

fn print_products(dir: &JobDir) {
    let Ok(rd) = std::fs::read_dir(dir.output()) else {
        return;
    };
    let mut files: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    for f in files {
        println!("{}", f.display());
    }
}

fn one_shot(g: &Global, a: &JobArgs, run: &RunArgs, wf: Workflow) -> Result<ExitCode> {
    run_options(run)?;
    let (id, dir, _) = prepare_job(g, a, wf)?;
    if !g.quiet {
        eprintln!("prepared {id} in {}", dir.root.display());
    }
    run_job(g, &id, &dir, run)
}

fn status(g: &Global, job: Option<&str>) -> Result<ExitCode> {
    let root = output_root(g)?;
    match job {
        None => {
            let jobs = job::list(&root);
            if jobs.is_empty() {
                println!("no jobs under {}", root.display());
                return Ok(ExitCode::SUCCESS);
            }
            println!("{:<30} {:<10} {:<28} STATE", "JOB", "WORKFLOW", "MEDIA");
            for (id, dir) in jobs {
                let Ok(spec) = dir.load_spec() else { continue };
                let media = spec
                    .media
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                println!(
                    "{:<30} {:<10} {:<28} {}",
                    id.to_string(),
                    spec.workflow.name(),
                    media,
                    summary(&dir, &spec)
                );
            }
        }
        Some(j) => {
            let (id, dir) = job::locate(&root, j)?;
            let spec = dir.load_spec()?;
            let resolved = resolve(g, Some((&spec, &dir)), &[])?;
            let plan = lipi::pipeline::plan(&spec, &resolved.settings, &lipi_models::engines());
            let langs = if spec.target_languages.is_empty() {
                spec.source_language.clone()
            } else {
                format!(
                    "{} → {}",
                    spec.source_language,
                    spec.target_languages.join(",")
                )
            };
            println!(
                "{id}  {}  {}  ({langs})",
                spec.workflow,
                spec.media.path.display()
            );
            println!("{:<24} {:<8} DETAIL", "STAGE", "STATE");
            for (stage, state) in runner::inspect(&dir, &spec, plan)? {
                let (word, detail) = match state {
                    StageState::Fresh { elapsed_s } => (
                        "fresh",
                        elapsed_s.map(|s| format!("{s:.1} s")).unwrap_or_default(),
                    ),
                    StageState::Dirty { reasons } => ("dirty", reasons.join("; ")),
                    StageState::Skipped { reason } => ("skipped", reason),
                    StageState::Failed { error } => ("failed", error),
                    StageState::Running { pid } => (
                        "running",
                        pid.map(|p| format!("pid {p}")).unwrap_or_default(),
                    ),
                };
                println!("{:<24} {:<8} {detail}", stage.to_string(), word);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `lipi check`: exit 0 when the file keeps every rule, 1 when it breaks any, 2 when unreadable.
fn check(
    g: &Global,
    file: &std::path::Path,
    lang: Option<&str>,
    fps: f64,
    format: &str,
) -> Result<ExitCode> {
    use lipi_subs::check::check;
    use lipi_subs::format::{parse_srt, parse_vtt};
    if format != "text" && format != "json" {
        return Err(usage(
            format!("unknown output format `{format}`"),
            "use --format text or --format json",
        ));
    }
    if !(fps > 0.0 && fps < 1000.0) {
        return Err(usage(
            format!("--fps {fps} is not a frame rate"),
            "for example --fps 25 or --fps 23.976",
        ));
    }
    let text = std::fs::read(file).map_err(|e| {
        usage(
            format!("cannot read `{}`: {e}", file.display()),
            "check the path",
        )
    })?;
    let text = String::from_utf8_lossy(&text);
    let ext = file
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let cues = match ext.as_str() {
        "srt" => parse_srt(&text),
        "vtt" => parse_vtt(&text),
        _ if text.trim_start_matches('\u{feff}').starts_with("WEBVTT") => parse_vtt(&text),
        _ => parse_srt(&text),
    }
    .map_err(|e| {
        usage(
            format!("`{}` is not a valid subtitle file: {e}", file.display()),
            "lipi check reads SRT and WebVTT",
        )
    })?;
    // The language: given, else the last dotted part of the stem (`film.hi.srt`), else generic.
    let from_name = file
        .file_stem()
        .and_then(|s| s.to_str())
        .and_then(|s| s.rsplit_once('.'))
        .and_then(|(_, l)| lipi::lang::lookup(l))
        .map(|l| l.code.to_owned());
    let lang = match lang {
        Some(l) => lipi::lang::require(l)
            .map_err(|e| usage(e.to_string(), "use an ISO 639-1 code such as en, hi, es"))?
            .code
            .to_owned(),
        None => from_name.unwrap_or_else(|| "und".to_owned()),
    };
    let settings = resolve(g, None, &[])?.settings;
    let rules = lipi::stages::subtitles::rules(&settings.subtitle_generation, &lang, fps);
    let violations = check(&cues, &rules);
    if format == "json" {
        let out = serde_json::json!({
            "file": file.display().to_string(),
            "language": lang,
            "fps": fps,
            "cues": cues.len(),
            "violations": violations,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for v in &violations {
            println!(
                "cue {:>4}  {}  {:<14} {}",
                v.cue,
                v.time,
                v.kind.name(),
                v.detail
            );
        }
        println!(
            "{}: {} cues, {} violation(s) (language {lang}, {:.0} cps, {} characters per line, {fps} fps)",
            file.display(),
            cues.len(),
            violations.len(),
            rules.max_cps,
            rules.max_chars_per_line
        );
    }
    Ok(if violations.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn quant(text: &str) -> Result<lipi_models::ggml::Quant> {
    lipi_models::ggml::Quant::parse(text)
        .ok_or_else(|| lipi_models::store::StoreError::BadQuant(text.to_owned()).into())
}

fn print_installed(e: &lipi_models::store::ModelEntry) {
    println!(
        "installed {} ({}, {} MB, sha256 {}) from {}",
        e.name,
        e.quantization,
        e.size / 1_000_000,
        e.sha256,
        e.source
    );
}

fn models(g: &Global, command: ModelsCommand) -> Result<ExitCode> {
    use lipi_models::store::{KNOWN, Store};
    let store = Store::open();
    let quiet = g.quiet;
    let say = move |m: &str| {
        if !quiet {
            eprintln!("{m}");
        }
    };
    match command {
        ModelsCommand::List => {
            let installed = store.list();
            println!(
                "{:<18} {:<6} {:<6} {:>9}  {:<18} SOURCE",
                "MODEL", "FORMAT", "QUANT", "SIZE", "SHA-256"
            );
            for e in &installed {
                println!(
                    "{:<18} {:<6} {:<6} {:>6} MB  {:<18} {}",
                    e.name,
                    e.format,
                    e.quantization,
                    e.size / 1_000_000,
                    format!("{}…", &e.sha256[..16.min(e.sha256.len())]),
                    e.source
                );
            }
            let available: Vec<String> = KNOWN
                .iter()
                .filter(|k| !installed.iter().any(|e| e.name == **k))
                .map(|k| {
                    if Store::has_mirror(k) {
                        format!("{k} (hub or registry mirror)")
                    } else {
                        (*k).to_owned()
                    }
                })
                .collect();
            println!("\nstore: {}", store.root.display());
            println!("can be pulled: {}", available.join(", "));
        }
        ModelsCommand::Pull { name, quant: q } => {
            let e = store.pull(&name, quant(&q)?, &say)?;
            print_installed(&e);
        }
        ModelsCommand::Import {
            dir,
            name,
            quant: q,
        } => {
            let e = store.import(&dir, name.as_deref(), quant(&q)?, &say)?;
            print_installed(&e);
        }
        ModelsCommand::Verify => {
            let results = store.verify();
            if results.is_empty() {
                println!("no models installed in {}", store.root.display());
            }
            let mut bad = 0;
            for (name, problem) in results {
                match problem {
                    None => println!("ok      {name}"),
                    Some(p) => {
                        bad += 1;
                        println!("FAILED  {name}: {p}");
                    }
                }
            }
            if bad > 0 {
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One word for a job's state in the job list, from its manifest alone.
fn summary(dir: &JobDir, spec: &JobSpec) -> String {
    let Ok(m) = runner::load_manifest(dir, spec) else {
        return "damaged manifest".into();
    };
    let count = |s: StageStatus| m.stages.values().filter(|r| r.status == s).count();
    if let Some((id, _)) = m
        .stages
        .iter()
        .find(|(_, r)| r.status == StageStatus::Failed)
    {
        return format!("failed at {id}");
    }
    if let Some((id, _)) = m
        .stages
        .iter()
        .find(|(_, r)| r.status == StageStatus::Running)
    {
        return if dir.is_locked() {
            format!("running {id}")
        } else {
            format!("interrupted at {id}")
        };
    }
    if count(StageStatus::Done) == 0 {
        return "prepared".into();
    }
    format!(
        "done ({} ran, {} skipped)",
        count(StageStatus::Done),
        count(StageStatus::Skipped)
    )
}

/// Prints the error chain and a hint; returns the exit code for its kind.
fn report(err: &anyhow::Error) -> ExitCode {
    let mut hint = None;
    let mut bad_input = false;
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<Usage>() {
            hint = hint.or(e.hint.clone());
            bad_input = true;
        } else if let Some(e) = cause.downcast_ref::<prepare::PrepareError>() {
            hint = hint.or(e.hint());
            bad_input |= e.is_bad_input();
        } else if let Some(e) = cause.downcast_ref::<settings::SettingsError>() {
            hint = hint.or(e.hint());
            bad_input = true;
        } else if let Some(e) = cause.downcast_ref::<job::JobError>() {
            hint = hint.or(e.hint());
            bad_input |= !matches!(
                e,
                job::JobError::Write { .. } | job::JobError::Create { .. }
            );
        } else if let Some(e) = cause.downcast_ref::<runner::RunError>() {
            hint = hint.or(e.hint());
            bad_input |= e.is_bad_input();
        } else if let Some(e) = cause.downcast_ref::<lipi_models::store::StoreError>() {
            hint = hint.or(e.hint());
            bad_input |= matches!(
                e,
                lipi_models::store::StoreError::Unknown(_)
                    | lipi_models::store::StoreError::BadQuant(_)
                    | lipi_models::store::StoreError::NotAModelDir(_)
            );
        } else if let Some(e) = cause.downcast_ref::<lipi::media::MediaError>() {
            hint = hint.or(e.hint());
            bad_input |= e.is_bad_input();
        }
    }
    eprintln!("error: {err}");
    for cause in err.chain().skip(1) {
        eprintln!("caused by: {cause}");
    }
    if let Some(h) = hint {
        eprintln!("hint: {h}");
    }
    // Bad input outranks a failed stage: a truncated file found while demuxing is the user's.
    if bad_input {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    }
}
