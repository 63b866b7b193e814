//! The one database handle for SQLite and PostgreSQL.
//!
//! Queries are written once in portable SQL (`$1` placeholders, `TEXT` ids, `BIGINT`
//! millisecond times) and run through sqlx's `Any` driver; the rare dialect difference is a
//! visible `match db.dialect()`. Only `store` modules (and this module) hold SQL.

pub mod idempotency;
pub mod key_check;
pub mod lease;
pub mod migrate;
pub mod sqlite_thread;

use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};

use crate::config::{Config, Secret};
pub use sqlite_thread::{SqliteThread, ThreadStopped, open_sqlite};

pub use sqlx::Any;

/// A transaction on either engine; dropping it uncommitted rolls it back.
pub type Transaction = sqlx::Transaction<'static, Any>;

/// Which engine is behind the handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    fn of(url: &str) -> Option<Self> {
        match url.split(':').next() {
            Some("sqlite") => Some(Self::Sqlite),
            Some("postgres" | "postgresql") => Some(Self::Postgres),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// A pool of connections to Rampart's database.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    dialect: Dialect,
    /// The database file, on SQLite.
    sqlite_path: Option<PathBuf>,
    /// A connection of its own to that file, on a thread of its own, for short hot
    /// transactions (see [`SqliteThread`]).
    sqlite_thread: Option<SqliteThread>,
}

/// Storage errors, narrow on purpose: callers map `NotFound` and `Conflict` to 404 and 409.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("not found")]
    NotFound,
    #[error("conflicts with existing data ({0})")]
    Conflict(String),
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error: {0}")]
    Other(#[source] sqlx::Error),
    /// From a connection of SQLite's own (rusqlite); its text names SQL, never values.
    #[error("database error: {0}")]
    Sqlite(#[source] rusqlite::Error),
}

impl From<rusqlite::Error> for DbError {
    fn from(err: rusqlite::Error) -> Self {
        /// SQLITE_CONSTRAINT_PRIMARYKEY and SQLITE_CONSTRAINT_UNIQUE.
        const UNIQUE: [std::ffi::c_int; 2] = [1555, 2067];
        match err {
            rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::DatabaseBusy => {
                Self::Unavailable(sqlx::Error::Protocol("the SQLite database is busy".into()))
            }
            rusqlite::Error::SqliteFailure(e, _) if UNIQUE.contains(&e.extended_code) => {
                Self::Conflict("unique".into())
            }
            other => Self::Sqlite(other),
        }
    }
}

impl From<ThreadStopped> for DbError {
    fn from(err: ThreadStopped) -> Self {
        Self::Unavailable(sqlx::Error::Protocol(err.to_string()))
    }
}

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Self::Conflict(db.constraint().unwrap_or("unique").to_owned())
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Self::Unavailable(err)
            }
            other => Self::Other(other),
        }
    }
}

/// Statements run on every new SQLite connection: write-ahead logging so readers never
/// block the writer, full fsync so an acknowledged write survives power loss, and a busy
/// timeout so concurrent writers queue instead of failing. (Pages stay at SQLite's 4 KiB:
/// 8 KiB made bulk imports a tenth faster but every audited read's commit slower.)
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; \
    PRAGMA synchronous = FULL; \
    PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;";

impl Db {
    /// Connects to the configured database, creating the SQLite file and its folder.
    pub async fn connect(config: &Config) -> Result<Self, DbError> {
        let url = config.database_url();
        Self::connect_url(
            &url,
            config.database.max_connections,
            Duration::from_secs(config.database.acquire_timeout_secs),
        )
        .await
    }

    pub async fn connect_url(
        url: &Secret,
        max_connections: u32,
        acquire_timeout: Duration,
    ) -> Result<Self, DbError> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(install_default_drivers);
        let dialect = Dialect::of(url.expose()).ok_or_else(|| {
            DbError::Other(sqlx::Error::Configuration(
                "database.url must start with sqlite:// or postgres://".into(),
            ))
        })?;
        let mut options = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(acquire_timeout);
        let in_memory = url.expose().contains(":memory:") || url.expose().contains("mode=memory");
        let sqlite_path =
            (dialect == Dialect::Sqlite && !in_memory).then(|| sqlite_file(url.expose()));
        let url = match dialect {
            Dialect::Sqlite => {
                // A connection to a local file cannot have died in the pool the way a
                // network connection can; checking each one before use costs a round trip
                // to its worker thread on every acquire for nothing.
                options = options.test_before_acquire(false);
                options = options.after_connect(|conn, _meta| {
                    Box::pin(
                        async move { conn.execute(sqlx::raw_sql(SQLITE_PRAGMAS)).await.map(drop) },
                    )
                });
                sqlite_url_creating_folder(url.expose())?
            }
            Dialect::Postgres => url.expose().to_owned(),
        };
        let pool = options.connect(&url).await?;
        let sqlite_thread = match &sqlite_path {
            Some(path) => Some(
                SqliteThread::start(path, "rampart-sqlite")
                    .map_err(|err| DbError::Unavailable(sqlx::Error::Io(err)))?,
            ),
            None => None,
        };
        Ok(Self {
            pool,
            dialect,
            sqlite_path,
            sqlite_thread,
        })
    }

    /// The database file on SQLite (not for an in-memory database), for code that opens it
    /// directly: the audit log's verification, which reads millions of rows, and its
    /// group-commit writer.
    pub fn sqlite_path(&self) -> Option<&Path> {
        self.sqlite_path.as_deref()
    }

    /// The thread with a connection of its own to the SQLite file (not for PostgreSQL or an
    /// in-memory database): a whole transaction per hand-over.
    pub fn sqlite_thread(&self) -> Option<&SqliteThread> {
        self.sqlite_thread.as_ref()
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Starts a transaction; the domain operation that owns it commits or drops it. On
    /// SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a deferred transaction
    /// that reads and then writes fails with `SQLITE_BUSY_SNAPSHOT` when another connection
    /// wrote in between, while an immediate one waits its turn under the busy timeout.
    pub async fn begin(&self) -> Result<Transaction, DbError> {
        Ok(match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => self.pool.begin().await?,
        })
    }

    /// A connection from the pool, for reads that need no transaction.
    pub async fn connection(&self) -> Result<sqlx::pool::PoolConnection<Any>, DbError> {
        Ok(self.pool.acquire().await?)
    }

    /// A round trip to the database.
    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Connections open and idle, for metrics.
    pub fn pool_usage(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The file of an SQLite URL such as `sqlite://data/rampart.db?mode=rwc`.
fn sqlite_file(url: &str) -> PathBuf {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    PathBuf::from(path.split('?').next().unwrap_or(path))
}

/// Makes sure the folder of an SQLite file exists and asks sqlx to create the file.
fn sqlite_url_creating_folder(url: &str) -> Result<String, DbError> {
    let path = sqlite_file(url);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|err| DbError::Unavailable(sqlx::Error::Io(err)))?;
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}
