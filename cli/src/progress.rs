//! What a long command shows while it works, on stderr: a bar per phase on
//! a terminal (proof of work in checkpoints, hashing in files, uploading in
//! bytes; a spinner for one-step phases such as bundling), one plain line
//! when a phase starts and ends otherwise, nothing with `--json`. The bars
//! use no colour, so `NO_COLOR` has nothing to turn off there (clap honours
//! it for `--help`).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;

use boardingpass::{Phase, Progress, ProgressEvent};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    Bars,
    Lines,
    Silent,
}

impl Display {
    /// Bars when stderr is a terminal, lines when it is not, nothing for `--json`.
    pub fn for_output(json: bool) -> Self {
        match (json, std::io::stderr().is_terminal()) {
            (true, _) => Self::Silent,
            (false, true) => Self::Bars,
            (false, false) => Self::Lines,
        }
    }
}

/// A command's progress callback and its other stderr lines, which must
/// not tear the bars.
pub struct Reporter {
    progress: Progress,
    bars: Option<std::sync::Arc<Bars>>,
}

impl Reporter {
    pub fn new(display: Display) -> Self {
        match display {
            Display::Silent => Self { progress: Progress::none(), bars: None },
            Display::Lines => Self {
                progress: Progress::new(|e| {
                    if let Some(line) = line(e.phase, e.done, e.total) {
                        eprintln!("{line}");
                    }
                }),
                bars: None,
            },
            Display::Bars => {
                let bars = std::sync::Arc::new(Bars::default());
                let shown = bars.clone();
                Self { progress: Progress::new(move |e| shown.show(e)), bars: Some(bars) }
            }
        }
    }

    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }

    /// A line on stderr, printed above the bars when there are some.
    pub fn note(&self, text: &str) {
        match &self.bars {
            Some(bars) => bars.multi.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        }
    }
}

/// What `done`/`total` count in a phase (core's `Phase` docs); `None` for one-step phases.
fn unit(phase: Phase) -> Option<&'static str> {
    match phase {
        Phase::ProofOfWork => Some("checkpoints"),
        Phase::Hashing => Some("files"),
        Phase::Uploading => Some("bytes"),
        _ => None,
    }
}

fn name(phase: Phase) -> String {
    phase.as_str().replace('_', " ")
}

/// The plain line for an event: one when a phase starts, one when it ends.
fn line(phase: Phase, done: u64, total: u64) -> Option<String> {
    let counted = unit(phase).map(|u| format!(" ({done}/{total} {u})")).unwrap_or_default();
    if done >= total {
        Some(format!("{} done{counted}", name(phase)))
    } else if done == 0 {
        Some(format!("{} ...{counted}", name(phase)))
    } else {
        None
    }
}

/// One line per phase, drawn together (phases overlap: hashing runs during the proof of work).
#[derive(Default)]
struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<Phase, ProgressBar>>,
}

impl Bars {
    fn show(&self, e: ProgressEvent) {
        let mut bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        let bar = bars.entry(e.phase).or_insert_with(|| self.multi.add(new_bar(e)));
        bar.set_length(e.total);
        bar.set_position(e.done);
        if e.done >= e.total {
            bar.finish_with_message(format!("{} done", name(e.phase)));
        }
    }
}

fn new_bar(e: ProgressEvent) -> ProgressBar {
    let template = match unit(e.phase) {
        Some("bytes") => "{msg:>16} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
        Some(_) => "{msg:>16} [{bar:30}] {human_pos}/{human_len} {prefix}",
        None => "{msg:>16} {spinner}",
    };
    let style = ProgressStyle::with_template(template).expect("the templates are valid").progress_chars("=> ");
    let bar = ProgressBar::new(e.total).with_style(style).with_message(name(e.phase)).with_prefix(unit(e.phase).unwrap_or(""));
    if unit(e.phase).is_none() {
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_mark_the_start_and_end_of_each_phase() {
        assert_eq!(line(Phase::ProofOfWork, 0, 1000).unwrap(), "proof of work ... (0/1000 checkpoints)");
        assert_eq!(line(Phase::ProofOfWork, 500, 1000), None);
        assert_eq!(line(Phase::ProofOfWork, 1000, 1000).unwrap(), "proof of work done (1000/1000 checkpoints)");
        assert_eq!(line(Phase::Bundle, 1, 1).unwrap(), "bundle done");
        assert_eq!(line(Phase::Uploading, 0, 2048).unwrap(), "uploading ... (0/2048 bytes)");
    }

    #[test]
    fn json_output_shows_no_progress() {
        assert_eq!(Display::for_output(true), Display::Silent);
    }
}
