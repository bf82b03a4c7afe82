"""GraphQL over HTTP: `/$graphql` and `/graphql` (system), `/{type}/{id}/$graphql` (instance), GraphiQL.

Bodies are read and written with the gateway's FHIR JSON codec, so decimals keep every digit both ways.
"""

from typing import Any

from fastapi import APIRouter, Request
from graphql import GraphQLError
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from gateway.auth.guarded import GuardedService
from gateway.auth.smart import capability_security
from gateway.body import read_limited
from gateway.fhir.errors import BadRequest, FhirError, MethodNotAllowed, NotFound, TooCostly
from gateway.fhir.json import dumps, loads
from gateway.settings import Settings
from schema.build import GatewaySchemas
from schema.context import GraphQLContext
from schema.errors import error_json, request_error_json
from schema.graphiql import PAGE, asset
from schema.limits import DocumentLimits, check_document

router = APIRouter()
_JSON = "application/json"


def _public_base_url(request: Request) -> str:
    configured: str | None = request.app.state.settings.base_url
    return (configured or str(request.base_url)).rstrip("/")


def _json_response(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(dumps(body).encode("utf-8"), status_code=status, media_type=_JSON, headers=headers)


def error_response(error: FhirError) -> Response:
    """An error of the whole request (401, 429, 400...) as GraphQL over HTTP answers it."""
    return _json_response({"errors": [request_error_json(error)]}, error.status, error.headers)


def guarded_service(request: Request) -> GuardedService:
    """The service as this request's token may use it; no principal means every interaction is refused."""
    state = request.state
    return GuardedService(
        request.app.state.service,
        getattr(state, "principal", None),
        request.app.state.audit,
        getattr(state, "address", None),
        "graphql",
    )


async def _body(request: Request, limit: int) -> bytes:
    return await read_limited(request.headers, request.stream(), limit)


async def _graphql_request(request: Request) -> dict[str, Any]:
    """{query, variables, operationName} from a GET query string or a POST body."""
    if request.method == "GET":
        parameters = request.query_params
        variables = parameters.get("variables")
        return {
            "query": parameters.get("query"),
            "operationName": parameters.get("operationName"),
            "variables": loads(variables) if variables else None,
        }
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    body = await _body(request, request.app.state.settings.max_body_bytes)
    if media_type == "application/graphql":
        return {"query": body.decode("utf-8", errors="replace")}
    if media_type not in (_JSON, "application/graphql-response+json", ""):
        raise BadRequest(f"Content-Type {media_type!r} is not supported; send application/json")
    document = loads(body)
    if not isinstance(document, dict):
        raise BadRequest("The body must be a JSON object with a query")
    return document


def _checked(document: dict[str, Any]) -> tuple[str, dict[str, Any] | None, str | None]:
    query, variables, operation = (
        document.get("query"),
        document.get("variables"),
        document.get("operationName"),
    )
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("A GraphQL request needs a query")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("variables must be a JSON object")
    if operation is not None and not isinstance(operation, str):
        raise BadRequest("operationName must be a string")
    return query, variables, operation


def _result_body(result: ExecutionResult) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [error_json(error) for error in result.errors]
    body["data"] = result.data
    return body


async def execute(request: Request, schema_name: str, root_value: Any = None) -> Response:
    settings: Settings = request.app.state.settings
    schemas: GatewaySchemas = request.app.state.graphql
    schema = await schemas.ready(schema_name)  # built on the first GraphQL request (schema/build.py)
    base_url = _public_base_url(request)
    context = GraphQLContext(
        guarded_service(request),
        base_url,
        request.app.state.started,
        settings.graphql_max_resources,
        capability_security(settings, base_url),
    )
    allowed = (
        (OperationType.QUERY,) if request.method == "GET" else (OperationType.QUERY, OperationType.MUTATION)
    )
    try:
        query, variables, operation = _checked(await _graphql_request(request))
        # Linear-time limits first: graphql-core's validation rules are not linear in the document.
        limits = DocumentLimits(
            max_depth=settings.graphql_max_depth, max_aliases=settings.graphql_max_aliases
        )
        try:
            check_document(query, limits)
        except FhirError as refused:  # answered as a validation error is: the document never ran
            return _json_response({"errors": [request_error_json(refused)], "data": None}, refused.status)
        result = await schema.execute(query, variables, context, root_value, operation, allowed)
    except FhirError as error:
        return error_response(error)
    except InvalidOperationTypeError as error:
        return error_response(MethodNotAllowed(error.as_http_error_reason(request.method)))
    except (MissingQueryError, CannotGetOperationTypeError) as error:
        return error_response(BadRequest(str(error) or "The operation to run is not in the document"))
    body = schema.introspections.body(result, lambda answer: dumps(_result_body(answer)).encode("utf-8"))
    if len(body) > settings.graphql_max_response_bytes:
        limit = TooCostly(
            f"The response would be {len(body)} bytes; the limit is {settings.graphql_max_response_bytes}"
            "; select fewer fields or lower _count"
        )
        body = dumps(
            {"errors": [error_json(GraphQLError(limit.diagnostics, original_error=limit))], "data": None}
        ).encode("utf-8")
    # GraphQL over HTTP: a document that never ran (syntax, validation, variables) is a bad request;
    # once execution starts the answer is 200 and its errors say what failed.
    started = result.data is not None or any(error.path for error in result.errors or [])
    status = 200 if started else 400
    return Response(body, status_code=status, media_type=_JSON)


def _wants_page(request: Request) -> bool:
    return "query" not in request.query_params and "text/html" in request.headers.get("accept", "")


@router.api_route("/$graphql", methods=["GET", "POST"])
async def system_graphql(request: Request) -> Response:
    return await execute(request, "system")


@router.api_route("/graphql", methods=["GET", "POST"])
async def graphql_with_graphiql(request: Request) -> Response:
    if request.method == "GET" and _wants_page(request):
        return HTMLResponse(PAGE)
    return await execute(request, "system")


@router.get("/graphql/assets/{name}")
async def graphiql_asset(name: str) -> Response:
    try:
        content, media_type = asset(name)
    except FhirError as error:
        return _json_response({"errors": [request_error_json(error)]}, 404)
    return Response(content, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})


@router.api_route("/{resource_type}/{resource_id}/$graphql", methods=["GET", "POST"])
async def instance_graphql(request: Request, resource_type: str, resource_id: str) -> Response:
    """The resource is the query's root object (HL7 instance-level GraphQL); mutations live at /$graphql."""
    if resource_type not in request.app.state.graphql.instance:
        return error_response(NotFound(f"Resource type {resource_type!r} has no GraphQL instance endpoint"))
    try:
        version = await guarded_service(request).read(resource_type, resource_id)
    except FhirError as error:
        return error_response(error)
    return await execute(request, resource_type, version.resource)
