"""The import layers hold: rsl_rl <- legged_gym.utils <- sim, motion, terrain <- envs <- eval, viewer, deploy <- scripts.

A module may import its own layer or lower ones (function-level imports count too), and module-level imports form
no cycle.
"""

from __future__ import annotations

import ast
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RANK = {
    "rsl_rl": 0, "legged_gym": 1, "legged_gym.utils": 1, "legged_gym.sim": 2, "legged_gym.motion": 2,
    "legged_gym.terrain": 2, "legged_gym.envs": 3, "legged_gym.eval": 4, "legged_gym.viewer": 4,
    "legged_gym.deploy": 4, "legged_gym.scripts": 5,
}


def _layer(module: str) -> str | None:
    best = None
    for key in RANK:
        if (module == key or module.startswith(key + ".")) and (best is None or len(key) > len(best)):
            best = key
    return best


def _modules() -> dict[str, str]:
    out = {}
    for base in ("legged_gym", "rsl_rl"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, base)):
            for f in files:
                if f.endswith(".py"):
                    path = os.path.join(dirpath, f)
                    mod = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                    out[mod.removesuffix(".__init__")] = path
    return out


def _imports(path: str, top_level_only: bool) -> list[tuple[str, int]]:
    tree = ast.parse(open(path).read())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
    return found


def test_no_upward_import() -> None:
    upward = []
    for mod, path in _modules().items():
        me = _layer(mod)
        for name, line in _imports(path, top_level_only=False):
            other = _layer(name)
            if me and other and RANK[other] > RANK[me]:
                upward.append(f"{mod}:{line} imports {name}")
    assert not upward, "\n".join(upward)


def test_module_level_imports_have_no_cycle() -> None:
    mods = _modules()
    graph = {m: {n for n, _ in _imports(p, top_level_only=True) if n in mods and n != m} for m, p in mods.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (cycle := visit(n)):
                return cycle
        state[m] = 2
        stack.pop()
        return None

    for m in sorted(graph):
        if m not in state:
            cycle = visit(m)
            assert cycle is None, " -> ".join(cycle)
