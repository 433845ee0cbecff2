"""Where the chinese-poetry JSON files come from: the npm tarball or a local clone.

Both are read through :class:`PoetryDir`, which maps the package's folder names (``quantangshi``,
``songci`` …, as in the npm package's ``dist/``) onto a folder that may use either those names or the
repository's Chinese ones (``全唐诗``, ``宋词`` …).
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import tarfile
from pathlib import Path

from toolkit.errors import DataMissingError

# npm dist/ folder name → the folder names a repository checkout may use instead.
FOLDER_ALIASES: dict[str, tuple[str, ...]] = {
    "quantangshi": ("quantangshi", "全唐诗"),
    "songci": ("songci", "宋词"),
    "wudaishici": ("wudaishici", "五代诗词"),
    "shijing": ("shijing", "诗经"),
    "chuci": ("chuci", "楚辞"),
    "caocaoshiji": ("caocaoshiji", "曹操诗集"),
    "nalanxingde": ("nalanxingde", "纳兰性德"),
    "yuanqu": ("yuanqu", "元曲"),
    "shuimotangshi": ("shuimotangshi", "水墨唐诗"),
    "strains": ("strains",),
}


def natural_key(name: str) -> list:
    """Sort key that orders ``poet.tang.2000.json`` before ``poet.tang.10000.json``."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


class PoetryDir:
    """A chinese-poetry folder: the npm ``dist/`` folder, a folder containing it, or a repo root.

    Example:
        >>> src = PoetryDir("/path/to/chinese-poetry")  # doctest: +SKIP
        >>> src.glob("songci/ci.song.*.json")[:1]  # doctest: +SKIP
        [PosixPath('/path/to/chinese-poetry/宋词/ci.song.0.json')]
    """

    def __init__(self, root: str | Path):
        root = Path(root).expanduser()
        if not root.is_dir():
            raise DataMissingError(f"找不到诗词目录 (chinese-poetry folder not found): {root}")
        if (root / "dist").is_dir() and not self._has_any(root):
            root = root / "dist"
        if not self._has_any(root):
            names = ", ".join(sorted({a for v in FOLDER_ALIASES.values() for a in v}))
            raise DataMissingError(
                f"{root} 不像 chinese-poetry 的目录 (not a chinese-poetry folder): "
                f"expected sub-folders such as {names}"
            )
        self.root = root

    @staticmethod
    def _has_any(root: Path) -> bool:
        return any((root / a).is_dir() for v in FOLDER_ALIASES.values() for a in v)

    def folder(self, canonical: str) -> Path | None:
        """The real folder for a canonical (npm) top-level name, or None if absent."""
        for alias in FOLDER_ALIASES.get(canonical, (canonical,)):
            if (self.root / alias).is_dir():
                return self.root / alias
        return None

    def glob(self, pattern: str) -> list[Path]:
        """Files matching a canonical pattern like ``quantangshi/poet.tang.*.json``, naturally sorted."""
        top, _, rest = pattern.partition("/")
        base = self.folder(top)
        if base is None:
            return []
        sub, _, name_pat = rest.rpartition("/")
        folder = base / sub if sub else base
        if not folder.is_dir():
            return []
        files = [p for p in folder.iterdir() if p.is_file() and fnmatch.fnmatchcase(p.name, name_pat)]
        return sorted(files, key=lambda p: natural_key(p.name))


def extract_npm_tarball(tgz: Path, dest: Path, wanted: list[str]) -> Path:
    """Extract the members of ``package/dist/`` matching ``wanted`` patterns into ``dest`` (atomic).

    Only regular files with safe relative names are written; the folder appears whole or not at all.
    Returns ``dest``.
    """
    if (dest / ".complete").is_file():
        return dest
    tmp = dest.with_name(dest.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with tarfile.open(tgz, "r:gz") as tar:
        for m in tar:
            if not m.isfile() or not m.name.startswith("package/dist/"):
                continue
            rel = m.name[len("package/dist/"):]
            if ".." in Path(rel).parts or not any(fnmatch.fnmatchcase(rel, w) for w in wanted):
                continue
            out = tmp / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(m) as src, open(out, "wb") as fh:
                shutil.copyfileobj(src, fh)
    (tmp / ".complete").write_text("ok\n", encoding="utf-8")
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    return dest
