"""Mutation testing of chainrule's core modules with Cosmic Ray, one module at a time.

Each core module is mutated in a private copy of the working tree (so editing while it runs is safe),
and every mutant is run against the tests chosen for that module: a narrow, fast selection that still
exercises the module, one mutant at a time. A mutant whose tests still pass "survived": either a test is
missing, or the mutant is equivalent (docs/mutation.md lists those, with measured kill rates and times).

    python scripts/mutate.py                 # every module, then the report
    python scripts/mutate.py engine op       # only these modules
    python scripts/mutate.py --survivors op  # run only the last run's survivors again (after adding tests)
    python scripts/mutate.py --report        # print the report of the last runs again
    python scripts/mutate.py --op-table      # count op-table tests that compare numbers / compare none

Sessions are kept in .mutation/<module>.sqlite; the report lists each survivor as file:line and its diff.
"""

import argparse
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mutant_runner

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = ROOT / ".mutation"
PYTEST_OPTIONS = "-x -q -p no:cacheprovider -p no:warnings -p no:randomly"
NOT_SAMPLED = "not in the sample"

# module name -> (source files, tests that exercise them). Tests are chosen for speed and reach: each
# module's own tests and the pinned-behaviour tests about it, never the op table whole.
AUTOGRAD = ("tests/test_autograd.py tests/test_higher_order.py tests/test_hook_order.py tests/test_engine_walk.py "
            "-k \"not million\"")
MODULES = {
    "engine": (["src/chainrule/_autograd/engine.py"], AUTOGRAD),
    "graph": (["src/chainrule/_autograd/graph.py", "src/chainrule/_autograd/leaf.py"],
              "tests/test_autograd.py tests/test_higher_order.py tests/test_hook_order.py tests/test_engine_walk.py "
              "tests/test_op_mechanism.py tests/test_autograd_extensions.py tests/test_grad_layout.py "
              "tests/test_complex.py tests/test_graph_details.py "
              "tests/test_compile.py::test_training_steps_match_eager_bit_for_bit "
              "-k \"not million and not memory_is_flat\""),
    "op": (["src/chainrule/_ops/_op.py"],
           "tests/test_autograd.py tests/test_higher_order.py tests/test_hook_order.py tests/test_engine_walk.py "
           "tests/test_op_mechanism.py tests/test_autograd_extensions.py "
           "tests/test_devices.py::test_a_cpu_scalar_tensor_mixes_with_gpu_tensors "
           "tests/test_devices.py::test_a_cpu_scalar_tensor_of_the_result_shape_gets_its_gradient_on_the_cpu "
           "-k \"not million and (not extensions or forward or anomaly or jvp or dual)\""),
    "broadcast": (["src/chainrule/_ops/_broadcast.py"],
                  "tests/test_pointwise.py tests/test_op_mechanism.py tests/test_dtype_rules.py "
                  "tests/test_devices.py::test_a_cpu_scalar_tensor_mixes_with_gpu_tensors "
                  "tests/test_float_warnings.py::test_ops_compute_silently_while_the_silent_context_is_in_use "
                  "tests/test_bad_input.py::test_listed_cases_match_torch"),
    "dtype": (["src/chainrule/_dtype.py"],
              "tests/test_dtype_rules.py tests/test_tensor.py tests/test_pointwise.py tests/test_op_mechanism.py"),
    "random": (["src/chainrule/_random/generator.py", "src/chainrule/_random/draws.py",
                "src/chainrule/_random/fill.py", "src/chainrule/_random/factories.py"],
               "tests/test_random_streams.py tests/test_random_distributions.py tests/test_random_arguments.py "
               "tests/test_random_rejection.py -k \"not unseeded_program and not numba and not 70000\""),
    "compile": (["src/chainrule/_compile/plan.py", "src/chainrule/_compile/recorder.py",
                 "src/chainrule/_compile/hooks.py"],
                "tests/test_compile_plans.py tests/test_compile_recording.py tests/test_compile_recording_torch.py "
                "tests/test_compile_passes.py tests/test_compile_signature.py tests/test_compile_threads.py "
                "tests/test_compile.py"),  # quick first
    "serialization": (["src/chainrule/serialization/files.py", "src/chainrule/serialization/zip_records.py",
                       "src/chainrule/serialization/torch_format.py",
                       "src/chainrule/serialization/safetensors_layout.py"],
                      "tests/test_serialization.py tests/test_serialization_torch.py "
                      "tests/test_serialization_validation.py tests/test_serialization_records.py "
                      "tests/test_serialization_files.py tests/test_serialization_layout.py"),
    "optim": (["src/chainrule/optim/optimizer.py", "src/chainrule/optim/sgd.py", "src/chainrule/optim/adam.py"],
              "tests/test_optim.py tests/test_optim_details.py tests/test_devices.py "
              "tests/test_compile.py::test_training_steps_match_eager_bit_for_bit "
              "-k \"not devices or state_dicts\""),
}

# A sufficient set of operator replacements, not every one Cosmic Ray can make: the others are killed
# whenever these are, so they only multiply the count. One swap per arithmetic operator (and // <-> /, which
# matters for shapes); for each comparison, its negation and, for orderings, the shifted boundary (< to <=,
# <= to <, ...), which are the relational replacements that subsume the rest.
KEPT_BINARY = "Add_Sub Sub_Add Mul_Div Div_Mul Div_FloorDiv FloorDiv_Div Mod_FloorDiv Pow_Mul LShift_Mul " \
              "RShift_FloorDiv BitOr_Sub BitAnd_Sub BitXor_Sub"
KEPT_COMPARISON = "Eq_NotEq NotEq_Eq Is_IsNot IsNot_Is In_NotIn NotIn_In Lt_LtE Lt_GtE LtE_Lt LtE_Gt Gt_GtE " \
                  "Gt_LtE GtE_Gt GtE_Lt"
EXCLUDED_OPERATORS = [
    rf"core/ReplaceBinaryOperator_(?!({'|'.join(KEPT_BINARY.split())})$)",
    rf"core/ReplaceComparisonOperator_(?!({'|'.join(KEPT_COMPARISON.split())})$)",
    r"core/ReplaceUnaryOperator_USub_(Invert|Not)$",
]


def _copy_tree(destination):
    """The working tree as git sees it (tracked and new files), without build outputs."""
    listed = subprocess.run(["git", "ls-files", "-z", "-c", "-o", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def _config(files, tests):
    """Cosmic Ray's configuration: which files to mutate, which operators to leave out (the tests and the
    timeout are mutant_runner's business, but the file names them as the command it runs)."""
    paths = ", ".join(f'"{f}"' for f in files)
    excluded = ", ".join(f"'{e}'" for e in EXCLUDED_OPERATORS)
    return (f"[cosmic-ray]\nmodule-path = [{paths}]\ntimeout = 600\nexcluded-modules = []\n"
            f"test-command = 'python -m pytest {PYTEST_OPTIONS} {tests}'\n\n"
            f"[cosmic-ray.distributor]\nname = \"local\"\n\n"
            f"[cosmic-ray.filters.operators-filter]\nexclude-operators = [{excluded}]\n")


def _forget_survivors(session):
    """Mark the survivors of an earlier run pending again, so that only they run."""
    import sqlite3

    with sqlite3.connect(session) as db:
        db.execute("DELETE FROM work_results WHERE test_outcome = 'SURVIVED'")


def _leave_out_all_but_a_sample(db, name, size):
    """Mark all but a fixed random sample of the pending mutants as skipped (the same sample on every run)."""
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    pending = sorted(db.pending_work_items, key=lambda item: item.job_id)
    if size is None or len(pending) <= size:
        return
    chosen = {item.job_id for item in random.Random(name).sample(pending, size)}
    left_out = [item.job_id for item in pending if item.job_id not in chosen]
    db.set_multiple_results(left_out, WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output=NOT_SAMPLED))


def _jobs(db, work):
    """A runner job per pending mutant (mutants that find nothing to change are recorded as such)."""
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    sources, jobs = {}, []
    for item in sorted(db.pending_work_items, key=lambda item: item.job_id):
        mutation = item.mutations[0]
        path = work / mutation.module_path
        source = sources.setdefault(path, path.read_text())
        mutated = mutant_runner.mutate_source(source, mutation.operator_name, mutation.occurrence)
        if mutated is None:
            db.set_result(item.job_id, WorkResult(worker_outcome=WorkerOutcome.NO_TEST))
            continue
        job = mutant_runner.Job(item.job_id, (mutant_runner.module_name(work, path), path, mutated))
        job.diff = mutant_runner.unified_diff(source, mutated, mutation.module_path)
        jobs.append(job)
    return jobs


def run_module(name, workers, sample=None, survivors_only=False):
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkResult

    files, tests = MODULES[name]
    pytest_args = shlex.split(PYTEST_OPTIONS) + shlex.split(tests)
    SESSIONS.mkdir(exist_ok=True)
    session = SESSIONS / f"{name}.sqlite"
    with tempfile.TemporaryDirectory(prefix=f"chainrule-mutate-{name}-") as work:
        work = Path(work)
        _copy_tree(work)
        subprocess.run([sys.executable, "-m", "compileall", "-q", "src", "tests"], cwd=work, check=True)
        start = time.monotonic()
        baseline = mutant_runner.Job("unmutated", None)
        mutant_runner.run_jobs([baseline], work, pytest_args, 1, None, lambda job: None)
        if baseline.status != 0:
            sys.exit(f"{name}: the unmutated tests fail, fix them first:\n{baseline.output}")
        timeout = 3 * baseline.seconds + 30
        print(f"{name}: tests pass unmutated in {baseline.seconds:.1f}s", flush=True)
        if survivors_only:
            _forget_survivors(session)
        else:
            session.unlink(missing_ok=True)
            config = work / "cosmic-ray.toml"
            config.write_text(_config(files, tests))
            for step in (["cosmic-ray", "init", str(config), str(session)],
                         ["cr-filter-operators", str(session), str(config)], ["cr-filter-pragma", str(session)]):
                subprocess.run(step, cwd=work, check=True)
        with use_db(str(session), WorkDB.Mode.open) as db:
            if not survivors_only:
                _leave_out_all_but_a_sample(db, name, sample)
            jobs = _jobs(db, work)
            print(f"{name}: {len(jobs)} mutants, {workers} at a time", flush=True)
            done = []

            def record(job):
                outcome = TestOutcome.SURVIVED if job.status == 0 else TestOutcome.KILLED
                output = "timeout" if job.timed_out else job.output
                db.set_result(job.key, WorkResult(worker_outcome=WorkerOutcome.NORMAL, test_outcome=outcome,
                                                  output=output, diff=job.diff))
                done.append(job)
                if len(done) % 25 == 0:
                    print(f"{name}: {len(done)}/{len(jobs)} in {(time.monotonic() - start) / 60:.1f} min", flush=True)

            mutant_runner.run_jobs(jobs, work, pytest_args, workers, timeout, record)
    print(f"{name}: done in {(time.monotonic() - start) / 60:.1f} min", flush=True)


def _results(session):
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    with use_db(str(session), WorkDB.Mode.open) as db:
        killed, survivors, not_sampled, pending = 0, [], 0, db.num_work_items - db.num_results
        for item, result in db.completed_work_items:
            if result.worker_outcome in (WorkerOutcome.SKIPPED, WorkerOutcome.NO_TEST):
                not_sampled += result.output == NOT_SAMPLED
            elif result.test_outcome == TestOutcome.SURVIVED:
                survivors.append((item, result))
            else:
                killed += 1
    return killed, survivors, not_sampled, pending


def _lowest_likely_rate(killed, total):
    """The lower end of the 95% (Wilson) interval of the kill rate a sample of ``total`` mutants gives."""
    z, rate = 1.96, killed / total
    centre = rate + z * z / (2 * total)
    spread = z * (rate * (1 - rate) / total + z * z / (4 * total * total)) ** 0.5
    return (centre - spread) / (1 + z * z / total)


def report(names):
    print(f"\n{'module':<14}{'mutants':>8}{'of':>6}{'killed':>8}{'survived':>9}{'kill rate':>11}{'pending':>9}"
          f"{'95% sure over':>15}")
    details = []
    for name in names:
        session = SESSIONS / f"{name}.sqlite"
        if not session.exists():
            print(f"{name:<14}{'(not run)':>8}")
            continue
        killed, survivors, not_sampled, pending = _results(session)
        total = killed + len(survivors)
        rate = f"{100 * killed / total:.1f}%" if total else "-"
        lowest = f"{100 * _lowest_likely_rate(killed, total):.1f}%" if total and not_sampled else ""
        print(f"{name:<14}{total:>8}{total + not_sampled + pending:>6}{killed:>8}{len(survivors):>9}"
              f"{rate:>11}{pending:>9}{lowest:>15}")
        details.append((name, survivors))
    for name, survivors in details:
        for item, result in survivors:
            mutation = item.mutations[0]
            print(f"\n--- {name}: {mutation.module_path}:{mutation.start_pos[0]} {mutation.operator_name}")
            print("\n".join(line for line in result.diff.splitlines() if re.match(r"[-+][^-+]", line)))


def op_table_counts():
    """How many op-table tests compare numbers, and how many only check shapes of empty results."""
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]
    import warnings

    import numpy as np
    from op_db import all_ops

    import chainrule

    warnings.simplefilter("ignore")  # the samples' own warnings (deprecated options) are the op table's business

    per_sample = {"test_forward_matches_torch": 2, "test_gradients_match_torch": 2, "test_gradcheck": 1,
                  "test_gradgradcheck": 1}
    counts = {"compare numbers": 0, "compare no numbers (every result is empty)": 0}
    for op in all_ops():
        for sample in op.samples(np.random.default_rng(1234)):
            arrays = [a for a in sample.args if isinstance(a, np.ndarray)]
            tensors = [chainrule.from_numpy(a) if a.ndim else chainrule.tensor(a) for a in arrays]
            values = iter(tensors)
            args = [next(values) if isinstance(a, np.ndarray) else a for a in sample.args]
            result = op.call(chainrule, *args, **sample.kwargs)
            outputs = [r for r in (result if isinstance(result, (tuple, list)) else [result]) if r is not None]
            empty = all(o.numel() == 0 for o in outputs)
            tests = per_sample["test_forward_matches_torch"]
            if op.differentiable:
                tests += per_sample["test_gradients_match_torch"]
                if sample.finite_differences:
                    tests += 1 + (1 if op.gradgrad else 0)
            counts["compare no numbers (every result is empty)" if empty else "compare numbers"] += tests
    for kind, count in counts.items():
        print(f"op-table tests that {kind}: {count}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", choices=[[], *MODULES], default=[])
    parser.add_argument("--report", action="store_true", help="only print the report of earlier runs")
    parser.add_argument("--op-table", action="store_true", help="count op-table tests with empty samples")
    parser.add_argument("--survivors", action="store_true", help="run only the survivors of the last run again")
    parser.add_argument("--sample", type=int, default=None, metavar="N",
                        help="run a fixed random sample of N mutants per module (default: every mutant)")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="mutants run at once (default: cores)")
    args = parser.parse_args()
    names = args.modules or list(MODULES)
    if args.op_table:
        op_table_counts()
        return
    if not args.report:
        mutant_runner.preload()
        for name in names:
            run_module(name, args.workers, args.sample, survivors_only=args.survivors)
    report(names)
    if not args.modules:
        op_table_counts()


if __name__ == "__main__":
    main()
