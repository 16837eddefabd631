//! What the pipeline tells its caller. The library never prints (DESIGN principle 2): it emits
//! events, and the CLI renders them as progress bars on a terminal or plain lines elsewhere.

use std::time::Duration;

use crate::stage_id::StageId;

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    RunStarted {
        job: String,
        stages: usize,
    },
    /// Up to date: nothing to do.
    Fresh {
        stage: StageId,
    },
    /// Not part of this job's work.
    Skipped {
        stage: StageId,
        reason: String,
    },
    /// Will run, for these reasons.
    Dirty {
        stage: StageId,
        reasons: Vec<String>,
    },
    /// Would run, but lies outside `--from`/`--until`.
    OutOfRange {
        stage: StageId,
        reasons: Vec<String>,
    },
    Started {
        stage: StageId,
    },
    /// `fraction` in 0..=1.
    Progress {
        stage: StageId,
        fraction: f64,
        note: String,
    },
    /// A line worth showing (what a stage decided, a fallback it took).
    Note {
        stage: StageId,
        message: String,
    },
    Finished {
        stage: StageId,
        elapsed: Duration,
    },
    Failed {
        stage: StageId,
        error: String,
    },
    RunFinished {
        ran: usize,
        fresh: usize,
        skipped: usize,
        elapsed: Duration,
    },
}

/// Receives events. Implemented for closures.
pub trait EventSink {
    fn emit(&self, event: Event);
}

impl<F: Fn(Event)> EventSink for F {
    fn emit(&self, event: Event) {
        self(event)
    }
}

/// Drops every event (library callers that do not care).
pub struct Quiet;

impl EventSink for Quiet {
    fn emit(&self, _: Event) {}
}
