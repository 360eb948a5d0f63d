"""API tests through the Flask test client, on every configured database."""
