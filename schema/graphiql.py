"""GraphiQL, served by the gateway itself: the page and its scripts come from here, never from a CDN.

The scripts are the npm packages pinned in schema/graphiql/package-lock.json (graphiql 3.8.3 with React 18
UMD builds), installed by `make install` (`npm ci` into schema/graphiql/node_modules) and shipped inside the
wheel as package data (pyproject.toml). The page mounts GraphiQL only once it has a token: in dev mode it asks
POST /graphql/dev-token (gateway/rest/dev_token.py) for one; otherwise it says how to get one and takes it
pasted, so GraphiQL's first schema fetch already carries it.
"""

from pathlib import Path

from gateway.fhir.errors import NotFound

PACKAGES = Path(__file__).parent / "graphiql" / "node_modules"
ASSETS = {
    "graphiql.min.js": (PACKAGES / "graphiql" / "graphiql.min.js", "text/javascript"),
    "graphiql.min.css": (PACKAGES / "graphiql" / "graphiql.min.css", "text/css"),
    "react.production.min.js": (PACKAGES / "react" / "umd" / "react.production.min.js", "text/javascript"),
    "react-dom.production.min.js": (
        PACKAGES / "react-dom" / "umd" / "react-dom.production.min.js",
        "text/javascript",
    ),
}
PAGE = (Path(__file__).parent / "graphiql.html").read_text(encoding="utf-8")


def asset(name: str) -> tuple[bytes, str]:
    """(content, media type) of a GraphiQL asset; only the listed files are ever read."""
    found = ASSETS.get(name)
    if found is None:
        raise NotFound(f"No GraphiQL asset named {name!r}")
    path, media_type = found
    if not path.is_file():
        raise NotFound(
            f"GraphiQL asset {name} is not installed: run `make install` (npm ci in schema/graphiql)"
        )
    return path.read_bytes(), media_type
