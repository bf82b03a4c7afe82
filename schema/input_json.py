"""Turn a Strawberry input value (`PatientInput`) back into FHIR JSON: absent elements are left out."""

from typing import Any

from strawberry.types.base import has_object_definition
from strawberry.types.unset import UNSET


def input_json(value: Any) -> Any:
    if isinstance(value, list):
        return [input_json(item) for item in value]  # nulls stay: they align `given` with `_given`
    if has_object_definition(value):
        definition = value.__strawberry_definition__
        found = {}
        for field in definition.fields:
            item = getattr(value, field.python_name)
            if item is not None and item is not UNSET:
                found[field.graphql_name or field.python_name] = input_json(item)
        return found
    return value
