//! Renders pipeline events: progress bars on a terminal, plain timestamped lines otherwise.
#![allow(clippy::print_stderr, reason = "this module is the CLI's renderer")]

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lipi::StageId;
use lipi::event::{Event, EventSink};

pub struct Renderer {
    quiet: bool,
    terminal: bool,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    bar: Option<ProgressBar>,
    /// Last plain progress line per stage: (when, fraction).
    last_line: HashMap<StageId, (Instant, f64)>,
    started: HashMap<StageId, Instant>,
}

fn clock() -> String {
    chrono::Local::now().format("%H:%M:%S").to_string()
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1}s")
    } else {
        format!("{}m{:02}s", s as u64 / 60, s as u64 % 60)
    }
}

impl Renderer {
    pub fn new(quiet: bool) -> Self {
        Renderer {
            quiet,
            terminal: std::io::stderr().is_terminal(),
            state: RefCell::default(),
        }
    }

    fn line(&self, text: String) {
        if self.quiet {
            return;
        }
        let state = self.state.borrow();
        match (&state.bar, self.terminal) {
            (Some(bar), true) => bar.println(text),
            (_, true) => eprintln!("{text}"),
            (_, false) => eprintln!("{} {text}", clock()),
        }
    }

    fn finish_bar(&self) {
        if let Some(bar) = self.state.borrow_mut().bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl EventSink for Renderer {
    fn emit(&self, event: Event) {
        match event {
            Event::RunStarted { job, .. } => self.line(format!("running {job}")),
            Event::Fresh { stage } => self.line(format!("fresh   {stage}")),
            Event::Skipped { stage, reason } => self.line(format!("skip    {stage}: {reason}")),
            Event::Dirty { stage, reasons } => {
                self.line(format!("dirty   {stage}: {}", reasons.join("; ")))
            }
            Event::OutOfRange { stage, reasons } => self.line(format!(
                "dirty   {stage}: {} (not run: outside --from/--until)",
                reasons.join("; ")
            )),
            Event::Started { stage } => {
                self.state
                    .borrow_mut()
                    .started
                    .insert(stage, Instant::now());
                if self.terminal && !self.quiet {
                    let bar =
                        ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::stderr());
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{prefix:22} [{bar:30}] {percent:>3}%  {elapsed} elapsed, eta {eta}  {msg}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                    );
                    bar.set_prefix(stage.to_string());
                    bar.enable_steady_tick(Duration::from_millis(200));
                    self.state.borrow_mut().bar = Some(bar);
                } else {
                    self.line(format!("start   {stage}"));
                }
            }
            Event::Progress {
                stage,
                fraction,
                note,
            } => {
                if let Some(bar) = &self.state.borrow().bar {
                    bar.set_position((fraction * 1000.0) as u64);
                    bar.set_message(note);
                    return;
                }
                let now = Instant::now();
                let show = {
                    let state = self.state.borrow();
                    match state.last_line.get(&stage) {
                        None => true,
                        Some((t, f)) => {
                            fraction - f >= 0.1 || now.duration_since(*t) >= Duration::from_secs(5)
                        }
                    }
                };
                if show && fraction < 1.0 {
                    let elapsed = self.state.borrow().started.get(&stage).map(|t| t.elapsed());
                    let eta = elapsed.filter(|_| fraction > 0.01).map(|e| {
                        Duration::from_secs_f64(e.as_secs_f64() * (1.0 - fraction) / fraction)
                    });
                    self.state
                        .borrow_mut()
                        .last_line
                        .insert(stage, (now, fraction));
                    self.line(format!(
                        "        {stage} {:>3.0}%  {} elapsed, eta {}  {note}",
                        fraction * 100.0,
                        elapsed.map_or_else(|| "-".into(), secs),
                        eta.map_or_else(|| "-".into(), secs),
                    ));
                }
            }
            Event::Note { stage, message } => self.line(format!("        {stage}: {message}")),
            Event::Finished { stage, elapsed } => {
                self.finish_bar();
                self.line(format!("done    {stage} in {}", secs(elapsed)));
            }
            Event::Failed { stage, error } => {
                self.finish_bar();
                self.line(format!("FAILED  {stage}: {error}"));
            }
            Event::RunFinished {
                ran,
                fresh,
                skipped,
                elapsed,
            } => self.line(format!(
                "finished in {}: {ran} ran, {fresh} fresh, {skipped} skipped",
                secs(elapsed)
            )),
        }
    }
}
