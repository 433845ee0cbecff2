"""Legal fixtures: settings over the committed 50-article corpus, with a tiny law index built from it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture(scope="session")
def legal_settings(tmp_path_factory):
    """Settings whose data dir holds ``tests/fixtures/laws50.sqlite`` and a laws index built from it.

    The index is built by the real code path (``toolkit.index.corpus_indexes.build``), once per session.
    """
    from toolkit.config import load_settings
    from toolkit.index.corpus_indexes import build

    src = FIXTURES / "laws50.sqlite"
    if not src.is_file():
        pytest.skip("tests/fixtures/laws50.sqlite not built yet (python data/build_fixtures.py)")
    data = tmp_path_factory.mktemp("legal") / "data"
    (data / "corpora").mkdir(parents=True)
    shutil.copy(src, data / "corpora" / "laws.sqlite")
    settings = load_settings(env={"HANLIN_DATA_DIR": str(data), "HANLIN_CONFIG": str(data / "none.yaml")})
    build("laws", settings, progress=False)
    return settings


@pytest.fixture(scope="session")
def law_store(legal_settings):
    from toolkit.legal.store import LawStore

    return LawStore.open(legal_settings)


@pytest.fixture
def verify(legal_settings):
    """``verify(text) -> list[CitationCheck]`` over the fixture corpus."""
    from toolkit.legal import verify_citations

    return lambda text: verify_citations(text, settings=legal_settings)


@pytest.fixture
def cli(legal_settings, monkeypatch, capsys):
    """``cli(*argv) -> (rc, out, err)``: the hanlin CLI over the tiny statute fixture."""
    from pipelines.cli import main
    from toolkit.config import get_settings

    monkeypatch.setenv("HANLIN_DATA_DIR", str(legal_settings.data_dir))
    get_settings.cache_clear()

    def run(*argv):
        rc = main(list(argv))
        out, err = capsys.readouterr()
        return rc, out, err

    yield run
    get_settings.cache_clear()
