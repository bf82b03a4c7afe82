"""Bound a GraphQL document's cost in linear time, before graphql-core's validation rules run.

The former depth rule re-walked every fragment spread (12 fragments each spreading the next 4 times: 4^11
walks, a minute of CPU on the event loop) and graphql-core's field-merging rule compares the fields of one
response key pairwise (10,000 repeats of `id`: 10-16 s). Here every limit is checked in one pass over the
tokens and one over the syntax tree, each fragment measured once (memoised, in dependency order, cycles
refused):
- tokens: document size, token count, bracket nesting (the recursive parser never runs out of stack), and
  one name repeated in a selection set (refused before the parser, which is the slow part);
- tree: field depth and repeats of one response key with fragments expanded, aliases, fragment count.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial

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
    max_repeats: int = 30  # one response key in one selection set, spreads included
    max_fragments: int = 500


@dataclass(frozen=True)
class _Measure:
    depth: int  # fields nested below, introspection not counted
    keys: dict[str, int]  # response key -> occurrences at this level, spreads and inline fragments included


def _tokens(query: str, limits: DocumentLimits) -> bool:
    """Count tokens, bracket nesting and names repeated in one selection set, on the token stream, before
    the (much slower) parser runs. False when the lexer fails: the engine then reports the syntax error."""
    lexer = Lexer(Source(query))
    count = 0
    # One entry per open bracket: the names seen so far when it is a selection set, else None.
    open_brackets: list[dict[str, int] | None] = []
    previous = TokenKind.SOF
    try:
        while (token := lexer.advance()).kind != TokenKind.EOF:
            count += 1
            if count > limits.max_tokens:
                raise TooCostly(f"The query has more than {limits.max_tokens} tokens")
            kind = token.kind
            if kind in _OPENING:
                selection = kind == TokenKind.BRACE_L and (not open_brackets or open_brackets[-1] is not None)
                open_brackets.append({} if selection else None)
                if len(open_brackets) > limits.max_nesting:
                    raise TooCostly(f"The query nests brackets more than {limits.max_nesting} deep")
            elif kind in _CLOSING:
                if open_brackets:
                    open_brackets.pop()
            elif kind == TokenKind.NAME and open_brackets and open_brackets[-1] is not None:
                name = token.value or ""
                if previous != TokenKind.AT and name != "on":
                    names = open_brackets[-1]
                    names[name] = seen = names.get(name, 0) + 1
                    if seen > limits.max_repeats:
                        raise TooCostly(
                            f"The query selects {name!r} more than {limits.max_repeats} times "
                            "in one selection set"
                        )
            previous = kind
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
            return _Measure(0, {})
        depth = 0
        keys: dict[str, int] = {}
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                self.aliases += selection.alias is not None
                inner = self.measure(selection.selection_set)
                if not selection.name.value.startswith("__"):
                    depth = max(depth, 1 + inner.depth)
                key = (selection.alias or selection.name).value
                keys[key] = keys.get(key, 0) + 1
                continue
            if isinstance(selection, InlineFragmentNode):
                inner = self.measure(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                inner = self.fragments.get(selection.name.value, _Measure(0, {}))
            else:
                continue
            depth = max(depth, inner.depth)
            for key, count in inner.keys.items():
                keys[key] = keys.get(key, 0) + count
        self._check(depth, keys)
        return _Measure(depth, keys)

    def _check(self, depth: int, keys: dict[str, int]) -> None:
        limits = self.limits
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


@lru_cache(maxsize=64)  # at most 64 documents of at most max_chars each
def _refusal(query: str, limits: DocumentLimits) -> tuple[bool, str] | None:
    try:
        checked_document(query, limits)
    except TooCostly as error:
        return True, error.diagnostics
    except BadRequest as error:
        return False, error.diagnostics
    return None


def check_document(query: str, limits: DocumentLimits) -> None:
    """`checked_document` for a request, remembered per query text: clients repeat the same documents, and
    the engine's own parser cache would otherwise be the only one."""
    refusal = _refusal(query, limits)
    if refusal is not None:
        too_costly, message = refusal
        raise TooCostly(message) if too_costly else BadRequest(message)


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
