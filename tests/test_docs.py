"""The documentation builds from the docstrings with no warnings (mkdocs --strict); without Graphviz the
pictures are not drawn, the build says why, and the missing pictures are its only warnings."""

import os
import re
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
NOT_RENDERED = 3  # docs/gen_pictures.py's status where Graphviz is missing


def test_docs_build_without_warnings(tmp_path, renderer_missing):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "rule_index.py")], check=True, env=env)
    pictures = subprocess.run([sys.executable, os.path.join(ROOT, "docs", "gen_pictures.py")],
                              capture_output=True, text=True, env=env)
    strict = ["--strict"] if renderer_missing is None else []
    if renderer_missing is None:
        assert pictures.returncode == 0, pictures.stderr
    else:
        assert pictures.returncode == NOT_RENDERED and renderer_missing in pictures.stdout, pictures.stderr
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", *strict, "--site-dir", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    pictures_missing = re.compile(r"contains a link 'img/\w+\.svg', but the target is not found")
    assert all(renderer_missing is not None and pictures_missing.search(line) for line in warnings), warnings
    for page in ("index.html", "engine/index.html", "differences/index.html", "api/index.html", "rules/index.html"):
        assert (tmp_path / page).exists()
    api = (tmp_path / "api" / "index.html").read_text()
    assert "create_graph" in api and "draw" in api
    rules = (tmp_path / "rules" / "index.html").read_text()
    assert "MulBackward0" in rules and "_mul_grad_self" in rules
