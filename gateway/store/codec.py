"""BSON codec options: FHIR decimals travel as Decimal128 (exact text kept) and dates come back UTC-aware."""

from datetime import UTC
from decimal import Decimal
from typing import Any

from bson.codec_options import CodecOptions, TypeDecoder, TypeEncoder, TypeRegistry
from bson.decimal128 import Decimal128


class _DecimalEncoder(TypeEncoder):
    python_type = Decimal

    def transform_python(self, value: Any) -> Decimal128:
        return Decimal128(value)


class _DecimalDecoder(TypeDecoder):
    bson_type = Decimal128

    def transform_bson(self, value: Any) -> Decimal:
        return value.to_decimal()  # type: ignore[no-any-return]


CODEC_OPTIONS: CodecOptions[dict[str, Any]] = CodecOptions(
    document_class=dict,
    tz_aware=True,
    tzinfo=UTC,
    type_registry=TypeRegistry([_DecimalEncoder(), _DecimalDecoder()]),
)
