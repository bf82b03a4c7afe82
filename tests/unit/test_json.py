from decimal import Decimal

import pytest

from gateway.fhir.errors import BadRequest
from gateway.fhir.json import dumps, loads


@pytest.mark.parametrize("text", ["0.010", "1.00065022141624642", "-0.5", "1E+3", "1e-7", "100.00"])
def test_decimals_come_back_with_their_exact_text(text):
    assert dumps(loads(f'{{"value": {text}}}')) == f'{{"value":{Decimal(text)}}}'
    assert str(loads(text)) == str(Decimal(text))


def test_integers_beyond_64_bits_are_kept_exactly():
    value = loads('{"n": 123456789012345678901234567890}')["n"]
    assert dumps(value) == "123456789012345678901234567890"
    assert isinstance(loads('{"n": 42}')["n"], int)


@pytest.mark.parametrize(
    "text", ['{"a": NaN}', '{"a": Infinity}', '{"a": 1,}', '{"a": 1, "a": 2}', "", "\xff"]
)
def test_invalid_json_is_a_bad_request(text):
    with pytest.raises(BadRequest):
        loads(text)


def test_non_ascii_text_is_written_as_is():
    assert dumps({"family": "Müller 王"}) == '{"family":"Müller 王"}'
