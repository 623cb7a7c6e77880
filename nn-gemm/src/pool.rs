//! A pool of persistent threads that run the parts of one job, handed over without allocating
//! and, when the threads are awake, without a system call.
//!
//! A job's parts are *claimed*: the caller runs part 0, then it and every pool thread take the
//! next unclaimed part from one atomic word until none is left, so the caller never waits for
//! a thread that is slow to wake (it runs the parts itself) and the results do not depend on
//! who ran what.
//! After a part a pool thread keeps looking for work for [`SPIN`] before it sleeps on a
//! condition variable, so back-to-back jobs (the products of a training step, the layers of
//! `predict_one`) reach threads that are already awake.
//!
//! When callers have spent more than half as long waiting for awake threads as running parts
//! over the last [`WINDOW`] of jobs, the threads keep losing their cores (more threads run than
//! the machine has cores): for the next 100 ms jobs run on their callers alone, and the
//! threads fall asleep instead of spinning. The window is a span of time, not a count of jobs,
//! so that one stall of a virtual machine's thread (tens of microseconds, now and then) does
//! not weigh more against small jobs than against large ones.
//!
//! The threads start with the first parallel job and live as long as the process. One job
//! runs on the pool at a time; a caller that finds it busy (another thread's job) is told so
//! and runs its parts itself, rather than wait.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, Once, OnceLock, PoisonError, TryLockError};
use std::time::{Duration, Instant};

/// The most threads a product is split over.
pub const MAX_THREADS: usize = crate::MAX_PARTS;

/// How long a pool thread looks for a new part after its last one before it sleeps.
const SPIN: Duration = Duration::from_micros(100);

/// Callers' time running parts and waiting for the pool's threads is judged over windows of
/// this much of it (20 ms). A quiet machine stalls a thread now and then too (tens of
/// microseconds, some ten times a second on a virtual machine: interrupts, the hypervisor);
/// over a window that is well under the half of the work that triggers the back-off, however
/// small the jobs. (An average over a number of jobs was not: 64 jobs of `predict_one`'s
/// split layer are 0.2 ms of work, and one such stall tipped it, some ten times a second.)
const WINDOW: Duration = Duration::from_millis(20);

/// How long jobs then run on their callers alone, in nanoseconds (100 ms).
const BACKOFF_NANOS: u64 = 100_000_000;

/// A job: called once with each part index `0..parts`, on different threads at once.
type Job<'a> = dyn Fn(usize) + Sync + 'a;

/// The job being run, with its lifetime erased; see [`run`] for why it stays valid.
#[derive(Clone, Copy)]
struct JobRef(*const Job<'static>);

// SAFETY: the pointee is `Sync`, so using it from several threads is allowed; the pointer is
// only dereferenced while the caller of `run` keeps the job alive (see `run`).
unsafe impl Send for JobRef {}

struct Pool {
    /// Threads including the caller's.
    size: usize,
    /// Held by the caller whose job is on the pool.
    caller: Mutex<()>,
    /// The current job; written by its caller before the job is published in `claims`.
    job: Mutex<Option<JobRef>>,
    /// The current job's parts (high 32 bits) and the next unclaimed part (low 32 bits). No
    /// part is claimable when the two are equal, which is the state between jobs.
    claims: AtomicU64,
    /// Parts of the current job finished, by anyone.
    done: AtomicUsize,
    /// Whether a part run by a pool thread panicked.
    panicked: AtomicBool,
    /// Pool threads asleep on `wake` (changed under `sleep`'s lock).
    sleepers: AtomicUsize,
    sleep: Mutex<()>,
    /// Signalled when a job is published while threads sleep.
    wake: Condvar,
    /// The pool's clock (see [`Pool::clock`]).
    epoch: Instant,
    /// Until when (on the pool's clock) jobs run on their callers alone: set when a caller
    /// had to wait for threads that did not get a core.
    backoff_until: AtomicU64,
    /// Callers' time running parts and waiting for the pool's threads in the current
    /// [`WINDOW`], in nanoseconds (updated by the caller holding `caller`, so plain loads and
    /// stores suffice).
    window_work: AtomicU64,
    window_wait: AtomicU64,
}

static POOL: OnceLock<Pool> = OnceLock::new();
static SPAWN: Once = Once::new();

/// Threads a product can use: `NN_NUM_THREADS` if set to a positive number, else the
/// machine's available parallelism; at most [`MAX_THREADS`].
pub fn size() -> usize {
    pool().size
}

fn pool() -> &'static Pool {
    let pool = POOL.get_or_init(|| {
        let from_env = std::env::var("NN_NUM_THREADS")
            .ok()
            .and_then(|v| v.trim().parse().ok());
        let available = std::thread::available_parallelism().map_or(1, usize::from);
        Pool {
            size: from_env
                .filter(|&n: &usize| n > 0)
                .unwrap_or(available)
                .min(MAX_THREADS),
            caller: Mutex::new(()),
            job: Mutex::new(None),
            claims: AtomicU64::new(0),
            done: AtomicUsize::new(0),
            panicked: AtomicBool::new(false),
            sleepers: AtomicUsize::new(0),
            sleep: Mutex::new(()),
            wake: Condvar::new(),
            epoch: Instant::now(),
            backoff_until: AtomicU64::new(0),
            window_work: AtomicU64::new(0),
            window_wait: AtomicU64::new(0),
        }
    });
    SPAWN.call_once(|| {
        for index in 1..pool.size {
            let spawned = std::thread::Builder::new()
                .name(format!("nn-gemm-{index}"))
                .spawn(move || work(pool));
            // A thread that cannot start claims no parts: the others (the caller at least)
            // run them.
            if spawned.is_err() {
                return;
            }
        }
    });
    pool
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Pool {
    /// Nanoseconds since the pool started (saturating; 584 years fit).
    fn clock(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Adds one job's time working and waiting to the current window; when the window is
    /// full, starts the next and says whether the caller waited more than half as long as it
    /// worked in it.
    fn stalled(&self, working: Duration, waiting: Duration) -> bool {
        let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        let add = |sum: &AtomicU64, sample: Duration| {
            let new = sum.load(Ordering::Relaxed).saturating_add(nanos(sample));
            sum.store(new, Ordering::Relaxed);
            new
        };
        let work = add(&self.window_work, working);
        let wait = add(&self.window_wait, waiting);
        if work.saturating_add(wait) < nanos(WINDOW) {
            return false;
        }
        self.window_work.store(0, Ordering::Relaxed);
        self.window_wait.store(0, Ordering::Relaxed);
        wait > work / 2
    }

    /// Claims the next part of the current job, if one is left.
    fn claim(&self) -> Option<usize> {
        let mut claims = self.claims.load(Ordering::Acquire);
        loop {
            let (parts, next) = (claims >> 32, claims & u64::from(u32::MAX));
            if next >= parts {
                return None;
            }
            match self.claims.compare_exchange_weak(
                claims,
                claims + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                // `next < parts <= u32::MAX` (`run` checks), so the cast is exact.
                Ok(_) => return Some(next as usize),
                Err(now) => claims = now,
            }
        }
    }

    /// Whether the current job has a part left to claim.
    fn claimable(&self) -> bool {
        let claims = self.claims.load(Ordering::SeqCst);
        claims & u64::from(u32::MAX) < claims >> 32
    }

    /// Runs part `part` of the current job, which the calling thread has claimed.
    fn run_claimed(&self, part: usize) {
        let job = *lock(&self.job);
        let job = job.expect("nn-gemm: a part was claimed with no job published");
        // SAFETY: this thread claimed `part` of the published job, and the job's caller stays
        // inside `run` (keeping the closure alive) until `done` counts every part, this one
        // included, which is only incremented below, after the call.
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| unsafe { (*job.0)(part) }));
        if outcome.is_err() {
            self.panicked.store(true, Ordering::Relaxed);
        }
        self.done.fetch_add(1, Ordering::Release);
    }
}

/// A pool thread: claims and runs parts while there are any, looks for more for [`SPIN`],
/// then sleeps until a job is published.
fn work(pool: &'static Pool) {
    loop {
        let idle_since = Instant::now();
        let mut polls = 0u32;
        loop {
            if let Some(part) = pool.claim() {
                pool.run_claimed(part);
                break;
            }
            polls = polls.wrapping_add(1);
            if polls.is_multiple_of(64) && idle_since.elapsed() > SPIN {
                let mut guard = lock(&pool.sleep);
                pool.sleepers.fetch_add(1, Ordering::SeqCst);
                while !pool.claimable() {
                    guard = pool
                        .wake
                        .wait(guard)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                pool.sleepers.fetch_sub(1, Ordering::SeqCst);
                break;
            }
            std::hint::spin_loop();
        }
    }
}

/// Runs `job(0..parts)` on the calling thread and the pool's threads, returning once all
/// are done; which thread runs which part depends on who is awake (the caller runs any part
/// no pool thread has claimed). Returns `false` without running anything when the pool is
/// busy with another caller's job, backing off (see the module documentation) or `parts`
/// does not fit its 32-bit counter; the caller then runs the parts itself.
///
/// # Panics
/// If a part panicked (the caller's own panic is resumed, after the other parts finish).
pub fn run(parts: usize, job: &Job<'_>) -> bool {
    let pool = pool();
    let Ok(parts_word) = u32::try_from(parts) else {
        return false;
    };
    if parts == 0 || pool.clock() < pool.backoff_until.load(Ordering::Relaxed) {
        return false;
    }
    let _caller = match pool.caller.try_lock() {
        Ok(guard) => guard,
        Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(TryLockError::WouldBlock) => return false,
    };
    // SAFETY: only the lifetime is erased (same pointee type and metadata). The pointer is
    // dereferenced only by threads that claimed a part of this job; claims are only possible
    // between the publication below and the moment every part is claimed, and this function
    // returns only after `done` counts every part (even when a part panics, which
    // `catch_unwind` holds until then). So no thread uses the pointer after `job`'s borrow
    // ends; the next caller replaces it before publishing its own job.
    let erased = unsafe { std::mem::transmute::<*const Job<'_>, *const Job<'static>>(job) };
    *lock(&pool.job) = Some(JobRef(erased));
    pool.done.store(0, Ordering::Relaxed);
    pool.panicked.store(false, Ordering::Relaxed);
    // SeqCst orders this store before the load of `sleepers` below, as the sleeper's
    // increment is ordered before its `claimable`. Part 0 is the caller's from the start (so
    // with two threads each keeps its own part from job to job, and the data it reads stays
    // in its core's caches).
    pool.claims
        .store(u64::from(parts_word) << 32 | 1, Ordering::SeqCst);
    let woken = pool.sleepers.load(Ordering::SeqCst) > 0;
    if woken {
        let _guard = lock(&pool.sleep);
        pool.wake.notify_all();
    }
    let started = Instant::now();
    let mut own = Ok(());
    let mut next = Some(0);
    while let Some(part) = next {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| job(part))) {
            own = Err(payload);
        }
        pool.done.fetch_add(1, Ordering::Release);
        next = pool.claim();
    }
    let working = started.elapsed();
    let mut polls = 0u32;
    while pool.done.load(Ordering::Acquire) < parts {
        polls = polls.wrapping_add(1);
        if polls.is_multiple_of(1024) {
            // A part's thread may have been descheduled: let it run.
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
    let waiting = started.elapsed() - working;
    if !woken && pool.stalled(working, waiting) {
        // The threads that claimed parts were awake when the job came (a thread just woken
        // is slow to start, which is no sign of anything), yet over the last window callers
        // spent half as long waiting for them as working: they keep losing their cores (the
        // machine runs more threads than it has cores). Jobs go without them for a while,
        // and the threads fall asleep instead of spinning.
        pool.backoff_until
            .store(pool.clock() + BACKOFF_NANOS, Ordering::Relaxed);
    }
    *lock(&pool.job) = None;
    if let Err(payload) = own {
        panic::resume_unwind(payload);
    }
    assert!(
        !pool.panicked.load(Ordering::Relaxed),
        "nn-gemm: a pool thread panicked in its part of a product"
    );
    true
}
