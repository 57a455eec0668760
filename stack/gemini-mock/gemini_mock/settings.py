"""The server's settings, from the environment (README.md lists them)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


class SettingsError(ValueError):
    """A setting is missing or malformed: the server refuses to start."""


def _read_key(env: Mapping[str, str]) -> str:
    if path := env.get("GEMINI_MOCK_API_KEY_FILE"):
        try:
            key = Path(path).read_text().strip()
        except OSError as exc:
            raise SettingsError(f"GEMINI_MOCK_API_KEY_FILE: cannot read {path}: {exc.strerror}") from exc
    else:
        key = env.get("GEMINI_MOCK_API_KEY", "").strip()
    if not key:
        raise SettingsError("set GEMINI_MOCK_API_KEY or GEMINI_MOCK_API_KEY_FILE: the key clients must send")
    return key


def _whole_number(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    api_key: str
    # Pacing of a normal answer: the wait before a response starts, then the gap between
    # text chunks, and how many chunks the text is split into.
    first_token_ms: int = 400
    chunk_ms: int = 80
    chunks: int = 8
    # Load runs create thousands of sessions: keep the most recently used ones only
    # (sessions.py), within these bounds.
    max_sessions: int = 1000
    max_requests_per_session: int = 32
    max_record_mb: int = 32

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        defaults = cls(api_key="")
        return cls(
            api_key=_read_key(env),
            first_token_ms=_whole_number(env, "GEMINI_MOCK_FIRST_TOKEN_MS", defaults.first_token_ms),
            chunk_ms=_whole_number(env, "GEMINI_MOCK_CHUNK_MS", defaults.chunk_ms),
            chunks=_whole_number(env, "GEMINI_MOCK_CHUNKS", defaults.chunks, minimum=1),
            max_sessions=_whole_number(env, "GEMINI_MOCK_MAX_SESSIONS", defaults.max_sessions, minimum=1),
            max_requests_per_session=_whole_number(
                env, "GEMINI_MOCK_MAX_REQUESTS", defaults.max_requests_per_session, minimum=1),
            max_record_mb=_whole_number(env, "GEMINI_MOCK_MAX_RECORD_MB", defaults.max_record_mb, minimum=1),
        )
