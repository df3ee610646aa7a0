"""What the CI jobs on other Pythons install, read from pyproject.toml so they follow its declarations.

    --lowest-python          the lowest Python that requires-python allows ("3.10")
    --lowest-numpy           the lowest NumPy that the dependencies allow, as a requirement ("numpy==2.0")
    --without NAME...        the test extra's requirements, one a line, less the packages named
"""

import re
import sys
import tomllib
from pathlib import Path

PROJECT = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]


def name(requirement):
    return re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()


def lowest(specifier, what):
    found = re.fullmatch(r">=\s*([0-9.]+)", specifier.strip())
    if found is None:
        raise SystemExit(f"{what}: expected a single '>=' floor in pyproject.toml, found {specifier!r}")
    return found.group(1)


def main(arguments):
    if arguments == ["--lowest-python"]:
        print(lowest(PROJECT["requires-python"], "requires-python"))
    elif arguments == ["--lowest-numpy"]:
        (numpy,) = [r for r in PROJECT["dependencies"] if name(r) == "numpy"]
        print("numpy==" + lowest(numpy[len("numpy"):], "numpy"))
    elif arguments[:1] == ["--without"]:
        left_out = {a.lower() for a in arguments[1:]}
        print("\n".join(r for r in PROJECT["optional-dependencies"]["test"] if name(r) not in left_out))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
