"""The GraphQL face (Strawberry types and resolvers); built in the GraphQL issue."""
