//! The planc runtime: executes a staged DAG with a worker pool and a content-addressed cache.

mod action_key;
mod agent;
mod dag_builder;
mod dry_agent;
mod run_config;
mod scheduler;
mod selection;
mod atomic_file;
mod command_runner;
mod content_store;
mod digest;
mod process_runner;
mod sandbox;
mod signals;
#[cfg(test)]
mod test_dir;
mod tree_archive;

pub use action_key::{ActionKey, Checks, ConsumedDigest};
pub use command_runner::{CommandOutcome, CommandRunner, CommandSpec, FakeRunner, RunnerError};
pub use content_store::{ActionEntry, ContentStore, DiskStore, MemoryStore, OutputDigest, StoreError};
pub use digest::Digest;
pub use process_runner::ProcessRunner;
pub use sandbox::{SandboxError, SandboxSpec};
pub use signals::Signals;
pub use tree_archive::TreeArchive;
pub use agent::{Agent, Completion, Failure, FailureKind, JobResult, Prepared};
pub use dag_builder::DagBuilder;
pub use dry_agent::{DryAgent, Scripted};
pub use run_config::*;
pub use scheduler::{ActionRecord, NoObserver, Observer, ScheduleConfig, ScheduleOutcome, Scheduler, Status, StopReason};
pub use selection::{Selection, SelectionError};
