"""Every search parameter, modifier and value shape is served by a declared index; only negations scan."""

import pytest

from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.service.search import parse_search
from gateway.store.indexes import ENTRY_INDEXES, serving_indexes
from tests.plan_samples import sample_queries

DECLARED = {*ENTRY_INDEXES, "search_missing", "_id_"}


@pytest.mark.parametrize(("resource_type", "parameters"), sample_queries(), ids=str)
def test_every_search_is_served_by_an_index(resource_type, parameters):
    request = parse_search(RESOURCE_DEFINITIONS[resource_type], parameters, "http://testserver", strict=True)
    assert request.conditions
    for condition in request.conditions:
        served = serving_indexes(condition)
        assert served, f"{parameters} would scan"
        assert served <= DECLARED


@pytest.mark.parametrize("parameters", [[("gender:not", "male")], [("birthdate", "ne2000")]])
def test_negations_are_the_only_scans(parameters):
    request = parse_search(RESOURCE_DEFINITIONS["Patient"], parameters, "http://testserver", strict=True)
    assert serving_indexes(request.conditions[0]) == set()
