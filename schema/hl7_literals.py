"""HL7's bare literals where the schema wants text: `Patient(id: example)`, `resource(type: Patient)`.

HL7's examples write ids and type names unquoted, which GraphQL reads as enum values, and GraphQL's `ID`
and `String` accept only quoted strings (graphql-core forbids redefining them). So each document is
rewritten once, after parsing and before validation: an enum or boolean literal standing where a built-in
text scalar is expected becomes the string it spells. Variables and everything else are left alone, so the
schema's declared types (and clients generated from them) are unchanged. A quoted name where an enum is
expected (`_reference: "subject"`) is read as that enum value too. Parsed documents are cached.
"""

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    EnumValueNode,
    GraphQLEnumType,
    GraphQLSchema,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    visit,
)
from strawberry.extensions import SchemaExtension

_TEXT_SCALARS = frozenset({"ID", "String"})


class _TextLiterals(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info

    def _wants_text(self) -> bool:
        expected = self.type_info.get_input_type()
        return expected is not None and get_named_type(expected).name in _TEXT_SCALARS

    def enter_enum_value(self, node: EnumValueNode, *_args: Any) -> StringValueNode | None:
        return StringValueNode(value=node.value) if self._wants_text() else None

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> EnumValueNode | None:
        """Quoted enum values (`_reference: "subject"`), as clients wrote them before it was an enum."""
        expected = self.type_info.get_input_type()
        named = get_named_type(expected) if expected is not None else None
        if isinstance(named, GraphQLEnumType) and node.value in named.values:
            return EnumValueNode(value=node.value)
        return None

    def enter_boolean_value(self, node: BooleanValueNode, *_args: Any) -> StringValueNode | None:
        if not self._wants_text():
            return None
        return StringValueNode(value="true" if node.value else "false")


def with_text_literals(schema: GraphQLSchema, document: DocumentNode) -> DocumentNode:
    type_info = TypeInfo(schema)
    rewritten: DocumentNode = visit(document, TypeInfoVisitor(type_info, _TextLiterals(type_info)))
    return rewritten


@lru_cache(maxsize=256)
def _parsed(schema: GraphQLSchema, query: str) -> DocumentNode:
    return with_text_literals(schema, parse(query))


class Hl7Parser(SchemaExtension):
    """Parses (cached per schema and document text) and reads HL7's bare literals as text."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            context.graphql_document = _parsed(context.schema._schema, context.query)
        yield
