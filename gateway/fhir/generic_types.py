"""The other R4 resource types: stored, versioned and validated by their model, searched by Patient links.

Their search parameters are derived from the model's elements (`patient`, `subject`, `encounter`, ...)
rather than copied from the R4 table one by one; each derived parameter has R4's code and meaning.
"""

import re

from fhir.resources.R4B import get_fhir_model_class

from gateway.fhir.search_parameters import SearchParameter

# As Synthea emits them, plus the common clinical and administrative types. R4B-only types are left out:
# this server speaks R4, and these models are identical in both versions for what they hold.
GENERIC_TYPES = (
    "Account",
    "AllergyIntolerance",
    "Appointment",
    "CarePlan",
    "CareTeam",
    "Claim",
    "Communication",
    "Composition",
    "Condition",
    "Consent",
    "Coverage",
    "Device",
    "DeviceRequest",
    "DiagnosticReport",
    "DocumentReference",
    "Endpoint",
    "EpisodeOfCare",
    "ExplanationOfBenefit",
    "FamilyMemberHistory",
    "Flag",
    "Goal",
    "Group",
    "HealthcareService",
    "ImagingStudy",
    "Immunization",
    "List",
    "Location",
    "Media",
    "Medication",
    "MedicationAdministration",
    "MedicationDispense",
    "MedicationRequest",
    "MedicationStatement",
    "NutritionOrder",
    "PractitionerRole",
    "Procedure",
    "Provenance",
    "Questionnaire",
    "QuestionnaireResponse",
    "RelatedPerson",
    "RiskAssessment",
    "Schedule",
    "ServiceRequest",
    "Slot",
    "Specimen",
    "SupplyDelivery",
    "Task",
)

# (element, search code, targets, keep only references to the targets): the R4 parameters that link a
# resource to a patient or encounter, named as R4 names them.
_LINKS: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    ("patient", "patient", ("Patient",), False),
    ("beneficiary", "patient", ("Patient",), False),  # Coverage
    ("subject", "subject", (), False),
    ("subject", "patient", ("Patient",), True),
    ("target", "target", (), False),  # Provenance
    ("target", "patient", ("Patient",), True),
    ("encounter", "encounter", ("Encounter",), False),
    ("context", "encounter", ("Encounter",), True),  # R4 MedicationAdministration.context
)


def _is_reference(resource_type: str, element: str) -> bool:
    field = get_fhir_model_class(resource_type).model_fields.get(element)
    return field is not None and re.search(r"\bReferenceType\b", str(field.annotation)) is not None


def link_parameters(resource_type: str) -> tuple[SearchParameter, ...]:
    found: dict[str, SearchParameter] = {}
    if "identifier" in get_fhir_model_class(resource_type).model_fields:
        # R4 gives nearly every type `identifier`; conditional creates and references (Synthea) use it.
        found["identifier"] = SearchParameter(
            "identifier", "token", f"{resource_type}.identifier", "An identifier of the resource"
        )
    for element, code, targets, only in _LINKS:
        if code in found or not _is_reference(resource_type, element):
            continue
        found[code] = SearchParameter(
            code,
            "reference",
            f"{resource_type}.{element}",
            f"{resource_type}.{element}" + (f" (if {' or '.join(targets)})" if only else ""),
            targets=targets,
            only_targets=only,
        )
    return tuple(found.values())
