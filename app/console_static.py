"""The console SPA (UI-1) served by the API at /console/: same origin, client-side routes fall back
to index.html, hashed assets are cached for a year (their name changes with their content).

`ensure_built()` is what `make run` calls: it rebuilds console/dist when it is missing or older than
its sources, and never stops the API from starting when Node.js is absent or the build fails.
"""

import shutil
import subprocess
from pathlib import Path

from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Route

CONSOLE_DIR = Path(__file__).resolve().parents[1] / "console"
DIST = CONSOLE_DIR / "dist"
SOURCES = ("src", "index.html", "package.json", "package-lock.json", "vite.config.ts", "codegen.ts", "tsconfig.json")
SCHEMAS = (CONSOLE_DIR.parent / "schema.graphql", CONSOLE_DIR.parent / "contract.graphql")
IMMUTABLE = "public, max-age=31536000, immutable"
NOT_BUILT = (
    "The console is not built. Run `make run` (it builds it with Node.js and npm), or "
    "`cd console && npm ci && npm run build`.\n"
)


def _newest_source_mtime() -> float:
    newest = max((p.stat().st_mtime for p in SCHEMAS if p.exists()), default=0.0)
    for name in SOURCES:
        path = CONSOLE_DIR / name
        if path.is_dir():
            newest = max([newest, *(p.stat().st_mtime for p in path.rglob("*") if p.is_file())])
        elif path.exists():
            newest = max(newest, path.stat().st_mtime)
    return newest


def needs_build() -> bool:
    index = DIST / "index.html"
    return not index.exists() or index.stat().st_mtime < _newest_source_mtime()


def ensure_built(log=print) -> bool:
    """Build the console if it is missing or stale; True when a usable build is there afterwards."""
    if not needs_build():
        return True
    npm = shutil.which("npm")
    if npm is None:
        log(
            "console: Node.js/npm not found, the API starts without a fresh console build (/console/ "
            "answers 503 until it is built)."
        )
        return (DIST / "index.html").exists()
    try:
        if not (CONSOLE_DIR / "node_modules").exists():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=CONSOLE_DIR, check=True)
        subprocess.run([npm, "run", "build"], cwd=CONSOLE_DIR, check=True)
    except (subprocess.CalledProcessError, OSError) as e:
        log(f"console: build failed ({e}); the API starts anyway (/console/ serves the previous build, if any).")
    return (DIST / "index.html").exists()


def _inside(path: Path) -> bool:
    try:
        path.resolve().relative_to(DIST.resolve())
        return True
    except ValueError:
        return False


async def console(request: Request) -> Response:
    rel = request.path_params.get("path", "")
    index = DIST / "index.html"
    if not index.exists():
        return PlainTextResponse(NOT_BUILT, status_code=503)
    if rel:
        candidate = DIST / rel
        if _inside(candidate) and candidate.is_file():
            cache = IMMUTABLE if rel.startswith("assets/") else "no-cache"
            return FileResponse(candidate, headers={"Cache-Control": cache})
        if rel.startswith("assets/"):
            return PlainTextResponse("Not Found", status_code=404)
    # A client-side route (or the root): the SPA's shell, always revalidated so a new build shows.
    return FileResponse(index, headers={"Cache-Control": "no-cache"})


def routes() -> list[BaseRoute]:
    return [
        Route("/console", lambda request: RedirectResponse("/console/", status_code=308)),
        Route("/console/{path:path}", console),
    ]
