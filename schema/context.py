"""What every resolver of one GraphQL request gets: service, base URL, budget and DataLoaders."""

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from gateway.auth.guarded import GuardedService
from gateway.fhir.errors import TooCostly
from schema.loaders import Loaders


@dataclass
class GraphQLContext:
    service: GuardedService  # decides every interaction for this request's token and audits it
    base_url: str
    published: str  # when this server started: the CapabilityStatement's date, as /metadata gives it
    resources_left: int  # how many more resources this request's lists may return
    security: dict[str, Any] | None = None  # CapabilityStatement.rest.security, as /metadata gives it

    @cached_property
    def loaders(self) -> Loaders:
        """Made on first use, once per request: batches live exactly as long as the query."""
        return Loaders(self.service, self.base_url)

    def reserve(self, count: int) -> None:
        """Take `count` resources from the request's budget before searching, so no over-limit query runs."""
        if count > self.resources_left:
            raise TooCostly(
                f"This request asks for more resources than the limit allows ({self.resources_left} left); "
                "lower _count or split the query",
                expression=("_count",),
            )
        self.resources_left -= count
