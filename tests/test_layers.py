"""The import-linter contracts in pyproject.toml: the real tree keeps them, and a throwaway breach is caught.

`lint-imports` runs in a subprocess, as `make test` runs it: on the checkout, and on a copy of the packages
in a temporary folder with modules added that break each contract.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CONTRACTS = {
    c["id"]: c["name"]
    for c in tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"][
        "contracts"
    ]
}
LINT = [
    sys.executable,
    "-c",
    "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())",
]


def lint(cwd: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the packages under `cwd` (found first on the path), with its pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    args = [arg for contract in contracts for arg in ("--contract", contract)]
    return subprocess.run(
        [*LINT, "--no-cache", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_the_tree_keeps_its_contracts() -> None:
    kept = sorted(CONTRACTS)
    assert {
        "floors",
        "no-database-below-the-store",
        "product-without-devdata",
        "classify-base-is-the-contract",
    } <= set(kept)
    result = lint(REPO, *kept)
    assert result.returncode == 0, result.stdout + result.stderr
    for contract in kept:
        assert f"{CONTRACTS[contract]} KEPT" in result.stdout


@pytest.fixture(scope="module")
def breached(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """A copy of monitor/ and dashboards/ with one throwaway module breaking each contract."""
    root = tmp_path_factory.mktemp("breached")
    for package in ("monitor", "dashboards"):
        shutil.copytree(REPO / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    throwaway = {
        "monitor/store/_upward.py": "from monitor.scoring import registry  # the store reaching up a floor\n",
        "monitor/_loose.py": '"""A root module placed on no floor."""\n',
        "monitor/text/_database.py": "import sqlalchemy  # text must not know the database\n",
        "monitor/reports/_demo.py": "from monitor.devdata import generate_posts  # product using demo data\n",
        "monitor/config_ui.py": "import dashboards.ui  # the foundations importing the dashboard\n",
    }
    for relative, source in throwaway.items():
        (root / relative).write_text(source, encoding="utf-8")
    with (root / "monitor/classify/base.py").open("a", encoding="utf-8") as handle:
        handle.write("from monitor.classify import embed  # the contract reaching into its implementation\n")
    return lint(root, *sorted(CONTRACTS))


def test_a_breach_fails_lint_imports(breached: subprocess.CompletedProcess[str]) -> None:
    assert breached.returncode != 0
    broken = {cid for cid, name in CONTRACTS.items() if f"{name} BROKEN" in breached.stdout}
    assert broken == set(CONTRACTS), breached.stdout


def test_the_breach_is_named(breached: subprocess.CompletedProcess[str]) -> None:
    out = " ".join(breached.stdout.split())
    assert "monitor.store is not allowed to import monitor.scoring" in out
    assert "monitor.store._upward -> monitor.scoring.registry (l.1)" in out
    assert "not listed as layers: - monitor._loose - monitor.config_ui" in out  # exhaustive: on no floor
    assert "monitor.text._database -> sqlalchemy (l.1)" in out
    assert "monitor.reports._demo -> monitor.devdata (l.1)" in out
    assert "monitor.config_ui -> dashboards.ui (l.1)" in out
    base_lines = len((REPO / "monitor/classify/base.py").read_text(encoding="utf-8").splitlines())
    assert f"monitor.classify.base -> monitor.classify.embed (l.{base_lines + 1})" in out
    assert "place a new module in a layer of the floors contract" in out
