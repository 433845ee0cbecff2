"""End to end: the real Streamlit server on 127.0.0.1, driven in headless Debian Chromium via playwright.

One action per page; screenshots land in tests/artifacts/ (git-ignored).
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
WAIT = 90_000  # ms; 2 shared cores


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from pipelines.cli.web import command, streamlit_args

    port = free_port()
    env = dict(os.environ, HANLIN_USER_DIR=str(tmp_path_factory.mktemp("user")), PYTHONPATH=str(ROOT),
               OMP_NUM_THREADS="1")
    cmd = command("127.0.0.1", port)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    st_args = streamlit_args("127.0.0.1", port)
    assert st_args[st_args.index("--server.address") + 1] == "127.0.0.1"
    t0 = time.time()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(proc.stdout.read().decode(errors="replace"))
                time.sleep(0.1)
        yield url, t0
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def page(server):
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.set_default_timeout(WAIT)
        yield pg
        browser.close()


def goto(page, server, path: str, heading: str):
    """Open a page through the sidebar navigation (a fresh load of the start page / first)."""
    url, _ = server
    page.goto(url)
    page.get_by_role("heading", name="翰林 Hanlin").first.wait_for()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=heading).click()
    page.wait_for_url(f"{url}/{path}")
    page.locator("h2", has_text=heading).first.wait_for()  # the page's own header (the start page has cards)
    settle(page)


def in_view(page, locator) -> bool:
    """Whether the element's top is inside the browser window (no scrolling needed to see it start)."""
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"] - 40


def settle(page) -> None:
    """Wait until the app is idle (Streamlit's status widget shows while a script run is in progress)."""
    page.wait_for_timeout(200)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")


def shot(page, name: str) -> None:
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"web_{name}.png"), full_page=True)


def test_direct_page_urls(page, server):
    """Page URLs opened directly work, including as the very first load of a fresh server (Streamlit's
    legacy pages-folder mode used to answer that one with "Page not found")."""
    url, t0 = server
    for path, heading in (("law", "法律问答"), ("law_qa", "法律问答"), ("poetry", "诗词创作"), ("draft", "文书起草"),
                          ("drafting", "文书起草"), ("kb", "知识库"), ("prompts", "提示词模板"), ("model", "模型设置"),
                          ("", "翰林 Hanlin"), ("home", "翰林 Hanlin")):
        page.goto(f"{url}/{path}")
        page.get_by_role("heading", name=heading).first.wait_for()
        settle(page)
        assert page.get_by_text("Page not found").count() == 0, path
        assert page.url.rstrip("/") == f"{url}/{path}".rstrip("/")
        if path == "law":
            print(f"server start to first usable page (a direct URL): {time.time() - t0:.1f} s")
    shot(page, "direct_url")


def test_poetry_check(page, server):
    goto(page, server, "poetry", "诗词创作")
    page.get_by_role("tab", name="格律检查").click()
    box = page.get_by_label("粘贴一首诗或词")
    box.fill("床前明月光，疑是地上霜。举头望明月，低头思故乡。")
    box.press("Control+Enter")
    page.get_by_role("button", name="检查格律").click()
    page.get_by_text("五言古绝").first.wait_for()  # 古体: the 近体 rules are said not to apply
    assert page.get_by_text("不拘平仄").count() >= 1 and page.get_by_text("平声").count() >= 1  # legend
    shot(page, "poetry")


SAW_DRAFT = """() => { window.__sawDraft = false;
  new MutationObserver(() => { if (document.body.innerText.includes('草稿')) window.__sawDraft = true; })
    .observe(document.body, {subtree: true, childList: true, characterData: true}); }"""


def test_poetry_generate_streams_then_ranks(page, server):
    goto(page, server, "poetry", "诗词创作")
    page.get_by_role("tab", name="创作").click()
    times = []
    for seed in ("7", "8"):  # the first click may still wait for the background model load
        box = page.get_by_role("spinbutton", name="随机种子")
        box.fill(seed)
        box.press("Enter")
        settle(page)
        old = page.locator("h3", has_text="候选 1").all_inner_texts()
        page.evaluate(SAW_DRAFT)
        t0 = time.time()
        page.get_by_role("button", name="生成").click()
        page.wait_for_function("old => [...document.querySelectorAll('h3')].some(h => h.innerText.startsWith('候选 1')"
                               " && !old.includes(h.innerText))", arg=old)
        page.get_by_text("生成中").wait_for(state="detached")
        times.append(time.time() - t0)
        assert page.evaluate("window.__sawDraft"), "the draft was not streamed while decoding"
        assert page.get_by_text("草稿").count() == 0  # the live draft gives way to the ranked candidates
    print(f"poem after click: first {times[0]:.1f} s (incl. model load), warm {times[1]:.1f} s (timings: bench/web_bench.py)")
    shot(page, "poetry_generate")


def test_law_citation_check(page, server):
    goto(page, server, "law", "法律问答")
    page.get_by_test_id("stSidebar").get_by_text("核验一段文字中的法条引用").click()
    box = page.get_by_label("粘贴含法条引用的文字")
    box.fill("依据《民法典》第1165条")
    box.press("Control+Enter")
    page.get_by_role("button", name="核验").click()
    page.get_by_text("已核验").first.wait_for()
    shot(page, "law")


def test_drafting_example_to_download(page, server):
    goto(page, server, "draft", "文书起草")
    page.get_by_role("button", name="填入示例").click()
    page.get_by_role("textbox", name="原告姓名或名称").and_(page.locator("[value='张明']")).wait_for()
    settle(page)
    page.get_by_role("button", name="生成文书").click()
    page.get_by_role("button", name="下载 .docx").wait_for()
    settle(page)
    page.wait_for_timeout(500)
    assert in_view(page, page.get_by_role("heading", name="起草结果")), "the result is scrolled into view"
    page.screenshot(path=str(ARTIFACTS / "web_drafting_result.png"))
    shot(page, "drafting")


def test_kb_create_and_upload(page, server, tmp_path):
    goto(page, server, "kb", "知识库")
    name = page.get_by_label("名称")
    name.fill("e2e库")
    name.press("Enter")
    page.get_by_role("button", name="创建").click()
    page.get_by_test_id("stMainBlockContainer").get_by_text("文档", exact=True).first.click()  # 问答 · 文档 · 检索调试
    page.locator("input[type=file]").wait_for(state="attached")
    doc = tmp_path / "租赁合同.txt"
    doc.write_text("第一条 押金在租期届满后七日内退还。\n第二条 租金每月一日前支付。", encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(doc))
    page.get_by_text("租赁合同.txt").first.wait_for()
    page.get_by_role("button", name="加入知识库").click()
    page.get_by_text("租赁合同.txt：已加入").first.wait_for()
    assert page.get_by_text("租赁合同.txt").count() >= 1 and page.locator("[data-testid=stFileUploaderFile]").count() == 0
    settle(page)
    uploader = page.get_by_test_id("stFileUploader").last.inner_text()
    assert not re.search(r"Drag|Limit|Browse|Upload|per file", uploader)  # Streamlit's English hints are hidden
    shot(page, "kb")


def test_prompts_page(page, server):
    goto(page, server, "prompts", "提示词模板")
    page.get_by_text("模板有效").first.wait_for()
    shot(page, "prompts")


def test_model_page_info(page, server):
    goto(page, server, "model", "模型设置")
    page.get_by_text("模型信息").first.wait_for()
    page.get_by_test_id("stDataFrame").first.wait_for()  # the model facts: what, value, what it means
    page.get_by_role("button", name="生成", exact=True).click()
    settle(page)
    out = page.get_by_test_id("stText").last.inner_text()
    assert out and "<bos>" not in out
    page.get_by_role("button", name="分析路由").click()
    settle(page)
    assert page.get_by_test_id("stText").filter(has_text=out[:5]).count() >= 1, "the test output stays"
    shot(page, "model")


def test_start_page_click_to_try(page, server):
    url, _ = server
    page.goto(url)
    page.get_by_role("heading", name="翰林 Hanlin").first.wait_for()
    page.get_by_role("button", name="试一试").nth(5).wait_for()  # one example per tool
    settle(page)
    assert page.get_by_role("button", name="试一试").count() == 6
    shot(page, "start")
    page.get_by_role("button", name="试一试").first.click()  # poetry: a 七律 on 秋日登高
    page.get_by_role("heading", name="诗词创作").first.wait_for()
    page.locator("h3", has_text="候选 1").wait_for()
    assert page.locator("h3", has_text="七律").count() >= 1
    shot(page, "start_try_poetry")


def test_language_switch(page, server):
    url, _ = server
    page.goto(url)
    page.get_by_role("heading", name="翰林 Hanlin").first.wait_for()
    settle(page)
    page.get_by_test_id("stSidebar").get_by_text("English").click()
    page.get_by_role("heading", name="Hanlin 翰林").first.wait_for()
    page.get_by_role("button", name="Try it").nth(5).wait_for()
    settle(page)
    assert page.get_by_role("button", name="Try it").count() == 6
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Statute Q&A").click()
    page.get_by_role("heading", name="Statute Q&A").first.wait_for()
    settle(page)
    main = page.get_by_test_id("stMainBlockContainer").inner_text()
    assert "法律问答" not in main and "新对话" not in page.get_by_test_id("stSidebar").inner_text()
    shot(page, "language_en")
    page.get_by_test_id("stSidebar").get_by_text("中文").click()
    page.get_by_role("heading", name="法律问答").first.wait_for()
    settle(page)


def test_law_chat_follow_up_in_view(page, server):
    goto(page, server, "law", "法律问答")
    box = page.get_by_test_id("stChatInput").locator("textarea")
    top = box.bounding_box()["y"]
    assert top > page.viewport_size["height"] * 0.75, "the chat input is pinned at the bottom"
    for i, q in enumerate(("被公司辞退没有补偿怎么办？", "那加班费呢？")):
        box.fill(q)
        box.press("Enter")
        page.get_by_test_id("stChatMessage").nth(2 * i + 1).wait_for()
        settle(page)
        page.wait_for_timeout(3500)  # the page re-scrolls to the new turn for 3 s while the answer renders
    last_q = page.get_by_test_id("stChatMessage").nth(2)
    assert "加班费" in last_q.inner_text()
    assert in_view(page, last_q), "the follow-up and the start of its answer are in view"
    assert in_view(page, page.get_by_test_id("stChatMessage").nth(3))
    page.screenshot(path=str(ARTIFACTS / "web_law_follow_up.png"))
