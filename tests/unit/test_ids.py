"""FHIR ids: the R4 pattern, never only dots (`.` and `..` are URL dot-segments that clients normalise)."""

import pytest

from gateway.fhir.errors import BadRequest
from gateway.service.versions import check_id


@pytest.mark.parametrize("resource_id", [".", "..", "....", "", "a" * 65, "a/b", "abc\n", "a b"])
def test_ids_of_only_dots_or_outside_the_fhir_pattern_are_refused(resource_id):
    with pytest.raises(BadRequest):
        check_id(resource_id)


@pytest.mark.parametrize("resource_id", ["a.b", ".a", "a..", "example", "A-1.2", "a" * 64])
def test_fhir_ids_with_some_dots_are_accepted(resource_id):
    assert check_id(resource_id) == resource_id
