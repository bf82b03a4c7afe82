"""Bound a GraphQL document's cost in linear time, before graphql-core's validation rules run.

graphql-core's own rules re-walk every fragment spread and compare fields pairwise, so a 1 KB document of
fragments spreading fragments, or a selection repeating one field 10,000 times, kept the event loop busy for
minutes. Here every limit is checked in one pass over the tokens and one over the syntax tree, each fragment
measured once (memoised, in dependency order, cycles refused):
- document size and token count, bracket nesting (so the recursive parser never runs out of stack);
- field depth, fields after expanding every spread, aliases, repeats of one response key in a selection set.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    ValidationContext,
    parse,
)
from graphql.language import Lexer, TokenKind
from strawberry.extensions import AddValidationRules

from gateway.fhir.errors import BadRequest, FhirError, TooCostly

_OPENING = frozenset({TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L})
_CLOSING = frozenset({TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R})


@dataclass(frozen=True)
class DocumentLimits:
    max_depth: int = 16
    max_aliases: int = 30
    max_chars: int = 100_000
    max_tokens: int = 20_000
    max_nesting: int = 64  # brackets of any kind, counted on tokens: bounds the parser's recursion
    max_fields: int = 10_000  # after expanding every fragment spread where it is used
    max_repeats: int = 30  # one response key in one selection set, spreads included
    max_fragments: int = 500


@dataclass(frozen=True)
class _Measure:
    depth: int  # fields nested below, introspection not counted
    fields: int  # fields once every spread is expanded
    keys: dict[str, int]  # response key -> occurrences at this level, spreads and inline fragments included


def _tokens(query: str, limits: DocumentLimits) -> bool:
    """False when the lexer fails (the parser then reports the syntax error itself, in linear time)."""
    lexer = Lexer(Source(query))
    count = nesting = 0
    try:
        while (token := lexer.advance()).kind != TokenKind.EOF:
            count += 1
            if count > limits.max_tokens:
                raise TooCostly(f"The query has more than {limits.max_tokens} tokens")
            if token.kind in _OPENING:
                nesting += 1
                if nesting > limits.max_nesting:
                    raise TooCostly(f"The query nests brackets more than {limits.max_nesting} deep")
            elif token.kind in _CLOSING:
                nesting -= 1
    except GraphQLSyntaxError:
        return False
    return True


def _spreads(selections: SelectionSetNode | None) -> set[str]:
    names: set[str] = set()
    pending = [selections]
    while pending:
        current = pending.pop()
        if current is None:
            continue
        for selection in current.selections:
            if isinstance(selection, FragmentSpreadNode):
                names.add(selection.name.value)
            else:
                pending.append(selection.selection_set)  # type: ignore[attr-defined]
    return names


def _dependency_order(fragments: dict[str, FragmentDefinitionNode]) -> list[str]:
    """Fragments with the ones they spread first; BadRequest on a cycle. Iterative: chains can be long."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done
    for root in fragments:
        if root in state:
            continue
        stack: list[tuple[str, list[str]]] = [(root, sorted(_spreads(fragments[root].selection_set)))]
        state[root] = 1
        while stack:
            name, pending = stack[-1]
            if not pending:
                stack.pop()
                state[name] = 2
                order.append(name)
                continue
            child = pending.pop()
            if child not in fragments or state.get(child) == 2:
                continue
            if state.get(child) == 1:
                raise BadRequest(f"Fragment {child!r} spreads itself (a cycle)")
            state[child] = 1
            stack.append((child, sorted(_spreads(fragments[child].selection_set))))
    return order


class _Meter:
    def __init__(self, limits: DocumentLimits) -> None:
        self.limits = limits
        self.fragments: dict[str, _Measure] = {}
        self.aliases = 0

    def measure(self, selections: SelectionSetNode | None) -> _Measure:
        """Recursion here follows bracket nesting only, which the token pass bounded."""
        if selections is None:
            return _Measure(0, 0, {})
        depth = fields = 0
        keys: dict[str, int] = {}
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                self.aliases += selection.alias is not None
                inner = self.measure(selection.selection_set)
                fields += 1 + inner.fields
                if not selection.name.value.startswith("__"):
                    depth = max(depth, 1 + inner.depth)
                key = (selection.alias or selection.name).value
                keys[key] = keys.get(key, 0) + 1
                continue
            if isinstance(selection, InlineFragmentNode):
                inner = self.measure(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                inner = self.fragments.get(selection.name.value, _Measure(0, 0, {}))
            else:
                continue
            depth, fields = max(depth, inner.depth), fields + inner.fields
            for key, count in inner.keys.items():
                keys[key] = keys.get(key, 0) + count
        self._check(depth, fields, keys)
        return _Measure(depth, fields, keys)

    def _check(self, depth: int, fields: int, keys: dict[str, int]) -> None:
        limits = self.limits
        if fields > limits.max_fields:
            raise TooCostly(
                f"The query selects more than {limits.max_fields} fields once its fragments are expanded"
            )
        if depth > limits.max_depth:
            raise TooCostly(f"The query nests {depth} fields deep; the limit is {limits.max_depth}")
        repeated = max(keys.values(), default=0)
        if repeated > limits.max_repeats:
            key = max(keys, key=lambda name: keys[name])
            raise TooCostly(
                f"The query selects {key!r} {repeated} times in one selection set; "
                f"the limit is {limits.max_repeats}"
            )


def _check_tree(document: DocumentNode, limits: DocumentLimits) -> None:
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    if len(fragments) > limits.max_fragments:
        raise TooCostly(f"The query defines more than {limits.max_fragments} fragments")
    meter = _Meter(limits)
    for name in _dependency_order(fragments):
        meter.fragments[name] = meter.measure(fragments[name].selection_set)
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            meter.measure(definition.selection_set)
    # Aliases count once per definition, as written.
    if meter.aliases > limits.max_aliases:
        raise TooCostly(f"The query has {meter.aliases} aliases; the limit is {limits.max_aliases}")


def checked_document(query: str, limits: DocumentLimits) -> DocumentNode | None:
    """The parsed document when every limit holds, TooCostly/BadRequest when one does not, and None on a
    syntax error (left to the GraphQL engine to report the usual way)."""
    if len(query) > limits.max_chars:
        raise TooCostly(f"The query is longer than {limits.max_chars} characters")
    if not _tokens(query, limits):
        return None
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return None
    _check_tree(document, limits)
    return document


def limit_rules(max_depth: int, max_aliases: int) -> Callable[[], AddValidationRules]:
    """The same tree limits as a validation rule, for documents that reach the engine another way; linear, so
    checking a document twice costs little. A factory, so each request gets its own extension instance."""
    limits = DocumentLimits(max_depth=max_depth, max_aliases=max_aliases)

    class DocumentLimit(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            try:
                _check_tree(context.document, limits)
            except FhirError as error:
                context.report_error(GraphQLError(error.diagnostics, original_error=error))

    return partial(AddValidationRules, [DocumentLimit])
