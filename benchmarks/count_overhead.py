"""Per-op overhead as counts, not times: Python calls, built-in calls and bytecodes per step.

The same workloads as ``bench_overhead.py`` plus the 64-128-128-10 MLP step of ``bench_training.py``,
on chainrule only. Counts do not move with the machine's load, so they decide between two versions of
the hot path where timings on a shared machine are too noisy; ``--top N`` shows the functions that
execute the most bytecodes in each step.
Run: python benchmarks/count_overhead.py [--top N]
"""

import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import chainrule  # noqa: E402
from bench_overhead import leaf_workloads  # noqa: E402
from bench_training import library_step, make_problem  # noqa: E402


def count(step):
    """(Python calls, built-in calls, bytecodes by function) of one call of ``step``, after two warm-up calls."""
    step()
    step()
    calls = {"call": 0, "c_call": 0}
    bytecodes = collections.Counter()

    def profile(frame, event, arg):
        if event in calls:
            calls[event] += 1

    def trace(frame, event, arg):
        frame.f_trace_opcodes = True
        if event == "opcode":
            code = frame.f_code
            bytecodes[f"{os.path.basename(code.co_filename)}:{code.co_firstlineno} {code.co_name}"] += 1
        return trace

    sys.setprofile(profile)
    step()
    sys.setprofile(None)
    sys.settrace(trace)
    step()
    sys.settrace(None)
    return calls["call"], calls["c_call"], bytecodes


def workloads():
    for name, make, step, _ in leaf_workloads(chainrule):
        yield name, (lambda make, step: lambda: step(make()))(make, step)
    layers, images, labels = make_problem((64, 128, 128, 10), 64)
    yield "MLP 64-128-128-10 b64", library_step(chainrule, layers, images, labels)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=0, help="list the N functions with the most bytecodes")
    args = parser.parse_args()
    print(f"{'workload':24} {'Python calls':>13} {'built-in calls':>15} {'bytecodes':>10}")
    for name, step in workloads():
        python_calls, builtin_calls, bytecodes = count(step)
        print(f"{name:24} {python_calls:13d} {builtin_calls:15d} {sum(bytecodes.values()):10d}")
        for where, n in bytecodes.most_common(args.top):
            print(f"    {n:8d}  {where}")
