"""Jibao's service: API, storage, engine loop, roster, dashboard and CLI (the imperative shell)."""
