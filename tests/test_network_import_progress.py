"""``cimbus model import`` shows a progress bar when stderr is a terminal, and none otherwise."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

from cim.network.export import write_rdfxml
from cim.network.generate import generate


def _model_folder(tmp_path: Path) -> Path:
    """A generated model big enough for the bar to be drawn (a few MB of RDF/XML)."""
    write_rdfxml(generate(2, 600, seed=7), tmp_path)
    return tmp_path


def _run(folder: Path, *, terminal: bool) -> tuple[int, bytes]:
    """Run the import; stderr goes to a pseudo-terminal or a pipe; returns (status, stderr)."""
    cimbus = Path(sys.executable).with_name("cimbus")
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    if not terminal:
        done = subprocess.run(
            [str(cimbus), "model", "import", str(folder)], capture_output=True, env=env
        )
        return done.returncode, done.stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [str(cimbus), "model", "import", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    out = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    return proc.wait(timeout=30), out


def test_a_terminal_gets_a_progress_bar(tmp_path: Path) -> None:
    """On a terminal the bar names the document being read and its size read so far."""
    status, err = _run(_model_folder(tmp_path), terminal=True)
    assert status == 0, err[-500:]
    text = err.decode("utf-8", "replace")
    assert "feeders_EQ.xml" in text or "feeders_" in text, text[-500:]
    assert "MB" in text or "kB" in text, text[-500:]


def test_a_pipe_gets_no_progress_bar(tmp_path: Path) -> None:
    """Piped (a script, CI) stderr carries no bar: nothing but what the logs say."""
    status, err = _run(_model_folder(tmp_path), terminal=False)
    assert status == 0, err[-500:]
    assert b"feeders_EQ.xml" not in err and b"\x1b[" not in err
