"""The FHIR REST shim: standard FHIR URLs over the service layer."""
