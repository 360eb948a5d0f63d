"""The shelf resource: the club's copies of each game and the games each player owns."""
