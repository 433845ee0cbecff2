"""``hanlin web``: start the Streamlit UI (bound to 127.0.0.1 unless configured otherwise).

Streamlit runs inside this process (not a child process), so the poetry model can start loading in a
background thread at once, while the server starts and the browser loads the page; and stopping this
process stops the server.
"""

from __future__ import annotations

from pipelines.cli.conventions import examples

import sys

from toolkit.config import REPO_ROOT, get_settings
from toolkit.errors import DataMissingError

APP = REPO_ROOT / "web" / "app.py"


def register(sub) -> None:
    p = sub.add_parser("web", help="启动网页界面 (start the Streamlit web UI)")
    p.add_argument("--host", default=None, help="监听地址，默认 127.0.0.1 (bind address, default: settings.host = 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="端口，默认 8501 (port, default: settings.port = 8501)")
    p.add_argument("--headless", action="store_true", help="不打开浏览器 (do not open a browser)")
    p.add_argument("--no-warm", action="store_true",
                   help="不在后台预加载诗词模型 (by default the poetry model, poem index and line set start "
                        "loading as soon as the server listens; with this flag only after a page view)")
    p.set_defaults(func=run)
    examples(p, "hanlin web", "hanlin web --lang en --port 8600 --headless")


def streamlit_args(host: str, port: int, headless: bool = True) -> list[str]:
    """The ``streamlit run`` arguments for the Hanlin app (address, port, no file watcher, upload limit).

    Raises:
        DataMissingError: ``web/app.py`` is missing from the checkout.
    """
    if not APP.is_file():
        raise DataMissingError(f"找不到网页应用 (web app not found): {APP}")
    return [
        "run", str(APP),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true" if headless else "false",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",  # no "Deploy" button on a local app
        "--server.fileWatcherType", "none",
        # Uploads above this are refused by Streamlit itself; the KB applies its own (smaller) limit.
        "--server.maxUploadSize", str(get_settings().max_upload_mb + 1),
    ]


def command(host: str, port: int, headless: bool = True, warm: bool = True) -> list[str]:
    """A command line that runs ``hanlin web`` with this interpreter (for tests and benchmarks)."""
    return [sys.executable, "-c", "import sys; from pipelines.cli import main; sys.exit(main(sys.argv[1:]))",
            "web", "--host", host, "--port", str(port), *(["--headless"] if headless else []),
            *([] if warm else ["--no-warm"])]


# Seconds the server must have listened before the warm-up starts. The warm-up is ~1.5 CPU s with the NumPy
# engine (measured: model 0.3, poem index 0.75, tone vocabulary 0.1), so it starts at once and is done
# before the first page is; with the transformers engine (~10 CPU s of imports) it delays that page by
# a few seconds, still inside the 10 s bar.
IDLE_START_S = 0.0


def idle_gate(host: str, port: int, idle_s: float = IDLE_START_S):
    """A warm-up gate: True once the server has listened on ``host:port`` for ``idle_s`` seconds."""
    import socket
    import time

    since: list[float] = []

    def gate() -> bool:
        if not since:
            try:
                with socket.create_connection((host if host not in ("0.0.0.0", "::") else "127.0.0.1", port), 0.2):
                    since.append(time.monotonic())
            except OSError:
                return False
        return time.monotonic() - since[0] >= idle_s

    return gate


def _report_ready(warmup, t0: float) -> None:
    """Print when the background warm-up has ended (how long after start, and per step)."""
    import time

    warmup.wait()
    if warmup.error:
        print(f"诗词模型预加载失败 (poetry warm-up failed): {warmup.error}", flush=True)
        return
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in warmup.spent.items())
    print(f"诗词模型已就绪 (poetry model ready) {time.monotonic() - t0:.1f}s after start ({steps})", flush=True)


def run(args) -> int:
    import threading
    import time

    t0 = time.monotonic()
    s = get_settings()
    host, port = args.host or s.host, args.port or s.port
    st_args = streamlit_args(host, port, args.headless or not sys.stdout.isatty())
    print(f"翰林 Hanlin web UI: http://{host}:{port}", flush=True)
    if not args.no_warm:
        from pipelines.poetry.shared import start_warmup

        # Loading holds the interpreter lock while it runs, so it waits for the server to listen (Streamlit's
        # own start-up comes first); then it runs beside the first page's script (see IDLE_START_S).
        w = start_warmup(gate=idle_gate(host, port))
        threading.Thread(target=_report_ready, args=(w, t0), name="hanlin-warmup-report", daemon=True).start()
    from streamlit.web import cli as stcli

    # click's standalone mode would sys.exit(); return the code instead
    rc = stcli.main.main(args=st_args, prog_name="streamlit", standalone_mode=False)
    return int(rc or 0)
