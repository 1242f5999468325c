//! The SQLite writer: one dedicated connection, driven by a thread of its own, that runs the writes of this
//! process one after another, with group commit.
//!
//! SQLite has a single writer, and every commit with `synchronous=FULL` waits for an fsync of the WAL. The
//! writer therefore runs write *jobs* ([`super::Store::write`]) back to back inside one open transaction
//! (`BEGIN IMMEDIATE`), each job inside its own `SAVEPOINT` (so a job that fails or rolls back undoes only
//! its own statements; a kept savepoint is released together with the next job's `SAVEPOINT`, or by the
//! `COMMIT`, which saves a round trip to the connection's thread), and when no job is left in its queue it
//! commits once for the whole batch. A job's caller gets its result only after that `COMMIT` has returned,
//! i.e. after the fsync: an acknowledged write is as durable as with one commit per write, and a batch that
//! fails to commit fails every job in it (none was acknowledged). Jobs see the uncommitted effects of
//! earlier jobs of their batch, exactly as if those had committed first (they are serialized either way).
//!
//! The thread runs its own single-threaded runtime, so the time a batch holds SQLite's write lock does not
//! depend on how busy the server's runtime is (the jobs' statements follow each other without waiting for
//! a runtime worker to become free). A job is handed over whole: the caller dropping its request future
//! (a client disconnecting) cannot interrupt it halfway.
//!
//! Exclusive writers ([`super::Store::begin_write`], [`super::Store::write_gate`]), which run on pool
//! connections, are let in by the writer between batches: it commits the open batch, then waits until they
//! are done.

use super::{StoreError, StoreResult};
use sqlx::{AnyConnection, Connection, Executor};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// The future of a write job, borrowing the connection.
pub type JobFuture<'c, T> = Pin<Box<dyn Future<Output = StoreResult<Finish<T>>> + Send + 'c>>;

/// How a write job ends. An `Err` from the job rolls its statements back too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish<T> {
    /// Keep the job's statements (durable when its caller gets the value).
    Commit(T),
    /// Undo the job's statements (the value is returned, like any outcome, once the batch has committed).
    Rollback(T),
}

/// Tells a job's caller how its batch ended: `Ok` once committed, `Err` with the message of the failed
/// commit or rollback.
type Deliver = Box<dyn FnOnce(Result<(), String>) + Send>;

/// A job whose value type is erased: given the connection it runs its statements, then says whether to
/// keep them and how to deliver the outcome; given an error instead (the job cannot run) it fails at once.
type ErasedJob = Box<
    dyn for<'c> FnOnce(
            Result<&'c mut AnyConnection, String>,
        ) -> Pin<Box<dyn Future<Output = Ran> + Send + 'c>>
        + Send,
>;

struct Ran {
    outcome: Outcome,
    deliver: Deliver,
}

/// How a job's statements ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Commit,
    Rollback,
    Failed,
}

/// Whether the writer wraps a job in a savepoint of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Savepoint {
    /// Yes: a rolled-back or failed job undoes exactly its own statements.
    Own,
    /// No (one round trip less): for a job whose statements change nothing when it asks for a rollback
    /// (one statement, or statements that guard each other); when it fails, its whole batch is rolled back
    /// and fails.
    None,
}

enum Message {
    Job(ErasedJob, Savepoint),
    /// Commit the open batch, hand out the lock, wait until it is given back.
    Exclusive(oneshot::Sender<Exclusive>),
    /// Commit the open batch and close the connection.
    Close(oneshot::Sender<()>),
}

/// The writer (SQLite only). Cheap to clone; the thread ends when the last clone is gone or on
/// [`Writer::close`].
#[derive(Clone)]
pub(crate) struct Writer {
    queue: mpsc::UnboundedSender<Message>,
    /// Bumped after every write of this process (see [`Writer::generation`]).
    generation: Arc<AtomicU64>,
}

impl fmt::Debug for Writer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Writer")
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Exclusive use of SQLite's write lock (no batch open, the writer waiting). Dropping it lets the writer go
/// on and bumps the write generation.
pub(crate) struct Exclusive {
    _done: oneshot::Sender<()>,
    generation: Arc<AtomicU64>,
}

impl fmt::Debug for Exclusive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exclusive").finish_non_exhaustive()
    }
}

impl Drop for Exclusive {
    fn drop(&mut self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

fn stopped() -> StoreError {
    StoreError::Commit("the database writer has stopped".into())
}

impl Writer {
    /// Starts the writer thread over a dedicated connection (not part of the pool).
    pub(crate) fn start(conn: AnyConnection) -> StoreResult<Writer> {
        let (queue, receiver) = mpsc::unbounded_channel();
        let generation = Arc::new(AtomicU64::new(0));
        let thread_generation = generation.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Commit(format!("cannot start the database writer: {e}")))?;
        std::thread::Builder::new()
            .name("grantex-writer".into())
            .spawn(move || {
                let mut receiver = receiver;
                let mut batches = Batches::new(conn, thread_generation);
                // A panicking job (a bug) fails its batch, not the writer.
                while std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    runtime.block_on(batches.run(&mut receiver));
                }))
                .is_err()
                {
                    tracing::error!("a write job panicked; its batch was rolled back");
                    runtime.block_on(batches.abort("a write job panicked"));
                }
            })
            .map_err(|e| StoreError::Commit(format!("cannot start the database writer: {e}")))?;
        Ok(Writer { queue, generation })
    }

    /// Changes with every write this process commits (batch commits, exclusive writers): a value read
    /// before reading the database and still current afterwards proves that no write of this process
    /// committed in between.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Runs `job` in the current batch and returns its value once the batch has committed.
    pub(crate) async fn run<T, F>(&self, savepoint: Savepoint, job: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> JobFuture<'c, T> + Send + 'static,
    {
        let (sender, receiver) = oneshot::channel::<StoreResult<T>>();
        let erased: ErasedJob = Box::new(move |conn| {
            Box::pin(async move {
                let conn = match conn {
                    Ok(conn) => conn,
                    Err(message) => {
                        let _ = sender.send(Err(StoreError::Commit(message)));
                        return Ran {
                            outcome: Outcome::Failed,
                            deliver: Box::new(|_| {}),
                        };
                    }
                };
                let (outcome, deliver): (Outcome, Deliver) = match job(conn).await {
                    Ok(Finish::Commit(value)) => (
                        Outcome::Commit,
                        Box::new(move |end: Result<(), String>| {
                            let _ = sender.send(end.map(|()| value).map_err(StoreError::Commit));
                        }),
                    ),
                    Ok(Finish::Rollback(value)) => (
                        Outcome::Rollback,
                        Box::new(move |end: Result<(), String>| {
                            let _ = sender.send(end.map(|()| value).map_err(StoreError::Commit));
                        }),
                    ),
                    // The job's own error, whatever became of the batch.
                    Err(e) => (
                        Outcome::Failed,
                        Box::new(move |_end: Result<(), String>| {
                            let _ = sender.send(Err(e));
                        }),
                    ),
                };
                Ran { outcome, deliver }
            })
        });
        self.queue
            .send(Message::Job(erased, savepoint))
            .map_err(|_| stopped())?;
        receiver.await.map_err(|_| stopped())?
    }

    /// Exclusive use of SQLite's write lock, once the writer has committed its open batch; `None` when the
    /// writer has stopped (the store is closed).
    pub(crate) async fn exclusive(&self) -> Option<Exclusive> {
        let (sender, receiver) = oneshot::channel();
        self.queue.send(Message::Exclusive(sender)).ok()?;
        receiver.await.ok()
    }

    /// Commits the open batch and closes the connection; later writes fail.
    pub(crate) async fn close(&self) {
        let (sender, receiver) = oneshot::channel();
        if self.queue.send(Message::Close(sender)).is_ok() {
            let _ = receiver.await;
        }
    }
}

/// The writer thread's state.
struct Batches {
    conn: Option<AnyConnection>,
    generation: Arc<AtomicU64>,
    /// A batch transaction is open.
    in_tx: bool,
    /// The savepoint of the last job, which ended well, is still open: released with the next `SAVEPOINT`
    /// or by the `COMMIT`.
    release_pending: bool,
    /// Jobs of the open batch waiting for its commit.
    waiting: Vec<Deliver>,
    /// When the open batch began (debug log).
    began: Option<Instant>,
}

impl Batches {
    fn new(conn: AnyConnection, generation: Arc<AtomicU64>) -> Batches {
        Batches {
            conn: Some(conn),
            generation,
            in_tx: false,
            release_pending: false,
            waiting: Vec::new(),
            began: None,
        }
    }

    /// Runs batches until the queue is closed or a [`Message::Close`].
    async fn run(&mut self, queue: &mut mpsc::UnboundedReceiver<Message>) {
        while let Some(mut message) = queue.recv().await {
            // A batch: this message and every one queued meanwhile, then one commit.
            loop {
                match message {
                    Message::Job(job, Savepoint::Own) => self.job(job).await,
                    Message::Job(job, Savepoint::None) => self.job_without_savepoint(job).await,
                    Message::Exclusive(sender) => {
                        self.commit().await;
                        let (done, given_back) = oneshot::channel();
                        let lent = sender.send(Exclusive {
                            _done: done,
                            generation: self.generation.clone(),
                        });
                        if lent.is_ok() {
                            // Resolves (with an error) when the guard is dropped.
                            let _ = given_back.await;
                        }
                    }
                    Message::Close(sender) => {
                        self.commit().await;
                        if let Some(conn) = self.conn.take() {
                            let _ = conn.close().await;
                        }
                        let _ = sender.send(());
                        return;
                    }
                }
                match queue.try_recv() {
                    Ok(next) => message = next,
                    Err(_) => break,
                }
            }
            self.commit().await;
        }
        self.commit().await;
    }

    async fn execute(&mut self, sql: &'static str) -> Result<(), String> {
        match self.conn.as_mut() {
            Some(conn) => conn
                .execute(sqlx::raw_sql(sql))
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            None => Err("the store is closed".into()),
        }
    }

    /// Runs `job` on the connection; once the store is closed the job is failed instead and there is nothing
    /// to deliver.
    async fn run_job(&mut self, job: ErasedJob) -> Option<Ran> {
        match self.conn.as_mut() {
            Some(conn) => Some(job(Ok(conn)).await),
            None => {
                job(Err("the store is closed".into())).await;
                None
            }
        }
    }

    async fn job(&mut self, job: ErasedJob) {
        // One round trip: open the batch or release the previous job's savepoint, and open this job's.
        let start = if !self.in_tx {
            "BEGIN IMMEDIATE; SAVEPOINT job"
        } else if self.release_pending {
            "RELEASE job; SAVEPOINT job"
        } else {
            "SAVEPOINT job"
        };
        let opens_batch = !self.in_tx;
        if opens_batch {
            self.began = Some(Instant::now());
        }
        self.in_tx = true;
        self.release_pending = false;
        if let Err(e) = self.execute(start).await {
            // The job does not run: it fails, and so does the batch (if it had begun, nothing of it ran).
            self.abort(&e).await;
            job(Err(e)).await;
            return;
        }
        let Some(ran) = self.run_job(job).await else {
            return;
        };
        match ran.outcome {
            Outcome::Commit => self.release_pending = true,
            Outcome::Rollback | Outcome::Failed => {
                if let Err(e) = self.execute("ROLLBACK TO job; RELEASE job").await {
                    // E.g. SQLite rolled the whole transaction back after an I/O error: the batch is gone.
                    self.waiting.push(ran.deliver);
                    self.abort(&e).await;
                    return;
                }
            }
        }
        // Every outcome — kept, rolled back or failed — is delivered after the commit: it may rest on
        // effects of earlier jobs of the batch, which are durable only then.
        self.waiting.push(ran.deliver);
    }

    /// A [`Savepoint::None`] job: runs inside the batch (and inside the previous job's savepoint if that is
    /// still open, which is harmless: it is released or committed with everything after it).
    async fn job_without_savepoint(&mut self, job: ErasedJob) {
        if !self.in_tx {
            self.began = Some(Instant::now());
            self.in_tx = true;
            if let Err(e) = self.execute("BEGIN IMMEDIATE").await {
                self.abort(&e).await;
                job(Err(e)).await;
                return;
            }
        }
        let Some(ran) = self.run_job(job).await else {
            return;
        };
        self.waiting.push(ran.deliver);
        if ran.outcome == Outcome::Failed {
            // Its statements cannot be undone alone: the batch goes (every job of it fails, none was
            // acknowledged).
            self.abort("a write of the same batch failed").await;
        }
    }

    /// Rolls the open batch back and fails its jobs.
    async fn abort(&mut self, message: &str) {
        if self.in_tx {
            // Fails harmlessly when SQLite already rolled the transaction back.
            let _ = self.execute("ROLLBACK").await;
        }
        self.in_tx = false;
        self.release_pending = false;
        for deliver in self.waiting.drain(..) {
            deliver(Err(message.to_owned()));
        }
    }

    /// Commits the open batch, if any, and tells its jobs.
    async fn commit(&mut self) {
        if !self.in_tx {
            return;
        }
        let started = Instant::now();
        let committed = self.execute("COMMIT").await;
        tracing::debug!(
            jobs = self.waiting.len(),
            open_us = self.began.map(|b| (started - b).as_micros()),
            commit_us = started.elapsed().as_micros(),
            ok = committed.is_ok(),
            "write batch committed"
        );
        match committed {
            Ok(()) => {
                self.in_tx = false;
                self.release_pending = false;
                self.generation.fetch_add(1, Ordering::AcqRel);
                for deliver in self.waiting.drain(..) {
                    deliver(Ok(()));
                }
            }
            Err(e) => self.abort(&format!("commit failed: {e}")).await,
        }
    }
}
