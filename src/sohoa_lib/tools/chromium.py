"""Thin wrapper around headless Chromium driven over the DevTools protocol on a local port."""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sohoa_lib.errors import MissingToolError, StageError

# Without the networking flags a headless Chromium keeps calling home (updates, sync, field trials)
# and, on a machine with no network, retries for ever; QUIC likewise.
FLAGS = (
    "--headless",
    "--no-sandbox",  # sohoa runs as root in its containers, where the sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",  # a screenshot shows the page, not the scrollbar of the machine it ran on
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",  # Chromium picks a free port and writes it to DevToolsActivePort
)
START_SECONDS = 30.0
COMMAND_SECONDS = 60.0


def executable() -> str | None:
    """Chromium's path (Debian's `chromium` first), or None when it is not installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


class Page:
    """One browser tab: navigate, evaluate JavaScript, capture a screenshot, print to PDF."""

    def __init__(self, socket) -> None:
        self._socket, self._next = socket, 0
        self._events: list[str] = []  # events that arrived while waiting for a reply

    def send(self, method: str, **params: Any) -> dict:
        self._next += 1
        self._socket.send(json.dumps({"id": self._next, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv())
            if "method" in message:
                self._events.append(message["method"])
            elif message.get("id") == self._next:
                if "error" in message:
                    raise StageError(f"Chromium: {method}: {message['error'].get('message')}")
                return message["result"]

    def _wait_for(self, event: str) -> None:
        if event in self._events:
            return
        while True:
            if json.loads(self._socket.recv()).get("method") == event:
                return

    def open(self, path: Path, *, width: int = 1024, height: int = 800) -> None:
        """Load a local file in a window `width` × `height` CSS pixels, fonts loaded."""
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)  # fmt: skip
        self._events.clear()
        self.send("Page.navigate", url=path.resolve().as_uri())
        self._wait_for("Page.loadEventFired")
        self.evaluate("document.fonts.ready.then(() => true)")

    def evaluate(self, expression: str) -> Any:
        done = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                         awaitPromise=True)  # fmt: skip
        if "exceptionDetails" in done:
            raise StageError(f"Chromium: {expression[:60]}: {done['exceptionDetails'].get('text')}")
        return done["result"].get("value")

    def screenshot(self) -> bytes:
        return base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])

    def pdf(self) -> bytes:
        """Print with the page's own print stylesheet; its `@page` sets the paper and margins."""
        done = self.send("Page.printToPDF", printBackground=True, preferCSSPageSize=True,
                         displayHeaderFooter=False)  # fmt: skip
        return base64.b64decode(done["data"])


@contextlib.contextmanager
def page() -> Iterator[Page]:
    """Start a private headless Chromium, yield its one tab, stop it whatever happens."""
    import websocket  # websocket-client

    binary = executable()
    if binary is None:
        raise MissingToolError("không tìm thấy Chromium (cài: apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="sohoa-chromium-")
    try:
        process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            port = _port(Path(profile) / "DevToolsActivePort", process)
            url = _page_socket(port)
            # Chromium refuses sockets that send an Origin it was not told to allow.
            socket = websocket.create_connection(url, timeout=COMMAND_SECONDS, suppress_origin=True)
            try:
                tab = Page(socket)
                tab.send("Page.enable")
                yield tab
            finally:
                socket.close()
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        _remove(Path(profile))


def _remove(profile: Path) -> None:
    # Chromium's helper processes may still write into the profile a moment after the browser
    # exits; one test run failed with an OSError while it was being removed.
    for _ in range(20):
        shutil.rmtree(profile, ignore_errors=True)
        if not profile.exists():
            return
        time.sleep(0.1)


def _port(active: Path, process: subprocess.Popen) -> int:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StageError(f"Chromium dừng ngay khi khởi động (mã {process.returncode})")
        with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
            return int(active.read_text().splitlines()[0])
        time.sleep(0.05)
    raise StageError(f"Chromium không sẵn sàng sau {START_SECONDS:.0f} giây")


def _page_socket(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
        targets = json.load(response)
    return next(t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page")
