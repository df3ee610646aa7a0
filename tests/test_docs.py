"""The documentation builds from the docstrings with no warnings (mkdocs --strict)."""

import os
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def test_docs_build_without_warnings(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    subprocess.run([sys.executable, os.path.join(ROOT, "docs", "gen_pictures.py")], check=True, env=env)
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "rule_index.py")], check=True, env=env)
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    for page in ("index.html", "engine/index.html", "differences/index.html", "api/index.html", "rules/index.html"):
        assert (tmp_path / page).exists()
    api = (tmp_path / "api" / "index.html").read_text()
    assert "create_graph" in api and "draw" in api
    rules = (tmp_path / "rules" / "index.html").read_text()
    assert "MulBackward0" in rules and "_mul_grad_self" in rules
