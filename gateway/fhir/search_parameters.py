"""Search-parameter definitions (R4 names, types, FHIRPath): one table feeds search and /metadata."""

from dataclasses import dataclass
from typing import Literal

SearchType = Literal["string", "token", "date", "reference", "uri", "number", "quantity", "special"]


@dataclass(frozen=True)
class SearchParameter:
    code: str
    type: SearchType
    expression: str
    description: str
    targets: tuple[str, ...] = ()
    phonetic: bool = False  # string matched by sound (Metaphone) instead of by prefix
    # R4 writes these as `X.subject.where(resolve() is Patient)`; fhirpathpy cannot resolve(), so the
    # expression names the element and extraction keeps only references to one of `targets`.
    only_targets: bool = False

    def expression_for(self, resource_type: str) -> str:
        """fhirpathpy does not resolve the abstract `Resource` root, so name the concrete type."""
        return self.expression.replace("Resource.", f"{resource_type}.")


def address_parameters(resource: str, subject: str) -> tuple["SearchParameter", ...]:
    """R4's six address parameters, alike on every type that has `address`."""
    parts = (
        ("address-city", "city"),
        ("address-country", "country"),
        ("address-postalcode", "postalCode"),
        ("address-state", "state"),
    )
    return (
        SearchParameter(
            "address",
            "string",
            f"{resource}.address",
            "A server defined search that may match any of the string fields in the Address",
        ),
        *(
            SearchParameter(
                code,
                "string",
                f"{resource}.address.{part}",
                f"A {part} specified in an address of the {subject}",
            )
            for code, part in parts
        ),
        SearchParameter(
            "address-use", "token", f"{resource}.address.use", "A use code specified in an address"
        ),
    )


COMMON: tuple[SearchParameter, ...] = (
    SearchParameter("_id", "token", "Resource.id", "Logical id of this artifact"),
    SearchParameter(
        "_lastUpdated", "date", "Resource.meta.lastUpdated", "When the resource version last changed"
    ),
    SearchParameter("_tag", "token", "Resource.meta.tag", "Tags applied to this resource"),
    SearchParameter(
        "_profile", "uri", "Resource.meta.profile", "Profiles this resource claims to conform to"
    ),
    SearchParameter(
        "_security", "token", "Resource.meta.security", "Security Labels applied to this resource"
    ),
)

PATIENT: tuple[SearchParameter, ...] = (
    SearchParameter("active", "token", "Patient.active", "Whether the patient record is active"),
    *address_parameters("Patient", "patient"),
    SearchParameter("birthdate", "date", "Patient.birthDate", "The patient's date of birth"),
    SearchParameter(
        "death-date",
        "date",
        "(Patient.deceased as dateTime)",
        "The date of death has been provided and satisfies this search value",
    ),
    SearchParameter(
        "deceased",
        "token",
        "Patient.deceased.exists() and Patient.deceased != false",
        "This patient has been marked as deceased, or as a death date entered",
    ),
    SearchParameter("email", "token", "Patient.telecom.where(system='email')", "A value in an email contact"),
    SearchParameter("family", "string", "Patient.name.family", "A portion of the family name of the patient"),
    SearchParameter("gender", "token", "Patient.gender", "Gender of the patient"),
    SearchParameter(
        "general-practitioner",
        "reference",
        "Patient.generalPractitioner",
        "Patient's nominated general practitioner, not the organization that manages the record",
        targets=("Practitioner", "Organization", "PractitionerRole"),
    ),
    SearchParameter("given", "string", "Patient.name.given", "A portion of the given name of the patient"),
    SearchParameter("identifier", "token", "Patient.identifier", "A patient identifier"),
    SearchParameter(
        "language", "token", "Patient.communication.language", "Language code (irrespective of use value)"
    ),
    SearchParameter(
        "link",
        "reference",
        "Patient.link.other",
        "All patients linked to the given patient",
        targets=("Patient", "RelatedPerson"),
    ),
    SearchParameter(
        "name",
        "string",
        "Patient.name",
        "A server defined search that may match any of the string fields in the HumanName",
    ),
    SearchParameter(
        "organization",
        "reference",
        "Patient.managingOrganization",
        "The organization that is the custodian of the patient record",
        targets=("Organization",),
    ),
    SearchParameter("phone", "token", "Patient.telecom.where(system='phone')", "A value in a phone contact"),
    SearchParameter(
        "phonetic",
        "string",
        "Patient.name",
        "A portion of either family or given name using some kind of phonetic matching algorithm",
        phonetic=True,
    ),
    SearchParameter("telecom", "token", "Patient.telecom", "The value in any kind of telecom details"),
)

AUDIT_EVENT: tuple[SearchParameter, ...] = (
    SearchParameter("action", "token", "AuditEvent.action", "Type of action performed during the event"),
    SearchParameter(
        "address", "string", "AuditEvent.agent.network.address", "Identifier for the network access point"
    ),
    # R4's `agent` is AuditEvent.agent.who; this server's agents are OAuth clients named by identifier, so the
    # identifier's value is indexed beside any reference: `agent=my-client` finds what my-client did.
    SearchParameter(
        "agent",
        "reference",
        "AuditEvent.agent.who | AuditEvent.agent.who.identifier.value",
        "Identifier of who (the client id, or a reference)",
    ),
    SearchParameter("altid", "token", "AuditEvent.agent.altId", "Alternative User identity (the subject)"),
    SearchParameter("date", "date", "AuditEvent.recorded", "Time when the event was recorded"),
    SearchParameter("entity", "reference", "AuditEvent.entity.what", "Specific instance of resource"),
    SearchParameter("entity-type", "token", "AuditEvent.entity.type", "Type of entity involved"),
    SearchParameter("outcome", "token", "AuditEvent.outcome", "Whether the event succeeded or failed"),
    SearchParameter("subtype", "token", "AuditEvent.subtype", "More specific type/id for the event"),
    SearchParameter("type", "token", "AuditEvent.type", "Type/identifier of event"),
)
