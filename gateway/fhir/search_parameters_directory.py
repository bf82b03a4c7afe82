"""R4 search parameters of Practitioner and Organization."""

from gateway.fhir.search_parameters import SearchParameter as P
from gateway.fhir.search_parameters import address_parameters

PRACTITIONER: tuple[P, ...] = (
    P("active", "token", "Practitioner.active", "Whether the practitioner record is active"),
    *address_parameters("Practitioner", "practitioner"),
    P(
        "communication",
        "token",
        "Practitioner.communication",
        "One of the languages the practitioner can use",
    ),
    P("email", "token", "Practitioner.telecom.where(system='email')", "A value in an email contact"),
    P("family", "string", "Practitioner.name.family", "A portion of the family name"),
    P("gender", "token", "Practitioner.gender", "Gender of the practitioner"),
    P("given", "string", "Practitioner.name.given", "A portion of the given name"),
    P("identifier", "token", "Practitioner.identifier", "A practitioner's Identifier"),
    P(
        "name",
        "string",
        "Practitioner.name",
        "A server defined search that may match any of the string fields in the HumanName",
    ),
    P("phone", "token", "Practitioner.telecom.where(system='phone')", "A value in a phone contact"),
    P(
        "phonetic",
        "string",
        "Practitioner.name",
        "A portion of either family or given name using some kind of phonetic matching algorithm",
        phonetic=True,
    ),
    P("telecom", "token", "Practitioner.telecom", "The value in any kind of contact"),
)

ORGANIZATION: tuple[P, ...] = (
    P("active", "token", "Organization.active", "Is the Organization record active"),
    *address_parameters("Organization", "organization"),
    P(
        "endpoint",
        "reference",
        "Organization.endpoint",
        "Technical endpoints providing access to services",
        targets=("Endpoint",),
    ),
    P("identifier", "token", "Organization.identifier", "Any identifier for the organization"),
    P(
        "name",
        "string",
        "Organization.name | Organization.alias",
        "A portion of the organization's name or alias",
    ),
    P(
        "partof",
        "reference",
        "Organization.partOf",
        "An organization of which this organization forms a part",
        targets=("Organization",),
    ),
    P(
        "phonetic",
        "string",
        "Organization.name",
        "A portion of the organization's name using some kind of phonetic search algorithm",
        phonetic=True,
    ),
    P("type", "token", "Organization.type", "A code for the type of organization"),
)
