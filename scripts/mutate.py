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
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = ROOT / ".mutation"
PYTEST = "python -m pytest -x -q -p no:cacheprovider -p no:warnings -p no:randomly"

# module name -> (source files, tests that exercise them). Tests are chosen for speed and reach: each
# module's own tests and the pinned-behaviour tests about it, never the op table whole.
AUTOGRAD = ("tests/test_autograd.py tests/test_higher_order.py tests/test_hook_order.py tests/test_engine_walk.py "
            "-k \"not million\"")
MODULES = {
    "engine": (["src/chainrule/_autograd/engine.py"], AUTOGRAD),
    "graph": (["src/chainrule/_autograd/graph.py", "src/chainrule/_autograd/leaf.py"], AUTOGRAD),
    "op": (["src/chainrule/_ops/_op.py"],
           "tests/test_autograd.py tests/test_higher_order.py tests/test_hook_order.py tests/test_engine_walk.py "
           "tests/test_op_mechanism.py tests/test_autograd_extensions.py "
           "-k \"not million and (not extensions or forward or anomaly or jvp or dual)\""),
    "broadcast": (["src/chainrule/_ops/_broadcast.py"], "tests/test_pointwise.py tests/test_op_mechanism.py"),
    "dtype": (["src/chainrule/_dtype.py"], "tests/test_tensor.py tests/test_pointwise.py tests/test_op_mechanism.py"),
    "random": (["src/chainrule/_random/generator.py", "src/chainrule/_random/draws.py",
                "src/chainrule/_random/fill.py", "src/chainrule/_random/factories.py"],
               "tests/test_random_streams.py tests/test_random_distributions.py"),
    "compile": (["src/chainrule/_compile/plan.py", "src/chainrule/_compile/recorder.py"],
                "tests/test_compile.py tests/test_compile_signature.py"),
    "serialization": (["src/chainrule/serialization/files.py", "src/chainrule/serialization/zip_records.py",
                       "src/chainrule/serialization/torch_format.py",
                       "src/chainrule/serialization/safetensors_layout.py"],
                      "tests/test_serialization.py tests/test_serialization_torch.py "
                      "tests/test_serialization_validation.py"),
    "optim": (["src/chainrule/optim/optimizer.py", "src/chainrule/optim/sgd.py", "src/chainrule/optim/adam.py"],
              "tests/test_optim.py tests/test_optim_details.py tests/test_devices.py "
              "-k \"not devices or state_dicts\""),
}

# Variants that only multiply the count: replacing + by |, <<, ^ ... is killed whenever + -> - is, so
# one arithmetic swap per operator is kept (and // <-> / , which matters for shapes).
EXCLUDED_OPERATORS = [
    r"core/ReplaceBinaryOperator_\w+_(Mod|Pow|RShift|LShift|BitOr|BitAnd|BitXor)$",
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


def _config(files, tests, timeout):
    paths = ", ".join(f'"{f}"' for f in files)
    excluded = ", ".join(f"'{e}'" for e in EXCLUDED_OPERATORS)
    return (f"[cosmic-ray]\nmodule-path = [{paths}]\ntimeout = {timeout:.0f}\nexcluded-modules = []\n"
            f"test-command = '{PYTEST} {tests}'\n\n[cosmic-ray.distributor]\nname = \"local\"\n\n"
            f"[cosmic-ray.filters.operators-filter]\nexclude-operators = [{excluded}]\n")


def _forget_survivors(session):
    """Mark the survivors of an earlier run pending again, so ``exec`` runs only them."""
    import sqlite3

    with sqlite3.connect(session) as db:
        db.execute("DELETE FROM work_results WHERE test_outcome = 'SURVIVED'")


def run_module(name, survivors_only=False):
    files, tests = MODULES[name]
    SESSIONS.mkdir(exist_ok=True)
    session = SESSIONS / f"{name}.sqlite"
    with tempfile.TemporaryDirectory(prefix=f"chainrule-mutate-{name}-") as work:
        work = Path(work)
        _copy_tree(work)
        subprocess.run([sys.executable, "-m", "compileall", "-q", "src", "tests"], cwd=work, check=True)
        for f in files:  # the mutated files must always be read from source
            for cached in (work / f).parent.glob(f"__pycache__/{Path(f).stem}.*.pyc"):
                cached.unlink()
        start = time.monotonic()
        baseline = subprocess.run(f"{PYTEST} {tests}", shell=True, cwd=work, capture_output=True, text=True)
        seconds = time.monotonic() - start
        if baseline.returncode != 0:
            sys.exit(f"{name}: the unmutated tests fail, fix them first:\n{baseline.stdout[-3000:]}")
        print(f"{name}: tests pass unmutated in {seconds:.1f}s", flush=True)
        config = work / "cosmic-ray.toml"
        config.write_text(_config(files, tests, timeout=3 * seconds + 30))
        if survivors_only:
            _forget_survivors(session)
            steps = []
        else:
            session.unlink(missing_ok=True)
            steps = [["cosmic-ray", "init", str(config), str(session)],
                     ["cr-filter-operators", str(session), str(config)],
                     ["cr-filter-pragma", str(session)]]
        for step in steps + [["cosmic-ray", "exec", str(config), str(session)]]:
            subprocess.run(step, cwd=work, check=True)
    print(f"{name}: done in {(time.monotonic() - start) / 60:.1f} min", flush=True)


def _results(session):
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    with use_db(str(session), WorkDB.Mode.open) as db:
        killed, survivors, skipped, pending = 0, [], 0, db.num_work_items - db.num_results
        for item, result in db.completed_work_items:
            if result.worker_outcome in (WorkerOutcome.SKIPPED, WorkerOutcome.NO_TEST):
                skipped += 1
            elif result.test_outcome == TestOutcome.SURVIVED:
                survivors.append((item, result))
            else:
                killed += 1
    return killed, survivors, skipped, pending


def report(names):
    print(f"\n{'module':<14}{'mutants':>8}{'killed':>8}{'survived':>9}{'kill rate':>11}{'pending':>9}")
    details = []
    for name in names:
        session = SESSIONS / f"{name}.sqlite"
        if not session.exists():
            print(f"{name:<14}{'(not run)':>8}")
            continue
        killed, survivors, skipped, pending = _results(session)
        total = killed + len(survivors)
        rate = f"{100 * killed / total:.1f}%" if total else "-"
        print(f"{name:<14}{total:>8}{killed:>8}{len(survivors):>9}{rate:>11}{pending:>9}")
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
    args = parser.parse_args()
    names = args.modules or list(MODULES)
    if args.op_table:
        op_table_counts()
        return
    if not args.report:
        for name in names:
            run_module(name, survivors_only=args.survivors)
    report(names)
    op_table_counts()


if __name__ == "__main__":
    main()
