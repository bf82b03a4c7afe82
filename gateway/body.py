"""Request bodies for both faces: read at most a limit of bytes, refusing larger ones with 413 early."""

from collections.abc import AsyncIterator, Mapping

from gateway.fhir.errors import PayloadTooLarge


async def read_limited(headers: Mapping[str, str], stream: AsyncIterator[bytes], limit: int) -> bytes:
    """The whole body, or PayloadTooLarge as soon as the declared or streamed size passes `limit`."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"The body is larger than the limit of {limit} bytes")
    body = bytearray()
    async for chunk in stream:
        body.extend(chunk)
        if len(body) > limit:
            raise PayloadTooLarge(f"The body is larger than the limit of {limit} bytes")
    return bytes(body)
