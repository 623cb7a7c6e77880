//! `run_parts` (the thread pool's hand-over): every part runs exactly once whoever is awake,
//! back to back, after the pool's threads have gone to sleep, from several callers at once,
//! and a panicking part reaches the caller without breaking the pool.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Runs `parts` parts and checks each ran exactly once.
fn run_and_count(parts: usize) {
    let counts: Vec<AtomicUsize> = (0..parts).map(|_| AtomicUsize::new(0)).collect();
    nn_gemm::run_parts(parts, &|part| {
        counts[part].fetch_add(1, Ordering::Relaxed);
    });
    for (part, count) in counts.iter().enumerate() {
        assert_eq!(
            count.load(Ordering::Relaxed),
            1,
            "part {part} of {parts} ran a wrong number of times"
        );
    }
}

#[test]
fn every_part_runs_once_back_to_back_and_after_the_threads_sleep() {
    for round in 0..2000 {
        run_and_count(1 + round % 20);
        if round % 500 == 0 {
            // Longer than the pool threads look for work, so they go to sleep and the next
            // job has to wake them (or run without them).
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

#[test]
fn parts_see_the_callers_data_and_write_disjoint_results() {
    let input: Vec<u64> = (0..1000).collect();
    let sums: Vec<AtomicUsize> = (0..8).map(|_| AtomicUsize::new(0)).collect();
    for _ in 0..200 {
        nn_gemm::run_parts(8, &|part| {
            let chunk = &input[part * 125..(part + 1) * 125];
            let sum: u64 = chunk.iter().sum();
            sums[part].store(sum as usize, Ordering::Relaxed);
        });
        let total: usize = sums.iter().map(|s| s.load(Ordering::Relaxed)).sum();
        assert_eq!(total, 999 * 1000 / 2);
    }
}

#[test]
fn concurrent_callers_each_run_all_their_parts() {
    std::thread::scope(|scope| {
        for caller in 0..4 {
            scope.spawn(move || {
                for round in 0..500 {
                    run_and_count(1 + (round + caller) % 5);
                }
            });
        }
    });
}

#[test]
fn a_panicking_part_reaches_the_caller_and_the_pool_keeps_working() {
    for panicking in [0, 1, 3] {
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            nn_gemm::run_parts(4, &|part| {
                if part == panicking {
                    panic!("part {part} fails");
                }
            });
        }));
        assert!(outcome.is_err(), "part {panicking}'s panic was lost");
        run_and_count(4);
    }
}

#[test]
fn every_part_still_runs_once_when_busy_threads_take_every_core() {
    // More runnable threads than cores: the pool's threads lose their cores in the middle of
    // parts, callers find them stalled and run jobs alone for a while (the pool's back-off).
    let stop = std::sync::atomic::AtomicBool::new(false);
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    std::thread::scope(|scope| {
        for _ in 0..2 * cores {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            });
        }
        for round in 0..3000 {
            run_and_count(1 + round % 6);
        }
        stop.store(true, Ordering::Relaxed);
    });
}
