"""In-memory stand-ins for the data layer, for unit tests of services (cosmicpython's pattern)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from backend.models import Category, Game, Tag


class FakeGameRepository:
    def __init__(self, games: Iterable[Game] = ()) -> None:
        self.games = list(games)

    def add(self, game: Game) -> Game:
        self.games.append(game)
        return game

    def add_all(self, games: Iterable[Game]) -> None:
        self.games.extend(games)

    def count(self, *_where: Any) -> int:
        return len(self.games)


class FakeLabelRepository:
    def __init__(self, model: type[Any]) -> None:
        self.model = model
        self.labels: list[Any] = []

    def named(self, names: Iterable[str]) -> dict[str, Any]:
        existing = {label.name: label for label in self.labels}
        for name in names:
            if name not in existing:
                existing[name] = self.model(name=name)
                self.labels.append(existing[name])
        return existing


class FakeUnitOfWork:
    """Behaves like UnitOfWork: nothing is kept unless commit() is called."""

    def __init__(self, games: Iterable[Game] = ()) -> None:
        self.games = FakeGameRepository(games)
        self.categories = FakeLabelRepository(Category)
        self.tags = FakeLabelRepository(Tag)
        self.commits = 0

    def __enter__(self) -> FakeUnitOfWork:
        return self

    def __exit__(self, *_exc_info: object) -> None:
        self.rollback()

    def commit(self) -> None:
        self.commits += 1

    def rollback(self) -> None:
        pass


class RecordingSession:
    """A session that only records what the Unit of Work asks of it."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.info: dict[str, Any] = {}

    def commit(self) -> None:
        self.calls.append("commit")

    def rollback(self) -> None:
        self.calls.append("rollback")

    def flush(self) -> None:
        self.calls.append("flush")

    def close(self) -> None:
        self.calls.append("close")
