"""The network cache: a hit skips loading, any input change misses, entries not signed by this
user's key (or not private to this user) are refused before unpickling, and answers are the
same with and without it."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest
from tests.support.cli import CliRunner, make_runner

from vpcsim.cache import CacheSettings, Store, cached_load
from vpcsim.cache.store import MAGIC, UnsafeCache
from vpcsim.engine import compiled as compiled_module
from vpcsim.engine.compiled import compile_network
from vpcsim.examples import example_file
from vpcsim.formats.loader import load_source
from vpcsim.formats.problems import LoadResult


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "net" / "bastion.yaml"
    path.parent.mkdir()
    shutil.copy(example_file("bastion-nat"), path)
    return path


@pytest.fixture
def settings(tmp_path: Path) -> CacheSettings:
    return CacheSettings(directory=tmp_path / "cache")


class Counting:
    """A load that counts its calls."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.calls = 0

    def __call__(self) -> LoadResult:
        self.calls += 1
        return load_source(str(self.path))


def _load(path: Path, settings: CacheSettings, counter: Counting) -> LoadResult:
    return cached_load(path, counter, format=None, check=True, settings=settings)


def test_a_hit_skips_loading_and_compiling(
    spec: Path, settings: CacheSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = Counting(spec)
    first = _load(spec, settings, counter)
    assert counter.calls == 1
    compiles: list[object] = []
    real_compiler = compiled_module._Compiler
    monkeypatch.setattr(compiled_module, "_Compiler", lambda n: compiles.append(n) or real_compiler(n))
    second = _load(spec, settings, counter)
    assert counter.calls == 1  # read back, not loaded
    assert second.network is not first.network
    compile_network(second.network)
    assert compiles == []  # the compiled form came with it
    assert sorted(second.network.network_interfaces) == sorted(first.network.network_interfaces)
    assert second.format == first.format and second.counts == first.counts
    assert second.locations == first.locations and second.warnings == first.warnings


def test_any_input_change_misses(spec: Path, settings: CacheSettings) -> None:
    counter = Counting(spec)
    _load(spec, settings, counter)
    text = spec.read_text()
    spec.write_text(text.replace("bastion", "jumphost"))
    changed = _load(spec, settings, counter)
    assert counter.calls == 2
    assert changed.network.find_by_name("jumphost")
    os.utime(spec, ns=(1, 1))  # same content, other modification time: a miss too
    _load(spec, settings, counter)
    assert counter.calls == 3
    _load(spec, settings, counter)
    assert counter.calls == 3


def test_a_file_added_to_a_folder_misses(tmp_path: Path, settings: CacheSettings) -> None:
    from vpcsim.formats.aws import export_aws

    folder = tmp_path / "aws"
    export_aws(load_source("bastion-nat").network, folder)
    counter = Counting(folder)
    _load(folder, settings, counter)
    _load(folder, settings, counter)
    assert counter.calls == 1
    (folder / "extra.json").write_text('{"Vpcs": []}')
    _load(folder, settings, counter)
    assert counter.calls == 2


def test_options_are_part_of_the_key(spec: Path, settings: CacheSettings) -> None:
    counter = Counting(spec)
    cached_load(spec, counter, format=None, check=True, settings=settings)
    cached_load(spec, counter, format="yaml", check=True, settings=settings)
    assert counter.calls == 2


def test_disabled_neither_reads_nor_writes(spec: Path, tmp_path: Path) -> None:
    off = CacheSettings(enabled=False, directory=tmp_path / "off")
    counter = Counting(spec)
    _load(spec, off, counter)
    _load(spec, off, counter)
    assert counter.calls == 2
    assert not (tmp_path / "off").exists()


def _entries(settings: CacheSettings) -> list[Path]:
    assert settings.directory is not None
    return sorted(settings.directory.glob("*.entry"))


class Boom:
    """Unpickling it would run code: the test fails if it ever is."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (pytest.fail, ("a refused entry was unpickled",))


def test_a_tampered_entry_is_refused_before_unpickling(spec: Path, settings: CacheSettings) -> None:
    counter = Counting(spec)
    _load(spec, settings, counter)
    (entry,) = _entries(settings)
    data = entry.read_bytes()
    signature = data[len(MAGIC) : len(MAGIC) + 32]
    entry.write_bytes(MAGIC + signature + pickle.dumps(Boom()))  # a payload the signature does not cover
    loaded = _load(spec, settings, counter)
    assert counter.calls == 2
    assert loaded.network.find_by_name("bastion")
    flipped = bytearray(_entries(settings)[0].read_bytes())
    flipped[-10] ^= 0xFF
    _entries(settings)[0].write_bytes(bytes(flipped))
    _load(spec, settings, counter)
    assert counter.calls == 3


def test_an_entry_signed_with_another_key_is_refused(spec: Path, tmp_path: Path) -> None:
    mine, theirs = Store(tmp_path / "mine"), Store(tmp_path / "theirs")
    theirs.put("k", Boom())
    shutil.copy(theirs.path_of("k"), mine.path_of("k") if mine.directory.exists() else _mkdir(mine, "k"))
    assert mine.get("k") is None
    assert not mine.path_of("k").exists()  # removed: it was ours to remove, and bad


def _mkdir(store: Store, name: str) -> Path:
    store.directory.mkdir(mode=0o700, parents=True)
    return store.path_of(name)


def test_an_entry_others_could_write_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "c")
    store.put("k", {"a": 1})
    assert store.get("k") == {"a": 1}
    os.chmod(store.path_of("k"), 0o666)
    assert store.get("k") is None


def test_a_folder_others_can_enter_turns_the_cache_off(spec: Path, tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    with pytest.raises(UnsafeCache, match="0700"):
        Store(folder).get("k")
    counter = Counting(spec)
    settings = CacheSettings(directory=folder)
    _load(spec, settings, counter)
    _load(spec, settings, counter)
    assert counter.calls == 2  # off, not repaired
    assert list(folder.iterdir()) == []


def test_a_key_others_can_read_turns_the_cache_off(tmp_path: Path) -> None:
    store = Store(tmp_path / "c")
    store.put("k", 1)
    os.chmod(store.directory / "key", 0o644)
    with pytest.raises(UnsafeCache, match="0600"):
        store.get("k")


def test_a_symlinked_entry_is_not_followed(tmp_path: Path) -> None:
    store = Store(tmp_path / "c")
    store.put("real", 1)
    os.symlink(store.path_of("real"), store.path_of("link"))
    assert store.get("link") is None


def test_least_recently_used_entries_are_evicted_beyond_the_limit(tmp_path: Path) -> None:
    store = Store(tmp_path / "c", limit=1 << 20)
    blob = b"x" * 400_000
    for index, name in enumerate(("a", "b")):
        store.put(name, blob)
        os.utime(store.path_of(name), (1000 + index, 1000 + index))
    assert store.get("a") == blob  # a is now the most recently used
    store.put("c", blob)  # 3 x 400 kB > 1 MiB: the least recently used (b) goes
    assert [p.stem for p in sorted(store.directory.glob("*.entry"))] == ["a", "c"]
    tiny = Store(tmp_path / "c", limit=0)
    tiny.put("d", blob)
    assert list(store.directory.glob("*.entry")) == []


# ---------------------------------------------------------------------------------- the CLI


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    return make_runner(capsys, monkeypatch, 100)


def test_cli_answers_are_identical_cold_warm_and_uncached(
    cli: CliRunner, spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VPCSIM_CACHE_DIR", str(tmp_path / "cli-cache"))
    commands = [
        ["trace", str(spec), "--from", "internet", "--to", "bastion", "--port", "22", "--json"],
        ["exposure", str(spec), "--json"],
        ["matrix", str(spec), "--by", "instance", "--json"],
        ["validate", str(spec), "--json"],
    ]
    folder = tmp_path / "cli-cache"
    for index, args in enumerate(commands):
        uncached = cli(*args, "--no-cache")
        assert len(list(folder.glob("*.entry"))) == min(index, 1)  # --no-cache stores nothing
        cold, warm = cli(*args), cli(*args)
        assert cold.out == warm.out == uncached.out
        assert cold.status == warm.status == uncached.status
    assert len(list((tmp_path / "cli-cache").glob("*.entry"))) == 1  # one estate, one entry


def test_cli_run_flags_stand_anywhere(
    cli: CliRunner, spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VPCSIM_CACHE_DIR", str(tmp_path / "flags"))
    before = cli("--no-cache", "ssh", str(spec), "internet", "bastion", "--json")
    after = cli("ssh", str(spec), "internet", "bastion", "--json", "--quiet", "--no-cache")
    assert before.status == after.status == 0 and before.out == after.out
    assert not (tmp_path / "flags").exists()


def test_a_background_write_lands_whole(spec: Path, tmp_path: Path) -> None:
    """The command writes a new entry from a forked child; the next load reads it back."""
    import time

    settings = CacheSettings(directory=tmp_path / "bg", background=True)
    counter = Counting(spec)
    first = _load(spec, settings, counter)
    deadline = time.monotonic() + 60
    while not _entries(settings) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_entries(settings)) == 1
    second = _load(spec, CacheSettings(directory=tmp_path / "bg"), counter)
    assert counter.calls == 1
    assert sorted(second.network.instances) == sorted(first.network.instances)
