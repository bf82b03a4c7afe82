"""The audit trail: FHIR AuditEvents for every access and refusal, stored off the request path."""
