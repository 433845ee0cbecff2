"""Shared test set-up. Area-specific fixtures live in tests/plugins/<area>.py and are loaded here."""

import os
from pathlib import Path

import pytest

# Tests must be light on this 2-core machine and deterministic.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

pytest.register_assert_rewrite("tests.plugins")  # plugins import each other (fakes build on tests.plugins.llm)
pytest_plugins = sorted(
    f"tests.plugins.{p.stem}" for p in (Path(__file__).parent / "plugins").glob("*.py") if p.stem != "__init__"
)

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def tmp_settings(tmp_path, monkeypatch):
    """Settings whose data and user dirs live in a temp folder (the real cache dir is reused)."""
    from toolkit.config import get_settings, load_settings

    monkeypatch.setenv("HANLIN_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield load_settings()
    get_settings.cache_clear()
