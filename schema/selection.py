"""A query document selecting every field of a type down to a given depth, for clients, tests and benchmarks.

FHIR types are recursive (Extension holds Extensions), so "every field" needs a depth. One fragment per
(type, remaining depth) keeps the document linear in types x depth instead of exponential in it.
"""

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    GraphQLUnionType,
)


def _named(graphql_type: GraphQLType) -> GraphQLType:
    while isinstance(graphql_type, GraphQLList | GraphQLNonNull):
        graphql_type = graphql_type.of_type
    return graphql_type


def every_field(schema: GraphQLSchema, type_name: str, depth: int) -> tuple[str, str]:
    """(selection set for `type_name`, the fragment definitions it uses): every field, `depth` levels deep."""
    fragments: dict[str, str] = {}

    def fragment(object_type: GraphQLObjectType, levels: int) -> str:
        name = f"{object_type.name}_{levels}"
        if name not in fragments:
            fragments[name] = ""  # reserved before recursing: a type may reach itself
            parts = []
            for field_name, field in object_type.fields.items():
                target = _named(field.type)
                if "_reference" in field.args or isinstance(target, GraphQLUnionType):
                    continue  # references to follow, not stored data: `resource`, reverse lists
                if not isinstance(target, GraphQLObjectType):
                    parts.append(field_name)
                elif levels > 1:
                    parts.append(f"{field_name} {{ ...{fragment(target, levels - 1)} }}")
            fragments[name] = f"fragment {name} on {object_type.name} {{ {' '.join(parts)} }}"
        return name

    root = schema.get_type(type_name)
    if not isinstance(root, GraphQLObjectType):
        raise ValueError(f"{type_name} is not an object type of this schema")
    selection = f"{{ ...{fragment(root, depth)} }}"
    return selection, "\n".join(fragments.values())
