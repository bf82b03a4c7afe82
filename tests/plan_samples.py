"""One sample query per search parameter and modifier, for the index-coverage and query-plan tests."""

from gateway.fhir.resource_types import RESOURCE_DEFINITIONS

SAMPLE_VALUES = {
    "string": ["abc"],
    "token": ["http://example.org|code", "code", "|code", "http://example.org|"],
    "date": [
        "2000",
        "ge2000-01-01",
        "lt2000-01-01T10:00:00Z",
        "gt1980",
        "le2019-07",
        "sa2000",
        "eb2000",
        "ap2000",
    ],
    "reference": ["Organization/1", "1", "http://elsewhere.org/Organization/1"],
    "uri": ["http://example.org/profile"],
    "number": ["5.4", "gt5.4", "lt-3", "ge1e8", "ap100"],
    "quantity": ["5.4", "gt5.4|http://unitsofmeasure.org|mg", "le5.4||mg", "lt-3", "ge1e8", "ap100"],
}
INDEXED_MODIFIERS = {
    "string": ["", "exact"],
    "token": ["", "text"],
    "date": [""],
    "reference": [""],
    "uri": ["", "below"],
    "number": [""],
    "quantity": [""],
}


def sample_queries() -> list[tuple[str, list[tuple[str, str]]]]:
    """(resource type, [(name, value)]) for each parameter, indexed modifier, value shape and :missing."""
    queries = []
    for definition in RESOURCE_DEFINITIONS.values():
        for parameter in definition.search_parameters:
            for modifier in INDEXED_MODIFIERS[parameter.type]:
                name = f"{parameter.code}:{modifier}" if modifier else parameter.code
                for value in SAMPLE_VALUES[parameter.type]:
                    if modifier in ("text", "exact") and "|" in value:
                        continue
                    queries.append((definition.name, [(name, value)]))
            queries.append((definition.name, [(f"{parameter.code}:missing", "true")]))
            queries.append((definition.name, [(f"{parameter.code}:missing", "false")]))
    return queries
