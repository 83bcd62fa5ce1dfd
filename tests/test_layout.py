"""The layout of ``model/`` and ``experiments/``: no import circles, a one-way data path, no private
names across modules, small modules, and packages that say what they hold.

The imports are read from the source (every ``import`` and ``from ... import`` statement, those
inside functions included), not by importing: a circle hidden in a function-local import counts.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("model", "experiments")
MAX_LINES = 400
#: Old module paths kept for one release; they re-export from the new places and warn.
SHIMS = {
    "experiments.compare": "experiments.replicates",
    "experiments.figures": "experiments.replicates.figures",
    "experiments.sweep": "experiments.sweeps",
    "experiments.reports": "experiments.briefings",
    "experiments.briefing": "experiments.briefings",
    "experiments.headline": "experiments.briefings.headline",
}
#: Levels of the data path, model first: a module may import only from its own level or below.
#: A package of ``experiments`` not named here (a new pipeline) is an analysis, at level 3.
LEVELS = {
    "model": 0,
    "experiments.errors": 1, "experiments.runner": 1, "experiments.scenario": 1,
    "experiments.stats": 1, "experiments.store": 1, "experiments.presentation": 1,
    "experiments.pool": 1,
    # The posterior contract is a data format every level reads, like the store's files.
    "experiments.calibration.posterior": 1,
    "experiments.replicates": 2, "experiments.sweeps": 2,
    "experiments.briefings": 4,
    "experiments.cli": 5,
    "model.app": 5,  # the SolaraViz front end: beside the command line, it reads the scenarios
}
ANALYSIS_LEVEL = 3
#: The public API of ``experiments`` (the lazy facade).
PUBLIC_API = ("run_model", "compare_scenarios", "run_scenarios", "run_experiment",
              "replicate_seed", "reproduce", "effects_table", "paired_ci", "KEY_OUTPUTS",
              "provenance", "Scenario", "list_scenarios", "load_scenario", "summarise",
              "UserError")


# ---------------------------------------------------------------------------------- reading
def _module_files() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the two packages."""
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


FILES = _module_files()
MODULES = set(FILES)


def _is_package(module: str) -> bool:
    return FILES[module].name == "__init__.py"


def _resolve(importer: str, level: int, module: str | None) -> str:
    """The absolute name of a (possibly relative) ``from`` import's module."""
    if level == 0:
        return module or ""
    base = importer.split(".")
    if not _is_package(importer):
        base = base[:-1]
    base = base[:len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


class Imports:
    """Every import of one module: its edges to project modules, the names it takes from them,
    and the names it binds to project modules."""

    def __init__(self, name: str):
        self.name = name
        self.tree = ast.parse(FILES[name].read_text(), filename=str(FILES[name]))
        self.edges: dict[str, set[str]] = defaultdict(set)  # target module -> names taken
        self.aliases: dict[str, str] = {}  # local name -> project module
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in PACKAGES:
                        self.edges[alias.name].add("*module*")
                        bound = alias.asname or alias.name.split(".")[0]
                        self.aliases[bound] = alias.name if alias.asname else bound
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(name, node.level, node.module)
                if source.split(".")[0] not in PACKAGES:
                    continue
                for alias in node.names:
                    sub = f"{source}.{alias.name}"
                    if sub in MODULES:  # `from pkg import module`
                        self.edges[sub].add("*module*")
                        self.aliases[alias.asname or alias.name] = sub
                    else:
                        self.edges[source].add(alias.name)

    def private_uses(self) -> list[str]:
        """Private names taken from other project modules, by import or as an attribute."""
        found = [f"{self.name} imports {n} from {target}"
                 for target, names in self.edges.items() for n in names if _private(n)]
        for node in ast.walk(self.tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in self.aliases and _private(node.attr)):
                found.append(f"{self.name} uses {self.aliases[node.value.id]}.{node.attr}")
        return found


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


IMPORTS = {m: Imports(m) for m in sorted(MODULES)}


def _graph() -> dict[str, set[str]]:
    return {m: {t for t in imp.edges if t in MODULES} for m, imp in IMPORTS.items()}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (or a module importing itself),
    by Tarjan's algorithm."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _level(module: str) -> int | None:
    """The level of a module on the data path (None for shims and the facade)."""
    if module in SHIMS or module == "experiments":
        return None
    for prefix in sorted(LEVELS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return LEVELS[prefix]
    return ANALYSIS_LEVEL


# ---------------------------------------------------------------------------------- tests
def test_the_walk_sees_the_imports_it_must():
    # A function-local import, a relative import two levels up and a `from pkg import module`.
    assert "experiments.briefings.headline" in IMPORTS["experiments.cli.briefings"].edges
    assert "experiments.replicates" in _graph()["experiments.briefings.headline"]
    assert "experiments.store" in _graph()["experiments.cli.sensitivity"]
    assert "experiments.sweeps.ledger" in _graph()["experiments.sweeps.run"]
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"a"}}) == [["a"]]


def test_no_import_circles_in_model_and_experiments():
    graph = _graph()
    circles = _circles(graph)
    detail = [" -> ".join(c) + "; edges: " + ", ".join(
        f"{a}->{b} ({', '.join(sorted(IMPORTS[a].edges[b]))})"
        for a in c for b in graph[a] if b in c) for c in circles]
    assert not circles, f"import circles: {detail}"


def test_data_path_runs_one_way():
    upward = [f"{a} (level {_level(a)}) imports {b} (level {_level(b)})"
              for a, targets in _graph().items() for b in targets
              if _level(a) is not None and _level(b) is not None and _level(b) > _level(a)]
    assert not upward, ("imports against the data path model -> runner -> replicates|sweeps -> "
                        f"analysis -> briefings -> cli: {upward}")


def test_modules_inside_experiments_do_not_go_through_the_facade():
    # The facade's names are imported lazily, so an import of them would hide the real edge.
    through = [m for m, imp in IMPORTS.items()
               if m.startswith("experiments.") and "experiments" in imp.edges]
    assert not through, f"import the defining module instead of `experiments`: {through}"


def test_no_private_name_is_imported_across_modules():
    found = [u for imp in IMPORTS.values() for u in imp.private_uses()]
    assert not found, f"private names used across modules (make them public or move them): {found}"


def test_no_module_of_experiments_is_long():
    long = {m: n for m in MODULES if m.startswith("experiments")
            and (n := len(FILES[m].read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them along a seam): {long}"


def test_every_package_says_its_job_and_its_public_names():
    for module in sorted(m for m in MODULES if m.startswith("experiments.") and _is_package(m)):
        doc = ast.get_docstring(IMPORTS[module].tree)
        assert doc and len(doc.splitlines()) >= 3, f"{module}/__init__.py needs a docstring"
        package = importlib.import_module(module)
        assert package.__all__, f"{module} lists no public names in __all__"
        for name in package.__all__:
            assert hasattr(package, name), f"{module}.__all__ names {name}, which it lacks"


def test_every_module_has_a_docstring():
    missing = [m for m in MODULES if not ast.get_docstring(IMPORTS[m].tree)]
    assert not missing, f"modules without a docstring: {missing}"


def test_public_api_and_old_paths_still_import():
    import experiments
    import experiments.runner

    for name in PUBLIC_API:
        assert getattr(experiments, name) is not None
    assert set(PUBLIC_API) <= set(experiments.__all__)
    assert experiments.run_model is experiments.runner.run_model
    from experiments.cli import main
    from experiments.replicates import run_experiment
    from experiments.sensitivity import Plan, build_problem, run_sensitivity  # noqa: F401

    assert callable(main) and experiments.run_experiment is run_experiment


@pytest.mark.parametrize("old", sorted(SHIMS))
def test_old_module_paths_warn_and_reexport(old):
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=re.escape(old)):
        shim = importlib.import_module(old)
    new = importlib.import_module(SHIMS[old])
    assert shim.__all__
    for name in shim.__all__:
        obj = getattr(shim, name)
        assert getattr(obj, "__module__", "").startswith("experiments.") or not callable(obj)
        if hasattr(new, name):
            assert getattr(new, name) is obj


def test_importing_the_runner_imports_no_pipeline():
    # Worker processes re-import the package ("spawn"); run_model must not pull in the rest.
    code = ("import sys, experiments; experiments.run_model; "
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('experiments'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True).stdout.split()
    assert out == ["experiments", "experiments.runner"]


def test_every_command_module_adds_commands_and_the_table_is_true():
    from experiments.cli import base, cli

    base.register()
    doc = ast.get_docstring(IMPORTS["experiments.cli"].tree)
    table = {}
    for line in doc.splitlines():
        m = re.match(r"\s+cadresim (.+?)\s{2,}(\w+)\.py\b", line)
        if m:
            table.update({c.strip(): m.group(2) for c in m.group(1).split("|")})
    actual = {name: cmd.callback.__module__.rpartition(".")[2]
              for name, cmd in cli.commands.items()}
    assert table == actual, "experiments/cli/__init__.py's table differs from the commands"
    assert set(actual.values()) == set(base.command_modules())


def test_every_package_installs_with_its_scenarios():
    from setuptools import find_packages

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = set(find_packages(str(ROOT), include=config["packages"]["find"]["include"]))
    assert found == {m for m in MODULES if _is_package(m)}
    assert config["package-data"]["experiments"] == ["scenarios/*.toml"]
    assert list((ROOT / "experiments" / "scenarios").glob("*.toml"))
