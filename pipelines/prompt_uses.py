"""Which pipeline renders which prompt template, in which mode, and a sample to preview it with.

The 提示词模板 page reads this to tell a user what an edit will change: a template whose output is
what the user sees (``shows``) changes answers with every model, the embedded default included; a
template that is a prompt (``prompt``) only matters when a capable model (a chat checkpoint or an
OpenAI-compatible server) is configured, since the embedded poetry model does not follow instructions.

Example:
    >>> [u.pipeline for u in USES["kb_quotes"]]
    ['kb']
"""

from __future__ import annotations

from dataclasses import dataclass

MODES = {
    "extractive": ("内置模型或无模型（摘录式）", "embedded model or none (extractive)"),
    "capable": ("可执行指令的模型（对话检查点、OpenAI 兼容服务）", "instruction-following model (chat checkpoint, OpenAI-compatible server)"),
    "both": ("所有模型", "every model"),
}


@dataclass(frozen=True)
class TemplateUse:
    pipeline: str  # the task whose pipeline renders it (kb, legal, drafting, poetry: the UI names it in words)
    mode: str  # a key of MODES: when the pipeline renders the template
    role: str  # "shows" (the rendered text is what the user reads) or "prompt" (it is sent to the model)
    what: tuple[str, str]  # what the rendered text is, in a few words (中文, English)


USES: dict[str, tuple[TemplateUse, ...]] = {
    "kb_quotes": (TemplateUse("kb", "both", "shows",
                              ("摘录式答案（逐条引文 + [编号]），以及两种模式下的“未找到”答复",
                               "the quoted answer (each quote with its [n]) and the not-found reply in both modes")),),
    "kb_answer": (TemplateUse("kb", "capable", "prompt", ("依据检索片段作答的提示", "the prompt to answer from the passages found")),),
    "kb_followup": (TemplateUse("kb", "capable", "prompt",
                                ("把追问改写为独立检索问题的提示", "the prompt that rewrites a follow-up as a complete question")),),
    "legal_answer": (TemplateUse("legal", "capable", "prompt", ("依据法条作答的提示", "the prompt to answer from the statutes")),),
    "legal_answer_layout": (TemplateUse("legal", "both", "shows",
                                        ("回答的版式：结论、怎么办、注意、依据",
                                         "the answer's layout: conclusion, what to do, caveats, basis")),),
    "legal_followup": (TemplateUse("legal", "capable", "prompt",
                                   ("把追问改写为独立检索问题的提示", "the prompt that rewrites a follow-up as a complete question")),),
    "poem_generate": (TemplateUse("poetry", "capable", "prompt", ("作诗的提示", "the prompt to write a poem")),),
    "poem_repair": (TemplateUse("poetry", "capable", "prompt",
                                ("按格律检查结果改诗的提示", "the prompt to fix the lines the form check flags")),),
    "draft_phrases": (TemplateUse("drafting", "both", "shows",
                                  ("文书中的固定表述：合同首段、律师函委托说明/法律依据/催告、诉状开头语与“综上”结语",
                                   "the set wording of documents: contract preamble, a lawyer's letter's mandate, basis "
                                   "and demand, the openings and closing of pleadings")),),
    "draft_polish_facts": (TemplateUse("drafting", "capable", "prompt",
                                       ("润色“事实与理由”的提示", "the prompt to polish the facts and reasons")),),
}

_CHUNKS = [{"n": 1, "source": "租赁合同.md › 第三条 押金", "text": "押金在租期届满后七日内退还承租人。"},
           {"n": 2, "source": "租赁合同.md › 第四条 租金", "text": "租金每月一日前支付。"}]
_HISTORY = [{"role": "user", "content": "押金什么时候退？"}, {"role": "assistant", "content": "租期届满后七日内 [1]。"}]
_ARTICLE = {"law_name": "中华人民共和国民法典", "article_label": "第六百七十五条",
            "text": "借款人应当按照约定的期限返还借款。"}

SAMPLES: dict[str, dict] = {
    "kb_quotes": {"question": "押金什么时候退？",
                  "quotes": [{"n": 1, "text": "押金在租期届满后七日内退还承租人。", "source": _CHUNKS[0]["source"]}]},
    "kb_answer": {"question": "押金什么时候退？", "chunks": _CHUNKS, "history": []},
    "kb_followup": {"question": "那租金呢？", "history": _HISTORY},
    "legal_answer": {"question": "借钱不还怎么办？", "articles": [_ARTICLE], "history": None},
    "legal_answer_layout": {
        "lang": "zh", "kind_name": "借款纠纷",
        "conclusion": [{"citation": "《民法典》第六百七十五条", "text": "借款人应当按照约定的期限返还借款。"}],
        "basis": [{"citation": "《中华人民共和国民法典》第六百七十五条", "chapter": "第十二章 借款合同",
                   "text": _ARTICLE["text"]}],
        "steps": [{"stage": "时效", "limit": True, "action": "三年内向法院起诉",
                   "citation": "《中华人民共和国民法典》第一百八十八条", "quote": "向人民法院请求保护民事权利的诉讼时效期间为三年"}],
        "cautions": ["有无借条或转账记录"], "basis_inline": True},
    "legal_followup": {"question": "那如果没有借条呢？",
                       "history": [{"role": "user", "content": "借钱不还怎么办？"},
                                   {"role": "assistant", "content": "可以起诉要求返还借款。"}]},
    "poem_generate": {"form": "七绝", "topic": "春夜", "keywords": ["月"], "acrostic": None, "rhyme_group": None,
                      "examples": []},
    "poem_continue": {"form": "五绝", "opening": ["白日依山尽", "黄河入海流"], "topic": None, "rhyme_group": None},
    "poem_repair": {"form": "五绝", "poem": "白日依山尽，黄河入海流。\n欲穷千里目，更上一层天。",
                    "violations": ["第4句第5字「天」出韵"], "rhyme_group": "尤"},
    "draft_phrases": {"part": "reasons_closing", "kind": "民事起诉状",
                      "cite": "依据《中华人民共和国民法典》第六百七十五条的规定"},
    "draft_polish_facts": {"kind": "民事起诉状", "facts": "2024年1月被告向原告借款5万元，约定6月底归还，至今未还。",
                           "claims": ["判令被告返还借款5万元"], "articles": [_ARTICLE]},
}
