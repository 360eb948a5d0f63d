"""Integration tests: the data layer on every configured database."""
