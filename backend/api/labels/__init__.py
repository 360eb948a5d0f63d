"""Categories and tags: two resources with one implementation."""
