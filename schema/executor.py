"""A graphql-core executor that completes FHIR data objects by projecting the stored JSON directly.

FHIR types have no resolvers: every field is a lookup of its JSON name. Running graphql-core's per-field
machinery (resolve info, resolver call, awaitable checks, completion) for each of the ~20k fields that
100 Patients select costs far more than the search itself, so for objects of these types the executor
compiles the selection once per request into a plan (response key, JSON name, what to do with the value)
and applies it with plain dictionary work. Anything the plan does not expect (a value of another JSON kind,
a non-dict object) falls back to graphql-core's own completion, which reports it as usual. Consequence:
field-level Strawberry extensions and middleware do not run inside FHIR data objects; none are installed.
"""

from decimal import Decimal
from typing import Any

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.list_navigation import navigate

# What the stored JSON holds for each scalar the FHIR types use; anything else takes the slow, checked path.
_STORED_KINDS: dict[str, tuple[type, ...]] = {
    "String": (str,),
    "Boolean": (bool,),
    "Int": (int,),
    "decimal": (Decimal, int),
    "ContainedResource": (dict,),
}
_LEAF, _OBJECT, _TYPENAME, _NAVIGATED = 0, 1, 2, 3

Plan = list[
    tuple[str, str, int, bool, Any]
]  # (response key, JSON name, kind, repeats, leaf kinds | _SubPlan)


class _Unexpected(Exception):
    """The stored value is not what the plan expects: let graphql-core complete (and report) it."""


def _unwrap(graphql_type: GraphQLOutputType) -> tuple[Any, bool]:
    many = False
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        many = many or isinstance(graphql_type, GraphQLList)
        graphql_type = graphql_type.of_type
    return graphql_type, many


def _leaf(kinds: tuple[type, ...], value: Any) -> Any:
    if type(value) not in kinds:
        raise _Unexpected
    return value


class _SubPlan:
    """The plan of an object field, compiled on first use: selections nest far deeper than data does."""

    __slots__ = ("details", "executor", "plan", "target")

    def __init__(self, executor: "FhirExecutor", target: GraphQLObjectType, details: Any) -> None:
        self.executor, self.target, self.details = executor, target, details
        self.plan: Plan | None = None

    def project(self, source: Any) -> Any:
        if self.plan is None:
            self.plan = self.executor.plan(self.target, self.details)
        return _project(self.plan, source)


def _project(plan: Plan, source: Any) -> dict[str, Any]:
    if type(source) is not dict:
        raise _Unexpected
    result: dict[str, Any] = {}
    for key, name, kind, many, detail in plan:
        if kind == _TYPENAME:
            result[key] = detail
            continue
        value = source.get(name)
        if kind == _NAVIGATED:
            arguments, detail = detail
            value = navigate(value, arguments)
        if value is None:
            result[key] = None
        elif many:
            if type(value) is not list:
                raise _Unexpected
            result[key] = [
                None if item is None else (_leaf(detail, item) if kind == _LEAF else detail.project(item))
                for item in value
            ]
        else:
            result[key] = _leaf(detail, value) if kind == _LEAF else detail.project(value)
    return result


class FhirExecutor(StrawberryGraphQLCoreExecutionContext):
    """Set `projected_types` (names of the FHIR data types) on the class before use."""

    projected_types: frozenset[str] = frozenset()
    resolved_fields: frozenset[tuple[str, str]] = frozenset()  # (type, field) with a resolver of its own

    def plan(self, object_type: GraphQLObjectType, field_details_list: Any) -> Plan:
        plans: dict[tuple[str, int], tuple[Any, Plan | None]] = self.__dict__.setdefault("_fhir_plans", {})
        key = (object_type.name, id(field_details_list))
        cached = plans.get(key)
        if cached is not None:
            if cached[1] is None:
                raise _Unexpected
            return cached[1]
        plan: Plan = []
        grouped = self.collect_subfields(object_type, field_details_list).grouped_field_set
        for response_key, details in grouped.items():
            name = details[0].node.name.value
            if (object_type.name, name) in self.resolved_fields:
                # A reference to resolve: graphql-core completes this object (and awaits its loaders).
                plans[key] = (field_details_list, None)
                raise _Unexpected
            if name == "__typename":
                plan.append((response_key, name, _TYPENAME, False, object_type.name))
                continue
            target, many = _unwrap(object_type.fields[name].type)
            if isinstance(target, GraphQLScalarType) and target.name in _STORED_KINDS:
                plan.append((response_key, name, _LEAF, many, _STORED_KINDS[target.name]))
            elif isinstance(target, GraphQLObjectType) and target.name in self.projected_types:
                field = object_type.fields[name]
                sub_plan = _SubPlan(self, target, details)
                node = details[0].node
                if field.args and node.arguments:
                    arguments = get_argument_values(field, node, self.variable_values)
                    plan.append((response_key, name, _NAVIGATED, many, (arguments, sub_plan)))
                else:
                    plan.append((response_key, name, _OBJECT, many, sub_plan))
            else:
                raise _Unexpected
        plans[key] = (field_details_list, plan)  # keeps the list alive so its id is not reused
        return plan

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        if return_type.name in self.projected_types:
            try:
                return _project(self.plan(return_type, field_details_list), result)
            except _Unexpected:
                pass
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )
