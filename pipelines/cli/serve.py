"""``hanlin serve``: an OpenAI-compatible HTTP server over the configured model (127.0.0.1 by default)."""

from __future__ import annotations

import os

from pipelines.cli.conventions import examples
from toolkit.config import get_settings
from toolkit.llm import load_llm
from toolkit.llm.server import ServerLimits, serve


def register(sub) -> None:
    p = sub.add_parser("serve", help="OpenAI 兼容服务 (OpenAI-compatible server: /v1/models, /v1/completions, "
                                     "/v1/chat/completions)")
    p.add_argument("--host", default=None, help="监听地址，默认 127.0.0.1 (bind address, default: settings.host = 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="端口，默认 8000 (port, default 8000)")
    p.add_argument("--model", default=None, metavar="SPEC",
                   help="模型：目录或 openai:<base_url>#<model>，默认按设置或内置模型 (model: a directory or openai:<base_url>#<model>; default: settings.llm or the embedded model)")
    p.add_argument("--api-key", default=os.environ.get("HANLIN_API_KEY"), metavar="KEY",
                   help="要求请求带 Authorization: Bearer KEY，默认读 $HANLIN_API_KEY，不设则不鉴权 "
                        "(require 'Authorization: Bearer KEY'; default: $HANLIN_API_KEY; none = no authentication)")
    d = ServerLimits()
    p.add_argument("--workers", type=int, default=d.workers, help=f"同时处理的请求数 (requests handled at once; default {d.workers})")
    p.add_argument("--max-queue", type=int, default=d.max_queue,
                   help=f"排队上限，超出返回 503 (requests waiting for a worker before new ones get 503; default {d.max_queue})")
    p.add_argument("--timeout", type=float, default=d.io_timeout,
                   help=f"慢客户端每次读写的超时秒数 (seconds a slow client may take per read/write; default {d.io_timeout:g})")
    p.set_defaults(func=run)
    examples(p, "hanlin serve", "hanlin serve --port 8001 --model data/models/hanlin-moe-mini")


def run(args) -> int:
    from toolkit.errors import InvalidInputError

    host = args.host or get_settings().host
    if args.workers < 1 or args.max_queue < 1 or args.timeout <= 0:
        raise InvalidInputError(f"--workers/--max-queue 须 ≥ 1, --timeout 须 > 0 (got {args.workers}, {args.max_queue}, "
                                f"{args.timeout})")
    if host not in ("127.0.0.1", "localhost", "::1") and not args.api_key:
        print(f"注意 (warning): 服务绑定到 {host}，局域网内可访问且无鉴权 (reachable from the network, no auth; "
              "use --api-key)")
    limits = ServerLimits(workers=args.workers, max_queue=args.max_queue, io_timeout=args.timeout)
    serve(load_llm(args.model), host, args.port, api_key=args.api_key, limits=limits)
    return 0
