"""Write the system schema's SDL to schema/schema.graphql: `python -m schema.export` after changing types."""

from pathlib import Path

from schema.build import system_sdl

SDL_FILE = Path(__file__).parent / "schema.graphql"

if __name__ == "__main__":
    SDL_FILE.write_text(system_sdl(), encoding="utf-8")
    print(f"wrote {SDL_FILE}")
