"""The players resource: the club's players and their preferences."""
