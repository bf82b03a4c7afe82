"""Every R4 (4.0.1) resource type, and which of them this server serves with the fhir.resources R4B models."""

import re

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.resource import Resource

# The resource types of R4 (http://hl7.org/fhir/R4/resourcelist.html).
R4_RESOURCE_TYPES = (
    "Account",
    "ActivityDefinition",
    "AdverseEvent",
    "AllergyIntolerance",
    "Appointment",
    "AppointmentResponse",
    "AuditEvent",
    "Basic",
    "Binary",
    "BiologicallyDerivedProduct",
    "BodyStructure",
    "Bundle",
    "CapabilityStatement",
    "CarePlan",
    "CareTeam",
    "CatalogEntry",
    "ChargeItem",
    "ChargeItemDefinition",
    "Claim",
    "ClaimResponse",
    "ClinicalImpression",
    "CodeSystem",
    "Communication",
    "CommunicationRequest",
    "CompartmentDefinition",
    "Composition",
    "ConceptMap",
    "Condition",
    "Consent",
    "Contract",
    "Coverage",
    "CoverageEligibilityRequest",
    "CoverageEligibilityResponse",
    "DetectedIssue",
    "Device",
    "DeviceDefinition",
    "DeviceMetric",
    "DeviceRequest",
    "DeviceUseStatement",
    "DiagnosticReport",
    "DocumentManifest",
    "DocumentReference",
    "EffectEvidenceSynthesis",
    "Encounter",
    "Endpoint",
    "EnrollmentRequest",
    "EnrollmentResponse",
    "EpisodeOfCare",
    "EventDefinition",
    "Evidence",
    "EvidenceVariable",
    "ExampleScenario",
    "ExplanationOfBenefit",
    "FamilyMemberHistory",
    "Flag",
    "Goal",
    "GraphDefinition",
    "Group",
    "GuidanceResponse",
    "HealthcareService",
    "ImagingStudy",
    "Immunization",
    "ImmunizationEvaluation",
    "ImmunizationRecommendation",
    "ImplementationGuide",
    "InsurancePlan",
    "Invoice",
    "Library",
    "Linkage",
    "List",
    "Location",
    "Measure",
    "MeasureReport",
    "Media",
    "Medication",
    "MedicationAdministration",
    "MedicationDispense",
    "MedicationKnowledge",
    "MedicationRequest",
    "MedicationStatement",
    "MedicinalProduct",
    "MedicinalProductAuthorization",
    "MedicinalProductContraindication",
    "MedicinalProductIndication",
    "MedicinalProductIngredient",
    "MedicinalProductInteraction",
    "MedicinalProductManufactured",
    "MedicinalProductPackaged",
    "MedicinalProductPharmaceutical",
    "MedicinalProductUndesirableEffect",
    "MessageDefinition",
    "MessageHeader",
    "MolecularSequence",
    "NamingSystem",
    "NutritionOrder",
    "Observation",
    "ObservationDefinition",
    "OperationDefinition",
    "OperationOutcome",
    "Organization",
    "OrganizationAffiliation",
    "Parameters",
    "Patient",
    "PaymentNotice",
    "PaymentReconciliation",
    "Person",
    "PlanDefinition",
    "Practitioner",
    "PractitionerRole",
    "Procedure",
    "Provenance",
    "Questionnaire",
    "QuestionnaireResponse",
    "RelatedPerson",
    "RequestGroup",
    "ResearchDefinition",
    "ResearchElementDefinition",
    "ResearchStudy",
    "ResearchSubject",
    "RiskAssessment",
    "RiskEvidenceSynthesis",
    "Schedule",
    "SearchParameter",
    "ServiceRequest",
    "Slot",
    "Specimen",
    "SpecimenDefinition",
    "StructureDefinition",
    "StructureMap",
    "Subscription",
    "Substance",
    "SubstanceNucleicAcid",
    "SubstancePolymer",
    "SubstanceProtein",
    "SubstanceReferenceInformation",
    "SubstanceSourceMaterial",
    "SubstanceSpecification",
    "SupplyDelivery",
    "SupplyRequest",
    "Task",
    "TerminologyCapabilities",
    "TestReport",
    "TestScript",
    "ValueSet",
    "VerificationResult",
    "VisionPrescription",
)

# R4 says Parameters "has no RESTful endpoint": it only carries operation inputs and outputs.
NOT_STORED = frozenset({"Parameters"})


def has_r4b_model(resource_type: str) -> bool:
    """Whether fhir.resources has an R4B resource model of this name (not cached: names come from URLs)."""
    if not re.fullmatch(r"[A-Z][A-Za-z]{1,63}", resource_type):
        return False
    try:
        model = get_fhir_model_class(resource_type)
    except (KeyError, ValueError, ImportError, AttributeError):
        return False
    return isinstance(model, type) and issubclass(model, Resource)


# R4 types that R4B dropped or reshaped (the MedicinalProduct* family became MedicinalProductDefinition and
# friends; the evidence syntheses went into Evidence): there is no model to validate them with.
WITHOUT_MODEL = tuple(name for name in R4_RESOURCE_TYPES if not has_r4b_model(name))
SERVABLE_TYPES = tuple(
    name for name in R4_RESOURCE_TYPES if name not in NOT_STORED and name not in WITHOUT_MODEL
)


def unserved_reason(resource_type: str) -> str:
    """Why a type name is not served: said plainly, for the OperationOutcome."""
    if resource_type in WITHOUT_MODEL:
        return (
            f"{resource_type} is an R4 resource type, but this server validates every resource with the "
            "fhir.resources R4B models, which have no model for it (R4B replaced it), so it cannot be stored"
        )
    if resource_type in NOT_STORED:
        return f"{resource_type} has no RESTful endpoint in R4; it is used only by operations"
    if has_r4b_model(resource_type):
        return f"{resource_type} is an R4B resource type, not an R4 one; this server speaks FHIR R4 (4.0.1)"
    return f"Resource type {resource_type!r} is not supported by this server"
