"""Registrations: who signed up for a tournament, checking in and dropping out."""
