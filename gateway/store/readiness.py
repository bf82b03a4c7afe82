"""Readiness: the database answers and every index the core types' queries rely on exists."""

from typing import Any

from pymongo import IndexModel

from gateway.store.database import Database
from gateway.store.indexes import CURRENT_INDEXES, HISTORY_INDEXES


def _names(models: list[IndexModel]) -> set[str]:
    return {str(model.document["name"]) for model in models}


async def _index_names(collection: Any) -> set[str]:
    return {index["name"] async for index in collection.list_indexes()}


async def readiness_problems(database: Database, resource_types: list[str]) -> list[str]:
    """What keeps this instance from serving correctly; empty when ready. A lost connection raises."""
    await database.db.command("ping")
    problems = []
    for resource_type in resource_types:
        for collection, models in (
            (database.current(resource_type), CURRENT_INDEXES),
            (database.history(resource_type), HISTORY_INDEXES),
        ):
            missing = sorted(_names(models) - await _index_names(collection))
            if missing:
                problems.append(f"collection {collection.name} lacks indexes {', '.join(missing)}")
    return problems
