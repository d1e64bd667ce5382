//! `ProcessRunner`: the real `CommandRunner`. Every command starts in its own process
//! group; a watchdog thread sends SIGTERM to the whole group at its deadline or on
//! cancel, then SIGKILL after a grace period; when the shell exits, whatever it left in
//! its group is killed too, so no process of an action outlives it.

use std::collections::HashMap;
use std::fs;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::Pid;

use crate::command_runner::{CommandOutcome, CommandRunner, CommandSpec, RunnerError};
use crate::signals::Signals;

pub struct ProcessRunner {
    shared: Arc<Shared>,
    watchdog: Option<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    grace: Duration,
}

#[derive(Default)]
struct State {
    next_id: u64,
    procs: HashMap<u64, Proc>,
    cancelled: bool,
    shutdown: bool,
}

struct Proc {
    pgid: Pid,
    deadline: Option<Instant>,
    kill_at: Option<Instant>,
    reason: Option<CommandOutcome>,
}

impl ProcessRunner {
    /// `grace`: how long a group has between SIGTERM and SIGKILL.
    pub fn new(grace: Duration) -> ProcessRunner {
        let shared = Arc::new(Shared { state: Mutex::default(), wake: Condvar::new(), grace });
        let watchdog = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("planc-watchdog".into())
                .spawn(move || watch(&shared))
                .expect("spawn the watchdog thread")
        };
        ProcessRunner { shared, watchdog: Some(watchdog) }
    }
}

impl Default for ProcessRunner {
    fn default() -> ProcessRunner {
        ProcessRunner::new(Duration::from_secs(3))
    }
}

fn watch(shared: &Shared) {
    let mut st = shared.state.lock().unwrap();
    loop {
        if st.shutdown {
            return;
        }
        let now = Instant::now();
        let mut next: Option<Instant> = None;
        for p in st.procs.values_mut() {
            if let Some(k) = p.kill_at {
                if now >= k {
                    let _ = killpg(p.pgid, Signal::SIGKILL);
                    // Again every grace period until the shell is reaped.
                    p.kill_at = Some(now + shared.grace);
                }
            } else if let Some(d) = p.deadline
                && now >= d
            {
                p.reason.get_or_insert(CommandOutcome::TimedOut);
                let _ = killpg(p.pgid, Signal::SIGTERM);
                p.kill_at = Some(now + shared.grace);
            }
            let due = p.kill_at.or(p.deadline);
            if let Some(due) = due {
                next = Some(next.map_or(due, |n| n.min(due)));
            }
        }
        st = match next {
            Some(n) => shared.wake.wait_timeout(st, n.saturating_duration_since(now)).unwrap().0,
            None => shared.wake.wait(st).unwrap(),
        };
    }
}

impl CommandRunner for ProcessRunner {
    fn run(&self, spec: &CommandSpec) -> Result<CommandOutcome, RunnerError> {
        if self.shared.state.lock().unwrap().cancelled {
            return Ok(CommandOutcome::Cancelled);
        }
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&spec.log)
            .map_err(|source| RunnerError::Log { path: spec.log.clone(), source })?;
        let log_err = log.try_clone().map_err(|source| RunnerError::Log { path: spec.log.clone(), source })?;

        let (pid, child) = match &spec.sandbox {
            None => {
                let child = Command::new("/bin/sh")
                    .arg("-c")
                    .arg(&spec.script)
                    .env_clear()
                    .envs(spec.env.iter().map(|(k, v)| (k, v)))
                    .current_dir(&spec.cwd)
                    .stdin(Stdio::null())
                    .stdout(log)
                    .stderr(log_err)
                    .process_group(0)
                    .spawn()
                    .map_err(RunnerError::Spawn)?;
                (Pid::from_raw(child.id() as i32), Some(child))
            }
            Some(sandbox) => (sandbox.spawn(spec, &log)?, None),
        };

        let id = {
            let mut st = self.shared.state.lock().unwrap();
            st.next_id += 1;
            let id = st.next_id;
            let now = Instant::now();
            let mut proc = Proc {
                pgid: pid,
                deadline: spec.timeout.map(|t| now + t),
                kill_at: None,
                reason: None,
            };
            if st.cancelled {
                proc.reason = Some(CommandOutcome::Cancelled);
                proc.deadline = Some(now);
            }
            st.procs.insert(id, proc);
            self.shared.wake.notify_one();
            id
        };
        let slot = Signals::register_group(pid.as_raw());

        let status = match child {
            Some(mut child) => child.wait().map(|s| {
                use std::os::unix::process::ExitStatusExt;
                match (s.code(), s.signal()) {
                    (Some(c), _) => CommandOutcome::Exited(c),
                    (None, Some(sig)) => CommandOutcome::Signaled(sig),
                    _ => CommandOutcome::Exited(-1),
                }
            })
            .map_err(|e| e.to_string()),
            None => loop {
                match waitpid(pid, None) {
                    Ok(WaitStatus::Exited(_, c)) => break Ok(CommandOutcome::Exited(c)),
                    Ok(WaitStatus::Signaled(_, s, _)) => break Ok(CommandOutcome::Signaled(s as i32)),
                    Ok(_) | Err(Errno::EINTR) => continue,
                    Err(e) => break Err(e.to_string()),
                }
            },
        };
        // Whatever the shell left behind in its group dies with it.
        let _ = killpg(pid, Signal::SIGKILL);
        Signals::unregister_group(slot);
        let reason = self.shared.state.lock().unwrap().procs.remove(&id).and_then(|p| p.reason);
        let status = status.map_err(RunnerError::Wait)?;
        Ok(match reason {
            Some(r) if !status.success() => r,
            _ => status,
        })
    }

    fn cancel_all(&self) {
        let mut st = self.shared.state.lock().unwrap();
        st.cancelled = true;
        let now = Instant::now();
        for p in st.procs.values_mut() {
            p.reason.get_or_insert(CommandOutcome::Cancelled);
            if p.kill_at.is_none() {
                p.deadline = Some(now);
            }
        }
        self.shared.wake.notify_one();
    }
}

impl Drop for ProcessRunner {
    fn drop(&mut self) {
        self.shared.state.lock().unwrap().shutdown = true;
        self.shared.wake.notify_one();
        if let Some(w) = self.watchdog.take() {
            let _ = w.join();
        }
    }
}

#[cfg(test)]
mod tests;
