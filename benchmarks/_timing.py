"""What the benchmark scripts share: a median timer and a readable duration."""

import statistics
import time


def median_time(fn, number, repeat):
    """Median over ``repeat`` runs of the mean time of ``number`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def format_duration(seconds):
    return f"{seconds * 1e6:10.1f} us" if seconds < 1e-2 else f"{seconds * 1e3:10.2f} ms"
