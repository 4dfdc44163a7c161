"""The rules of DESIGN.md §3 and §4.7 that the code itself must keep, read from the source.

- The layers and the absence of cycles between the modules of an app: the import-linter contracts of
  pyproject.toml (``make lint`` runs them too).
- No private name (``_x``) is imported from another module: what a module shares, it names without an underscore.
- No status is written anywhere but in the transition kernel (``core/transitions.py``): no ``x.status = …``, no
  ``.update(status=…)``, no ``Model(status=…)`` or ``.create(status=…)`` in the product's code.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "fieldbox"
# The outbox and the device events are queues of the messaging infrastructure, not records with a transition
# table: their workers claim and settle rows in SQL of their own (docs/architecture.md, "Messaging").
QUEUES = {SRC / "messaging" / "outbox.py", SRC / "messaging" / "inbound.py", SRC / "messaging" / "channels"}
STATE_FIELDS = {"status", "state"}


def _product_files() -> list[Path]:
    return [
        p
        for p in sorted(SRC.rglob("*.py"))
        if "tests" not in p.parts and "migrations" not in p.parts and "management" not in p.parts
    ]


def _module_of(path: Path) -> str:
    return ".".join(("fieldbox", *path.relative_to(SRC).with_suffix("").parts)).removesuffix(".__init__")


def test_the_import_contracts_hold():
    done = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=SRC.parents[1],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_no_private_name_is_imported_from_another_module():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        module = _module_of(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("fieldbox"):
                continue
            if node.module == module:
                continue
            found += [f"{module}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert found == []


def _stateful() -> set[str]:
    """The models of the transition tables: their state is the kernel's to write."""
    from fieldbox.core.transitions import TABLES

    return {table.model.__name__ for table in TABLES.values()}


def _writes_state(node: ast.AST, stateful: set[str]) -> bool:
    """``x.status = …`` (alone or in a tuple), ``qs.update(status=…)``, ``setattr(x, "status", …)``, or a stateful
    model built or created with ``status=``/``state=``."""
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        flat = [t for target in targets for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
        return any(isinstance(t, ast.Attribute) and t.attr in STATE_FIELDS for t in flat)
    if not isinstance(node, ast.Call):
        return False
    func, passes_state = node.func, any(k.arg in STATE_FIELDS for k in node.keywords)
    if isinstance(func, ast.Name):
        if func.id == "setattr":
            return len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and node.args[1].value in STATE_FIELDS
        return passes_state and func.id in stateful
    if isinstance(func, ast.Attribute) and passes_state:
        creating = {"create", "get_or_create", "update_or_create"}
        return func.attr == "update" or (func.attr in creating and _root(func) in stateful)
    return False


def _root(node: ast.AST) -> str:
    """The name a chain of attributes and calls starts from (``Job`` in ``Job.objects.filter(…).update``)."""
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return node.id if isinstance(node, ast.Name) else ""


def test_no_status_is_written_outside_the_transition_kernel(db):
    kernel, stateful = SRC / "core" / "transitions.py", _stateful()
    found = []
    for path in _product_files():
        if path == kernel or path in QUEUES or path.parent in QUEUES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _writes_state(node, stateful):
                found.append(f"{path.relative_to(SRC)}:{getattr(node, 'lineno', '?')}")
    assert found == []


def test_the_scan_finds_what_it_looks_for(db):
    """The checks above can fail: each form of a status write is recognised."""
    for source in (
        "job.status = 'done'",
        "job.status, job.comment = 'done', ''",
        "Job.objects.filter(pk=1).update(status='done')",
        "Job.objects.create(status='done')",
        "Job(provider=p, status='done')",
        "setattr(job, 'status', 'done')",
    ):
        assert any(_writes_state(n, {"Job"}) for n in ast.walk(ast.parse(source))), source
    harmless = ("Job.objects.filter(status='done')", "x = job.status", "Q(status=OPEN)", "HttpResponse(status=204)")
    for source in harmless:
        assert not any(_writes_state(n, {"Job"}) for n in ast.walk(ast.parse(source))), source
