"""FHIR XML on the REST face: `_format=xml` or `Accept: application/fhir+xml` turns FHIR JSON responses into
XML, and `Content-Type: application/fhir+xml` bodies are read as XML. Conversion both ways goes through the
fhir.resources R4B models (`model_dump_xml`, `model_validate_xml`, with lxml), so routes only ever see and
produce FHIR JSON. A response that cannot be rendered as XML is a 406 in JSON, never JSON labelled as XML."""

import re
from typing import Any
from urllib.parse import parse_qsl

from fhir.resources.R4B import get_fhir_model_class
from lxml import etree
from pydantic import ValidationError
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.body import read_limited
from gateway.fhir.errors import BadRequest, FhirError, NotAcceptable
from gateway.fhir.json import dumps, loads
from gateway.fhir.outcome import outcome_for_error

FHIR_XML = "application/fhir+xml"
XML_MEDIA_TYPES = frozenset({FHIR_XML, "application/xml", "text/xml"})
JSON_MEDIA_TYPES = frozenset({"application/fhir+json", "application/json", "text/json"})
_XML_FORMATS = XML_MEDIA_TYPES | {"xml"}
_JSON_FORMATS = JSON_MEDIA_TYPES | {"json"}
# No DTDs, no entity expansion, no network: an XML body is data, never instructions to the parser.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_FHIR_NAMESPACE = "{http://hl7.org/fhir}"


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _accepted(accept: str) -> list[str]:
    """Media types of an Accept header, best first (by q, then by order)."""
    ranked = []
    for position, item in enumerate(accept.split(",")):
        media_type = _media_type(item)
        quality = re.search(r";\s*q=([0-9.]+)", item)
        weight = float(quality.group(1)) if quality else 1.0
        if media_type and weight > 0:
            ranked.append((-weight, position, media_type))
    return [media_type for _, _, media_type in sorted(ranked)]


def wants_xml(query_string: str, accept: str) -> bool:
    """Whether the response should be XML: `_format` decides, else the first JSON or XML type in Accept.
    NotAcceptable for a `_format` that is neither."""
    formats = [value for name, value in parse_qsl(query_string) if name == "_format"]
    if formats:
        chosen = (
            formats[-1].strip().lower().replace(" ", "+")
        )  # a `+` in a query string often arrives as a space
        if chosen in _XML_FORMATS:
            return True
        if chosen in _JSON_FORMATS:
            return False
        raise NotAcceptable(f"_format {formats[-1]!r} is not served; use json or xml")
    for media_type in _accepted(accept):
        if media_type in XML_MEDIA_TYPES:
            return True
        if media_type in JSON_MEDIA_TYPES:
            return False
    return False


def resource_to_xml(resource: dict[str, Any]) -> bytes:
    """FHIR XML of a FHIR JSON resource; ValueError when its model does not accept it."""
    model_class = get_fhir_model_class(str(resource.get("resourceType")))
    try:
        rendered = model_class.model_validate(resource).model_dump_xml()
    except ValidationError as error:
        raise ValueError(str(error)) from None
    return rendered.encode("utf-8") if isinstance(rendered, str) else bytes(rendered)


def xml_to_resource(body: bytes) -> Any:
    """FHIR JSON of a FHIR XML resource; BadRequest for XML that is not a valid FHIR resource."""
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except etree.XMLSyntaxError as error:
        raise BadRequest(f"The body is not well-formed XML: {error}") from None
    tag = root.tag if isinstance(root.tag, str) else ""
    if not tag.startswith(_FHIR_NAMESPACE):
        raise BadRequest("The XML body's root element must be a resource in the FHIR namespace")
    name = tag[len(_FHIR_NAMESPACE) :]
    try:
        model_class = get_fhir_model_class(name)
    except (KeyError, ValueError):
        raise BadRequest(f"{name} is not a FHIR resource type") from None
    try:
        model = model_class.model_validate_xml(body, xmlparser=_PARSER)
    except (ValidationError, ValueError, TypeError, KeyError, AttributeError) as error:
        raise BadRequest(f"The XML body is not a valid {name}: {error}") from None
    return loads(model.model_dump_json())


class XmlMiddleware:
    """Converts XML request bodies to FHIR JSON and FHIR JSON responses to XML, when asked for."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, skip: Any = None) -> None:
        self.app, self.max_body_bytes = app, max_body_bytes
        self.skip = skip or (lambda path: False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.skip(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        try:
            xml_out = wants_xml(scope.get("query_string", b"").decode("latin-1"), headers.get("accept", ""))
        except FhirError as error:
            await _error(send, error)
            return
        respond = _xml_sender(send) if xml_out else send
        if _media_type(headers.get("content-type", "")) in XML_MEDIA_TYPES:
            try:
                scope, receive = await self._json_request(scope, receive, headers)
            except FhirError as error:
                await _error(respond, error)
                return
        await self.app(scope, receive, respond)

    async def _json_request(self, scope: Scope, receive: Receive, headers: Headers) -> tuple[Scope, Receive]:
        async def chunks() -> Any:
            while True:
                message = await receive()
                yield message.get("body", b"")
                if not message.get("more_body"):
                    return

        body = await read_limited(headers, chunks(), self.max_body_bytes)
        converted = dumps(xml_to_resource(body)).encode("utf-8")
        raw = [
            (name, value)
            for name, value in scope["headers"]
            if name not in (b"content-type", b"content-length")
        ]
        raw += [
            (b"content-type", b"application/fhir+json"),
            (b"content-length", str(len(converted)).encode()),
        ]
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": converted, "more_body": False}

        return {**scope, "headers": raw}, replay


def _xml_sender(send: Send) -> Send:
    """Buffers a FHIR JSON response and sends it as XML (other responses pass unchanged)."""
    start: Message | None = None
    body = bytearray()

    async def sender(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            content_type = _media_type(Headers(raw=message.get("headers", [])).get("content-type", ""))
            if content_type != "application/fhir+json":
                await send(message)
                return
            start = message
            return
        if start is None or message["type"] != "http.response.body":
            await send(message)
            return
        body.extend(message.get("body", b""))
        if message.get("more_body"):
            return
        status, payload = start["status"], bytes(body)
        if payload:
            try:
                payload = resource_to_xml(loads(payload))
            except (ValueError, KeyError):
                failure = NotAcceptable("This response cannot be rendered as FHIR XML; ask for JSON")
                await _error(send, failure)
                return
        headers = MutableHeaders(raw=list(start.get("headers", [])))
        headers["content-type"] = f"{FHIR_XML}; charset=utf-8"
        headers["content-length"] = str(len(payload))
        await send({"type": "http.response.start", "status": status, "headers": headers.raw})
        await send({"type": "http.response.body", "body": payload})

    return sender


async def _error(send: Send, error: FhirError) -> None:
    """The OperationOutcome of a refusal, as FHIR JSON (an XML sender turns it into XML)."""
    payload = dumps(outcome_for_error(error)).encode("utf-8")
    headers = [
        (b"content-type", b"application/fhir+json; charset=utf-8"),
        (b"content-length", str(len(payload)).encode()),
        *((name.lower().encode(), value.encode()) for name, value in error.headers.items()),
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
