"""``hanlin serve``: an OpenAI-compatible HTTP server over the configured model (127.0.0.1 by default)."""

from __future__ import annotations

from pipelines.cli.conventions import examples

from toolkit.config import get_settings
from toolkit.llm import load_llm
from toolkit.llm.server import serve


def register(sub) -> None:
    p = sub.add_parser("serve", help="OpenAI 兼容服务 (OpenAI-compatible server: /v1/models, /v1/completions, "
                                     "/v1/chat/completions)")
    p.add_argument("--host", default=None, help="监听地址，默认 127.0.0.1 (bind address, default: settings.host = 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="端口，默认 8000 (port, default 8000)")
    p.add_argument("--model", default=None, metavar="SPEC",
                   help="模型：目录或 openai:<base_url>#<model>，默认按设置或内置模型 (model: a directory or openai:<base_url>#<model>; default: settings.llm or the embedded model)")
    p.set_defaults(func=run)
    examples(p, "hanlin serve", "hanlin serve --port 8001 --model data/models/hanlin-moe-mini")


def run(args) -> int:
    host = args.host or get_settings().host
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"注意 (warning): 服务绑定到 {host}，局域网内可访问且无鉴权 (reachable from the network, no auth)")
    serve(load_llm(args.model), host, args.port)
    return 0
