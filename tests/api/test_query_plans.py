"""Query plans from the server itself. On a real MongoDB (MONGODB_URI) every sample search must be an index
scan; mongoeco plans every $elemMatch as a Python filter, so there the test checks the plan's shape: one
$elemMatch on the search entries, which is what a MongoDB planner bounds with the entry indexes."""

import pytest

from gateway.fhir.resource_types import CORE_DEFINITIONS, RESOURCE_DEFINITIONS
from gateway.service.search import parse_search
from tests.plan_samples import sample_queries


def _stages(plan: object) -> list[str]:
    if isinstance(plan, dict):
        found = [plan["stage"]] if "stage" in plan else []
        for value in plan.values():
            found += _stages(value)
        return found
    if isinstance(plan, list):
        return [stage for item in plan for stage in _stages(item)]
    return []


# A sample of the core types' searches (every one is checked for index coverage by a unit test).
SAMPLES = [query for query in sample_queries() if query[0] in CORE_DEFINITIONS][::19]


@pytest.mark.parametrize(("resource_type", "parameters"), SAMPLES, ids=str)
async def test_sample_searches_are_planned_on_the_search_indexes(app, resource_type, parameters):
    store = app.state.service.store
    request = parse_search(RESOURCE_DEFINITIONS[resource_type], parameters, "http://testserver", strict=True)
    plan = await store.explain_search(resource_type, request.conditions)
    if "queryPlanner" in plan:  # a real MongoDB
        stages = _stages(plan["queryPlanner"]["winningPlan"])
        assert "IXSCAN" in stages and "COLLSCAN" not in stages, stages
    else:
        assert plan["engine"] in ("memory", "sqlite")
        shapes = ("ElemMatchCondition(field='search'", "field='missing'", "field='_id'")
        assert any(shape in plan["plan"] for shape in shapes), plan["plan"]
