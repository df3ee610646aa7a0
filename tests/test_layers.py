"""The package's layers: every module imports only from its own layer or the ones below, with no import
circles, and chainrule's own modules are imported inside functions only where laziness is the point.

The layers, lowest first: the foundation (dtypes, devices, array namespaces, the compile seam), the
Tensor, the autograd machinery (grad modes, graph, engine), the op mechanism and tensor construction,
the op families, the public namespaces built on them, nn/optim/data, and what sits on top of
everything (compile, devices, distributed, pictures). The check reads the source (nothing is
imported): a module that imports ``a.b.c`` depends on ``a.b.c`` and on the packages ``a`` and ``a.b``
whose ``__init__`` runs first, unless it lives inside them.
"""

import ast
import pathlib
import re

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "src" / "chainrule"

# (layer name, patterns of module names relative to chainrule); a module takes the first layer that matches.
LAYERS = [
    ("foundation", [r"_allocator", r"_errors", r"_float_errors", r"_size", r"_dtype", r"_device", r"_printing",
                    r"_array", r"_exact_arithmetic", r"_scipy",
                    r"_recording", r"_vmap_state", r"_cupy", r"return_types", r"_tensor_pickling", r"utils",
                    r"utils\.hooks", r"_autograd", r"_autograd\.grad_mode"]),
    ("tensor", [r"_tensor"]),
    ("autograd machinery", [r"_autograd\..*"]),
    ("op mechanism", [r"_ops\._op", r"_ops\._forward", r"_ops\._kernel", r"_ops\._broadcast", r"_creation",
                      r"_signatures"]),
    ("op families", [r"_ops(\..*)?", r"_random(\..*)?", r"nn\.functional\..*"]),
    ("public namespaces", [r"linalg", r"nn\.functional", r"autograd(\..*)?", r"random", r"distributions(\..*)?",
                           r"testing(\..*)?", r"_runtime", r"_legacy_types", r"_inplace_functions", r"_legacy_linalg",
                           r"amp(\..*)?", r"backends(\..*)?", r"jit", r"onnx"]),
    ("nn, optim, data", [r"nn\.(modules|init|parameter|utils)(\..*)?", r"nn", r"special", r"fft", r"optim(\..*)?",
                         r"_spectral", r"utils\.(data|checkpoint)(\..*)?", r"serialization(\..*)?",
                         r"distributed(\..*)?"]),
    ("compile, devices, distributed", [r"_compile(\..*)?", r"nn\.parallel(\..*)?", r"cuda(\..*)?", r"func(\..*)?",
                                       r"viz", r"coverage", r"chainrule", r"array_api(\..*)?", r"accelerator",
                                       r"_functional_aliases", r"_python_methods", r"_subclasses",
                                       r"_memory_methods"]),
]

# Imports of chainrule's own modules inside functions, each with its reason.
LAZY = {
    ("chainrule", "chainrule._compile"): "chainrule.compile loads its package on first use: "
                                         "import chainrule stays light",
    ("chainrule._tensor", "chainrule.array_api"): "the Array API namespace is built only when a user asks for it",
    ("chainrule.coverage", "chainrule.nn.functional"): "a command-line tool: reads the namespaces when run",
    ("chainrule._device", "chainrule._cupy"): "CuPy's namespace loads on the first use of a CUDA device: "
                                              "import chainrule never imports CuPy",
}


def _modules():
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        found[name] = (path, is_package)
    return found


MODULES = _modules()


def _resolve(module, is_package, level, target):
    if level == 0:
        return target
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[:len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _imports(module):
    """(imported module, inside a function) for every import of a chainrule module in ``module``."""
    path, is_package = MODULES[module]
    tree = ast.parse(path.read_text())
    result = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                result.extend((alias.name, inside) for alias in child.names if alias.name.startswith("chainrule"))
            elif isinstance(child, ast.ImportFrom):
                target = _resolve(module, is_package, child.level, child.module)
                if target and target.startswith("chainrule"):
                    for alias in child.names:
                        full = f"{target}.{alias.name}"
                        result.append((full if full in MODULES else target, inside))
            visit(child, inside)

    visit(tree, False)
    return result


def _dependencies(module):
    """The modules whose code runs when ``module``'s top level imports: targets and their enclosing packages."""
    result = set()
    for target, inside in _imports(module):
        if inside or target not in MODULES:
            continue
        result.add(target)
        parts = target.split(".")
        for end in range(1, len(parts)):
            package = ".".join(parts[:end])
            if package in MODULES and package != module and not module.startswith(package + "."):
                result.add(package)
    result.discard(module)
    return result


def _layer(module):
    relative = module[len("chainrule."):] if module != "chainrule" else "chainrule"
    for index, (_, patterns) in enumerate(LAYERS):
        if any(re.fullmatch(pattern, relative) for pattern in patterns):
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in tests/test_layers.py")


def test_every_module_has_a_layer():
    for module in MODULES:
        _layer(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_imports_only_its_layer_and_below(module):
    own = _layer(module)
    upward = [f"{target} ({LAYERS[_layer(target)][0]})" for target in sorted(_dependencies(module))
              if _layer(target) > own]
    assert not upward, f"{module} ({LAYERS[own][0]}) imports from higher layers: {', '.join(upward)}"


def test_no_import_circles():
    graph = {module: _dependencies(module) for module in MODULES}
    index, low, stack, on_stack, circles = {}, {}, [], set(), []
    counter = [0]

    def connect(start):  # Tarjan's strongly connected components, iteratively
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        circles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            connect(module)
    assert not circles, f"import circles: {circles}"


def test_imports_inside_functions_are_only_the_lazy_ones():
    lazy = sorted({(module, target) for module in MODULES for target, inside in _imports(module) if inside})
    unexpected = [f"{module} -> {target}" for module, target in lazy if (module, target) not in LAZY]
    assert not unexpected, f"imports inside functions without a reason in LAZY: {unexpected}"
