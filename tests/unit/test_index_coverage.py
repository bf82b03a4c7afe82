"""Every search parameter, modifier and value shape is served by a declared index; only negations scan."""

import pytest

from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.service.search import parse_search
from gateway.store.indexes import SEARCH_INDEXES, serving_indexes
from tests.plan_samples import sample_queries


def test_every_search_is_served_by_an_index():
    unserved = []
    for resource_type, parameters in sample_queries():
        definition = RESOURCE_DEFINITIONS[resource_type]
        request = parse_search(definition, parameters, "http://testserver", strict=True)
        assert request.conditions
        for condition in request.conditions:
            served = serving_indexes(condition)
            if not served or not served <= SEARCH_INDEXES:
                unserved.append((resource_type, parameters, served))
    assert not unserved


@pytest.mark.parametrize("parameters", [[("gender:not", "male")], [("birthdate", "ne2000")]])
def test_negations_are_the_only_scans(parameters):
    request = parse_search(RESOURCE_DEFINITIONS["Patient"], parameters, "http://testserver", strict=True)
    assert serving_indexes(request.conditions[0]) == set()
