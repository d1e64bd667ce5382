//! The database shared by the CLI and the language server.

use std::sync::{Arc, Mutex};

use crate::merged::MergeMemo;
use crate::planner::PlanMemo;

/// The compiler's database trait: every tracked function takes `&dyn Db`.
#[salsa::db]
pub trait Db: salsa::Database {
    /// What planning keeps between plans (see [`PlanMemo`]).
    fn plan_memo(&self) -> &Mutex<PlanMemo>;
    /// The last merged plan, which the next merge patches when it can (see [`MergeMemo`]).
    fn merge_memo(&self) -> &Mutex<MergeMemo>;
}

/// The one database implementation.
#[salsa::db]
#[derive(Clone, Default)]
pub struct Database {
    storage: salsa::Storage<Self>,
    /// Names of the queries executed since logging was enabled (incrementality tests).
    log: Option<Arc<Mutex<Vec<String>>>>,
    plan_memo: Arc<Mutex<PlanMemo>>,
    merge_memo: Arc<Mutex<MergeMemo>>,
}

impl Database {
    pub fn new() -> Database {
        Database::default()
    }

    /// A database that records every query execution, for incrementality tests.
    pub fn with_execution_log() -> Database {
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = log.clone();
        let storage = salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind
                && let Ok(mut log) = sink.lock()
            {
                log.push(format!("{database_key:?}"));
            }
        })));
        Database { storage, log: Some(log), plan_memo: Arc::default(), merge_memo: Arc::default() }
    }

    /// The queries executed since the last call.
    pub fn take_execution_log(&self) -> Vec<String> {
        match &self.log {
            Some(log) => log.lock().map(|mut l| std::mem::take(&mut *l)).unwrap_or_default(),
            None => Vec::new(),
        }
    }
}

#[salsa::db]
impl salsa::Database for Database {}

#[salsa::db]
impl Db for Database {
    fn plan_memo(&self) -> &Mutex<PlanMemo> {
        &self.plan_memo
    }

    fn merge_memo(&self) -> &Mutex<MergeMemo> {
        &self.merge_memo
    }
}
