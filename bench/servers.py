"""Start and stop what a benchmark (or a test) runs against: redis-server and gunicorn, on loopback."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def resident_mb(pid: int) -> float:
    """Return the resident memory (VmRSS) of process ``pid`` in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no VmRSS for process {pid}")


def children(pid: int) -> list[int]:
    """Return the ids of the processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name is in brackets and may hold spaces: the parent id follows it.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


class _Process:
    """A child process that is stopped when the ``with`` block ends."""

    process: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def __enter__(self) -> _Process:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class Redis(_Process):
    """A redis-server on a free loopback port, appending to a file like the deployed one."""

    def __init__(self, workdir: Path, binary: str | None = None) -> None:
        found = binary or shutil.which("redis-server")
        if found is None:
            raise RuntimeError("no redis-server here: apt-get install redis-server")
        self.binary, self.workdir, self.port = found, workdir, free_port()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "everysec", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")


class Gunicorn(_Process):
    """``gunicorn --config gunicorn.conf.py <target>`` on a free loopback port.

    ``env`` is added to this process's environment (less any PROMETHEUS_MULTIPROC_DIR, so
    that each server makes its own); gunicorn's output goes to ``log``.
    """

    def __init__(self, target: str, env: Mapping[str, str], log: Path) -> None:
        self.target, self.log, self.port = target, log, free_port()
        self.env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        self.env.update(env)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/healthz", timeout: float = 120) -> Gunicorn:
        """Start, and return once ``ready_path`` answers (any status) or fail after ``timeout``."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
                 "--bind", f"127.0.0.1:{self.port}", self.target],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.target} exited: see {self.log}")
            try:
                self.get(ready_path)
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn {self.target} did not answer in {timeout} s: see {self.log}")

    def get(self, path: str) -> tuple[int, str]:
        """GET ``path``; return the status and the body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()

    def workers(self) -> list[int]:
        """Return the process ids of the workers."""
        return children(self.process.pid) if self.process is not None else []

    def settle(self, timeout: float = 180) -> None:
        """Wait until every worker has loaded the app: their CPU time stops growing."""
        deadline, last = time.monotonic() + timeout, -1
        while time.monotonic() < deadline:
            busy = sum(_cpu_ticks(pid) for pid in self.workers())
            if busy - last <= 2 and len(self.workers()) > 0:
                return
            last = busy
            time.sleep(0.5)


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user and system) process ``pid`` has used so far; 0 if it is gone."""
    return _cpu_ticks(pid) / os.sysconf("SC_CLK_TCK")


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime
