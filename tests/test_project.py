"""Project-wide promises: every command documented, imports point one way, one version."""

from __future__ import annotations

import ast
import re
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

import selfwatch
from selfwatch.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "selfwatch"
README = (ROOT / "README.md").read_text(encoding="utf-8")

# vocabulary <- pure core <- adapters <- orchestration <- cli
LAYERS = {
    "model": 0, "errors": 0, "posts": 0,
    "checklist": 1, "display": 1, "match": 1, "clues": 1, "feedback": 1, "identity": 1,
    "actions": 1, "digest": 1, "sources": 1, "parse": 1, "lint": 1, "report": 1,
    "archive": 1, "evidence": 1, "fastfeed": 1,
    "config": 2, "store": 2, "fetch": 2, "mailer": 2, "lockfile": 2, "scorer": 2,
    "connections": 2, "downloads": 2, "forked": 2, "future": 2,
    "watch": 3, "agent": 3, "demo": 3, "audit": 3, "triage": 3, "deliver": 3, "output": 3,
    "wizard": 3,
    "cli": 4, "__main__": 5, "__init__": 5,
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_is_in_the_readme(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert f"selfwatch {name}" in README, f"README does not document 'selfwatch {name}'"


def test_version_is_single_sourced():
    assert selfwatch.__version__ == version("selfwatch")
    result = CliRunner().invoke(cli, ["--version"])
    assert selfwatch.__version__ in result.output


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                names.add("." + node.module.split(".")[0])
            elif node.level == 1:
                names.update("." + a.name for a in node.names)
            elif node.module:
                names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
    return names


MODULES = sorted(p for p in SRC.glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_imports_point_one_way(path):
    mine = LAYERS[path.stem]
    for name in _imports(path):
        if name.startswith(".") and name[1:] in LAYERS and name[1:] != "__init__":
            assert LAYERS[name[1:]] <= mine, f"{path.stem} (layer {mine}) imports {name}"
    imported = _imports(path)
    if path.stem != "cli":
        assert "click" not in imported, f"only the CLI may import click ({path.stem} does)"
    if path.stem != "agent":
        assert "schedule" not in imported, f"only the agent may import schedule ({path.stem})"


def test_the_checklist_package_stands_alone():
    """The checklist imports only the vocabulary and errors; nothing else reaches inside it."""
    package = SRC / "checklist"
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                assert node.module in ("model", "errors"), f"checklist/{path.name}: {node.module}"
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert not node.module.startswith("selfwatch"), f"checklist/{path.name}"
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                assert not node.module.startswith("checklist."), f"{path.stem}: {node.module}"


def test_the_watch_values_are_still_imported_from_the_vocabulary():
    import selfwatch.model
    import selfwatch.posts

    for name in selfwatch.model._POSTS:
        assert getattr(selfwatch.model, name) is getattr(selfwatch.posts, name)
    with pytest.raises(AttributeError):
        selfwatch.model.NoSuchValue  # noqa: B018


def test_every_module_has_a_layer():
    assert {p.stem for p in MODULES} <= set(LAYERS)


def test_changelog_has_unreleased_section():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(r"^## Unreleased$", text, re.M)


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest -q" in ci and "python -m pytest -q" in README


def test_the_readme_lint_example_matches_the_real_output(monkeypatch: pytest.MonkeyPatch) -> None:
    block = README.split("You will see one line per rule that fired", 1)[1]
    shown = block.split("```text\n", 1)[1].split("```", 1)[0].strip().splitlines()
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["lint", "examples/draft.md"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert shown[-1] == lines[-1]  # the summary, score included
    for line in shown[:-1]:  # "path:line:col: level rule: message ... ['match']"
        head, _, match = line.partition(" ... ")
        assert any(out.startswith(head) and out.endswith(match) for out in lines), line
