"""End-to-end tests: gunicorn over HTTP, and a real browser."""
