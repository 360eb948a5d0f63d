"""The concierge resource: which games fit a group tonight."""
