"""FHIR knowledge shared by every layer: models, bindings, errors, Bundles, search definitions."""
