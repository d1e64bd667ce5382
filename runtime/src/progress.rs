//! `Progress`: live progress on stderr: on a TTY one status line (done/total, running
//! actions, ETA) redrawn in place; otherwise one plain line per finished action. A
//! failure prints the tail of the action's log.

use std::io::{IsTerminal, Write};
use std::time::Instant;

use compiler::dag::StagedDag;

use crate::agent::Failure;
use crate::run_config::ProgressMode;
use crate::scheduler::{ActionRecord, Observer, Status};

pub struct Progress<'a> {
    dag: &'a StagedDag,
    mode: Mode,
    total: usize,
    done: usize,
    running: Vec<usize>,
    started: Instant,
    last_draw: Option<Instant>,
    built_time: f64,
    built: usize,
}

#[derive(PartialEq, Eq)]
enum Mode {
    Line,
    Plain,
    Quiet,
}

impl<'a> Progress<'a> {
    pub fn new(dag: &'a StagedDag, total: usize, mode: ProgressMode) -> Progress<'a> {
        let mode = match mode {
            ProgressMode::Quiet => Mode::Quiet,
            ProgressMode::Plain => Mode::Plain,
            ProgressMode::Auto if std::io::stderr().is_terminal() => Mode::Line,
            ProgressMode::Auto => Mode::Plain,
        };
        Progress { dag, mode, total, done: 0, running: Vec::new(), started: Instant::now(), last_draw: None, built_time: 0.0, built: 0 }
    }

    fn draw(&mut self, force: bool) {
        if self.mode != Mode::Line {
            return;
        }
        let now = Instant::now();
        if !force && self.last_draw.is_some_and(|t| now.duration_since(t).as_millis() < 100) {
            return;
        }
        self.last_draw = Some(now);
        let names: Vec<&str> = self.running.iter().take(3).map(|&a| self.dag.actions[a].id.as_str()).collect();
        let eta = if self.built > 0 {
            let left = self.total.saturating_sub(self.done) as f64 * self.built_time / self.built as f64;
            format!(" ETA {:.0}s", left / self.running.len().max(1) as f64)
        } else {
            String::new()
        };
        let mut line = format!("[{}/{}] running {}{}", self.done, self.total, names.join(", "), eta);
        line.truncate(120);
        eprint!("\r\x1b[K{line}");
        let _ = std::io::stderr().flush();
    }

    pub fn clear(&mut self) {
        if self.mode == Mode::Line && self.last_draw.is_some() {
            eprint!("\r\x1b[K");
        }
    }

    fn line(&mut self, text: &str) {
        if self.mode == Mode::Quiet {
            return;
        }
        self.clear();
        eprintln!("{text}");
        self.draw(true);
    }
}

impl Observer for Progress<'_> {
    fn started(&mut self, action: usize, _attempt: u32) {
        self.running.push(action);
        self.draw(false);
    }

    fn finished(&mut self, action: usize, record: &ActionRecord) {
        self.running.retain(|&a| a != action);
        self.done += 1;
        let id = &self.dag.actions[action].id;
        match record.status {
            Status::Built => {
                self.built += 1;
                self.built_time += record.duration().as_secs_f64();
                if self.mode == Mode::Plain {
                    eprintln!("[{}/{}] built {id} ({:.1}s)", self.done, self.total, record.duration().as_secs_f64());
                }
                let _ = self.started;
                self.draw(false);
            }
            Status::Failed => {
                let f = record.failure.as_ref();
                let mut text = format!("error: `{id}` failed: {}", f.map_or("", |f| f.message.as_str()));
                if let Some(tail) = f.and_then(|f| f.log_tail.as_deref()) {
                    text.push_str("\n  log tail:\n");
                    for l in tail.lines() {
                        text.push_str("  | ");
                        text.push_str(l);
                        text.push('\n');
                    }
                    text.pop();
                }
                self.line(&text);
            }
            _ => self.draw(false),
        }
    }

    fn retrying(&mut self, action: usize, failure: &Failure, next_attempt: u32) {
        let id = &self.dag.actions[action].id;
        self.running.retain(|&a| a != action);
        self.line(&format!("warning: `{id}` failed ({}); retrying (attempt {next_attempt})", failure.message));
    }
}
