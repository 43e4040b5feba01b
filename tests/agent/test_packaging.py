"""The agent stands alone: it imports only the standard library, httpx and paho-mqtt, and its own
packaging (agent/pyproject.toml) installs it into a fresh venv where `loaxa-agent` runs without any
of the server's packages or dependencies."""

import ast
import importlib.metadata
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.agent.harness import ROOT

AGENT = ROOT / "agent"
ALLOWED = {"httpx", "paho", "agent"}
SERVER_SIDE = ("core", "api", "campaigns", "playlists", "airtime", "scheduler", "tts", "media", "fastapi",
               "sqlalchemy", "sqlmodel", "pydantic", "starlette", "typer", "uvicorn", "jinja2", "matplotlib")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import (use `from agent.x import y`)"
            found.add((node.module or "").split(".")[0])
    return found


def test_the_agent_imports_only_the_standard_library_httpx_and_paho() -> None:
    modules = sorted(AGENT.glob("*.py"))
    assert len(modules) > 20
    for path in modules:
        foreign = {m for m in _imports(path) if m not in sys.stdlib_module_names and m not in ALLOWED}
        assert not foreign, f"agent/{path.name} imports {sorted(foreign)}: the agent must install alone"


def _closure(names: list[str]) -> set[str]:
    """Installed distributions needed by `names` (their non-extra requirements, recursively)."""
    seen: set[str] = set()
    stack = list(names)
    while stack:
        name = re.sub(r"[-_.]+", "-", stack.pop()).lower()
        if name in seen:
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # a requirement for another Python or platform
        seen.add(name)
        for requirement in dist.requires or []:
            if "extra ==" not in requirement:
                stack.append(re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0])
    return seen


def _top_level(dist_name: str) -> set[Path]:
    dist = importlib.metadata.distribution(dist_name)
    roots = {Path(str(f)).parts[0] for f in dist.files or []}
    return {Path(str(dist.locate_file(r))) for r in roots
            if not r.endswith((".dist-info", ".pth")) and r != ".." and not r.startswith("__")}


def test_agent_pyproject_installs_a_working_loaxa_agent_into_a_fresh_venv(tmp_path: Path) -> None:
    source = tmp_path / "src" / "agent"
    shutil.copytree(AGENT, source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            str(source), "-w", str(tmp_path / "dist")], capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    [wheel] = list((tmp_path / "dist").glob("loaxa_agent-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    installed = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-deps", "--no-index", str(wheel)],
                               capture_output=True, text=True, timeout=120)
    assert installed.returncode == 0, installed.stderr
    # httpx and paho-mqtt (and what they need, nothing else) from this environment, without a download
    deps = tmp_path / "deps"
    deps.mkdir()
    for dist in _closure(["httpx", "paho-mqtt"]):
        for path in _top_level(dist):
            (deps / path.name).symlink_to(path)
    [site] = list((venv / "lib").glob("python3*/site-packages"))
    (site / "agent-deps.pth").write_text(f"{deps}\n")

    helped = subprocess.run([str(venv / "bin" / "loaxa-agent"), "--help"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert helped.returncode == 0, helped.stderr
    assert "pair" in helped.stdout and "install-service" in helped.stdout
    check = ("import importlib, pkgutil, sys, agent\n"
             "for m in pkgutil.iter_modules(agent.__path__):\n"
             "    if m.name != '__main__': importlib.import_module('agent.' + m.name)\n"
             f"server = [m for m in {SERVER_SIDE!r} if m in sys.modules]\n"
             "assert not server, server\n"
             "print(agent.__file__)")
    imported = subprocess.run([str(venv / "bin" / "python"), "-c", check], cwd=tmp_path, capture_output=True,
                              text=True, timeout=60)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip().startswith(str(site))
    for name in SERVER_SIDE[:8]:  # and the server's own packages are not even there
        assert subprocess.run([str(venv / "bin" / "python"), "-c", f"import {name}"], cwd=tmp_path,
                              capture_output=True, timeout=60).returncode != 0
