"""Fixtures for the web UI tests: a temp user folder (knowledge bases, edited prompts) over the real data dir."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
APP = ROOT / "web" / "app.py"


@pytest.fixture
def web_user_dir(tmp_path, monkeypatch):
    """HANLIN_USER_DIR pointed at a temp folder; corpora, indexes and models stay the checkout's."""
    from toolkit.config import get_settings

    monkeypatch.setenv("HANLIN_USER_DIR", str(tmp_path / "user"))
    get_settings.cache_clear()
    yield tmp_path / "user"
    get_settings.cache_clear()


@pytest.fixture
def app_test(web_user_dir):
    """A factory: ``app_test("kb")`` runs web/app.py switched to web/views/kb.py and returns the AppTest."""
    from streamlit.testing.v1 import AppTest

    def make(page: str, timeout: float = 120):
        at = AppTest.from_file(str(APP), default_timeout=timeout)
        at.run()
        if page != "home":
            at.switch_page(f"views/{page}.py")
            at.run()
        return at

    return make
