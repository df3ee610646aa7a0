"""scripts/gen_stubs.py writes stubs that list exactly what exists at runtime: every public name of the
stubbed namespaces and every attribute of Tensor (its runtime-installed methods included), nothing more.
The names are read here from the live objects with dir(), apart from the generator's own listing."""

import ast
import inspect
import os
import subprocess
import sys

import pytest

import chainrule
import chainrule.linalg
import chainrule.nn.functional

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import gen_stubs  # noqa: E402
import stub_types  # noqa: E402

# What a class statement makes for itself, not API (Python 3.13 adds the last two).
CLASS_BOOKKEEPING = {"__dict__", "__weakref__", "__module__", "__qualname__", "__slots__", "__doc__",
                     "__firstlineno__", "__static_attributes__"}
IMPORTED_FOR_ANNOTATIONS = {"Any", "Iterator", "NamedTuple"}


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    out = tmp_path_factory.mktemp("stubs")
    gen_stubs.write(str(out))
    return {path: ast.parse((out / path).read_text(), filename=path)
            for path in [*gen_stubs.MODULES, gen_stubs.TENSOR_STUB, gen_stubs.RETURN_TYPES_STUB]}


def defined(statements):
    """The names a stub's statements bind, other than plain ``import x.y`` lines used by annotations."""
    names = set()
    for statement in statements:
        if isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
            names.add(statement.name)
        elif isinstance(statement, ast.AnnAssign):
            names.add(statement.target.id)
        elif isinstance(statement, ast.Assign):  # another name for a class or module: ``alias = chainrule.x.y``
            names |= {target.id for target in statement.targets}
        elif isinstance(statement, ast.ImportFrom):
            names |= {alias.asname or alias.name for alias in statement.names}
    return names - IMPORTED_FOR_ANNOTATIONS


def runtime_public(module):
    names = getattr(module, "__all__", None)
    return set(names) if names is not None else {n for n in dir(module) if not n.startswith("_")}


@pytest.mark.parametrize("path", list(gen_stubs.MODULES))
def test_a_namespace_stub_lists_exactly_its_runtime_names(stubs, path):
    module = gen_stubs.MODULES[path]
    imported_here = {n for n in runtime_public(module)  # by this process: `import chainrule` leaves them out
                     if getattr(getattr(module, n), "__name__", None) in gen_stubs.EXPLICIT_IMPORTS}
    assert defined(stubs[path].body) == runtime_public(module) - imported_here | {"Tensor"}


def test_submodules_that_need_their_own_import_are_not_attributes_in_the_stub(stubs):
    """`import chainrule` alone leaves chainrule.array_api out (a fresh interpreter says so), so the stub does."""
    probe = "import chainrule; print(sorted(m for m in {} if hasattr(chainrule, m.split('.')[1])))"
    shown = subprocess.run([sys.executable, "-c", probe.format(sorted(gen_stubs.EXPLICIT_IMPORTS))], env=dict(
        os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(chainrule.__file__))), capture_output=True,
        text=True, check=True).stdout
    assert shown == "[]\n"
    assert not defined(stubs["__init__.pyi"].body) & {"array_api", "coverage"}


def test_the_tensor_stub_lists_exactly_tensors_attributes(stubs):
    (tensor,) = [s for s in stubs[gen_stubs.TENSOR_STUB].body if isinstance(s, ast.ClassDef) and s.name == "Tensor"]
    in_stub = defined(tensor.body)
    Tensor = chainrule.Tensor
    at_runtime = {n for n in dir(Tensor) if n not in dir(object) or n in vars(Tensor)  # object's, unless redefined
                  or inspect.getattr_static(Tensor, n) is not inspect.getattr_static(object, n)}
    assert in_stub == at_runtime - CLASS_BOOKKEEPING
    assert {"sum", "backward", "grad", "shape", "__add__", "__getitem__", "exp_"} <= in_stub


def test_ops_are_typed_as_returning_tensors(stubs):
    functions = {s.name: s for s in stubs["__init__.pyi"].body if isinstance(s, ast.FunctionDef)}
    assert ast.unparse(functions["exp"].returns) == "Tensor"
    assert ast.unparse(functions["exp"].args) == "input: Tensor, *, out=..."
    assert ast.unparse(functions["add"].args.args[0].annotation) == \
        "Tensor | builtins.int | builtins.float | builtins.complex"  # torch.add(1, x)
    assert ast.unparse(functions["split"].returns) == "builtins.tuple[Tensor, ...]"  # several tensors
    assert ast.unparse(functions["max"].returns) == "Any"  # a named tuple with dim=, else a tensor
    assert ast.unparse(functions["sort"].returns) == "chainrule.return_types.sort"  # always a named tuple
    assert ast.unparse(functions["zeros"].returns) == "Tensor"  # not an op: typed in scripts/stub_types.py


def test_the_named_tuples_have_their_runtime_fields(stubs):
    classes = {s.name: s for s in stubs[gen_stubs.RETURN_TYPES_STUB].body if isinstance(s, ast.ClassDef)}
    assert set(classes) == set(chainrule.return_types.__all__)
    for name, stub in classes.items():
        assert [field.target.id for field in stub.body] == list(getattr(chainrule.return_types, name)._fields)


def test_every_name_given_a_type_exists(stubs):
    """A name in scripts/stub_types.py that no namespace has any more is a leftover (or a typo)."""
    namespaces = {"": chainrule, "linalg.": chainrule.linalg, "F.": chainrule.nn.functional,
                  "Tensor.": chainrule.Tensor}
    missing = []
    for name in [*stub_types.RETURNS, *("Tensor." + n for n in stub_types.PROPERTIES)]:
        prefix, _, bare = name.rpartition(".")
        places = [namespaces[prefix + "."]] if prefix else namespaces.values()  # a bare name: any of them
        if not any(hasattr(place, bare) for place in places):
            missing.append(name)
    assert not missing


def test_tensors_assignable_properties_have_setters_in_the_stub(stubs):
    (tensor,) = [s for s in stubs[gen_stubs.TENSOR_STUB].body if isinstance(s, ast.ClassDef) and s.name == "Tensor"]
    setters = {s.name for s in tensor.body if isinstance(s, ast.FunctionDef)
               and any(ast.unparse(d).endswith(".setter") for d in s.decorator_list)}
    assert {"grad", "requires_grad", "data"} <= setters
    assert "shape" not in setters


def test_the_shipped_stubs_are_what_the_generator_writes_today(stubs, tmp_path_factory):
    """The stubs in the package (what editors read) are regenerated whenever the API changes:
    run ``PYTHONPATH=src python scripts/gen_stubs.py`` when this fails."""
    package = os.path.join(os.path.dirname(os.path.abspath(chainrule.__file__)))
    fresh = tmp_path_factory.mktemp("fresh")
    gen_stubs.write(str(fresh))
    for path in [*gen_stubs.MODULES, gen_stubs.TENSOR_STUB, gen_stubs.RETURN_TYPES_STUB]:
        with open(os.path.join(package, path), encoding="utf-8") as shipped:
            assert shipped.read() == (fresh / path).read_text(), f"{path} is stale"
    assert os.path.exists(os.path.join(package, "py.typed"))
