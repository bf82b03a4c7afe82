"""Required value-set bindings, which fhir.resources does not enforce: one table, keyed by element type."""

from collections.abc import Mapping

ADMINISTRATIVE_GENDER = frozenset({"male", "female", "other", "unknown"})
ENCOUNTER_STATUS = frozenset(
    {
        "planned",
        "arrived",
        "triaged",
        "in-progress",
        "onleave",
        "finished",
        "cancelled",
        "entered-in-error",
        "unknown",
    }
)
UNITS_OF_TIME = frozenset({"s", "min", "h", "d", "wk", "mo", "a"})

# (fhir.resources class name, JSON element name) -> the codes of the required value set (R4 4.0.1).
# Data-type rows apply wherever the data type occurs, so Patient.contact.name.use is covered by HumanName.
REQUIRED_BINDINGS: Mapping[tuple[str, str], frozenset[str]] = {
    ("HumanName", "use"): frozenset({"usual", "official", "temp", "nickname", "anonymous", "old", "maiden"}),
    ("ContactPoint", "system"): frozenset({"phone", "fax", "email", "pager", "url", "sms", "other"}),
    ("ContactPoint", "use"): frozenset({"home", "work", "temp", "old", "mobile"}),
    ("Address", "use"): frozenset({"home", "work", "temp", "old", "billing"}),
    ("Address", "type"): frozenset({"postal", "physical", "both"}),
    ("Identifier", "use"): frozenset({"usual", "official", "temp", "secondary", "old"}),
    ("Narrative", "status"): frozenset({"generated", "extensions", "additional", "empty"}),
    ("Quantity", "comparator"): frozenset({"<", "<=", ">=", ">"}),
    ("Age", "comparator"): frozenset({"<", "<=", ">=", ">"}),
    ("Duration", "comparator"): frozenset({"<", "<=", ">=", ">"}),
    ("Distance", "comparator"): frozenset({"<", "<=", ">=", ">"}),
    ("Count", "comparator"): frozenset({"<", "<=", ">=", ">"}),
    ("Patient", "gender"): ADMINISTRATIVE_GENDER,
    ("PatientContact", "gender"): ADMINISTRATIVE_GENDER,
    ("PatientLink", "type"): frozenset({"replaced-by", "replaces", "refer", "seealso"}),
    ("TimingRepeat", "durationUnit"): UNITS_OF_TIME,
    ("TimingRepeat", "periodUnit"): UNITS_OF_TIME,
    ("TimingRepeat", "dayOfWeek"): frozenset({"mon", "tue", "wed", "thu", "fri", "sat", "sun"}),
    ("Observation", "status"): frozenset(
        {
            "registered",
            "preliminary",
            "final",
            "amended",
            "corrected",
            "cancelled",
            "entered-in-error",
            "unknown",
        }
    ),
    ("Encounter", "status"): ENCOUNTER_STATUS,
    ("EncounterStatusHistory", "status"): ENCOUNTER_STATUS,
    ("EncounterLocation", "status"): frozenset({"planned", "active", "reserved", "completed"}),
    ("Practitioner", "gender"): ADMINISTRATIVE_GENDER,
    # Organization has no required binding of its own in R4 (type is example-bound).
    ("AuditEvent", "action"): frozenset({"C", "R", "U", "D", "E"}),
    ("AuditEvent", "outcome"): frozenset({"0", "4", "8", "12"}),
    ("AuditEventAgentNetwork", "type"): frozenset({"1", "2", "3", "4", "5"}),
}
