"""The resident process, as a user meets it: the ``vpcsim`` command (the console script, in a
subprocess) leaves one behind that holds the estate; the next command is answered by it with
the same output and exit status as without it; a changed input is still answered right; it
stops when told, when idle, when its socket goes, and is never used from a folder that is not
private."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vpcsim.cache import resident as wire
from vpcsim.examples import example_file
from vpcsim.resident.entry import wants_resident
from vpcsim.resident.server import Resident

VPCSIM = str(Path(sys.executable).with_name("vpcsim"))


class Folder:
    """A cache folder of its own (short: a Unix socket's path has 107 bytes at most) and the
    environment that points the ``vpcsim`` command at it."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="vr-"))
        self.cache = self.root / "c"
        self.env = {
            **os.environ,
            "VPCSIM_CACHE_DIR": str(self.cache),
            "VPCSIM_RESIDENT": "1",
            "VPCSIM_RESIDENT_IDLE": "120",  # one a failed test leaves behind goes by itself
            "NO_COLOR": "1",
            "COLUMNS": "120",
        }

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [VPCSIM, *args], env={**self.env, **env}, capture_output=True, text=True, timeout=120, check=False
        )

    def status(self) -> dict[str, Any] | None:
        return wire.request(self.cache, {"op": "status"})

    def wait_for(self, predicate: Any, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status()
            if status is not None and predicate(status):
                return status
            time.sleep(0.1)
        listing = sorted(p.name for p in self.cache.iterdir())
        raise AssertionError(
            f"the resident process never reached the state asked for: {self.status()}; {listing}"
        )

    def stop(self) -> None:
        status = self.status()
        if status is not None:
            wire.request(self.cache, {"op": "stop"})
            _wait_gone(int(status["pid"]))
        shutil.rmtree(self.root, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_gone(pid: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture
def folder() -> Iterator[Folder]:
    made = Folder()
    yield made
    made.stop()


@pytest.fixture
def spec(folder: Folder) -> Path:
    path = folder.root / "net.yaml"
    shutil.copy(example_file("bastion-nat"), path)
    return path


QUESTIONS = [
    ("trace", "--from", "bastion", "--to", "app", "--port", "22"),  # reachable: 0
    ("trace", "--from", "internet", "--to", "app", "--port", "22", "--json"),  # not: 1
    ("trace", "--from", "bastion", "--to", "nowhere", "--port", "22", "--json"),  # bad input: 2
    ("exposure", "--json"),
    ("trace", "--from", "bastion", "--to", "nowhere", "--port", "22"),  # the error on stderr
    ("validate",),
    ("show",),
    ("matrix", "--by", "subnet", "--json"),
    ("reach", "--from", "internet", "--to", "all"),
    ("why", "--from", "internet", "--to", "app", "--protocol", "tcp", "--port", "22", "--json"),
    ("export", "--to", "yaml", "-o", "-"),
    ("curl", "app", "internet", "--port", "443"),
]


def _ask(folder: Folder, spec: Path, question: tuple[str, ...], **env: str) -> tuple[int, str, str]:
    done = folder.run(question[0], str(spec), *question[1:], **env)
    return done.returncode, done.stdout, done.stderr


def test_the_next_command_is_answered_by_the_resident_process_with_the_same_result(
    folder: Folder, spec: Path
) -> None:
    alone = [_ask(folder, spec, q, VPCSIM_RESIDENT="0") for q in QUESTIONS]
    assert [a[0] for a in alone][:5] == [0, 1, 2, 1, 2]
    assert all(a[1] or a[2] for a in alone)  # every question says something
    assert folder.status() is None  # VPCSIM_RESIDENT=0 started none
    first = _ask(folder, spec, QUESTIONS[0])  # answers by itself, leaves one behind
    assert first == alone[0]
    held = folder.wait_for(lambda s: len(s["estates"]) == 1)
    assert held["served"] == 0
    answered = [_ask(folder, spec, q) for q in QUESTIONS]
    assert answered == alone  # exit status, stdout and stderr, byte for byte
    assert folder.wait_for(lambda s: s["served"] == len(QUESTIONS))["pid"] == held["pid"]


def test_a_changed_input_is_answered_from_the_new_files(folder: Folder, spec: Path) -> None:
    question = ("trace", "--from", "bastion", "--to", "app", "--port", "22")
    assert _ask(folder, spec, question)[0] == 0
    folder.wait_for(lambda s: len(s["estates"]) == 1)
    text = spec.read_text()
    assert "- tcp 22 from bastion-sg" in text
    spec.write_text(text.replace("- tcp 22 from bastion-sg", "- tcp 2222 from bastion-sg"))
    status, out, _ = _ask(folder, spec, question)
    assert (status, out) == _ask(folder, spec, question, VPCSIM_RESIDENT="0")[:2]
    assert status == 1 and "app-sg" in out  # the changed group now drops it
    # the resident process answered from the files, then was asked to hold the new estate too
    state = folder.wait_for(lambda s: len(s["estates"]) == 2 and not s["pending"])
    assert state["served"] == 1
    assert _ask(folder, spec, question)[0] == 1  # and answers from it


def test_stop_idle_and_a_removed_socket_end_it(folder: Folder, spec: Path) -> None:
    assert _ask(folder, spec, QUESTIONS[0])[0] == 0
    pid = int(folder.wait_for(lambda s: len(s["estates"]) == 1)["pid"])
    stopped = folder.run("cache", "stop", "--json")
    assert stopped.returncode == 0 and f'"stopped": {pid}' in stopped.stdout
    _wait_gone(pid)
    assert not _alive(pid) and folder.status() is None
    path = wire.socket_path(folder.cache)
    assert path is not None and not path.exists()

    assert _ask(folder, spec, QUESTIONS[0], VPCSIM_RESIDENT_IDLE="1")[0] == 0
    pid = int(folder.wait_for(lambda s: s["idle_seconds"] == 1.0)["pid"])
    _wait_gone(pid, timeout=30)
    assert not _alive(pid), "an idle resident process did not stop"

    assert _ask(folder, spec, QUESTIONS[0])[0] == 0
    pid = int(folder.wait_for(lambda s: len(s["estates"]) == 1)["pid"])
    path.unlink()
    _wait_gone(pid, timeout=30)
    assert not _alive(pid), "a resident process whose socket was removed did not stop"


def test_cache_info_and_clear(folder: Folder, spec: Path) -> None:
    assert _ask(folder, spec, QUESTIONS[0])[0] == 0
    pid = int(folder.wait_for(lambda s: len(s["estates"]) == 1)["pid"])
    info = folder.run("cache", "info")
    assert info.returncode == 0
    assert f"resident process: pid {pid}, holding 1 estate(s)" in info.stdout
    assert "entries: 1," in info.stdout
    cleared = folder.run("cache", "clear", "--json")
    assert cleared.returncode == 0 and '"removed": 1' in cleared.stdout
    _wait_gone(pid)
    assert not list(folder.cache.glob("*.entry"))


def test_an_input_that_does_not_load_leaves_none_behind(folder: Folder, spec: Path) -> None:
    spec.write_text(spec.read_text().replace("cidr: 10.0.1.0/24", "cidr: 10.0.1.0/33"))
    status, _, err = _ask(folder, spec, QUESTIONS[0])
    assert status == 2 and "10.0.1.0/33" in err
    assert not list(folder.cache.glob("resident-*"))  # none was started (its log comes first)
    assert folder.status() is None


def test_never_from_a_folder_others_may_enter(folder: Folder, spec: Path) -> None:
    folder.cache.mkdir(mode=0o700)
    os.chmod(folder.cache, 0o755)
    status, _, err = _ask(folder, spec, QUESTIONS[0])
    assert status == 0 and "the cache is off" in err
    assert not list(folder.cache.glob("resident-*"))  # none was started (its log comes first)
    assert folder.status() is None
    info = folder.run("cache", "info")
    assert "resident process: the cache folder is not this user's alone" in info.stdout


@pytest.mark.parametrize(
    ("argv", "wanted"),
    [
        (["trace", "net", "--from", "a", "--to", "b"], True),
        (["--quiet", "exposure", "net"], True),
        (["exposure", "net", "--no-cache"], False),
        (["matrix", "net", "--workers", "2"], False),
        (["matrix", "net", "--scheduler=tcp://127.0.0.1:1"], False),
        (["serve", "net"], False),
        (["lab", "up", "net"], False),
        (["demo"], False),
        (["cache", "info"], False),
        ([], False),
    ],
)
def test_which_command_lines_it_answers(
    argv: list[str], wanted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VPCSIM_RESIDENT", "1")
    assert wants_resident(argv) is wanted
    monkeypatch.setenv("VPCSIM_RESIDENT", "0")
    assert wants_resident(argv) is False


def test_a_resident_process_whose_code_changed_stops_and_lets_the_command_answer(tmp_path: Path) -> None:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    resident = Resident(tmp_path, listener, inode=0, lock_fd=-1, code="the code it started with")
    r, w = os.pipe()
    try:
        wire.send(ours, {"op": "run", "argv": ["trace"], "cwd": "/", "env": {}}, fds=(r, w, w))
        resident._handle(theirs)
        assert wire.Reader(ours).read() == {"stale": True}
        assert resident.running is False and resident.served == 0 and not resident.children
    finally:
        for fd in (r, w):
            os.close(fd)
        ours.close()
        listener.close()


def test_a_signal_reaches_the_child_answering(folder: Folder, spec: Path) -> None:
    """^C on the command stops the command that the resident process's child runs for it."""
    assert _ask(folder, spec, QUESTIONS[0])[0] == 0
    folder.wait_for(lambda s: len(s["estates"]) == 1)
    fifo = folder.root / "never-written"
    os.mkfifo(fifo)  # reading it waits for a writer that never comes
    proc = subprocess.Popen(
        [VPCSIM, "trace", str(fifo), "--from", "a", "--to", "b"],
        env=folder.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    folder.wait_for(lambda s: s["served"] == 1)  # the child is answering (and waiting)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert proc.returncode == 130  # as the command answering by itself: typer's exit on ^C
    time.sleep(0.5)
    assert folder.status() is not None  # the resident process itself goes on


def _started(folder: Folder, spec: Path) -> None:
    """A resident process holding ``spec``'s estate."""
    assert _ask(folder, spec, QUESTIONS[0])[0] == 0
    folder.wait_for(lambda s: len(s["estates"]) == 1)


def _both(folder: Folder, args: list[str], **popen: Any) -> list[subprocess.CompletedProcess[str]]:
    """``args`` answered alone, then by the resident process (which must have answered it)."""
    done = []
    for resident in ("0", "1"):
        before = (folder.status() or {}).get("served", 0)
        done.append(
            subprocess.run(
                [VPCSIM, *args],
                env={**folder.env, "VPCSIM_RESIDENT": resident},
                text=True,
                timeout=120,
                **popen,
            )
        )
        after = (folder.status() or {}).get("served", 0)
        assert after - before == int(resident), "answered by the wrong process"
    return done


def test_a_closed_pipe_ends_it_as_alone(folder: Folder, spec: Path) -> None:
    _started(folder, spec)
    statuses = []
    for args in (["show", str(spec)], ["trace", "--help"], ["exposure", str(spec), "--json"]):
        for _ in range(1):
            read, write = os.pipe()
            os.close(read)  # every write fails: EPIPE
            try:
                alone, resident = _both(folder, args, stdout=write, stderr=subprocess.PIPE)
            finally:
                os.close(write)
            statuses.append((alone.returncode, resident.returncode))
            assert alone.returncode == resident.returncode, args
            assert alone.stderr == resident.stderr, args
    assert all(s[0] != 70 for s in statuses)


def test_stdout_and_stderr_merged_keep_their_order(folder: Folder, spec: Path) -> None:
    _started(folder, spec)
    args = ["export", str(spec), "--format", "yaml", "-o", "-"]
    alone, resident = _both(folder, args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert alone.returncode == resident.returncode == 0
    assert "vpcsim: note:" in alone.stdout.splitlines()[0]
    assert alone.stdout == resident.stdout


def test_the_askers_umask_applies(folder: Folder, spec: Path) -> None:
    _started(folder, spec)
    modes = []
    for resident in ("0", "1"):
        out = folder.root / f"out-{resident}.yaml"
        subprocess.run(
            [VPCSIM, "export", str(spec), "--to", "yaml", "-o", str(out)],
            env={**folder.env, "VPCSIM_RESIDENT": resident},
            preexec_fn=lambda: os.umask(0o077),
            check=True,
            capture_output=True,
        )
        modes.append(out.stat().st_mode & 0o777)
    assert modes == [0o600, 0o600]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_ends_it_as_alone(folder: Folder, spec: Path, signum: int) -> None:
    _started(folder, spec)
    fifo = folder.root / "never-written"
    os.mkfifo(fifo)  # reading it waits for a writer that never comes
    codes = []
    for resident in ("0", "1"):
        proc = subprocess.Popen(
            [VPCSIM, "trace", str(fifo), "--from", "a", "--to", "b"],
            env={**folder.env, "VPCSIM_RESIDENT": resident},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(3)  # both wait on the FIFO by now (the resident child: it was forked at once)
        proc.send_signal(signum)
        proc.communicate(timeout=30)
        codes.append(proc.returncode)
    assert codes == [-signum, -signum]
    time.sleep(0.5)
    assert folder.status() is not None  # the resident process itself goes on


def test_nothing_is_imported_from_the_folder_it_was_started_in(folder: Folder, spec: Path) -> None:
    planted = folder.root / "work"
    planted.mkdir()
    (planted / "rich.py").write_text("raise ImportError('planted')\n")
    (planted / "yaml.py").write_text("raise ImportError('planted')\n")
    done = subprocess.run(
        [VPCSIM, "trace", str(spec), "--from", "bastion", "--to", "app", "--port", "22"],
        env=folder.env,
        cwd=planted,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0
    folder.wait_for(lambda s: len(s["estates"]) == 1)  # it started, and imported the real ones
