"""The venues resource: where tournaments are held."""
