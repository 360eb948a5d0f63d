"""Database plumbing below the ORM: engines, error translation, migration state. No Flask here."""
