"""The OpenAI-compatible server over loopback, driven by the ``openai:`` client backend (a real server)."""

import socket
import threading
import time

import httpx
import pytest

from toolkit.errors import BackendError, InvalidInputError
from toolkit.llm import load_llm
from toolkit.llm.server import make_server

PROMPT = "<bos><五绝><题>春夜<文>"


@pytest.fixture(scope="module")
def server(tiny_llm):
    srv = make_server(tiny_llm, "127.0.0.1", 0)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_port}/v1"
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def client(server, tiny_llm):
    return load_llm(f"openai:{server}#{tiny_llm.name}")


def test_models_and_discovery(server, tiny_llm):
    r = httpx.get(server + "/models").json()
    assert r["data"][0]["id"] == tiny_llm.name and r["data"][0]["max_model_len"] == 256
    llm = load_llm(f"openai:{server}")  # no #model: the first listed model
    assert llm.name == tiny_llm.name and llm.capable and llm.context_length == 256


def test_generate_and_stream_match_direct(client, tiny_llm):
    direct = tiny_llm.generate(PROMPT, max_new_tokens=20)
    assert client.generate(PROMPT, max_new_tokens=20) == direct
    pieces = list(client.stream(PROMPT, max_new_tokens=20))
    assert len(pieces) > 1 and "".join(pieces) == direct
    c = client.complete(PROMPT, max_new_tokens=20)
    assert c.finish_reason == "length" and c.completion_tokens == 20 and c.prompt_tokens == len(tiny_llm.encode(PROMPT))


def test_sampling_seed_and_stop_over_http(client, tiny_llm):
    kw = dict(max_new_tokens=16, temperature=1.0, seed=11)
    assert client.generate(PROMPT, **kw) == tiny_llm.generate(PROMPT, **kw)
    full = tiny_llm.generate(PROMPT, max_new_tokens=16)
    stop = full[5:7]
    assert client.generate(PROMPT, max_new_tokens=16, stop=[stop]) == full[:full.find(stop)]


def test_chat_round_trip(client, tiny_llm):
    msgs = [{"role": "user", "content": "七绝 春夜"}]
    direct = tiny_llm.chat(msgs, max_new_tokens=10)
    assert client.chat(msgs, max_new_tokens=10) == direct
    assert "".join(client.stream_chat(msgs, max_new_tokens=10)) == direct
    assert client.as_langchain().invoke("七绝 春夜", max_new_tokens=10).content == direct


def test_bad_params_are_400_with_openai_error(server, tiny_llm):
    r = httpx.post(server + "/completions", json={"prompt": "x", "temperature": 5})
    assert r.status_code == 400 and r.json()["error"]["param"] == "temperature"
    r = httpx.post(server + "/chat/completions", json={"messages": [{"role": "robot", "content": "x"}]})
    assert r.status_code == 400 and "role" in r.json()["error"]["message"]
    r = httpx.post(server + "/completions", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = httpx.post(server + "/completions", json={"prompt": "x", "model": "gpt-9"})
    assert r.status_code == 404 and "gpt-9" in r.json()["error"]["message"]
    r = httpx.post(server + "/completions", json={"prompt": "春" * 400, "max_tokens": 8, "stream": True,
                                                  "on_overflow": "error"})
    assert r.status_code == 200  # unknown OpenAI fields are ignored; truncation is the default


def test_client_maps_server_400_to_invalid_input(client):
    from toolkit.llm.openai_client import raise_for_status

    with pytest.raises(InvalidInputError, match="top_p"):  # validated client-side before any request
        client.generate(PROMPT, top_p=0)
    r = client._client.post("/completions", json={"prompt": "x", "max_tokens": 0})  # bypass client validation
    with pytest.raises(InvalidInputError, match="HTTP 400.*max_new_tokens"):
        raise_for_status(r, client.base_url)


def test_unknown_route_is_404(server):
    r = httpx.get(server + "/nope")
    assert r.status_code == 404 and r.json()["error"]["type"] == "not_found_error"
    assert httpx.post(server.replace("/v1", "") + "/v2/completions", json={}).status_code == 404


def test_unreachable_url_fails_fast_and_names_it():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    t = time.perf_counter()
    with pytest.raises(BackendError, match=f"127.0.0.1:{port}"):
        load_llm(f"openai:{url}#m")
    assert time.perf_counter() - t < 5
    with pytest.raises(BackendError, match="10.255.255.1"):  # unroutable: the connect timeout bounds it
        from toolkit.llm.openai_client import OpenAICompatLLM

        OpenAICompatLLM("http://10.255.255.1:9/v1", "m", timeout=httpx.Timeout(5.0, connect=0.5))


def test_truncation_notice_crosses_the_wire(client):
    c = client.complete("春" * 400, max_new_tokens=8)
    assert c.truncated_tokens == 400 - (256 - 8) and "truncated" in c.warnings[0]


def test_wrong_base_url_hints(server, tiny_llm):
    root = server[: -len("/v1")]
    with pytest.raises(BackendError, match="/v1"):
        load_llm(f"openai:{root}#{tiny_llm.name}")


def test_hub_id_is_not_downloaded():
    from toolkit.errors import DataMissingError

    with pytest.raises(DataMissingError, match="never downloads"):
        load_llm("deepseek-ai/DeepSeek-V2-Lite-Chat")
