//! A pool of persistent threads that run the blocks of one product, handed over without
//! allocating: a mutex, two condition variables and a generation counter.
//!
//! The threads start with the first parallel product and live as long as the process. One
//! product runs on the pool at a time; a caller that finds it busy (another thread's product)
//! is told so and runs its blocks itself, rather than wait.

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, MutexGuard, Once, OnceLock, PoisonError, TryLockError};

/// The most threads a product is split over.
pub const MAX_THREADS: usize = 16;

/// A job: called once with each part index `0..parts`, on different threads at once.
type Job<'a> = dyn Fn(usize) + Sync + 'a;

/// The job being run, with its lifetime erased; see [`run`] for why it stays valid.
#[derive(Clone, Copy)]
struct JobRef(*const Job<'static>);

// SAFETY: the pointee is `Sync`, so using it from several threads is allowed; the pointer is
// only dereferenced while the caller of `run` keeps the job alive (see `run`).
unsafe impl Send for JobRef {}

struct State {
    /// The current job and how many parts it has.
    job: Option<(JobRef, usize)>,
    /// Incremented for every job, so a thread runs each job once.
    generation: u64,
    /// Parts still running on pool threads.
    pending: usize,
    /// Whether a part on a pool thread panicked.
    panicked: bool,
}

struct Pool {
    /// Threads including the caller's.
    size: usize,
    /// Held by the caller whose job is on the pool.
    caller: Mutex<()>,
    state: Mutex<State>,
    /// Signalled when a job starts.
    started: Condvar,
    /// Signalled when the last pool thread finishes its part.
    finished: Condvar,
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
            state: Mutex::new(State {
                job: None,
                generation: 0,
                pending: 0,
                panicked: false,
            }),
            started: Condvar::new(),
            finished: Condvar::new(),
        }
    });
    SPAWN.call_once(|| {
        for index in 1..pool.size {
            let spawned = std::thread::Builder::new()
                .name(format!("nn-gemm-{index}"))
                .spawn(move || work(pool, index));
            // A thread that cannot start leaves its parts to `run`'s fallback: see `live`.
            if spawned.is_err() {
                LIVE.get_or_init(|| index);
                return;
            }
        }
        LIVE.get_or_init(|| pool.size);
    });
    pool
}

/// Threads actually running (the caller's included): `size`, unless spawning failed.
static LIVE: OnceLock<usize> = OnceLock::new();

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A pool thread: waits for each new job and runs its part `index` of it, if it has one.
fn work(pool: &'static Pool, index: usize) {
    let mut seen = 0;
    loop {
        let job = {
            let mut state = lock(&pool.state);
            while state.generation == seen {
                state = pool
                    .started
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            seen = state.generation;
            state.job
        };
        let Some((JobRef(job), parts)) = job else {
            continue;
        };
        if index >= parts {
            continue;
        }
        // SAFETY: the job was published with this generation and `pending` counts this part,
        // so its caller is still inside `run`, waiting for `pending` to reach 0 before it
        // returns: the closure is alive for the whole call.
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| unsafe { (*job)(index) }));
        let mut state = lock(&pool.state);
        state.panicked |= outcome.is_err();
        state.pending -= 1;
        if state.pending == 0 {
            pool.finished.notify_one();
        }
    }
}

/// Runs `job(0..parts)`: part 0 on the calling thread, the others on pool threads, returning
/// once all are done. Returns `false` without running anything when the pool is busy with
/// another caller's job or has fewer threads than `parts`; the caller then runs the parts
/// itself.
///
/// # Panics
/// If a part panicked (the caller's part's panic is resumed, after the others finish).
pub fn run(parts: usize, job: &Job<'_>) -> bool {
    let pool = pool();
    if parts == 0 || parts > LIVE.get().copied().unwrap_or(1) {
        return false;
    }
    let _caller = match pool.caller.try_lock() {
        Ok(guard) => guard,
        Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(TryLockError::WouldBlock) => return false,
    };
    // SAFETY: only the lifetime is erased (same pointee type and metadata). The pointer is
    // published under this generation and dereferenced only by pool threads whose part is
    // counted in `pending`; this function waits for `pending` to reach 0 (even when part 0
    // panics, which `catch_unwind` holds until then) and clears the job before it returns,
    // so no thread uses the pointer after `job`'s borrow ends.
    let erased = unsafe { std::mem::transmute::<*const Job<'_>, *const Job<'static>>(job) };
    {
        let mut state = lock(&pool.state);
        state.job = Some((JobRef(erased), parts));
        state.generation += 1;
        state.pending = parts - 1;
        state.panicked = false;
    }
    pool.started.notify_all();
    let own = panic::catch_unwind(AssertUnwindSafe(|| job(0)));
    let panicked = {
        let mut state = lock(&pool.state);
        while state.pending > 0 {
            state = pool
                .finished
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.job = None;
        state.panicked
    };
    if let Err(payload) = own {
        panic::resume_unwind(payload);
    }
    assert!(
        !panicked,
        "nn-gemm: a pool thread panicked in its part of a product"
    );
    true
}
