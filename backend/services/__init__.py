"""Business rules that span repositories; they take a UnitOfWork and plain values, never Flask."""
