"""What every resolver of one GraphQL request gets: the service, the base URL, and the request's budget."""

from dataclasses import dataclass

from gateway.fhir.errors import TooCostly
from gateway.service.interactions import FhirService


@dataclass
class GraphQLContext:
    service: FhirService
    base_url: str
    published: str  # when this server started: the CapabilityStatement's date, as /metadata gives it
    resources_left: int  # how many more resources this request's lists may return

    def reserve(self, count: int) -> None:
        """Take `count` resources from the request's budget before searching, so no over-limit query runs."""
        if count > self.resources_left:
            raise TooCostly(
                f"This request asks for more resources than the limit allows ({self.resources_left} left); "
                "lower _count or split the query",
                expression=("_count",),
            )
        self.resources_left -= count
