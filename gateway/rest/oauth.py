"""OAuth2 and SMART discovery URLs: POST /token, /.well-known/smart-configuration, /.well-known/jwks.json."""

import base64
import binascii
from urllib.parse import parse_qsl, unquote

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from gateway.auth.authenticator import Authenticator
from gateway.auth.keys import public_jwks
from gateway.auth.oauth import OAuthError, client_credentials
from gateway.auth.smart import smart_configuration
from gateway.fhir.errors import NotFound
from gateway.rest.request_body import read_body
from gateway.rest.routes import base_url

router = APIRouter()
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 5.1


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError(401, "invalid_client", "Authenticate the client with HTTP Basic or in the form")
    try:
        client_id, separator, secret = (
            base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError(401, "invalid_client", "The Basic credentials are not valid base64") from None
    if not separator:
        raise OAuthError(401, "invalid_client", "The Basic credentials need client_id:client_secret")
    # RFC 6749 2.3.1: both parts are form-urlencoded before being joined.
    return unquote(client_id), unquote(secret)


@router.post("/token")
async def token(request: Request) -> Response:
    authenticator: Authenticator = request.app.state.auth
    try:
        media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != "application/x-www-form-urlencoded":
            raise OAuthError(400, "invalid_request", "Send application/x-www-form-urlencoded parameters")
        body = await read_body(request, 16_384)
        form = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
        answer = await client_credentials(authenticator, form, _basic_credentials(request))
    except OAuthError as error:
        headers = dict(_NO_STORE)
        if error.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="fhir-gateway"'
        content = {"error": error.error, "error_description": error.description}
        return JSONResponse(content, status_code=error.status, headers=headers)
    return JSONResponse(answer, headers=_NO_STORE)


@router.get("/.well-known/smart-configuration")
async def smart(request: Request) -> Response:
    authenticator: Authenticator = request.app.state.auth
    key = authenticator.key
    document = smart_configuration(
        authenticator.settings, base_url(request), key is not None and key.algorithm == "RS256"
    )
    return JSONResponse(document)


@router.get("/.well-known/jwks.json")
async def jwks(request: Request) -> Response:
    key = request.app.state.auth.key
    if key is None:
        raise NotFound("This gateway issues no tokens; keys come from the identity provider")
    return JSONResponse(public_jwks(key))
