//! `SandboxSpec`: runs a command in new user, mount, pid and network namespaces, with
//! every host mount read-only except the given writable directories, and no network.
//!
//! The child is made with fork(2): after `unshare`, it writes its uid/gid maps, makes
//! the mounts, then forks again so the shell is pid 1 of the new pid namespace (when it
//! exits the kernel kills everything left in the namespace). Between fork and exec the
//! code only makes raw system calls on data prepared before the fork.

use std::ffi::{CString, c_char};
use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use nix::mount::MsFlags;
use nix::sched::CloneFlags;
use nix::unistd::{ForkResult, Pid};

use crate::command_runner::CommandSpec;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxSpec {
    /// Directories the command may write (the work dir, its outputs).
    pub writable: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(
        "the sandbox needs unprivileged user namespaces, which this machine does not allow ({0})\n\
         help: enable them (sysctl kernel.unprivileged_userns_clone=1 or user.max_user_namespaces > 0) or run without --sandbox"
    )]
    Unavailable(String),
    #[error("sandbox setup: {0}")]
    Setup(String),
}

/// A host mount point and the flags it must keep when remounted read-only.
struct MountPoint {
    path: CString,
    keep: MsFlags,
}

impl SandboxSpec {
    /// Checks that this machine can create the namespaces, with a throwaway child.
    pub fn probe() -> Result<(), SandboxError> {
        // SAFETY: the child only calls unshare and _exit.
        match unsafe { nix::unistd::fork() } {
            Ok(ForkResult::Child) => {
                let flags = CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNS | CloneFlags::CLONE_NEWNET | CloneFlags::CLONE_NEWPID;
                let code = if nix::sched::unshare(flags).is_ok() { 0 } else { 1 };
                unsafe { libc::_exit(code) }
            }
            Ok(ForkResult::Parent { child }) => match nix::sys::wait::waitpid(child, None) {
                Ok(nix::sys::wait::WaitStatus::Exited(_, 0)) => Ok(()),
                _ => Err(SandboxError::Unavailable("unshare(CLONE_NEWUSER) was refused".into())),
            },
            Err(e) => Err(SandboxError::Setup(format!("fork: {e}"))),
        }
    }

    /// Starts `spec` in the sandbox, in its own process group; returns the pid to wait for.
    pub(crate) fn spawn(&self, spec: &CommandSpec, log: &File) -> Result<Pid, SandboxError> {
        let cstr = |b: &[u8]| CString::new(b).map_err(|_| SandboxError::Setup("a NUL byte in a command, path or variable".into()));
        let sh = cstr(b"/bin/sh")?;
        let argv_c = [cstr(b"sh")?, cstr(b"-c")?, cstr(spec.script.as_bytes())?];
        let envp_c = spec
            .env
            .iter()
            .map(|(k, v)| cstr(&[k.as_bytes(), b"=", v.as_bytes()].concat()))
            .collect::<Result<Vec<_>, _>>()?;
        let mut argv: Vec<*const c_char> = argv_c.iter().map(|c| c.as_ptr()).collect();
        argv.push(std::ptr::null());
        let mut envp: Vec<*const c_char> = envp_c.iter().map(|c| c.as_ptr()).collect();
        envp.push(std::ptr::null());
        let cwd = cstr(spec.cwd.as_os_str().as_bytes())?;
        let writable = self
            .writable
            .iter()
            .map(|w| cstr(w.as_os_str().as_bytes()))
            .collect::<Result<Vec<_>, _>>()?;
        let mounts = host_mounts()?;
        let uid = nix::unistd::getuid().as_raw();
        let gid = nix::unistd::getgid().as_raw();
        let uid_map = format!("{uid} {uid} 1\n");
        let gid_map = format!("{gid} {gid} 1\n");
        let log_fd = log.as_raw_fd();
        let devnull = cstr(b"/dev/null")?;

        // SAFETY: after fork the child only makes raw system calls on the data above and
        // leaves by exec or _exit.
        match unsafe { nix::unistd::fork() } {
            Err(e) => Err(SandboxError::Setup(format!("fork: {e}"))),
            Ok(ForkResult::Parent { child }) => {
                let _ = nix::unistd::setpgid(child, child);
                Ok(child)
            }
            Ok(ForkResult::Child) => unsafe {
                libc::setpgid(0, 0);
                libc::dup2(log_fd, 1);
                libc::dup2(log_fd, 2);
                let fail = |msg: &[u8]| -> ! {
                    libc::write(2, msg.as_ptr().cast(), msg.len());
                    libc::_exit(125)
                };
                let flags = libc::CLONE_NEWUSER | libc::CLONE_NEWNS | libc::CLONE_NEWNET | libc::CLONE_NEWPID;
                if libc::unshare(flags) != 0 {
                    fail(b"planc sandbox: unshare failed (unprivileged user namespaces unavailable)\n");
                }
                write_file(c"/proc/self/setgroups", b"deny");
                if !write_file(c"/proc/self/uid_map", uid_map.as_bytes())
                    || !write_file(c"/proc/self/gid_map", gid_map.as_bytes())
                {
                    fail(b"planc sandbox: cannot write the uid/gid maps\n");
                }
                if libc::mount(std::ptr::null(), c"/".as_ptr(), std::ptr::null(), (MsFlags::MS_REC | MsFlags::MS_PRIVATE).bits(), std::ptr::null()) != 0 {
                    fail(b"planc sandbox: cannot make / private\n");
                }
                for w in &writable {
                    if libc::mount(w.as_ptr(), w.as_ptr(), std::ptr::null(), (MsFlags::MS_BIND | MsFlags::MS_REC).bits(), std::ptr::null()) != 0 {
                        fail(b"planc sandbox: cannot bind a writable directory\n");
                    }
                }
                for m in &mounts {
                    let f = MsFlags::MS_REMOUNT | MsFlags::MS_BIND | MsFlags::MS_RDONLY | m.keep;
                    let rc = libc::mount(std::ptr::null(), m.path.as_ptr(), std::ptr::null(), f.bits(), std::ptr::null());
                    if rc != 0 && m.path.as_bytes() == b"/" {
                        fail(b"planc sandbox: cannot make / read-only\n");
                    }
                }
                // The writable binds were copied read-only from their parents' flags:
                // make them writable again.
                for w in &writable {
                    let mut st: libc::statvfs = std::mem::zeroed();
                    let keep = if libc::statvfs(w.as_ptr(), &mut st) == 0 { keep_flags(st.f_flag) } else { MsFlags::empty() };
                    let f = MsFlags::MS_REMOUNT | MsFlags::MS_BIND | keep;
                    if libc::mount(std::ptr::null(), w.as_ptr(), std::ptr::null(), f.bits(), std::ptr::null()) != 0 {
                        fail(b"planc sandbox: cannot make a writable directory writable\n");
                    }
                }
                match libc::fork() {
                    -1 => fail(b"planc sandbox: fork into the pid namespace failed\n"),
                    0 => {
                        let null = libc::open(devnull.as_ptr(), libc::O_RDONLY);
                        if null >= 0 {
                            libc::dup2(null, 0);
                        }
                        if libc::chdir(cwd.as_ptr()) != 0 {
                            fail(b"planc sandbox: cannot enter the work dir\n");
                        }
                        libc::execve(sh.as_ptr(), argv.as_ptr(), envp.as_ptr());
                        fail(b"planc sandbox: cannot exec /bin/sh\n");
                    }
                    inner => {
                        let mut status = 0;
                        while libc::waitpid(inner, &mut status, 0) < 0 {}
                        if libc::WIFEXITED(status) {
                            libc::_exit(libc::WEXITSTATUS(status));
                        }
                        libc::_exit(128 + libc::WTERMSIG(status));
                    }
                }
            },
        }
    }
}

/// Writes `bytes` to `path` with raw calls; true on success.
unsafe fn write_file(path: &std::ffi::CStr, bytes: &[u8]) -> bool {
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY);
        if fd < 0 {
            return false;
        }
        let ok = libc::write(fd, bytes.as_ptr().cast(), bytes.len()) == bytes.len() as isize;
        libc::close(fd);
        ok
    }
}

/// The mount flags a remount inside a user namespace must keep (they are locked).
fn keep_flags(f_flag: libc::c_ulong) -> MsFlags {
    let mut keep = MsFlags::empty();
    for (st, ms) in [
        (libc::ST_NOSUID, MsFlags::MS_NOSUID),
        (libc::ST_NODEV, MsFlags::MS_NODEV),
        (libc::ST_NOEXEC, MsFlags::MS_NOEXEC),
        (libc::ST_NOATIME, MsFlags::MS_NOATIME),
        (libc::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
        (libc::ST_RELATIME, MsFlags::MS_RELATIME),
    ] {
        if f_flag & st != 0 {
            keep |= ms;
        }
    }
    keep
}

/// Every mount point of the host except the kernel's pseudo file systems.
fn host_mounts() -> Result<Vec<MountPoint>, SandboxError> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").map_err(|e| SandboxError::Setup(format!("read mountinfo: {e}")))?;
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(path) = line.split(' ').nth(4) else { continue };
        let path = path.replace("\\040", " ");
        if ["/proc", "/sys", "/dev"].iter().any(|p| path == *p || path.starts_with(&format!("{p}/"))) {
            continue;
        }
        let Ok(c) = CString::new(path.clone()) else { continue };
        let keep = nix::sys::statvfs::statvfs(path.as_str()).map(|s| keep_flags(s.flags().bits())).unwrap_or(MsFlags::empty());
        out.push(MountPoint { path: c, keep });
    }
    Ok(out)
}
