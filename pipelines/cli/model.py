"""``hanlin model info|chat|route`` (and ``train``, registered by :mod:`pipelines.cli.model_train`)."""

from __future__ import annotations

import json
import sys

from toolkit.llm import LocalLLM, load_llm


def register(sub) -> None:
    p = sub.add_parser("model", help="模型信息、对话与训练 (model info, chat, train)")
    msub = p.add_subparsers(dest="model_command", metavar="SUBCOMMAND")

    info = msub.add_parser("info", help="架构、总参数与每 token 激活参数、专家 (architecture, params, experts)")
    _model_arg(info)
    info.add_argument("--json", action="store_true", help="machine-readable output")
    info.set_defaults(func=run_info)

    chat = msub.add_parser("chat", help="终端流式对话 (streaming terminal chat; /exit quits)")
    _model_arg(chat)
    chat.add_argument("--temperature", type=float, default=0.8)
    chat.add_argument("--top-p", type=float, default=0.95)
    chat.add_argument("--max-new-tokens", type=int, default=256)
    chat.add_argument("--seed", type=int, default=None)
    chat.add_argument("--system", default=None, help="system message (instruction-following models only)")
    chat.set_defaults(func=run_chat)

    route = msub.add_parser("route", help="每个 token 被路由到哪些专家 (which experts each token is routed to)")
    _model_arg(route)
    route.add_argument("text", help="text to trace, e.g. '<bos><七绝><题>春夜<文>好雨知时节'")
    route.add_argument("--json", action="store_true")
    route.set_defaults(func=run_route)

    from pipelines.cli.model_train import register_train

    register_train(msub)
    p.set_defaults(func=lambda args: p.print_help() or 1)


def _model_arg(p) -> None:
    p.add_argument("--model", default=None, metavar="SPEC",
                   help="目录或 openai:<base_url>#<model> (a directory or openai:<base_url>#<model>); "
                        "default: settings.llm or the embedded model")


def run_info(args) -> int:
    from toolkit.llm.info import model_info

    llm = load_llm(args.model)
    info = model_info(llm)
    if args.json:
        print(json.dumps(info.to_dict(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(info.lines()))
        if info.active_params:
            print("注 (note): 激活参数 = 全部参数 − 每个 MoE 层未被选中的路由专家 (total minus the routed experts a "
                  "token does not use: only top-k of n per MoE layer); 嵌入与输出层整体计入 (embedding and LM head "
                  "counted whole)")
    return 0


POETRY_HELP = (
    "这是内置的诗词模型 (embedded poetry model)，不是对话模型 (not an instruction-following chat model)。\n"
    "输入体裁 + 题目，例如 「七绝 春夜」「五律 登高」「词 江城子」，它按该格式续写一首。/exit 退出 (quit)。"
)


def run_chat(args, stdin=None, stdout=None) -> int:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    llm = load_llm(args.model)
    poetry = isinstance(llm, LocalLLM) and llm.poetry_format and not llm.capable
    print(POETRY_HELP if poetry else f"模型 (model) {llm.name}。/exit 退出 (quit)，/reset 清空对话 (clear history)。",
          file=stdout)
    history = [{"role": "system", "content": args.system}] if args.system and not poetry else []
    gen = dict(temperature=args.temperature, top_p=args.top_p, max_new_tokens=args.max_new_tokens, seed=args.seed)
    while True:
        print("> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            print(file=stdout)
            return 0
        text = line.strip()
        if text in ("/exit", "/quit"):
            return 0
        if text == "/reset":
            history = history[:1] if history and history[0]["role"] == "system" else []
            continue
        if not text:
            continue
        turn = [{"role": "user", "content": text}]  # the poetry model answers each line on its own
        messages = turn if poetry else history + turn
        reply = []
        for piece in llm.stream_chat(messages, **gen):
            reply.append(piece)
            print(piece, end="", file=stdout, flush=True)
        print(file=stdout)
        if not poetry:
            history = messages + [{"role": "assistant", "content": "".join(reply)}]


def run_route(args) -> int:
    from toolkit.llm.routing import routing

    trace = routing(load_llm(args.model), args.text)
    if args.json:
        print(json.dumps(trace.to_dict(), ensure_ascii=False))
        return 0
    print("token\t" + "\t".join(f"L{li}" for li in trace.layers))
    for tok, ids, ws in zip(trace.tokens, trace.expert_ids, trace.weights):
        cells = [" ".join(f"E{e}:{w:.2f}" for e, w in zip(i, w_)) for i, w_ in zip(ids, ws)]
        print(f"{tok!r}\t" + "\t".join(cells))
    return 0
