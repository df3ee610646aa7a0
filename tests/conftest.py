"""Test-wide fixtures and the GPU marker.

Tests marked ``gpu`` need an NVIDIA GPU with CuPy; where there is none they do not run, and the run's
summary says how many did not (they are never dropped silently). Device bookkeeping is tested on every
machine through ``cuda_standin``, a CPU stand-in registered as chainrule's ``cuda`` device.
"""

import pytest
from cuda_standin import use_standin

import chainrule

NO_GPU = "no CUDA device: CuPy is not installed or sees no GPU"


def pytest_collection_modifyitems(config, items):
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu_items or chainrule.cuda.is_available():
        return
    for item in gpu_items:
        item.add_marker(pytest.mark.skip(reason=NO_GPU))


def pytest_terminal_summary(terminalreporter):
    """Count the GPU tests that did not run (from the reports, so that it works under xdist too)."""
    not_run = [report for report in terminalreporter.stats.get("skipped", [])
               if NO_GPU in str(getattr(report, "longrepr", ""))]
    if not_run:
        terminalreporter.write_sep("-", f"{len(not_run)} GPU tests did not run ({NO_GPU}); "
                                        "make test-gpu runs them on a machine with an NVIDIA GPU")


@pytest.fixture
def cuda_standin():
    """chainrule's ``cuda`` device is the CPU stand-in for the test (seeded, so draws repeat)."""
    with use_standin() as namespace:
        namespace.runtime.seed(0, 0)
        yield namespace
