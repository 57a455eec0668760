"""python -m gemini_mock: serve on 0.0.0.0:8080 with the settings from the environment."""
import logging
import sys

import uvicorn

from .app import create_app
from .settings import Settings, SettingsError

PORT = 8080


def main() -> None:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        sys.exit(f"gemini-mock: {exc}")
    # One JSON line per model request on stdout (generate.py); uvicorn logs its own way.
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    uvicorn.run(
        create_app(settings), host="0.0.0.0", port=PORT, access_log=False,
        # Longer than a client's idle pool (httpx: 5 s), so an idle connection is never
        # closed just as the client reuses it.
        timeout_keep_alive=75,
    )


if __name__ == "__main__":
    main()
