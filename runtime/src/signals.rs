//! `Signals`: SIGINT/SIGTERM handling with async-signal-safe state only. The first signal
//! sets a flag the scheduler polls (stop dispatching, terminate children, write the
//! report); a second SIGINT kills every registered process group at once and exits.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};

use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::unistd::Pid;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static COUNT: AtomicUsize = AtomicUsize::new(0);
const SLOTS: usize = 1024;
static GROUPS: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];

/// Process-wide signal state.
pub struct Signals;

impl Signals {
    /// Installs the handlers for SIGINT and SIGTERM (the CLI does this once).
    pub fn install() -> nix::Result<()> {
        let action = SigAction::new(SigHandler::Handler(on_signal), SaFlags::SA_RESTART, SigSet::empty());
        // SAFETY: the handler only touches atomics and calls kill(2) and _exit(2), which
        // are async-signal-safe.
        unsafe {
            signal::sigaction(Signal::SIGINT, &action)?;
            signal::sigaction(Signal::SIGTERM, &action)?;
        }
        Ok(())
    }

    pub fn interrupted() -> bool {
        INTERRUPTED.load(Ordering::SeqCst)
    }

    /// Registers a running process group so a second SIGINT can kill it; returns its slot.
    pub(crate) fn register_group(pgid: i32) -> Option<usize> {
        GROUPS.iter().position(|g| g.compare_exchange(0, pgid, Ordering::SeqCst, Ordering::SeqCst).is_ok())
    }

    pub(crate) fn unregister_group(slot: Option<usize>) {
        if let Some(s) = slot {
            GROUPS[s].store(0, Ordering::SeqCst);
        }
    }
}

extern "C" fn on_signal(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
    if COUNT.fetch_add(1, Ordering::SeqCst) >= 1 {
        for g in &GROUPS {
            let pgid = g.load(Ordering::SeqCst);
            if pgid > 0 {
                let _ = signal::killpg(Pid::from_raw(pgid), Signal::SIGKILL);
            }
        }
        // SAFETY: _exit is async-signal-safe; 130 is the shell's code for SIGINT.
        unsafe { libc::_exit(130) };
    }
}
