//! Criterion settings shared by the benchmarks.

use std::time::Duration;

use criterion::Criterion;

/// Returns criterion's settings: `sample_size` samples over 3 s after a 1 s warm-up. With
/// `BENCH_QUICK` set to anything but `0`, it takes 10 samples over about 20 ms instead, which
/// only checks that the benchmarks still run.
pub fn config(sample_size: usize) -> Criterion {
    let criterion = Criterion::default().without_plots();
    if std::env::var_os("BENCH_QUICK").is_some_and(|value| value != "0") {
        criterion
            .sample_size(10)
            .warm_up_time(Duration::from_millis(10))
            .measurement_time(Duration::from_millis(20))
    } else {
        criterion
            .sample_size(sample_size)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3))
    }
}
