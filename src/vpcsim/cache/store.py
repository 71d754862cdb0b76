"""A per-user store of signed entries: a 0700 folder the user owns, a 0600 key, LRU eviction.

Why pickle, and why it is safe here: an entry is the loaded network *and* the engine's compiled
form of it (hundreds of thousands of objects that point at each other); pickle rebuilds them in
C, several times faster than any plain-data format rebuilt through Python, and needs no second
description of every engine structure. Unpickling runs code named by the file, so a file
someone else could have written must never be unpickled. Every entry is therefore signed with
HMAC-SHA256 under a 32-byte random key that only this user can read, and is unpickled only
when:

* the cache folder is a real folder (not a symlink), owned by this user, with no permission for
  group or others (0700), and so is the key file (0600);
* the entry is a regular file owned by this user, writable by no one else;
* its signature verifies (``hmac.compare_digest``) over the whole payload.

Anything else -- another user's file, a tampered byte, a truncated write, a key that changed -- is
refused before a single byte is unpickled: the entry is a miss (and is removed when it is ours),
the network is loaded from its files, and the answer is the same. A folder with the wrong owner
or permissions disables the cache rather than being repaired. See ``docs/performance.md``.
"""

from __future__ import annotations

import contextlib
import copyreg
import gc
import hashlib
import hmac
import io
import os
import pickle
import secrets
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model.network import AddressOwner

MAGIC = b"VPCSIM-CACHE\x01"
SUFFIX = ".entry"
KEY_FILE = "key"
DEFAULT_LIMIT = 2 << 30
"""Bytes the entries may take together before the least recently used are evicted."""


class UnsafeCache(Exception):
    """The cache folder or key cannot be trusted: the cache is off for this run."""


def default_dir() -> Path:
    """``$VPCSIM_CACHE_DIR``, else ``$XDG_CACHE_HOME/vpcsim``, else ``~/.cache/vpcsim``."""
    explicit = os.environ.get("VPCSIM_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "vpcsim"


def default_limit() -> int:
    """``$VPCSIM_CACHE_MAX_MB`` (mebibytes), else :data:`DEFAULT_LIMIT`."""
    text = os.environ.get("VPCSIM_CACHE_MAX_MB")
    if text:
        try:
            return max(0, int(float(text) * (1 << 20)))
        except ValueError:
            pass
    return DEFAULT_LIMIT


def _address_owner(owner: AddressOwner) -> tuple[Any, ...]:
    return AddressOwner, (owner.vpc_id, owner.subnet_id, owner.network_interface_id, owner.private_ip)


#: Frozen slotted dataclasses unpickle through a Python ``__setstate__`` each; the network's
#: address index holds one per address: rebuilt through the constructor instead (3x faster).
_DISPATCH = {**copyreg.dispatch_table, AddressOwner: _address_owner}


def _dumps(value: object) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(value)
    return buffer.getvalue()


def _private(st: os.stat_result, *, folder: bool) -> bool:
    kind_ok = stat.S_ISDIR(st.st_mode) if folder else stat.S_ISREG(st.st_mode)
    return kind_ok and st.st_uid == os.getuid() and st.st_mode & 0o077 == 0


@dataclass
class Store:
    """Signed entries in ``directory``, at most ``limit`` bytes together."""

    directory: Path
    limit: int = DEFAULT_LIMIT

    def _open_dir(self) -> None:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            st = os.lstat(self.directory)
        except OSError as exc:
            raise UnsafeCache(f"cannot create {self.directory}: {exc.strerror}") from None
        if not _private(st, folder=True):
            raise UnsafeCache(
                f"{self.directory} is not a folder of this user's with mode 0700; the cache is off"
            )

    def _key(self) -> bytes:
        self._open_dir()
        path = self.directory / KEY_FILE
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(32))
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as exc:
            raise UnsafeCache(f"cannot read {path}: {exc.strerror}") from None
        with os.fdopen(fd, "rb") as handle:
            if not _private(os.fstat(handle.fileno()), folder=False):
                raise UnsafeCache(f"{path} is not a file of this user's with mode 0600; the cache is off")
            key = handle.read()
        if len(key) != 32:
            raise UnsafeCache(f"{path} does not hold a 32-byte key; the cache is off")
        return key

    def path_of(self, name: str) -> Path:
        return self.directory / f"{name}{SUFFIX}"

    def get(self, name: str) -> object | None:
        """The entry's object, or None: absent, not ours, or not signed by our key (refused
        before unpickling; our own bad entry is removed)."""
        key = self._key()
        path = self.path_of(name)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            st = os.fstat(handle.fileno())
            if not (stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid() and st.st_mode & 0o022 == 0):
                return None  # not ours to read, and not ours to remove
            data = handle.read()
        head = len(MAGIC)
        signature, payload = data[head : head + 32], memoryview(data)[head + 32 :]
        expected = hmac.new(key, payload, hashlib.sha256).digest()
        if not data.startswith(MAGIC) or not hmac.compare_digest(signature, expected):
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        enabled = gc.isenabled()
        gc.disable()  # hundreds of thousands of new objects: no collection can free any of them
        try:
            value: object = pickle.loads(payload)
            # They live as long as the command: out of the collector's sight, or its first full
            # collection would walk all of them (a second on a 50,000-ENI estate).
            gc.freeze()
        finally:
            if enabled:
                gc.enable()
        with contextlib.suppress(OSError):
            os.utime(path)  # most recently used
        return value

    def put(self, name: str, value: object) -> Path:
        """Sign and write ``value`` atomically (a temporary file renamed), then evict the least
        recently used entries beyond the limit."""
        key = self._key()
        enabled = gc.isenabled()
        gc.disable()
        try:
            payload = _dumps(value)
        finally:
            if enabled:
                gc.enable()
        signature = hmac.new(key, payload, hashlib.sha256).digest()
        path = self.path_of(name)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(MAGIC)
                out.write(signature)
                out.write(payload)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self.evict(keep=path)
        return path

    def entries(self) -> list[tuple[float, int, Path]]:
        """(last use, size, path) of every entry, least recently used first."""
        found = []
        for path in self.directory.glob(".tmp-*.part"):  # a write that died (its process killed)
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < time.time() - 3600:
                    path.unlink()
        for path in self.directory.glob(f"*{SUFFIX}"):
            with contextlib.suppress(OSError):
                st = path.stat()
                found.append((st.st_mtime, st.st_size, path))
        return sorted(found)

    def evict(self, keep: Path | None = None) -> list[Path]:
        """Remove least recently used entries until the rest fit the limit (``keep``, the one
        just written, goes last)."""
        entries = self.entries()
        total = sum(size for _, size, _ in entries)
        removed: list[Path] = []
        for _, size, path in sorted(entries, key=lambda e: (e[2] == keep, e[0])):
            if total <= self.limit:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
            total -= size
        return removed
