"""`python -m app`: uvicorn with JSON logs and WEB_CONCURRENCY workers."""
import os

import uvicorn

from .logging import logging_config


def main() -> None:
    level = os.environ.get("LOG_LEVEL", "INFO")
    json_logs = os.environ.get("JSON_LOGS", "true").lower() not in ("0", "false", "no")
    uvicorn.run(
        "app.main:app",
        host=os.environ.get("HOST", "0.0.0.0"),
        port=int(os.environ.get("PORT", "8000")),
        workers=int(os.environ.get("WEB_CONCURRENCY", "1")),
        log_config=logging_config(level, json_logs),
        access_log=False,  # app.logging.RequestContextMiddleware writes the access log
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "*"),
        timeout_graceful_shutdown=10,
        server_header=False,
    )


if __name__ == "__main__":
    main()
