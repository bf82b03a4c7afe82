"""The GraphQL schemas are built on first use: making them (as create_app does) converts nothing, and the
first requests, however many arrive at once, share one build."""

import asyncio

from schema.build import GatewaySchemas, build_schemas


def test_making_the_schemas_builds_none_of_them() -> None:
    schemas = GatewaySchemas(16, 30)
    assert schemas._system is None
    assert "Patient" in schemas.instance and "NoSuchType" not in schemas.instance
    assert schemas.instance.built == {}


async def test_concurrent_first_requests_get_the_one_built_schema_and_it_answers() -> None:
    schemas = GatewaySchemas(16, 30)
    first, second = await asyncio.gather(schemas.ready("system"), schemas.ready("system"))
    assert first is second is schemas.system
    result = await first.execute("{ __typename }")
    assert result.errors is None and result.data == {"__typename": "Query"}
    patient = await schemas.ready("Patient")
    assert patient is schemas.instance["Patient"] and list(schemas.instance.built) == ["Patient"]


def test_apps_with_the_same_limits_share_the_schemas() -> None:
    assert build_schemas(16, 30) is build_schemas(16, 30)
    assert build_schemas(16, 30) is not build_schemas(8, 30)
