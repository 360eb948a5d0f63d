"""Bulk import of a board-game database export: validated, batched, set-based, idempotent.

Each batch is read, compared with what is stored (matched by bgg_id) and written in its own
transaction: new games inserted, changed ones updated (only while nobody else changed them
since), unchanged ones left alone, labels created as needed. An interruption loses at most
the batch in flight; running the same file again completes the job and inserts nothing
twice. Refused rows go to a rejects file with their line, original text and reason.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, TextIO, TypeVar

from backend.db.locks import LockHeld
from backend.domain.games import GAME_RULES
from backend.domain.labels import LABEL_KINDS, LabelKind, slugify
from backend.domain.permissions import Permission, require
from backend.domain.principal import Principal
from backend.domain.versions import BulkUpdate
from backend.models import Game
from backend.models.labels import LABEL_MODELS
from backend.services.bgg_export import GameRow, RejectedRow, read_export, size_in_bytes
from backend.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

DEFAULT_BATCH_SIZE = 5000
MAX_BATCH_SIZE = 10_000
# Who imports, unless the caller names someone else.
IMPORTER = Principal("import-games")
# The name of the lock that lets one import at a time write to a database.
IMPORT_LOCK = "import-games"
REJECTS_HEADER = ("line", "reason", "detail", "original")
IMPORTED_TABLES = (
    Game.__tablename__,
    *(model.__tablename__ for model in LABEL_MODELS.values()),
    *(model.game_links.name for model in LABEL_MODELS.values()),
)

T = TypeVar("T")


class ImportOptionsError(ValueError):
    """The import cannot start as asked (a batch size out of range, rejects over the export)."""


class ImportAlreadyRunning(ImportOptionsError):
    """Another import is writing to the same database."""

    def __init__(self) -> None:
        super().__init__(
            "another import is running on this database; try again when it has finished"
        )


@dataclass
class ImportSummary:
    """What an import did (or, with dry_run, would do)."""

    source: Path
    dry_run: bool = False
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    batches_committed: int = 0
    seconds: float = 0.0
    rejects_path: Path | None = None

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def lines(self) -> list[str]:
        """The closing report, a line each."""
        would = "would be " if self.dry_run else ""
        lines = [
            f"{'Checked' if self.dry_run else 'Imported'} {self.source} in {self.seconds:.1f}s"
            + (" (dry run: nothing written)" if self.dry_run else ""),
            f"  rows read:  {self.rows_read}",
            f"  {would}inserted: {self.inserted}",
            f"  {would}updated:  {self.updated}",
            f"  unchanged:  {self.unchanged}",
            f"  rejected:   {self.rejected_total}",
        ]
        lines += [f"    {reason}: {count}" for reason, count in self.rejected.most_common()]
        if self.rejects_path is not None:
            lines.append(f"  rejected rows are in {self.rejects_path}")
        if not self.dry_run and self.inserted == self.updated == 0:
            lines.append("  Nothing new: every valid row is already in the catalog as it is.")
        return lines


def import_games(
    uow_factory: UnitOfWorkFactory,
    source: Path,
    *,
    principal: Principal = IMPORTER,
    rejects_path: Path,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import the export at `source` as `principal`, each batch in a Unit of Work of its
    own from `uow_factory`; see the module's docstring. `on_progress` is called
    after each batch with the bytes of the file read in it. A database failure stops the
    import with the domain error, after the batches already committed. One import writes
    to a database at a time: ImportAlreadyRunning, before anything is read, when another is."""
    require(principal, Permission.EDIT_CATALOG)
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ImportOptionsError(f"batch size must be between 1 and {MAX_BATCH_SIZE}")
    if rejects_path.resolve() == source.resolve():
        # The rejects file is written afresh: it must never be the export being read.
        raise ImportOptionsError("the rejects file cannot be the export itself")
    summary = ImportSummary(source=source, dry_run=dry_run)
    started = time.monotonic()
    # Two imports of one file would both find its rows new, and the second would stop on
    # the first's inserts; a dry run writes nothing and needs no turn.
    try:
        # The job's own Unit of Work holds the import's turn for the whole run, and
        # refreshes the planner's statistics at the end; each batch has one of its own.
        with uow_factory(actor=principal.name) as job:
            turn = nullcontext() if dry_run else job.exclusive(IMPORT_LOCK)
            with turn, _RejectsFile(rejects_path) as rejects:
                for batch in _chunks(read_export(source), batch_size):
                    valid = [row for row in batch if isinstance(row, GameRow)]
                    for row in batch:
                        if isinstance(row, RejectedRow):
                            rejects.write(row)
                            summary.rejected[row.reason] += 1
                    summary.rows_read += len(batch)
                    if valid:
                        reason = f"imported from {source.name}"
                        with uow_factory(actor=principal.name, change_reason=reason) as uow:
                            _import_batch(uow, valid, summary, rejects, dry_run=dry_run)
                    if on_progress is not None:
                        on_progress(sum(size_in_bytes(row) for row in batch))
                summary.rejects_path = rejects.path if rejects.count else None
                if not dry_run and (summary.inserted or summary.updated):
                    job.refresh_statistics(IMPORTED_TABLES)
    except LockHeld:
        raise ImportAlreadyRunning from None
    summary.seconds = time.monotonic() - started
    return summary


@dataclass(frozen=True)
class _Change:
    """A stored game that a row changes: its stored values, the values to write, and what
    differs (field -> [stored, imported])."""

    row: GameRow
    stored: dict[str, Any]
    values: dict[str, Any]
    changes: dict[str, Any]


def _import_batch(
    uow: UnitOfWork,
    rows: Sequence[GameRow],
    summary: ImportSummary,
    rejects: _RejectsFile,
    *,
    dry_run: bool,
) -> None:
    stored = uow.games.stored_by_bgg_id([row.bgg_id for row in rows])
    stored_labels = uow.games.label_slugs([game["id"] for game in stored.values()])
    new: list[GameRow] = []
    changed: list[_Change] = []
    unchanged = 0
    for row in rows:
        current = stored.get(row.bgg_id)
        if current is None:
            new.append(row)
            continue
        values = _known_over_stored(row, current)
        conflicts = GAME_RULES.violations({**current, **values})
        if conflicts:
            # The row is valid alone, but not with what is stored beside it (a
            # min_play_minutes set by hand above the export's play time, say).
            detail = "; ".join(f"{c.field}: {c.message}" for c in conflicts)
            rejects.write(row.rejected("conflicts_with_stored", detail))
            summary.rejected["conflicts_with_stored"] += 1
            continue
        changes = _changes(row, values, current, stored_labels[current["id"]])
        if changes:
            changed.append(_Change(row, current, values, changes))
        else:
            unchanged += 1
    if not dry_run:
        _write(uow, new, changed)
        uow.commit()
        summary.batches_committed += 1
    summary.inserted += len(new)
    summary.updated += len(changed)
    summary.unchanged += unchanged


def _known_over_stored(row: GameRow, stored: dict[str, Any]) -> dict[str, Any]:
    """The row's values where it knows them, the stored ones where it does not: an export
    that says "unknown" (0, empty) never erases what someone entered by hand."""
    return {name: stored[name] if value is None else value for name, value in row.values.items()}


def _changes(
    row: GameRow,
    values: dict[str, Any],
    stored: dict[str, Any],
    labels: dict[str, dict[str, str]],
) -> dict[str, Any]:
    """Field -> [stored, imported] for what differs; labels compared by slug, and an
    empty list in the export (unknown) leaves the stored labels alone."""
    changes: dict[str, Any] = {
        name: [stored[name], value] for name, value in values.items() if stored[name] != value
    }
    for kind in LABEL_KINDS:
        imported = _label_names(row, kind)
        if imported and set(labels[kind]) != {slugify(name) for name in imported}:
            changes[kind] = [sorted(labels[kind].values()), sorted(imported)]
    return changes


def _write(uow: UnitOfWork, new: Sequence[GameRow], changed: Sequence[_Change]) -> None:
    """Set-based writes for one batch: labels, inserts, updates, then the links."""
    written = [*new, *(change.row for change in changed)]
    label_ids = {
        kind: uow.labels(kind).ids_by_slug(
            name for row in written for name in _label_names(row, kind)
        )
        for kind in LABEL_KINDS
    }
    new_ids = uow.games.insert_many(
        [row.values for row in new],
        audit_extras=[
            {kind: [None, sorted(_label_names(row, kind))] for kind in LABEL_KINDS} for row in new
        ],
    )
    uow.games.update_many(
        [
            BulkUpdate(change.stored["id"], change.stored["version"], change.values, change.changes)
            for change in changed
        ]
    )
    for kind in LABEL_KINDS:
        ids = label_ids[kind]
        added = _links(zip(new_ids, new, strict=True), kind, ids)
        uow.games.link_labels(kind, added, replace=False)
        relabelled = [
            (change.stored["id"], change.row) for change in changed if kind in change.changes
        ]
        uow.games.link_labels(kind, _links(relabelled, kind, ids), replace=True)


def _links(
    games: Iterable[tuple[Any, GameRow]], kind: LabelKind, label_ids: Mapping[str, Any]
) -> dict[Any, set[Any]]:
    """Game id -> ids of its labels of one kind (names sharing a slug are one label)."""
    return {
        game_id: {label_ids[slugify(name)] for name in _label_names(row, kind)}
        for game_id, row in games
    }


def _label_names(row: GameRow, kind: LabelKind) -> tuple[str, ...]:
    names: tuple[str, ...] = getattr(row, kind)
    return names


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class _RejectsFile:
    """The rejects CSV, opened on the first rejected row: no rejects, no file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._handle: TextIO | None = None
        self._writer: Any = None

    def __enter__(self) -> _RejectsFile:
        self.path.unlink(missing_ok=True)  # an old run's rejects would mislead
        return self

    def __exit__(self, *_exc_info: object) -> None:
        if self._handle is not None:
            self._handle.close()

    def write(self, row: RejectedRow) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # surrogateescape writes undecodable bytes back as they were in the input.
            self._handle = self.path.open(
                "w", encoding="utf-8", errors="surrogateescape", newline=""
            )
            self._writer = csv.writer(self._handle)
            self._writer.writerow(REJECTS_HEADER)
        self._writer.writerow((row.line, row.reason, row.detail, row.text))
        self.count += 1
