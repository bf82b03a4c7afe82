"""One place decides what a caller reaches: outside gateway/service/reach.py (and the store itself), no code
calls the store's `search` or `read_many`, so a new feature cannot read for a caller around the decision."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THE_ONE_PLACE = ROOT / "gateway" / "service" / "reach.py"
CALLER_READS = {"search", "read_many"}


def _store_reads(source: str) -> list[int]:
    """Lines calling `store.search(...)`, `self.store.read_many(...)`, `service.store.search(...)` etc."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in CALLER_READS
        and getattr(node.func.value, "attr", getattr(node.func.value, "id", None)) == "store"
    ]


def test_the_check_finds_a_store_read_made_around_the_reach():
    assert _store_reads("async def f(self):\n    return await self.store.search('Patient', [], [], 1)\n") == [
        2
    ]
    assert _store_reads("async def f(store):\n    return await store.read_many('Patient', ['a'])\n") == [2]
    assert (
        _store_reads("async def f(self):\n    return await self.reads.search('Patient', [], [], 1)\n") == []
    )


def test_only_the_reach_module_searches_or_batch_reads_the_store():
    modules = [
        path
        for folder in ("gateway", "schema")
        for path in (ROOT / folder).rglob("*.py")
        if path != THE_ONE_PLACE and not path.is_relative_to(ROOT / "gateway" / "store")
    ]
    assert len(modules) > 50
    found = [
        f"{path.relative_to(ROOT)}:{line}" for path in modules for line in _store_reads(path.read_text())
    ]
    assert found == []
