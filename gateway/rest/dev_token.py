"""Dev mode only: a token for GraphiQL on this machine, so the page opens ready instead of asking for one.

Off (404) unless the server runs with --dev and signs its own tokens, and only for loopback clients: it hands
out a broad token to whoever asks, which is what a developer's own machine wants and nothing else does.
"""

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from gateway.fhir.errors import NotFound

router = APIRouter(include_in_schema=False)

DEV_SCOPE = "system/*.cruds"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


@router.post("/graphql/dev-token")
async def dev_token(request: Request) -> Response:
    settings, authenticator = request.app.state.settings, request.app.state.auth
    client = request.client.host if request.client else None
    if not settings.dev_mode or authenticator.key is None or client not in LOOPBACK:
        raise NotFound("No dev token here: the server is not in dev mode (or you are not on its machine)")
    token = authenticator.issue("graphiql-dev", DEV_SCOPE)
    return JSONResponse({"access_token": token, "token_type": "Bearer", "scope": DEV_SCOPE})
