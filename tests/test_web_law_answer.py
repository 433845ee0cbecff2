"""The law page shows a structured answer once: 结论 / 怎么办 / 注意 as text, each cited article once, collapsed."""


def test_law_answer_shown_once_with_each_article_in_one_panel(app_test):
    at = app_test("law_qa")
    at.chat_input(key="law_q").set_value("房东不退押金，还说我把墙弄脏了要扣钱，怎么办？").run()
    assert not at.exception and not at.error
    answer = at.session_state["law_chat"][-1]["answer"]
    shown = "\n".join(m.value for m in at.markdown)
    for heading in ("### 结论", "### 怎么办", "### 注意"):
        assert shown.count(heading) == 1, heading
    assert "### 依据" not in shown and "检索用语" not in shown
    panels = [e.label for e in at.expander]
    for s in answer.citations:  # one collapsed panel per cited article, with its check status
        assert sum(f"《{s.law_name}》{s.article_label}" in x for x in panels) == 1
    assert all("已核验" in x for x in panels)
