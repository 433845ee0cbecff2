"""DocumentDrafter: every kind from its example → .docx → reopened and checked; field errors."""

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from pipelines.legal.drafter import DocumentDrafter
from pipelines.legal.schemas import KIND_NAMES, SCHEMAS, VARIANTS
from toolkit.errors import InvalidInputError

ALL = [(s.name, None) for s in SCHEMAS] + list(VARIANTS)


@pytest.fixture
def drafter(fake_legal):
    return DocumentDrafter(fake_legal.backend())


def test_kinds_are_exactly_the_contract_names(drafter):
    assert [s.name for s in drafter.kinds()] == ["民事起诉状", "民事答辩状", "民事上诉状", "律师函", "借款合同", "房屋租赁合同", "劳动合同"]
    assert KIND_NAMES == tuple(s.name for s in drafter.kinds())
    for s in drafter.kinds():
        assert s.fields and all(f.type in ("str", "text", "date", "money", "id_number", "phone", "int", "list") for f in s.fields)


@pytest.mark.parametrize("kind, variant", ALL)
def test_example_drafts_to_docx_with_required_sections(drafter, tmp_path, kind, variant):
    schema = drafter.schema(kind, variant)
    doc = drafter.draft(kind, drafter.example_fields(kind, variant), variant=variant)
    for section in schema.sections:
        assert section in doc.markdown, section
    assert not doc.unverified and doc.warnings == ()
    path = doc.save(tmp_path / "out.docx")
    reopened = Document(str(path))
    paras = reopened.paragraphs
    text = "\n".join(p.text for p in paras)
    for section in schema.sections:
        assert section in text, section
    title = paras[0]
    assert title.text == schema.name and title.alignment == WD_ALIGN_PARAGRAPH.CENTER and title.runs[0].bold
    body = next(p for p in paras[1:] if p.text and p.alignment is None)
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) in ("仿宋", "宋体")
    assert paras[-1].alignment == WD_ALIGN_PARAGRAPH.RIGHT  # date block
    sec = reopened.sections[0]
    assert round(sec.page_width.mm) == 210 and round(sec.page_height.mm) == 297
    md = doc.save(tmp_path / "out.md").read_text(encoding="utf-8")
    assert md == doc.markdown


@pytest.mark.parametrize("kind, variant", ALL)
def test_each_required_field_removed_is_named(drafter, kind, variant):
    schema = drafter.schema(kind, variant)
    example = drafter.example_fields(kind, variant)
    for f in schema.fields:
        if not f.required:
            continue
        fields = {k: v for k, v in example.items() if k != f.name}
        with pytest.raises(InvalidInputError, match=f.name) as e:
            drafter.draft(kind, fields, variant=variant)
        assert f.label in str(e.value)


def test_all_missing_fields_listed_at_once(drafter):
    with pytest.raises(InvalidInputError) as e:
        drafter.draft("借款合同", {})
    required = [f.name for f in drafter.schema("借款合同").fields if f.required]
    assert len(required) > 5 and all(name in str(e.value) for name in required)


def test_numbered_claims_and_amount_words(drafter):
    doc = drafter.draft("借款合同", drafter.example_fields("借款合同"))
    assert "人民币伍万元整（¥50,000.00）" in doc.markdown
    claims = [b for b in drafter.draft("民事起诉状", drafter.example_fields("民事起诉状")).blocks if b.kind == "item"]
    assert [b.number for b in claims[:3]] == [1, 2, 3]


@pytest.mark.parametrize(
    "field, value, match",
    [
        ("plaintiff_id_number", "110105198503011212", "校验位"),
        ("plaintiff_phone", "12345", "电话"),
        ("date", "2024-02-30", "日期"),
        ("copies", "-1", "负数"),
    ],
)
def test_invalid_values_named(drafter, field, value, match):
    fields = drafter.example_fields("民事起诉状") | {field: value}
    with pytest.raises(InvalidInputError, match=match) as e:
        drafter.draft("民事起诉状", fields)
    assert field in str(e.value)


def test_negative_amount_and_bad_term(drafter):
    with pytest.raises(InvalidInputError, match="amount.*大于 0"):
        drafter.draft("借款合同", drafter.example_fields("借款合同") | {"amount": "-500"})
    with pytest.raises(InvalidInputError, match="end_date"):
        drafter.draft("劳动合同", drafter.example_fields("劳动合同") | {"end_date": None})
    with pytest.raises(InvalidInputError, match="晚于"):
        drafter.draft("房屋租赁合同", drafter.example_fields("房屋租赁合同") | {"end_date": "2020-01-01"})


def test_unknown_kind_and_field(drafter):
    with pytest.raises(InvalidInputError, match="可选.*民事起诉状"):
        drafter.draft("离婚协议", {})
    with pytest.raises(InvalidInputError, match=r"unknown fields\): colour"):
        drafter.draft("律师函", drafter.example_fields("律师函") | {"colour": "red"})


def test_variant_by_name_or_argument(drafter):
    a = drafter.draft("民事起诉状（民间借贷·要素式）", drafter.example_fields("民事起诉状", "要素式"))
    b = drafter.draft("民事起诉状", drafter.example_fields("民事起诉状", "要素式"), variant="要素式")
    assert a.markdown == b.markdown and "要素式" in a.markdown and a.variant == "要素式"


@pytest.mark.parametrize("payload", ["{{ 7*7 }}", "{% for x in range(3) %}x{% endfor %}", "{{ ''.__class__ }}"])
def test_template_injection_stays_literal(drafter, tmp_path, payload, hallucinating_llm):
    fields = drafter.example_fields("民事起诉状")
    fields["facts"] = f"被告称{payload}，拒不还款。"
    doc = drafter.draft("民事起诉状", fields)
    assert payload in doc.markdown and "49" not in doc.markdown
    text = "\n".join(p.text for p in Document(str(doc.save(tmp_path / "x.docx"))).paragraphs)
    assert payload in text


def test_only_verified_citations_and_user_citation_flagged(drafter, fake_legal):
    doc = drafter.draft("民事起诉状", drafter.example_fields("民事起诉状"))
    assert doc.citations and all(fake_legal.verify_citations(s.citation)[0].status == "ok" for s in doc.citations)
    fields = drafter.example_fields("民事起诉状")
    fields["facts"] += "依据《合同法》第一百零七条。"
    doc = drafter.draft("民事起诉状", fields)
    assert [c.status for c in doc.unverified] == ["not_current"] and doc.warnings


def test_capable_model_polishes_facts_and_hallucinations_are_dropped(fake_legal):
    from tests.plugins.legal_pipelines import FakeLLM

    reply = ("2024年1月1日，被告向原告借款人民币50000元。依据《中华人民共和国民法典》第六百七十五条，借款人应当按期返还借款。"
             "另据《民法典》第九千条，被告应加倍赔偿。")
    llm = FakeLLM(reply, capable=True)
    d = DocumentDrafter(fake_legal.backend(), llm)
    doc = d.draft("民事起诉状", d.example_fields("民事起诉状"))
    assert "第九千条" not in doc.markdown and "加倍赔偿" not in doc.markdown
    assert any("第九千条" in w for w in doc.warnings)
    assert "借款人应当按期返还借款" in doc.markdown and not doc.unverified
    assert "draft_polish_facts" not in llm.prompts[0] and "【当事人提供的事实】" in llm.prompts[0]


def test_save_rejects_unknown_suffix(drafter, tmp_path):
    doc = drafter.draft("律师函", drafter.example_fields("律师函"))
    with pytest.raises(InvalidInputError, match=".docx"):
        doc.save(tmp_path / "x.pdf")


def test_edited_phrases_template_changes_the_next_document(fake_legal, tmp_path):
    from toolkit.config import get_settings
    from toolkit.prompts import PromptRegistry

    reg = PromptRegistry(get_settings().prompts_dir, tmp_path / "prompts")
    drafter = DocumentDrafter(fake_legal.backend(), prompts=reg)
    fields = drafter.example_fields("律师函")
    assert "郑重致函如下" in drafter.draft("律师函", fields).markdown
    reg.save("draft_phrases", reg.get("draft_phrases").text.replace("郑重致函如下", "特此函告如下"))
    md = drafter.draft("律师函", fields).markdown
    assert "特此函告如下" in md and "郑重致函如下" not in md
