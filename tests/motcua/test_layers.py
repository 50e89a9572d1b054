"""The architecture as rules a change cannot break unnoticed (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

LOWER_PACKAGES = ("nlu", "knowledge", "feedback")
SHELL = "motcua"


def _modules(package: str) -> list[Path]:
    return sorted((REPO_ROOT / package).rglob("*.py"))


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", LOWER_PACKAGES)
def test_lower_packages_never_import_the_bot_or_the_shell(package: str) -> None:
    offenders = {
        str(path.relative_to(REPO_ROOT)): sorted(name for name in _imported(path)
                                                 if name.split(".")[0] in ("bot", SHELL))
        for path in _modules(package)
    }
    assert _modules(package)
    assert {path: names for path, names in offenders.items() if names} == {}


def _reads_environment(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                return True
        if isinstance(node, ast.Name) and node.id in ("BaseSettings", "getenv", "environ"):
            return True
    return False


def test_only_the_settings_module_reads_the_environment() -> None:
    code = [path for package in (*LOWER_PACKAGES, "bot", SHELL) for path in _modules(package)]
    readers = sorted(str(path.relative_to(REPO_ROOT)) for path in code if _reads_environment(path))
    assert readers == ["motcua/settings.py"]
