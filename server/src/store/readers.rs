//! SQLite connections for the hot reads (the online gate, code exchange), outside the pool.
//!
//! sqlx's pool pings every connection it takes back (a round trip to the connection's worker thread, in a
//! task of its own) — on SQLite, where each statement already costs two thread switches, that doubled the
//! cost of a one-statement read. These connections are handed out and taken back without it. A read whose
//! future is dropped mid-statement leaves the connection usable: the worker finishes or drops the statement
//! before it takes the next command.

use super::{StoreError, StoreResult};
use sqlx::AnyConnection;
use std::fmt;
use std::sync::Mutex;
use tokio::sync::{Semaphore, SemaphorePermit};

/// A few connections for reads. SQLite only.
pub(crate) struct Readers {
    idle: Mutex<Vec<AnyConnection>>,
    permits: Semaphore,
}

impl fmt::Debug for Readers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Readers")
            .field("available", &self.permits.available_permits())
            .finish_non_exhaustive()
    }
}

/// A connection lent by [`Readers`]; given back when dropped.
pub struct ReadConn<'a> {
    conn: Option<AnyConnection>,
    readers: &'a Readers,
    _permit: SemaphorePermit<'a>,
}

impl Readers {
    pub(crate) fn new(conns: Vec<AnyConnection>) -> Readers {
        Readers {
            permits: Semaphore::new(conns.len()),
            idle: Mutex::new(conns),
        }
    }

    /// Waits for a free connection.
    pub(crate) async fn get(&self) -> StoreResult<ReadConn<'_>> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::Commit("the store is closed".into()))?;
        let conn = self
            .idle
            .lock()
            .ok()
            .and_then(|mut idle| idle.pop())
            .ok_or_else(|| StoreError::Commit("no read connection".into()))?;
        Ok(ReadConn {
            conn: Some(conn),
            readers: self,
            _permit: permit,
        })
    }

    /// Closes the connections; later reads fail.
    pub(crate) async fn close(&self) {
        self.permits.close();
        let conns: Vec<AnyConnection> = match self.idle.lock() {
            Ok(mut idle) => idle.drain(..).collect(),
            Err(_) => Vec::new(),
        };
        for conn in conns {
            let _ = sqlx::Connection::close(conn).await;
        }
    }
}

impl Drop for ReadConn<'_> {
    fn drop(&mut self) {
        if let (Some(conn), Ok(mut idle)) = (self.conn.take(), self.readers.idle.lock()) {
            idle.push(conn);
        }
    }
}

impl ReadConn<'_> {
    /// The connection, as an executor: `.fetch_optional(read.conn()?)`.
    pub fn conn(&mut self) -> StoreResult<&mut AnyConnection> {
        self.conn
            .as_mut()
            .ok_or_else(|| StoreError::Commit("read connection given back".into()))
    }
}
