"""fhir-gateway: a GraphQL facade and FHIR R4 REST shim over MongoDB."""
