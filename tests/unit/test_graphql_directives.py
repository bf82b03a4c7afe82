"""HL7's @flatten, @first, @singleton and @slice reshape a finished answer as the page describes."""

import pytest
from graphql import parse

from schema.directives import DirectiveError, reshape

DATA = {
    "Patient": {
        "id": "p",
        "name": [{"given": ["A", "B"], "family": "F"}, {"given": ["C"], "family": None}],
        "telecom": [{"value": "1", "system": "phone"}, {"value": "2", "system": "email"}],
    }
}


def shaped(query: str, data=DATA):
    return reshape(parse(query), None, None, data)["Patient"]


def test_flatten_moves_children_into_the_parent_as_lists():
    result = shaped('{ Patient(id: "p") { id name @flatten { given family } } }')
    assert result == {"id": "p", "given": ["A", "B", "C"], "family": ["F"]}


def test_first_takes_the_first_item_and_singleton_the_only_one():
    result = shaped('{ Patient(id: "p") { telecom @first { value } name @flatten { family @first } } }')
    assert result == {"telecom": {"value": "1"}, "family": "F"}
    with pytest.raises(DirectiveError):
        shaped('{ Patient(id: "p") { telecom @singleton { value } } }')


def test_slice_names_items_by_index_or_by_a_fhirpath_on_the_item():
    by_index = shaped('{ Patient(id: "p") { telecom @slice(path: "$index") { value } } }')
    assert by_index == {"telecom.0": {"value": "1"}, "telecom.1": {"value": "2"}}
    flat = shaped('{ Patient(id: "p") { telecom @flatten @slice(path: "system") { system value } } }')
    assert flat["value.phone"] == ["1"] and flat["value.email"] == ["2"]


def test_an_answer_without_directives_is_unchanged():
    assert shaped('{ Patient(id: "p") { id telecom { value } } }') == {
        "id": "p",
        "telecom": [{"value": "1"}, {"value": "2"}],
    }
