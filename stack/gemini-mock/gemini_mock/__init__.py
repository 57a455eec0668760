"""A Gemini-API-compatible server for the test stack (README.md)."""
