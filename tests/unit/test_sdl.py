import pytest

from schema.build import system_sdl
from schema.export import SDL_FILE


@pytest.fixture(scope="module")
def sdl() -> str:
    """Built once for the module: a build costs seconds of CPU."""
    return system_sdl()


def test_the_committed_sdl_matches_the_schema_the_code_builds(sdl):
    committed = SDL_FILE.read_text(encoding="utf-8")
    assert committed == sdl, "schema/schema.graphql is stale: run `.venv/bin/python -m schema.export`"


def test_the_sdl_names_the_hl7_query_and_mutation_fields(sdl):
    for declaration in (
        "Patient(id: ID!): Patient",
        "PatientCreate(res: PatientInput!): Patient",
        "CapabilityStatement(id: ID = null): CapabilityStatement",
        "_birthDate: Element",
        "deceasedBoolean: Boolean",
        "multipleBirthInteger: Int",
        "valueDecimal: decimal",
    ):
        assert declaration in sdl
    for field in ("count", "offset", "pagesize", "first", "previous", "next", "last", "edges"):
        assert f"  {field}: " in sdl[sdl.index("type PatientConnection") :]
