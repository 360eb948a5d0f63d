"""The connection pool's state, read without touching the database."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool


@dataclass(frozen=True)
class PoolSnapshot:
    size: int
    checked_out: int
    idle: int
    overflow: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def snapshot(engine: Engine) -> PoolSnapshot:
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return PoolSnapshot(size=0, checked_out=0, idle=0, overflow=0)
    return PoolSnapshot(
        size=pool.size(),
        checked_out=pool.checkedout(),
        idle=pool.checkedin(),
        # QueuePool counts overflow from -size while the pool is still filling.
        overflow=max(0, pool.overflow()),
    )
