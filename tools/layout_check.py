"""`python -m tools.layout_check`: the shape of the code base, checked.

Prints the largest modules and functions, the import graph between top-level folders,
and fails (exit 1) on an import circle between folders or an import that points up
the layers:

    cli, web, bench, tools, worker  →  services, workflows  →  activities
        →  store, notifiers, intake  →  config, contracts  →  domain

`workflows` (the workflow definitions, replayed in Temporal's sandbox) may import
only `contracts`, `domain` and temporalio. Every import counts, including those
inside functions: a local import does not make a circle go away.
"""
from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {
    "domain": 0, "contracts": 1, "config": 1,
    "store": 2, "notifiers": 2, "intake": 2,
    "activities": 3,
    "services": 4, "workflows": 4,
    "cli": 5, "web": 5, "bench": 5, "tools": 5, "worker": 5,
}
# The workflow sandbox re-runs these modules: they import only pure data and rules.
WORKFLOW_ALLOWED = {"contracts", "domain", "workflows"}
SKIP_DIRS = {"tests", ".venv", ".git", "migrations", "node_modules"}
MODULE_LIMIT, FUNCTION_LIMIT = 300, 40


def product_files() -> list[Path]:
    files = [ROOT / "worker.py"]
    for folder in sorted(LAYERS):
        path = ROOT / folder
        if path.is_dir():
            files += [p for p in path.rglob("*.py") if not SKIP_DIRS & set(p.relative_to(ROOT).parts)]
    return files


def folder_of(path: Path) -> str:
    first = path.relative_to(ROOT).parts[0]
    return first[:-3] if first.endswith(".py") else first


def imported_folders(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found |= {n.split(".")[0] for n in names if n.split(".")[0] in LAYERS}
    return found


def functions(tree: ast.AST, path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.append((node.end_lineno - node.lineno + 1, f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"))
    return out


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
            if nxt not in state and (found := visit(nxt, trail + [nxt])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def survey() -> dict:
    graph: dict[str, set[str]] = defaultdict(set)
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    sizes, funcs = [], []
    for path in product_files():
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        here = folder_of(path)
        sizes.append((len(source.splitlines()), str(path.relative_to(ROOT))))
        funcs += functions(tree, path)
        for there in imported_folders(tree) - {here}:
            graph[here].add(there)
            edges[(here, there)].append(str(path.relative_to(ROOT)))
    return {"graph": graph, "edges": edges, "sizes": sorted(sizes, reverse=True), "functions": sorted(funcs, reverse=True)}


def problems(s: dict) -> list[str]:
    out = []
    cycle = find_cycle(s["graph"])
    if cycle:
        out.append("import circle: " + " -> ".join(cycle))
    for (here, there), files in sorted(s["edges"].items()):
        if LAYERS[there] > LAYERS[here]:
            out.append(f"{here} imports {there} (a higher layer): {', '.join(sorted(set(files)))}")
        if here == "workflows" and there not in WORKFLOW_ALLOWED:
            out.append(f"workflows import {there}: {', '.join(sorted(set(files)))}")
    return out


def report(s: dict) -> str:
    big = [f"{n:5d}  {name}" for n, name in s["sizes"] if n > MODULE_LIMIT]
    long = [f"{n:5d}  {name}" for n, name in s["functions"] if n > FUNCTION_LIMIT]
    lines = [f"largest module:   {s['sizes'][0][1]} ({s['sizes'][0][0]} lines)",
             f"largest function: {s['functions'][0][1]} ({s['functions'][0][0]} lines)",
             f"modules over {MODULE_LIMIT} lines: {len(big)}", *big,
             f"functions over {FUNCTION_LIMIT} lines: {len(long)}", *long,
             "imports between folders:"]
    for here in sorted(s["graph"], key=lambda f: (-LAYERS[f], f)):
        lines.append(f"  {here:10s} -> {', '.join(sorted(s['graph'][here], key=lambda f: (-LAYERS[f], f)))}")
    return "\n".join(lines)


def main() -> int:
    s = survey()
    print(report(s))
    found = problems(s)
    for p in found:
        print("PROBLEM: " + p)
    print("ok: no circle, layers point one way" if not found else f"{len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
