"""Build the gateway's GraphQL schemas: the system schema and one instance schema per resource type."""

import asyncio
import keyword
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from functools import cache, cached_property, partial
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension, ValidationCache
from strawberry.extensions.directives import DirectivesExtension, DirectivesExtensionSync
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult

from schema.directives import DIRECTIVES, Hl7Directives
from schema.errors import is_unexpected
from schema.executor import FhirExecutor
from schema.fhir_types import FhirTypes, build_types
from schema.hl7_literals import Hl7Parser
from schema.hl7_scalars import SEARCH_SCALAR_MAP
from schema.introspection import Introspections, introspection_only
from schema.limits import limit_rules
from schema.mutation import mutation_type
from schema.query import query_type
from schema.references import RESOLVED_FIELDS, add_reference_fields
from schema.scalars import SCALAR_MAP
from schema.served import SERVED

log = logging.getLogger(__name__)

# Resources with their own Query fields (the audit trail is REST only); CapabilityStatement is one of them
# and also the type of the server's own statement (`CapabilityStatement` without an id).
DEFINITIONS = list(SERVED.values())
RESOURCES = tuple(definition.name for definition in DEFINITIONS)


def read_element(source: Any, name: str) -> Any:
    """Resolvers return stored FHIR JSON, and Python field names are the JSON names: a lookup suffices."""
    if name.endswith("_") and keyword.iskeyword(name[:-1]):
        name = name[:-1]  # `class_` holds Encounter.class
    return source.get(name) if isinstance(source, dict) else getattr(source, name, None)


class FhirSchema(strawberry.Schema):
    """The gateway's schema: introspection answered off the event loop and kept (schema/introspection.py)."""

    @cached_property
    def introspections(self) -> Introspections:
        return Introspections()

    def get_extensions(self, sync: bool = False) -> list[SchemaExtension]:
        """Strawberry adds a middleware running directive resolvers on every resolved field once a schema
        declares directives; HL7's are applied to the finished answer (schema/directives.py), and that
        middleware made an introspection query a third slower, so it is left out."""
        return [
            extension
            for extension in super().get_extensions(sync)
            if not isinstance(extension, DirectivesExtension | DirectivesExtensionSync)
        ]

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        *arguments: Any,
        **keywords: Any,
    ) -> ExecutionResult:
        if not query or variable_values or not introspection_only(query):
            return await super().execute(query, variable_values, *arguments, **keywords)
        key = (query, arguments[2] if len(arguments) > 2 else keywords.get("operation_name"))
        return await self.introspections.answer(
            key, partial(self.execute_sync, query, variable_values, *arguments, **keywords)
        )

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """FHIR errors are answers, not incidents: log only what nobody expected, with its trace."""
        for error in errors:
            if is_unexpected(error):
                log.error("GraphQL resolver failed at %s", error.path, exc_info=error.original_error)


# Strawberry registers converted types by name: two threads must not convert them at once.
_BUILDING = threading.Lock()
SchemaSettings = dict[str, Any]


class InstanceSchemas(Mapping[str, FhirSchema]):
    """Resource type -> the schema whose root is one resource of that type, each built on first use:
    a schema converts every type its root reaches, and most types' instance endpoints are rarely asked."""

    def __init__(self, settings: Callable[[], SchemaSettings]) -> None:
        self.settings, self.built = settings, dict[str, FhirSchema]()

    def __getitem__(self, name: str) -> FhirSchema:
        if name not in SERVED:
            raise KeyError(name)
        with _BUILDING:
            if name not in self.built:
                types = fhir_types()
                self.built[name] = FhirSchema(query=types.output(name), **self.settings())
        return self.built[name]

    def __contains__(self, name: object) -> bool:
        return name in SERVED  # without building it

    def __iter__(self) -> Iterator[str]:
        return iter(SERVED)

    def __len__(self) -> int:
        return len(SERVED)


class GatewaySchemas:
    """The system schema and the instance schemas, each built on first use: converting the R4 types costs
    seconds of CPU, which a process serving only REST (or a test that never asks GraphQL) does not pay."""

    def __init__(self, max_depth: int, max_aliases: int) -> None:
        self.limits = max_depth, max_aliases
        self.instance = InstanceSchemas(lambda: self._settings)
        self._system: FhirSchema | None = None

    @cached_property
    def _settings(self) -> SchemaSettings:
        return {
            "config": _config(),
            "extensions": _extensions(*self.limits),
            "execution_context_class": _executor(),
            "directives": DIRECTIVES,
        }

    @property
    def system(self) -> FhirSchema:
        if self._system is None:
            with _BUILDING:
                if self._system is None:
                    query, mutation = _roots()
                    self._system = FhirSchema(query=query, mutation=mutation, **self._settings)
        return self._system

    async def ready(self, name: str) -> FhirSchema:
        """The system schema (`name` "system") or a resource type's instance schema; the first time, built in
        a worker thread, so the event loop keeps serving other requests meanwhile."""
        built = self._system if name == "system" else self.instance.built.get(name)
        if built is not None:
            return built
        return await asyncio.to_thread(lambda: self.system if name == "system" else self.instance[name])


@cache
def fhir_types() -> FhirTypes:
    """Strawberry types are classes registered by name, so they are built once per process."""
    return build_types(RESOURCES, add_reference_fields)


@cache
def _roots() -> tuple[type, type]:
    types = fhir_types()
    return query_type(DEFINITIONS, types.outputs), mutation_type(DEFINITIONS, types.outputs, types.inputs)


def _config() -> StrawberryConfig:
    return StrawberryConfig(
        auto_camel_case=False, default_resolver=read_element, scalar_map={**SCALAR_MAP, **SEARCH_SCALAR_MAP}
    )


def _extensions(max_depth: int, max_aliases: int) -> list[Any]:
    """Limits first; apps send the same few documents again and again, so parsing and validating is cached."""
    return [
        limit_rules(max_depth, max_aliases),
        Hl7Parser,
        Hl7Directives,
        lambda: ValidationCache(maxsize=256),
    ]


@cache
def _executor() -> type[FhirExecutor]:
    members = {
        "projected_types": frozenset(fhir_types().outputs),
        "resolved_fields": frozenset(RESOLVED_FIELDS),
    }
    return type("FhirTypesExecutor", (FhirExecutor,), members)


@cache
def build_schemas(max_depth: int, max_aliases: int) -> GatewaySchemas:
    """The schemas for these limits, shared by every app of the process: they keep no per-app state, and each
    build costs seconds of CPU (the test suite creates hundreds of apps)."""
    return GatewaySchemas(max_depth, max_aliases)


def system_sdl() -> str:
    """The SDL committed as schema/schema.graphql (limits do not change it)."""
    return build_schemas(1, 0).system.as_str() + "\n"
