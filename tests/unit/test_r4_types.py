"""Which type names are served, and the reason given for those that are not."""

from gateway.fhir.r4_types import SERVABLE_TYPES, WITHOUT_MODEL, has_r4b_model, unserved_reason


def test_only_resource_models_count_not_datatypes_or_odd_names():
    assert has_r4b_model("Patient") and has_r4b_model("Binary")
    assert not has_r4b_model("HumanName")
    assert (
        not has_r4b_model("fhirtypes") and not has_r4b_model("Patient/../x") and not has_r4b_model("A" * 200)
    )


def test_the_reasons_name_the_cause():
    assert "R4B models" in unserved_reason("MedicinalProduct")
    assert "not an R4 one" in unserved_reason("SubscriptionTopic")
    assert "no RESTful endpoint" in unserved_reason("Parameters")
    assert unserved_reason("Spaceship") == "Resource type 'Spaceship' is not supported by this server"


def test_the_served_and_unserved_r4_types_do_not_overlap():
    assert not set(SERVABLE_TYPES) & set(WITHOUT_MODEL)
    assert "Parameters" not in SERVABLE_TYPES
