"""The tournaments resource: tournaments and their lifecycle."""
