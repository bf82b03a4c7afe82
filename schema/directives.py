"""HL7's data re-organisation directives: `@flatten`, `@first`, `@singleton`, `@slice(path:)`.

They change the shape of the answer (a flattened object is no longer where the schema says), so they are
applied once to the finished `data`, walking the operation's selections beside it:
- `@first` on a list: its first item alone (null when empty);
- `@singleton` on a list: its one item alone (null when empty); more than one is an error;
- `@flatten` on an object or a list of objects: the field disappears and its selected children join the
  parent. Children gathered this way are lists (values of every item, in order; lists concatenated),
  except those marked `@first` or `@singleton`, which hold one value (two values for one is an error);
- `@slice(path: "$index" | FHIRPath)` on a list: each item goes under `<field>.<slice>`, where the slice is
  its position or the text of the FHIRPath evaluated on the item as selected (so select what the path
  reads; an item it gives nothing for is an error); with `@flatten`, each child
  of the item goes under `<child>.<slice>` in the parent.
The schema declares them so documents validate; the resolvers Strawberry calls are identities.
"""

from collections.abc import Iterator
from typing import Any

import strawberry
from fhirpathpy import evaluate as evaluate_fhirpath
from graphql import (
    DirectiveLocation,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
)
from strawberry.directive import DirectiveValue
from strawberry.extensions import SchemaExtension

from gateway.fhir.errors import BadRequest

NAMES = ("flatten", "first", "singleton", "slice")


@strawberry.directive(
    locations=[DirectiveLocation.FIELD], description="Put this field's children in its parent"
)
def flatten(value: DirectiveValue[Any]) -> Any:
    return value


@strawberry.directive(locations=[DirectiveLocation.FIELD], description="Only the first item of this list")
def first(value: DirectiveValue[Any]) -> Any:
    return value


@strawberry.directive(
    locations=[DirectiveLocation.FIELD], description="This list as its one item (an error if it has more)"
)
def singleton(value: DirectiveValue[Any]) -> Any:
    return value


@strawberry.directive(
    locations=[DirectiveLocation.FIELD],
    description='Name each item of this list `<field>.<slice>`: path "$index" or a FHIRPath on the item',
)
def slice(value: DirectiveValue[Any], path: str) -> Any:  # HL7's name
    return value


DIRECTIVES = [flatten, first, singleton, slice]


class DirectiveError(Exception):
    pass


class _Walker:
    def __init__(self, document: DocumentNode, variables: dict[str, Any] | None) -> None:
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.variables = variables or {}

    def fields(self, selections: SelectionSetNode | None) -> Iterator[FieldNode]:
        for selection in selections.selections if selections else ():
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self.fields(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    yield from self.fields(fragment.selection_set)

    def directive(self, node: FieldNode, name: str) -> dict[str, Any] | None:
        for directive in node.directives or ():
            if directive.name.value == name:
                arguments = {}
                for argument in directive.arguments or ():
                    value = argument.value
                    if isinstance(value, VariableNode):
                        arguments[argument.name.value] = self.variables.get(value.name.value)
                    elif isinstance(value, StringValueNode):
                        arguments[argument.name.value] = value.value
                return arguments
        return None

    def reshape(self, data: Any, selections: SelectionSetNode | None) -> Any:
        """A copy of `data` (one object, or a list of them) with the directives below it applied."""
        if isinstance(data, list):
            return [self.reshape(item, selections) for item in data]
        if not isinstance(data, dict):
            return data
        result: dict[str, Any] = {}
        single: set[str] = set()
        for node in self.fields(selections):
            key = node.alias.value if node.alias else node.name.value
            if key not in data or key in result:
                continue
            self.place(result, single, node, key, self.reshape(data[key], node.selection_set), None)
        return result

    def place(
        self,
        result: dict[str, Any],
        single: set[str],
        node: FieldNode,
        key: str,
        value: Any,
        gathering: bool | None,
    ) -> None:
        """Put one field's value into `result`; `gathering`: children of a flattened field (lists)."""
        if isinstance(value, list) and self.directive(node, "first") is not None:
            value = value[0] if value else None
        elif isinstance(value, list) and self.directive(node, "singleton") is not None:
            if len(value) > 1:
                raise DirectiveError(f"@singleton on {key}, which holds {len(value)} items")
            value = value[0] if value else None
        one = self.directive(node, "first") is not None or self.directive(node, "singleton") is not None
        sliced = self.directive(node, "slice")
        if sliced is not None and isinstance(value, list):
            for index, item in enumerate(value):
                label = _slice_label(sliced.get("path") or "$index", index, item)
                self.place_one(result, single, node, f"{key}.{label}", item, gathering, one=True)
            return
        self.place_one(result, single, node, key, value, gathering, one)

    def place_one(
        self,
        result: dict[str, Any],
        single: set[str],
        node: FieldNode,
        key: str,
        value: Any,
        gathering: bool | None,
        one: bool,
    ) -> None:
        if self.directive(node, "flatten") is not None:
            suffix = key[len(node.alias.value if node.alias else node.name.value) :]
            items = value if isinstance(value, list) else [value]
            children = {
                (child.alias.value if child.alias else child.name.value): child
                for child in self.fields(node.selection_set)
            }
            for item in items:
                if not isinstance(item, dict):
                    continue
                for child_key, child_value in item.items():
                    child = children.get(child_key)
                    child_one = child is not None and (
                        self.directive(child, "first") is not None
                        or self.directive(child, "singleton") is not None
                    )
                    _gather(result, single, child_key + suffix, child_value, child_one)
            return
        if gathering:
            _gather(result, single, key, value, one)
        else:
            result[key] = value


def _gather(result: dict[str, Any], single: set[str], key: str, value: Any, one: bool) -> None:
    """Children of flattened fields collect into lists, except @first/@singleton ones (one value)."""
    if value is None:
        result.setdefault(key, None if one else [])
        return
    if one:
        if result.get(key) is not None:
            raise DirectiveError(f"{key} is @first or @singleton but gets more than one value when flattened")
        result[key] = value
        single.add(key)
        return
    gathered = result.get(key)
    if not isinstance(gathered, list):
        gathered = result[key] = []
    gathered.extend(value if isinstance(value, list) else [value])


def _slice_label(path: str, index: int, item: Any) -> str:
    if path == "$index":
        return str(index)
    try:
        found = evaluate_fhirpath(item, path, {})
    except Exception as error:  # fhirpathpy raises plain exceptions of its own kinds
        raise DirectiveError(f"@slice path {path!r} failed: {error}") from None
    if not found:
        raise DirectiveError(
            f"@slice path {path!r} gives nothing for item {index}; select the elements it reads"
        )
    return ".".join(str(value) for value in found)


def uses_directives(query: str) -> bool:
    return any(f"@{name}" in query for name in NAMES)


def reshape(
    document: DocumentNode, operation_name: str | None, variables: dict[str, Any] | None, data: Any
) -> Any:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    operation = next(
        (o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)),
        None,
    )
    if operation is None:
        return data
    return _Walker(document, variables).reshape(data, operation.selection_set)


class Hl7Directives(SchemaExtension):
    """Applies the directives to the finished answer; a misuse becomes an error beside the data."""

    def on_execute(self) -> Iterator[None]:
        yield
        context = self.execution_context
        result, document = context.result, context.graphql_document
        if result is None or document is None or not context.query or not uses_directives(context.query):
            return
        data = getattr(result, "data", None)
        if data is None:
            return
        try:
            result.data = reshape(document, context.operation_name, context.variables, data)
        except DirectiveError as error:
            fhir_error = BadRequest(str(error))
            result.errors = [*(result.errors or []), GraphQLError(str(error), original_error=fhir_error)]
