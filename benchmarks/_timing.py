"""What the benchmark scripts share: a median timer, a readable duration, and process isolation.

Each library is timed in a process of its own (the script re-runs itself with ``--library``). In one
shared process, PyTorch's many Python objects would make every full pass of Python's cycle collector
slower for whichever library allocates Python objects — chainrule — which no chainrule user pays.
"""

import argparse
import json
import math
import statistics
import subprocess
import sys
import time

LIBRARIES = ("chainrule", "compiled", "torch", "numpy")  # "compiled": chainrule.compile on the same step


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
    if math.isnan(seconds):
        return "n/a"
    return f"{seconds * 1e6:10.1f} us" if seconds < 1e-2 else f"{seconds * 1e3:10.2f} ms"


def run(description, measure, workload_names, header="", footer=None):
    """The benchmark's command line: ``--library L`` times one library and prints JSON; without it,
    every library is timed in its own child process and the table with ratios is printed, then
    ``footer(results)`` if given (results: library -> what its ``measure`` returned)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--library", choices=LIBRARIES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.library:
        print(json.dumps(measure(args.library, args.repeat)))
        return
    results = {library: _measure_in_child(library, args.repeat) for library in LIBRARIES}
    if header:
        print(header)
    width = max(len(name) for name in workload_names) + 2
    print(f"{'workload':{width}} {'chainrule':>13} {'compiled':>13} {'PyTorch':>13} {'NumPy':>13} {'cr/torch':>9} "
          f"{'comp/torch':>10} {'cr/numpy':>9}")
    for name in workload_names:
        ours, compiled, theirs, hand = (results[library].get(name, math.nan) for library in LIBRARIES)
        print(f"{name:{width}} {format_duration(ours):>13} {format_duration(compiled):>13} "
              f"{format_duration(theirs):>13} {format_duration(hand):>13} {ours / theirs:9.2f} "
              f"{compiled / theirs:10.2f} {ours / hand:9.2f}")
    if footer is not None:
        footer(results)


def _measure_in_child(library, repeat):
    result = subprocess.run([sys.executable, sys.argv[0], "--library", library, "--repeat", str(repeat)],
                            capture_output=True, text=True)
    if result.returncode != 0:  # e.g. PyTorch not installed: its column shows n/a
        return {}
    return json.loads(result.stdout.strip().splitlines()[-1])
