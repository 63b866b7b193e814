//! A thread of its own with a plain connection to the SQLite file (rusqlite), for the hot
//! paths whose transactions are short and frequent.
//!
//! Through the pool, every statement is a round trip to the connection's worker thread and
//! back to the async runtime: two thread switches, each waking a thread on a core that is
//! busy with something else. A transaction of six statements costs twelve. Here a whole
//! transaction is one closure, run on this thread in one hand-over, and its answer comes
//! back in one more.
//!
//! The connection has the pool's durability (write-ahead log, a full fsync at each commit)
//! and its busy timeout, so its writers queue behind the pool's and the other way round.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;

/// How long a writer waits for SQLite's write lock, as the pool's connections do.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens `path` read-write with the pool's settings: write-ahead log, full fsync at each
/// commit, foreign keys enforced and the busy timeout.
pub fn open_sqlite(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// The job gave no answer: it panicked, or the thread could not be reached. The caller
/// should answer as if the database were unavailable.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the SQLite thread gave no answer")]
pub struct ThreadStopped;

/// The sending end of the thread; the thread ends when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct SqliteThread {
    jobs: mpsc::Sender<Job>,
}

impl SqliteThread {
    /// Opens the file and starts the thread, named `name`.
    pub fn start(path: &Path, name: &str) -> std::io::Result<Self> {
        let mut conn = open_sqlite(path).map_err(std::io::Error::other)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                for job in queue {
                    run_one(job, &mut conn);
                }
            })?;
        Ok(Self { jobs })
    }

    /// Runs `work` on the thread and returns what it returned. Jobs run one at a time, in
    /// the order they were sent; a job should open and finish its own transaction.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> T + Send + 'static,
    ) -> Result<T, ThreadStopped> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            // The caller may have gone (a closed connection); its work is done regardless.
            let _ = reply.send(work(conn));
        });
        self.jobs.send(job).map_err(|_| ThreadStopped)?;
        answer.await.map_err(|_| ThreadStopped)
    }
}

/// Runs one job; a job that panics loses its own answer (its caller is told), its open
/// transaction is rolled back, and the next job runs on the same connection.
fn run_one(job: Job, conn: &mut Connection) {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(conn)));
    if outcome.is_err() {
        tracing::error!("a job on the SQLite thread panicked; its transaction is rolled back");
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_in_order_on_a_connection_with_the_pools_settings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        Connection::open(&path).unwrap();
        let thread = SqliteThread::start(&path, "test-sqlite").unwrap();
        let settings = thread
            .run(|conn| {
                let mode: String = conn
                    .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                    .unwrap();
                let sync: i64 = conn
                    .query_row("PRAGMA synchronous", [], |r| r.get(0))
                    .unwrap();
                let keys: i64 = conn
                    .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
                    .unwrap();
                (mode, sync, keys)
            })
            .await
            .unwrap();
        assert_eq!(settings, ("wal".to_owned(), 2, 1));

        thread
            .run(|conn| conn.execute_batch("CREATE TABLE t (n INTEGER)").unwrap())
            .await
            .unwrap();
        let writes = (0..20).map(|n| {
            thread.run(move |conn| conn.execute("INSERT INTO t VALUES (?1)", [n]).unwrap())
        });
        futures_util::future::join_all(writes).await;
        let order: Vec<i64> = thread
            .run(|conn| {
                let mut query = conn.prepare("SELECT n FROM t ORDER BY rowid").unwrap();
                query
                    .query_map([], |r| r.get(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect()
            })
            .await
            .unwrap();
        assert_eq!(order, (0..20).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_job_that_panics_mid_transaction_is_rolled_back_and_the_next_runs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (n INTEGER)")
            .unwrap();
        let thread = SqliteThread::start(&path, "test-sqlite").unwrap();
        let failed = thread
            .run(|conn| -> i64 {
                conn.execute_batch("BEGIN IMMEDIATE; INSERT INTO t VALUES (1)")
                    .unwrap();
                panic!("a bug in a job");
            })
            .await;
        assert!(failed.is_err(), "the caller of a job that panicked is told");
        let rows: i64 = thread
            .run(|conn| conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rows, 0, "the half-done transaction was rolled back");
    }
}
