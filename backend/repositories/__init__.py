"""Repositories and the Unit of Work: data access for services and views. No Flask here."""
