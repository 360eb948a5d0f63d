"""Game Night test suite."""
