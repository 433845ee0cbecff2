"""``hanlin web``: start the Streamlit UI (bound to 127.0.0.1 unless configured otherwise)."""

from __future__ import annotations

import os
import subprocess
import sys

from toolkit.config import REPO_ROOT, get_settings
from toolkit.errors import DataMissingError


def register(sub) -> None:
    p = sub.add_parser("web", help="启动网页界面 (start the Streamlit web UI)")
    p.add_argument("--host", default=None, help="bind address (default: settings.host = 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default: settings.port = 8501)")
    p.add_argument("--headless", action="store_true", help="do not open a browser")
    p.set_defaults(func=run)


def command(host: str, port: int, headless: bool = True) -> list[str]:
    app = REPO_ROOT / "web" / "app.py"
    if not app.is_file():
        raise DataMissingError(f"找不到网页应用 (web app not found): {app}")
    return [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true" if headless else "false",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        # Uploads above this are refused by Streamlit itself; the KB applies its own (smaller) limit.
        "--server.maxUploadSize", str(get_settings().max_upload_mb + 1),
    ]


def run(args) -> int:
    s = get_settings()
    host, port = args.host or s.host, args.port or s.port
    print(f"翰林 Hanlin web UI: http://{host}:{port}")
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.call(command(host, port, args.headless or not sys.stdout.isatty()), env=env)
