"""gunicorn as in production: `gunicorn --workers 2 --worker-class sync --bind 127.0.0.1:PORT MODULE:app`,
no access log (gunicorn's default), its error log in bench/out/gunicorn-NAME.log."""
from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .seed import OUT, ROOT

GUNICORN = Path(sys.executable).with_name("gunicorn")
WORKERS = 2
# Variables of the caller's environment that would change what the served application does.
APP_VARIABLES = ("DATABASE_URL", "SECRET_KEY", "REDIS_URL", "PUBLIC_BASE_URL", "PROXY_FIX_HOPS",
                 "SESSION_COOKIE_SECURE", "MAIL_SERVER")


class BenchError(RuntimeError):
    """Something is wrong with what would be measured: the run stops instead of printing wrong numbers."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, name: str, app: str, env: dict[str, str], ready_path: str, cwd: Path = ROOT,
                 workers: int = WORKERS):
        self.name = name
        self.workers = workers
        self.cwd = cwd
        self.app = app
        self.env = env
        self.ready_path = ready_path
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = OUT / f"gunicorn-{name}.log"
        self.process: subprocess.Popen | None = None

    def argv(self) -> list[str]:
        return [str(GUNICORN), "--workers", str(self.workers), "--worker-class", "sync",
                "--bind", f"127.0.0.1:{self.port}", self.app]

    def command_line(self) -> str:
        """The command as a person would type it (secrets and ports generic)."""
        env = " ".join(f"{k}={shlex.quote(v) if k != 'SECRET_KEY' else '…'}" for k, v in self.env.items())
        argv = ["gunicorn", *self.argv()[1:]]
        argv[argv.index(f"127.0.0.1:{self.port}")] = "127.0.0.1:PORT"
        return f"{env + ' ' if env else ''}{' '.join(argv)}"

    def __enter__(self) -> Gunicorn:
        env = {k: v for k, v in os.environ.items() if k not in APP_VARIABLES}
        env.update(self.env)
        OUT.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "w")
        self.process = subprocess.Popen(self.argv(), cwd=self.cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn ({self.name}) exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base + self.ready_path, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise BenchError(f"gunicorn ({self.name}) did not answer {self.ready_path} in {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # the master stops its workers gracefully
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the process group this class started, nothing else
            self.process.wait()

    def __exit__(self, *exc) -> None:
        self.stop()
