"""The resource types this server serves, each declared once with its search parameters."""

from dataclasses import dataclass

from gateway.fhir.search_parameters import AUDIT_EVENT, COMMON, PATIENT, SearchParameter


@dataclass(frozen=True)
class ResourceDefinition:
    name: str
    search_parameters: tuple[SearchParameter, ...]
    # The search parameter tying a resource to its patient (the Patient compartment): `patient/` scopes see
    # only resources whose value is their patient. None: a `patient/` scope never reaches this type.
    patient_reference: str | None = None
    server_written: bool = False  # clients may read and search it, never create, change or delete it
    wildcard_scopes: bool = True  # False: only a scope naming the type reaches it (`system/*.rs` does not)
    graphql: bool = True  # has Query and Mutation fields on the GraphQL face

    def search_parameter(self, code: str) -> SearchParameter | None:
        return next((parameter for parameter in self.search_parameters if parameter.code == code), None)


RESOURCE_DEFINITIONS: dict[str, ResourceDefinition] = {
    definition.name: definition
    for definition in (
        ResourceDefinition("Patient", COMMON + PATIENT, patient_reference="_id"),
        # The audit trail: written by the gateway only, readable only with a scope that names it.
        ResourceDefinition(
            "AuditEvent", COMMON + AUDIT_EVENT, server_written=True, wildcard_scopes=False, graphql=False
        ),
    )
}
