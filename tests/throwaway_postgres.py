"""A PostgreSQL cluster of the test's own, for tests that stop, restart or starve a server:
never the shared one. initdb and pg_ctl refuse to run as root, so as root they run as the
`postgres` user."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.servers import free_port

BIN_DIRECTORIES = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def available() -> bool:
    return bool(BIN_DIRECTORIES) and (os.geteuid() != 0 or shutil.which("runuser") is not None)


@dataclass
class ThrowawayCluster:
    root: Path
    max_connections: int = 40
    port: int = 0

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create(self) -> ThrowawayCluster:
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")  # fmt: skip
        self.start()
        return self

    @property
    def data(self) -> Path:
        return self.root / "data"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            f"-c max_connections={self.max_connections} -c fsync=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                  "-w", "-t", "30", "start")  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        subprocess.run(
            self._command("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"),
            capture_output=True,
            check=False,
        )

    def _command(self, program: str, *arguments: str) -> list[str]:
        command = [str(BIN_DIRECTORIES[-1] / program), *arguments]
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def _run(self, program: str, *arguments: str) -> None:
        result = subprocess.run(
            self._command(program, *arguments), capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            raise RuntimeError(f"{program} failed: {result.stderr or result.stdout}")
