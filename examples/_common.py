"""What the training examples share: picking chainrule or PyTorch, the command line, the progress bar,
the digits data and the loss plot.

Every example is one script that runs on chainrule by default and on PyTorch with ``--torch``, so the
two can be compared line for line: same model, same data, same printed numbers.

The examples' matrices are small, and a BLAS thread pool only slows them: on a busy two-core machine a
five-epoch digits run took 3 to 15 s with OpenBLAS's threads and 0.5 s with one (PyTorch's OpenMP pool
alike). So unless the environment already says otherwise, NumPy's and PyTorch's pools get one thread;
the variables are set here, before NumPy is imported.
"""

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import importlib  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

import numpy as np  # noqa: E402

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output")


def import_library():
    """``import torch`` when ``--torch`` is on the command line, otherwise ``import chainrule as torch``."""
    return importlib.import_module("torch" if "--torch" in sys.argv[1:] else "chainrule")


# The examples take their library as `torch = _common.torch`: picked from the command line each time an
# example is loaded (a test loads one for each library), and read as chainrule by editors and type checkers,
# for which TYPE_CHECKING is true.
if TYPE_CHECKING:
    import chainrule as torch  # noqa: F401
else:
    def __getattr__(name):
        if name == "torch":
            return import_library()
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def library_name(torch):
    return "PyTorch" if torch.__name__ == "torch" else "chainrule"


THREADS_NOTE = ("NumPy's and PyTorch's thread pools get one thread, where these small models run fastest,\n"
                "unless OPENBLAS_NUM_THREADS, OMP_NUM_THREADS or MKL_NUM_THREADS is set.")


def parser(description, *, steps=None, epochs=None, compile=False):
    """The options every example takes: ``--steps`` or ``--epochs``, ``--seed``, ``--torch``, ``--output``,
    ``--device`` (and ``--compile`` where the example offers it). ``description`` is the script's docstring,
    shown whole by ``--help``."""
    options = argparse.ArgumentParser(description=description, epilog=THREADS_NOTE,
                                      formatter_class=argparse.RawDescriptionHelpFormatter)
    if steps is not None:
        options.add_argument("--steps", type=int, default=steps, help=f"training steps (default {steps})")
    if epochs is not None:
        options.add_argument("--epochs", type=int, default=epochs, help=f"passes over the data (default {epochs})")
    options.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    options.add_argument("--torch", action="store_true", help="run the same script with PyTorch")
    options.add_argument("--output", default=OUTPUT, help="folder for the loss plot (default examples/output)")
    options.add_argument("--device", default="cpu", help="where to train: cpu, or cuda on an NVIDIA GPU (default cpu)")
    if compile:
        options.add_argument("--compile", action="store_true",
                             help="compile the training step (chainrule.compile; torch.compile with --torch)")
    return options


def _tqdm():
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


class ProgressBar:
    """Training progress with the latest loss; keeps every loss in ``.losses``.

    In a terminal: tqdm's bar where tqdm is installed, otherwise a one-line bar redrawn at most once per
    percent. Anywhere else (a log file, CI, a notebook) a plain line at each tenth of the run, so a log
    gets eleven lines and no carriage returns.
    """

    def __init__(self, total, description, width=30, stream=None):
        self.total, self.description, self.width = total, description, width
        self.stream = stream or sys.stderr
        self.done = 0
        self.losses = []
        self.drawn = -1
        self.start = time.perf_counter()
        isatty = getattr(self.stream, "isatty", None)
        self.terminal = bool(isatty and isatty())
        tqdm = _tqdm() if self.terminal else None
        self.tqdm = tqdm(total=total, desc=description, file=self.stream, dynamic_ncols=True) if tqdm else None

    def update(self, loss):
        self.losses.append(loss)
        self.done += 1
        if self.tqdm is not None:
            self.tqdm.set_postfix_str(f"loss {loss:.4f}", refresh=False)
            self.tqdm.update()
            return
        marks = 100 if self.terminal else 10
        mark = marks * self.done // self.total
        if mark == self.drawn:
            return
        self.drawn = mark
        filled = self.width * self.done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        line = (f"{self.description} [{bar}] {self.done}/{self.total} loss {loss:.4f} "
                f"{time.perf_counter() - self.start:6.1f}s")
        self.stream.write("\r" + line if self.terminal else line + "\n")
        self.stream.flush()

    def close(self):
        """End the bar; returns the seconds since the bar was made."""
        seconds = time.perf_counter() - self.start
        if self.tqdm is not None:
            self.tqdm.close()
        elif self.terminal:
            self.stream.write("\n")
            self.stream.flush()
        return seconds


def synthetic_digits(n_samples, seed=0):
    """Ten noisy 8x8 patterns with values in [0, 1]: a digits-like classification task made with NumPy only."""
    rng = np.random.default_rng(seed)
    patterns = (rng.random((10, 8, 8)) > 0.6).astype(np.float32)
    labels = rng.integers(0, 10, n_samples)
    noise = rng.normal(0.0, 0.35, (n_samples, 8, 8)).astype(np.float32)
    images = np.clip(patterns[labels] + noise, 0.0, 1.0).reshape(n_samples, 64)
    return images.astype(np.float32), labels.astype(np.int64)


MISSING_DIGITS = ("{script} trains on scikit-learn's 8x8 digits, and scikit-learn is not installed: "
                  "pip install scikit-learn (from a chainrule checkout: pip install -e '.[examples]'). "
                  "Or run it with --synthetic to train on ten noisy patterns made with NumPy "
                  "(a different task: its accuracy says nothing about the digits).")


def digits(synthetic=False, test_fraction=0.2):
    """The digits as float32 rows of 64 pixels: (x_train, y_train, x_test, y_test, what the data is).

    scikit-learn's 8x8 handwritten digits, or with ``synthetic`` ten noisy patterns made with NumPy. The
    split is one fixed permutation, so every run is tested on the same images. Pixels, scaled to [0, 1],
    are standardized with the training images' mean and spread (plus 0.1, for the border pixels that are
    almost always blank). Without scikit-learn and without ``synthetic`` the run stops and says what to do.
    """
    if synthetic:
        images, labels = synthetic_digits(1797)
        source = "synthetic 8x8 digits (ten noisy patterns made with NumPy, not scikit-learn's digits)"
    else:
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise SystemExit(MISSING_DIGITS.format(script=os.path.basename(sys.argv[0]))) from None
        data = load_digits()
        images, labels = (data.data / 16.0).astype(np.float32), data.target.astype(np.int64)
        source = "scikit-learn's 8x8 handwritten digits"
    order = np.random.default_rng(0).permutation(len(labels))
    n_test = int(len(labels) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    mean, spread = images[train].mean(axis=0), images[train].std(axis=0) + 0.1
    images = (images - mean) / spread
    return images[train], labels[train], images[test], labels[test], \
        f"{source}: {len(train)} for training, {len(test)} for testing"


def save_loss_plot(curves, name, torch, output=OUTPUT):
    """Write loss curves to ``output/NAME_loss.png`` (``NAME_loss_torch.png`` for PyTorch), if matplotlib is there.

    ``curves`` is one list of losses, or a dict of them by label.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no loss plot (pip install matplotlib)")
        return None
    if not isinstance(curves, dict):
        curves = {"training loss": curves}
    os.makedirs(output, exist_ok=True)
    suffix = "_torch" if library_name(torch) == "PyTorch" else ""
    path = os.path.join(output, f"{name}_loss{suffix}.png")
    figure, axes = plt.subplots(figsize=(6, 4))
    for label, losses in curves.items():
        axes.plot(np.arange(1, len(losses) + 1), losses, linewidth=1, label=label)
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.set_yscale("log")
    axes.set_title(f"{name} ({library_name(torch)})")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"loss plot written to {path}")
    return path


def train_on_digits(torch, build_model, name, title, lr, description):
    """The digits examples' whole run: parse the command line, seed, build the model from ``torch.nn``,
    train it with Adam and cross-entropy on batches of 64, report accuracies and time, save the loss plot."""
    options = parser(description, epochs=30, compile=True)
    options.add_argument("--synthetic", action="store_true",
                         help="train on synthetic digits made with NumPy instead of scikit-learn's (no scikit-learn "
                              "needed; a different, easier task)")
    args = options.parse_args()
    torch.manual_seed(args.seed)
    model = build_model(torch.nn).to(args.device)
    *arrays, source = digits(args.synthetic)
    print(f"data: {source}")
    x_train, y_train, x_test, y_test = (torch.from_numpy(a).to(args.device) for a in arrays)
    data = torch.utils.data
    loader = data.DataLoader(data.TensorDataset(x_train, y_train), batch_size=64, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    progress = ProgressBar(args.epochs * len(loader), f"{title} ({library_name(torch)})")

    def step(images, labels):
        loss = torch.nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    if args.compile:
        step = torch.compile(step)
    for _ in range(args.epochs):
        for images, labels in loader:
            progress.update(step(images, labels).item())
    seconds = progress.close()

    def accuracy(images, labels):
        with torch.no_grad():
            return (model(images).argmax(dim=1) == labels).float().mean().item()

    print(f"{library_name(torch)}: {len(progress.losses)} steps in {seconds:.2f} s, "
          f"train accuracy {accuracy(x_train, y_train):.2%}, test accuracy {accuracy(x_test, y_test):.2%}")
    save_loss_plot(progress.losses, name, torch, args.output)
