"""Count database round trips with pymongo's command monitoring (no wrapper around the store's calls)."""

from collections.abc import Callable

from pymongo import monitoring

CommandFinished = Callable[[str, float, bool], None]


class RoundTripListener(monitoring.CommandListener):
    """Calls `finished(command name, seconds, succeeded)` once per command the driver sends."""

    def __init__(self, finished: CommandFinished) -> None:
        self._finished = finished

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        pass  # the duration arrives with the succeeded/failed event

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._finished(event.command_name, event.duration_micros / 1e6, True)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._finished(event.command_name, event.duration_micros / 1e6, False)
