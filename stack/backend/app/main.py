"""Backend entry point: health endpoints that check Postgres and Redis for real."""
import time

import psycopg
import redis
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    # Passwords come from Docker secrets (files named after the fields), or the environment.
    model_config = SettingsConfigDict(secrets_dir="/run/secrets")

    postgres_host: str = "postgres"
    postgres_port: int = 5432
    postgres_db: str = "stocks"
    postgres_user: str = "stocks"
    postgres_password: str
    redis_host: str = "redis"
    redis_port: int = 6379
    redis_password: str


settings = Settings()
app = FastAPI(title="stock-analyst")


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        check()
        return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
    except Exception as exc:  # readiness reports any failure instead of raising
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def _postgres() -> None:
    with psycopg.connect(
        host=settings.postgres_host, port=settings.postgres_port, dbname=settings.postgres_db,
        user=settings.postgres_user, password=settings.postgres_password, connect_timeout=2,
    ) as conn:
        conn.execute("SELECT 1")


def _redis() -> None:
    redis.Redis(host=settings.redis_host, port=settings.redis_port, password=settings.redis_password,
                socket_timeout=2).ping()


@app.get("/api/v1/health/live")
def live() -> dict:
    return {"status": "ok"}


@app.get("/api/v1/health/ready")
def ready() -> JSONResponse:
    checks = {"postgres": _timed(_postgres), "redis": _timed(_redis)}
    ok = all(c["ok"] for c in checks.values())
    return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)
