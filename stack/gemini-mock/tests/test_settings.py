"""Settings from the environment: the key (value or file) and the pacing."""
from __future__ import annotations

import pytest

from gemini_mock.settings import Settings, SettingsError


def test_defaults_with_a_key():
    settings = Settings.from_env({"GEMINI_MOCK_API_KEY": "k"})

    assert settings == Settings(api_key="k", first_token_ms=400, chunk_ms=80, chunks=8, max_sessions=1000,
                                max_requests_per_session=32, max_record_mb=32)


def test_the_key_file_wins_and_is_stripped(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("from-file\n")

    settings = Settings.from_env({"GEMINI_MOCK_API_KEY_FILE": str(key_file), "GEMINI_MOCK_API_KEY": "from-env"})

    assert settings.api_key == "from-file"


def test_pacing_from_the_environment():
    settings = Settings.from_env({"GEMINI_MOCK_API_KEY": "k", "GEMINI_MOCK_FIRST_TOKEN_MS": "250",
                                  "GEMINI_MOCK_CHUNK_MS": "0", "GEMINI_MOCK_CHUNKS": "3"})

    assert (settings.first_token_ms, settings.chunk_ms, settings.chunks) == (250, 0, 3)


@pytest.mark.parametrize(("env", "says"), [
    ({}, "set GEMINI_MOCK_API_KEY"),
    ({"GEMINI_MOCK_API_KEY": "  "}, "set GEMINI_MOCK_API_KEY"),
    ({"GEMINI_MOCK_API_KEY_FILE": "/nonexistent/key"}, "cannot read /nonexistent/key"),
    ({"GEMINI_MOCK_API_KEY": "k", "GEMINI_MOCK_CHUNK_MS": "fast"}, "GEMINI_MOCK_CHUNK_MS must be a whole number"),
    ({"GEMINI_MOCK_API_KEY": "k", "GEMINI_MOCK_CHUNKS": "0"}, "GEMINI_MOCK_CHUNKS must be at least 1"),
])
def test_bad_settings_stop_the_server(env, says):
    with pytest.raises(SettingsError, match=says):
        Settings.from_env(env)
