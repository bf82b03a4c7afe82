"""Validation rules bounding a query's nesting depth and alias count, reported as too-costly errors."""

from collections.abc import Callable
from functools import partial
from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
)
from strawberry.extensions import AddValidationRules

from gateway.fhir.errors import TooCostly


def _too_costly(message: str, node: Any) -> GraphQLError:
    return GraphQLError(message, node, original_error=TooCostly(message))


def _depth(
    selections: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    visiting: frozenset[str],
) -> int:
    """Fields nested below this selection set; introspection (`__schema`, `__type`) does not count."""
    if selections is None:
        return 0
    deepest = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue
            deepest = max(deepest, 1 + _depth(selection.selection_set, fragments, visiting))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments, visiting))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in visiting:  # cycles are another rule's error
                deepest = max(deepest, _depth(fragment.selection_set, fragments, visiting | {name}))
    return deepest


def _alias_count(node: Any) -> int:
    if isinstance(node, FieldNode):
        own = 1 if node.alias is not None else 0
        return own + _alias_count(node.selection_set)
    if isinstance(node, SelectionSetNode):
        return sum(_alias_count(selection) for selection in node.selections)
    if isinstance(node, InlineFragmentNode | FragmentDefinitionNode | OperationDefinitionNode):
        return _alias_count(node.selection_set)
    return 0


def limit_rules(max_depth: int, max_aliases: int) -> Callable[[], AddValidationRules]:
    """A factory, so each request gets its own extension instance."""

    class DepthLimit(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            fragments = {
                definition.name.value: definition
                for definition in context.document.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }
            for definition in context.document.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    depth = _depth(definition.selection_set, fragments, frozenset())
                    if depth > max_depth:
                        context.report_error(
                            _too_costly(
                                f"The query nests {depth} fields deep; the limit is {max_depth}", definition
                            )
                        )

    class AliasLimit(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            # Aliases in fragments count once per definition; the resource budget bounds what spreads repeat.
            count = sum(_alias_count(definition) for definition in context.document.definitions)
            if count > max_aliases:
                context.report_error(
                    _too_costly(
                        f"The query has {count} aliases; the limit is {max_aliases}", context.document
                    )
                )

    return partial(AddValidationRules, [DepthLimit, AliasLimit])
