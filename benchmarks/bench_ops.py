"""Every op of the op table (tests/op_db), forward and backward, chainrule against PyTorch on one thread.

For each op one sample of its table entry is taken (the largest contiguous one) and grown until its
largest tensor (or its output) holds about 64K elements, in float32:
  tile    elementwise ops, reductions, shapes, products, losses: every axis longer than one is tiled,
          so values stay in the sample's range and broadcasting still lines up
  batch   convolutions: only the first input's batch axis grows
  block   linear algebra: each matrix becomes block-diagonal (blocks scaled 1, 1+1/n, ...), which keeps it
          invertible, triangular, symmetric or positive definite as the sample was; grown to 64x64-ish
A size is kept only if chainrule and PyTorch give the same shapes (and values, where they agree on the
sample itself: random ops don't) and one forward+backward stays under 50 ms; otherwise the op is timed
at the last size that passed, down to the sample's own (a view or a reshape costs the same at any size).

Forward is the op on inputs that require grad (the graph is recorded); backward is
``autograd.grad(outputs, inputs, cotangents, retain_graph=True)``. Both libraries are timed in this one
process, alternating repeat by repeat so that both see the same load from other processes; the import-time
objects are frozen out of the cycle collector (``gc.freeze``) so PyTorch's don't slow chainrule's collections.
Prints every op's times and ratios, then the median ratio and the worst ten (forward and backward counted
as separate entries).

Where chainrule stays above 3x (measured on 2 shared cores; ratios move by 10-30% from run to run):
  NumPy has no kernel for it, so chainrule composes one from many array passes or a Python loop:
    cholesky_solve    NumPy exposes no LAPACK potrs
                      (linalg.lu, lu_factor, lu_solve, ldl_factor, ldl_solve, householder_product,
                      solve_triangular and triangular_solve call LAPACK's getrf/getrs/sytrf/sytrs/orgqr and
                      BLAS's trsm through SciPy where it is installed, the fast extra: 1.1-4.7x on 48x48 to
                      63x63 matrices, from 17-163x with chainrule's own loops, which stay without SciPy)
    F.gelu (exact, ~5x), erfcx, ndtr, lgamma, digamma, polygamma, i0e/i1e, mvlgamma
                      no NumPy ufunc: a branch-free polynomial kernel is 30-90 array passes where
                      PyTorch makes one SIMD pass (erf, erfc, erfinv in float32: ~2.5x, 40 passes). ndtri and
                      igamma/igammac take SciPy's ufuncs where SciPy is installed (the fast extra), 5x quicker;
                      for the others SciPy's are no quicker (docs/special.md)
    F.pdist (~9x forward, ~5x backward)    NumPy has no pairwise-distance kernel: the pairs' differences
                      are written out (a block of rows at a time, so they stay in the cache) and reduced in
                      several passes, where PyTorch's loop never writes them
    avg/lp pools      windows gathered, then reduced (no pooling kernel); max_pool3d (~7.6x) and max_pool2d
                      (~3.3x) on the table's tiny planes (3x2x3, 4x4): a dozen calls per window position on
                      inner rows of 2-4 elements. On real planes max pooling is quicker than PyTorch's
                      (below)
    index_put, put, index_add forward (4-6x)    ``ufunc.at`` on flat positions, or sorted runs summed:
                      two or three passes and a sort where PyTorch adds in one
    F.ctc_loss, cummax/cummin, cumsum/cumprod forward    a recursion along one axis, a step per Python call
                      (ctc_loss: four array calls a step; its forward also finds the gradient, as
                      PyTorch's backward does: forward and backward together ~13x)
    softshrink, hardshrink, threshold, rrelu    a compare and a select by the bits (``where`` on
                      NumPy mispredicts a branch per element); PyTorch fuses both in one pass (leaky_relu and
                      prelu with slopes in (0, 1] take ``max(x, x * slope)``, the same bits in two passes: 2-4x)
  Left after issue #18's pass (2026-12-07; ratio before -> after, medians of three runs on the loaded
  2-core machine):
    prod over a last axis of 17-511 elements (~8x)    NumPy multiplies along a row one element after the
                      other; slices or folds cost more there. (A last axis of up to 16 is multiplied slice by
                      slice, 10-18x quicker at 60K elements; one of 512 or more, or the whole tensor, in
                      lanes, 2-3x quicker; still 2-4x PyTorch's vectorised loop)
    lerp (number weight 9.9x -> 5.6x, tensor weight 14.6x -> 10x)    PyTorch's one rounding of
                      ``w * (end - start) + start`` is taken in float64 buffers: float64 passes where
                      PyTorch makes one float32 pass
    F.nll_loss forward on images (10x -> 6.7x)    ~50 us of Python around ~1K targets (checks, masks,
                      the node) against PyTorch's ~8 us
    amax/amin over a short last axis (6.4x -> 3.9x)    a transposing copy, then row against row
    cumprod forward (5.7x -> 3.3x)    a multiply call per position along the dim
  Left after the pass of 2026-12-08 (same measure):
    grid_sample (72x -> 46x forward, 26x -> 11x backward on 12 elements: 0.15 ms of Python)    where the
                      samples land is now found once per call and the forward runs on arrays; on a spatial
                      transformer's 64x1x28x28 images: 3.1x forward, 4.2x backward (from 4.5x and 10x)
    Chebyshev/Hermite/Legendre polynomials (15-17x -> 5-8x)    the three-term recurrence, a few calls per
                      degree on the elements still recurring (in falling order of degree: slices)
    igamma/igammac (~10x)    SciPy's gammainc/gammaincc, the quickest kernel available here
    lgamma, digamma, polygamma, i0e/i1e (4-10x)    polynomial kernels of 30-90 array passes
  Fixed in the second pass of 2026-12-08: max pooling 8.7-13x -> 1.6-7.6x, adaptive max pooling 6.7-10x ->
    1.8-2.9x (a scan per spatial dim with branch-free updates, where the windows were gathered; a masked
    copy mispredicts half its branches on such data and costs ten passes). Forward, 64x32x28x28, kernel 2:
    8.6 -> 4.5 ms (PyTorch 8.9); 32x64x56x56, kernel 3, stride 2, padding 1: 55 -> 38 ms (PyTorch 50);
    16x64x16x16x16, kernel 2: 19.7 -> 18.5 ms (PyTorch 18.8). softshrink 9.4x -> 6.1x (x - clip(x), signed
    as x).
  Fixed in the pass of 2026-12-08: logaddexp/logaddexp2 4.7x/5.1x -> 0.9x (PyTorch's formula in four
    vectorised passes; NumPy's ufuncs are scalar code), scatter_reduce 13x -> 2.7x and index_reduce 6.9x ->
    2.1x (ufunc.at on flat positions), getitem advanced backward 8x -> 2.1x, masked_select backward 5.9x ->
    2.9x, scatter_add 5x -> 2.3x, gather backward 3.4x -> 1.6x, cummax/cummin backward 6.4-7x -> 1.6x (flat
    positions for every gather and scatter along a dim), pad backward 5.2x -> 2.5x (an index map's transpose
    adds the copies up instead of multiplying by a 0/1 matrix), batch_norm backward 3.1x -> 0.7x (two sums
    per channel shared by the three gradients), F.ctc_loss forward 98x -> 42x.
  Fixed in the pass of 2026-12-07: combinations 36x -> 0.7x (index rows by NumPy, not itertools), batch_norm forward
    6.7x -> 2.1x (statistics by a float64 product with ones), mode 8.6x -> 2.2x (pairwise counts along a
    short dim), median 4.2x -> 2.4x and nanmedian 4.0x -> 2.2x (the sorted value, then its index among
    equals, without an argsort), cumsum forward 4.9x -> 2.9x (an add call per position along a short dim).
  Overhead-bound: views and shape ops (T, flatten, movedim, expand, ...) do no work at any size;
    PyTorch's ~2 us per op against chainrule's ~5 us gives 2-3x there.
  Not yet done: complex ``x ** 2`` (NumPy's complex power, ~20x).

Run: python benchmarks/bench_ops.py [--repeat N] [--only SUBSTRING] [--target ELEMENTS]
"""

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(_HERE, "..", "src"), os.path.join(_HERE, "..", "tests")]

import chainrule  # noqa: E402
import torch  # noqa: E402
from op_db import (basic, complex_ops, composites, custom_functions, fft, linalg, nn_conv,  # noqa: E402
                   nn_functional, pointwise, products, reductions, shapes, special)

SEED = 1234
LIBRARIES = (chainrule, torch)
SLOWEST_STEP = 0.05  # seconds for one forward+backward: a size above it is not tried further
CLOCK = time.thread_time  # CPU time of this thread: what waiting for a shared core adds is left out
STRATEGY = {nn_conv: "batch", linalg: "block"}
FAMILIES = (basic, pointwise, reductions, shapes, products, linalg, nn_functional, nn_conv, complex_ops,
            custom_functions, special, fft, composites)


# ---------------------------------------------------------------- growing a sample
def _grow(array, factor, strategy, first):
    """``array`` made ``factor`` times longer along its axes, as ``strategy`` says."""
    if not isinstance(array, np.ndarray) or array.ndim == 0 or factor == 1:
        return array
    if strategy == "tile":
        return np.tile(array, tuple(factor if n > 1 else 1 for n in array.shape))
    if strategy == "batch":
        return np.tile(array, (factor,) + (1,) * (array.ndim - 1)) if first else array
    if array.ndim == 1 or array.dtype.kind != "f":
        return np.tile(array, (1,) * (array.ndim - 1) + (factor,))
    scales = 1 + np.arange(factor) / factor
    *batch, rows, columns = array.shape
    blocks = np.zeros((*batch, factor, rows, factor, columns), dtype=array.dtype)
    for i, scale in enumerate(scales):
        blocks[..., i, :, i, :] = scale * array
    return blocks.reshape(*batch, factor * rows, factor * columns)


def _grown(sample, factor, strategy):
    first = next(i for i, a in enumerate(sample.args) if isinstance(a, np.ndarray))
    args = tuple(_grow(a, factor, strategy, i == first) for i, a in enumerate(sample.args))
    return args, sample.kwargs


# ---------------------------------------------------------------- running an op on either library
def _tensor(module, array, requires_grad):
    array = array.astype(np.float32) if array.dtype.kind == "f" else array
    array = np.ascontiguousarray(array).copy()
    t = module.from_numpy(array) if array.ndim else module.tensor(array)
    return t.requires_grad_(True) if requires_grad else t


def _grad_positions(op, args):
    if not op.differentiable:
        return set()
    if op.grad_inputs is not None:
        return set(op.grad_inputs)
    return {i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"}


class Case:
    """One op on one library at one size: ``forward()`` and, where something needs a gradient, ``backward()``."""

    def __init__(self, module, op, args, kwargs):
        positions = _grad_positions(op, args)
        self.module, self.op = module, op
        self.args = [_tensor(module, a, i in positions) if isinstance(a, np.ndarray) else a
                     for i, a in enumerate(args)]
        self.kwargs = {k: _tensor(module, v, False) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        self.inputs = [a for i, a in enumerate(self.args) if i in positions]
        self.graph = None

    def forward(self):
        return self.op.call(self.module, *self.args, **self.kwargs)

    def record(self):
        """Run forward once and keep what backward differentiates; False when nothing needs a gradient."""
        result = self.forward()
        outputs = result if isinstance(result, (tuple, list)) else [result]
        outputs = [o for o in outputs if isinstance(o, self.module.Tensor) and o.dtype.is_floating_point
                   and o.requires_grad]
        self.result = result
        if not outputs or not self.inputs:
            return False
        rng = np.random.default_rng(SEED)
        cotangents = [self.module.from_numpy(rng.standard_normal(tuple(o.shape)).astype(np.float32))
                      for o in outputs]
        self.graph = outputs, cotangents
        return True

    def backward(self):
        outputs, cotangents = self.graph
        return self.module.autograd.grad(outputs, self.inputs, cotangents, retain_graph=True, allow_unused=True)


def _numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().numpy(force=True)  # force: conjugate and negative views, ZeroTensors
    return value.detach().numpy() if isinstance(value, chainrule.Tensor) else np.asarray(value)


def _numpy_outputs(result):
    results = result if isinstance(result, (tuple, list)) else [result]
    return [_numpy(r) for r in results if r is not None]


def _agree(ours, theirs, op, values):
    if len(ours) != len(theirs) or any(a.shape != b.shape for a, b in zip(ours, theirs)):
        return False
    if not values:
        return True
    try:
        tolerance = dict(atol=op.atol * 10, rtol=op.rtol * 10, equal_nan=True)
        return all(np.allclose(a, b, **tolerance) for a, b in zip(ours, theirs))
    except TypeError:  # values numpy cannot compare (e.g. booleans against numbers)
        return all(np.array_equal(a, b) for a, b in zip(ours, theirs))


def _try(op, args, kwargs, values):
    """(elements, seconds of the slower forward+backward, whether values agree) or None if either library fails."""
    try:
        cases, seconds = [], 0.0
        for module in LIBRARIES:
            start = time.perf_counter()
            case = Case(module, op, args, kwargs)
            if case.record():
                case.backward()
            seconds = max(seconds, time.perf_counter() - start)
            cases.append(case)
    except Exception:  # an op a size does not suit (a reshape's fixed sizes, a matrix that lost its structure)
        return None
    outputs = [_numpy_outputs(c.result) for c in cases]
    sizes = [a.size for a in args if isinstance(a, np.ndarray)] + [o.size for o in outputs[0]]
    return max(sizes, default=0), seconds, _agree(*outputs, op, values)


def _candidates(op):
    """The op's samples, the largest contiguous one without array keywords first."""
    samples = list(op.samples(np.random.default_rng(SEED)))

    def rank(sample):
        arrays = [a for a in sample.args if isinstance(a, np.ndarray)]
        contiguous = all(a.flags.c_contiguous for a in arrays)
        keyword_arrays = any(isinstance(v, np.ndarray) for v in sample.kwargs.values())
        return (not contiguous, keyword_arrays, -sum(a.size for a in arrays))

    return sorted(samples, key=rank)[:3]


def choose_size(op, strategy, target):
    """(args, kwargs, factor, elements) for ``op``: its best sample grown as far as it passes toward ``target``."""
    for sample in _candidates(op):
        base = _try(op, sample.args, sample.kwargs, values=True)
        if base is None:
            continue
        values = base[2]  # compare values at bigger sizes only where the libraries agree on the sample
        best = (sample.args, sample.kwargs, 1, base[0])
        strategies = [strategy] if strategy != "tile" else ["tile", "batch"]
        for how in strategies:
            grown = _grow_toward(op, sample, how, target, values, base[0])
            if grown is not None and grown[3] > best[3]:
                best = grown
            if best[3] * 2 >= target:
                break
        return best
    return None


def _grow_toward(op, sample, how, target, values, elements):
    """Grow by factors chosen from how the size responded to the previous one, while sizes pass."""
    best, factor, previous = None, 1, (1, max(elements, 1))
    exponent = 2.0
    for _ in range(8):
        if elements * 2 >= target:
            break
        step = max(2, int((target / max(elements, 1)) ** (1 / exponent) * factor))
        step = min(step, factor * 8)
        if step <= factor:
            break
        args, kwargs = _grown(sample, step, how)
        tried = _try(op, args, kwargs, values)
        if tried is None or not tried[2] or tried[0] > target * 4:
            break
        best = (args, kwargs, step, tried[0])
        if tried[1] > SLOWEST_STEP:
            break
        if tried[0] > previous[1]:
            exponent = max(1.0, math.log(tried[0] / previous[1]) / math.log(step / previous[0]))
        previous, factor, elements = (step, tried[0]), step, tried[0]
    return best


# ---------------------------------------------------------------- timing
def _interleaved(functions, repeat, per_repeat=0.002):
    """Median seconds per call of each function, the functions alternating within every repeat."""
    numbers = []
    for fn in functions:
        fn()
        start = CLOCK()
        fn()
        single = CLOCK() - start
        numbers.append(max(1, int(per_repeat / max(single, 1e-7))))
    times = [[] for _ in functions]
    for _ in range(repeat):
        for fn, number, record in zip(functions, numbers, times):
            start = CLOCK()
            for _ in range(number):
                fn()
            record.append((CLOCK() - start) / number)
    return [statistics.median(t) for t in times]


def measure(op, args, kwargs, repeat):
    """{"forward": (ours, theirs), "backward": (ours, theirs)} in seconds (backward only where there is one)."""
    cases = [Case(module, op, args, kwargs) for module in LIBRARIES]
    result = {"forward": _interleaved([c.forward for c in cases], repeat)}
    if all(c.record() for c in cases):
        result["backward"] = _interleaved([c.backward for c in cases], repeat)
    return result


# ---------------------------------------------------------------- the report
def _us(seconds):
    return f"{seconds * 1e6:10.1f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--target", type=int, default=65536, help="elements to grow a sample toward")
    parser.add_argument("--only", default="", help="time only the ops whose name contains this")
    options = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    ops = [(op, STRATEGY.get(family, "tile")) for family in FAMILIES for op in family.OPS
           if options.only in op.name]
    gc.collect()
    gc.freeze()
    started = time.perf_counter()
    print(f"{'op':40} {'elements':>9} {'fwd ours us':>11} {'torch us':>10} {'ratio':>6} "
          f"{'bwd ours us':>11} {'torch us':>10} {'ratio':>6}")
    ratios = []
    for op, strategy in ops:
        target = options.target // 16 if strategy == "block" else options.target
        chosen = choose_size(op, strategy, target)
        if chosen is None:
            print(f"{op.name:40} (no sample runs on both libraries)")
            continue
        args, kwargs, _, elements = chosen
        times = measure(op, args, kwargs, options.repeat)
        line = f"{op.name:40} {elements:9d}"
        for phase in ("forward", "backward"):
            if phase in times:
                ours, theirs = times[phase]
                ratios.append((ours / theirs, op.name, phase, elements))
                line += f" {_us(ours):>11} {_us(theirs):>10} {ours / theirs:6.2f}"
        print(line, flush=True)
    print(f"\n{len(ratios)} timings of {len(ops)} ops in {time.perf_counter() - started:.0f} s, PyTorch on "
          f"{torch.get_num_threads()} thread, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    print(f"median ratio chainrule/PyTorch: {statistics.median(r[0] for r in ratios):.2f}")
    print(f"over 3x: {sum(r[0] > 3 for r in ratios)}; worst ten:")
    for ratio, name, phase, elements in sorted(ratios, reverse=True)[:10]:
        print(f"  {ratio:7.2f}  {name} {phase} ({elements} elements)")


if __name__ == "__main__":
    main()
