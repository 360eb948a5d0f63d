"""Unit tests: no database."""
