"""The plays resource: plays recorded at the club, and what each player's add up to."""
