"""Column types that behave alike on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import enum
from typing import TypeVar

from sqlalchemy import Enum, String
from sqlalchemy.dialects import mysql

EnumT = TypeVar("EnumT", bound=enum.Enum)


def exact_string(length: int) -> String:
    """A VARCHAR compared byte for byte on every dialect: MariaDB's default collation is
    case- and accent-insensitive, and would take "Café" and "Cafe" for one value."""
    return String(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb"
    )


def string_enum(values: type[EnumT], name: str, length: int) -> Enum:
    """An enum stored as its values' strings with a CHECK of them, alike on every dialect
    (no native ENUM type to alter when a value is added)."""
    return Enum(
        values,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )
