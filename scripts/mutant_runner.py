"""Runs mutants several at a time, each in a fork of one process that has already imported the test suite's
heavy dependencies.

Cosmic Ray's own executor writes a mutant into the source file and starts the test command, one mutant at a
time: every mutant then pays for a new interpreter, PyTorch's import (about a second) and pytest's. Here one
parent imports those once and forks a child per mutant, several children at once. A child loads the mutated
module from memory through an import hook, so the tree on disk is never changed and the children share it,
then runs pytest in-process and exits with pytest's status. The results go into Cosmic Ray's session
database as its executor would write them, so its tools and the report read them unchanged.
"""

import difflib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

# Imported once in the parent, before any fork. chainrule itself is not: each child imports it afresh.
PRELOADED = ("numpy", "torch", "pytest", "_pytest.python", "_pytest.fixtures", "xdist", "hypothesis")


def preload():
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # the children run side by side on few cores
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    if any(name == "chainrule" or name.startswith("chainrule.") for name in sys.modules):
        raise RuntimeError("chainrule was imported before the fork: its mutants would not be loaded")


class _MutatedModule(importlib.abc.MetaPathFinder, importlib.machinery.SourceFileLoader):
    """Finds one module and compiles it from the mutated text instead of the file (and its cached bytecode)."""

    def __init__(self, name, path, source):
        super().__init__(name, str(path))
        self.source = source

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        return importlib.util.spec_from_file_location(fullname, self.path, loader=self)

    def get_code(self, fullname):
        return compile(self.source, self.path, "exec", dont_inherit=True)


def module_name(work, path):
    """The dotted name of a source file under work/src."""
    return ".".join(Path(path).resolve().relative_to(Path(work).resolve() / "src").with_suffix("").parts)


def _run_child(work, pytest_args, log_path, mutated):
    """In the forked child: load the mutant (if any), run the tests, exit with pytest's status."""
    import pytest

    os.setpgid(0, 0)  # the parent kills the whole group on a timeout, subprocesses of tests included
    os.chdir(work)
    sys.path.insert(0, str(work))
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(log, 1)
    os.dup2(log, 2)
    status = 3
    try:
        if mutated is not None:
            sys.meta_path.insert(0, _MutatedModule(*mutated))
        status = int(pytest.main(pytest_args))
    except BaseException:  # noqa: BLE001 - whatever happens, the child reports a status and exits
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


class Job:
    """One mutant (or the unmutated baseline, with ``mutated`` None) on its way through a child."""

    def __init__(self, key, mutated):
        self.key, self.mutated = key, mutated
        self.pid = self.started = self.log = None
        self.status, self.seconds, self.timed_out, self.output = None, None, False, ""


def run_jobs(jobs, work, pytest_args, workers, timeout, on_done):
    """Run every job in forked children, ``workers`` at a time; ``on_done(job)`` as each finishes."""
    waiting, running = list(reversed(jobs)), {}
    with tempfile.TemporaryDirectory(prefix="chainrule-mutants-") as logs:
        while waiting or running:
            while waiting and len(running) < workers:
                job = waiting.pop()
                job.log = os.path.join(logs, f"{len(waiting)}.log")
                job.started = time.monotonic()
                pid = os.fork()
                if pid == 0:
                    _run_child(work, pytest_args, job.log, job.mutated)
                job.pid = pid
                running[pid] = job
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                now = time.monotonic()
                for job in running.values():
                    if timeout is not None and not job.timed_out and now - job.started > timeout:
                        job.timed_out = True
                        os.killpg(job.pid, signal.SIGKILL)
                time.sleep(0.02)
                continue
            job = running.pop(pid)
            job.seconds = time.monotonic() - job.started
            job.status = os.waitstatus_to_exitcode(status)
            with open(job.log, errors="replace") as log:
                job.output = log.read()[-4000:]
            on_done(job)


def mutate_source(source, operator_name, occurrence):
    """The module's text with one mutation applied, or None when there is nothing to mutate there."""
    import cosmic_ray.plugins
    from cosmic_ray.mutating import mutate_code

    return mutate_code(source, cosmic_ray.plugins.get_operator(operator_name)(), occurrence)


def unified_diff(before, after, path):
    return "\n".join(difflib.unified_diff(before.splitlines(), after.splitlines(), f"a/{path}", f"b/{path}",
                                          lineterm=""))
