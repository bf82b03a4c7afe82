"""The R4 Patient compartment (CompartmentDefinition/patient, R4 4.0.1): which search parameters of each
resource type place a resource in a patient's compartment.

A type absent here is never in a Patient compartment. The expressions say where each parameter's reference
lives, for the types whose parameters this server derives rather than copies (`generic_types.py`).
"""

# type -> ((search parameter code, FHIRPath of the reference), ...)
PATIENT_COMPARTMENT: dict[str, tuple[tuple[str, str], ...]] = {
    "Account": (("subject", "Account.subject"),),
    "AdverseEvent": (("subject", "AdverseEvent.subject"),),
    "AllergyIntolerance": (
        ("patient", "AllergyIntolerance.patient"),
        ("recorder", "AllergyIntolerance.recorder"),
        ("asserter", "AllergyIntolerance.asserter"),
    ),
    "Appointment": (("actor", "Appointment.participant.actor"),),
    "AppointmentResponse": (("actor", "AppointmentResponse.actor"),),
    "AuditEvent": (("patient", "AuditEvent.entity.what"),),
    "Basic": (("patient", "Basic.subject"), ("author", "Basic.author")),
    "BodyStructure": (("patient", "BodyStructure.patient"),),
    "CarePlan": (("patient", "CarePlan.subject"), ("performer", "CarePlan.activity.detail.performer")),
    "CareTeam": (("patient", "CareTeam.subject"), ("participant", "CareTeam.participant.member")),
    "ChargeItem": (("subject", "ChargeItem.subject"),),
    "Claim": (("patient", "Claim.patient"), ("payee", "Claim.payee.party")),
    "ClaimResponse": (("patient", "ClaimResponse.patient"),),
    "ClinicalImpression": (("subject", "ClinicalImpression.subject"),),
    "Communication": (
        ("subject", "Communication.subject"),
        ("sender", "Communication.sender"),
        ("recipient", "Communication.recipient"),
    ),
    "CommunicationRequest": (
        ("subject", "CommunicationRequest.subject"),
        ("sender", "CommunicationRequest.sender"),
        ("recipient", "CommunicationRequest.recipient"),
        ("requester", "CommunicationRequest.requester"),
    ),
    "Composition": (
        ("subject", "Composition.subject"),
        ("author", "Composition.author"),
        ("attester", "Composition.attester.party"),
    ),
    "Condition": (("patient", "Condition.subject"), ("asserter", "Condition.asserter")),
    "Consent": (("patient", "Consent.patient"),),
    "Coverage": (
        ("policy-holder", "Coverage.policyHolder"),
        ("subscriber", "Coverage.subscriber"),
        ("beneficiary", "Coverage.beneficiary"),
        ("payor", "Coverage.payor"),
    ),
    "CoverageEligibilityRequest": (("patient", "CoverageEligibilityRequest.patient"),),
    "CoverageEligibilityResponse": (("patient", "CoverageEligibilityResponse.patient"),),
    "DetectedIssue": (("patient", "DetectedIssue.patient"),),
    "DeviceRequest": (("subject", "DeviceRequest.subject"), ("performer", "DeviceRequest.performer")),
    "DeviceUseStatement": (("subject", "DeviceUseStatement.subject"),),
    "DiagnosticReport": (("subject", "DiagnosticReport.subject"),),
    "DocumentManifest": (
        ("subject", "DocumentManifest.subject"),
        ("author", "DocumentManifest.author"),
        ("recipient", "DocumentManifest.recipient"),
    ),
    "DocumentReference": (("subject", "DocumentReference.subject"), ("author", "DocumentReference.author")),
    "Encounter": (("patient", "Encounter.subject"),),
    "EnrollmentRequest": (("subject", "EnrollmentRequest.candidate"),),
    "EpisodeOfCare": (("patient", "EpisodeOfCare.patient"),),
    "ExplanationOfBenefit": (
        ("patient", "ExplanationOfBenefit.patient"),
        ("payee", "ExplanationOfBenefit.payee.party"),
    ),
    "FamilyMemberHistory": (("patient", "FamilyMemberHistory.patient"),),
    "Flag": (("patient", "Flag.subject"),),
    "Goal": (("patient", "Goal.subject"),),
    "Group": (("member", "Group.member.entity"),),
    "ImagingStudy": (("patient", "ImagingStudy.subject"),),
    "Immunization": (("patient", "Immunization.patient"),),
    "ImmunizationEvaluation": (("patient", "ImmunizationEvaluation.patient"),),
    "ImmunizationRecommendation": (("patient", "ImmunizationRecommendation.patient"),),
    "Invoice": (
        ("subject", "Invoice.subject"),
        ("patient", "Invoice.subject"),
        ("recipient", "Invoice.recipient"),
    ),
    "List": (("subject", "List.subject"), ("source", "List.source")),
    "MeasureReport": (("patient", "MeasureReport.subject"),),
    "Media": (("subject", "Media.subject"),),
    "MedicationAdministration": (
        ("patient", "MedicationAdministration.subject"),
        ("performer", "MedicationAdministration.performer.actor"),
        ("subject", "MedicationAdministration.subject"),
    ),
    "MedicationDispense": (
        ("subject", "MedicationDispense.subject"),
        ("patient", "MedicationDispense.subject"),
        ("receiver", "MedicationDispense.receiver"),
    ),
    "MedicationRequest": (("subject", "MedicationRequest.subject"),),
    "MedicationStatement": (("subject", "MedicationStatement.subject"),),
    "MolecularSequence": (("patient", "MolecularSequence.patient"),),
    "NutritionOrder": (("patient", "NutritionOrder.patient"),),
    "Observation": (("subject", "Observation.subject"), ("performer", "Observation.performer")),
    "Patient": (("link", "Patient.link.other"),),
    "Person": (("patient", "Person.link.target"),),
    "Procedure": (("patient", "Procedure.subject"), ("performer", "Procedure.performer.actor")),
    "Provenance": (("patient", "Provenance.target"),),
    "QuestionnaireResponse": (
        ("subject", "QuestionnaireResponse.subject"),
        ("author", "QuestionnaireResponse.author"),
    ),
    "RelatedPerson": (("patient", "RelatedPerson.patient"),),
    "RequestGroup": (("subject", "RequestGroup.subject"), ("participant", "RequestGroup.action.participant")),
    "ResearchSubject": (("individual", "ResearchSubject.individual"),),
    "RiskAssessment": (("subject", "RiskAssessment.subject"),),
    "Schedule": (("actor", "Schedule.actor"),),
    "ServiceRequest": (("subject", "ServiceRequest.subject"), ("performer", "ServiceRequest.performer")),
    "Specimen": (("subject", "Specimen.subject"),),
    "SupplyDelivery": (("patient", "SupplyDelivery.patient"),),
    "SupplyRequest": (("subject", "SupplyRequest.deliverTo"),),
    "VisionPrescription": (("patient", "VisionPrescription.patient"),),
}


def compartment_parameters(resource_type: str) -> tuple[str, ...]:
    """The codes of the parameters that put a `resource_type` in a Patient's compartment (none: never)."""
    return tuple(code for code, _ in PATIENT_COMPARTMENT.get(resource_type, ()))
