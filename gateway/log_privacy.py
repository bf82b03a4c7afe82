"""Keep PHI out of the logs: access-log lines lose their query strings (search values are names, birth
dates, identifiers)."""

import logging


class DropQueryStrings(logging.Filter):
    """For uvicorn's access log, whose record args are (client, method, path with query, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        arguments = record.args
        if isinstance(arguments, tuple) and len(arguments) == 5 and isinstance(arguments[2], str):
            path = arguments[2].split("?", 1)[0]
            record.args = (*arguments[:2], path, *arguments[3:])
        return True


def install() -> None:
    logging.getLogger("uvicorn.access").addFilter(DropQueryStrings())
