"""FHIR semantics shared by both faces: interactions, validation, versioning and search."""
