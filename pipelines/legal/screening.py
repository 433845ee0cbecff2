"""Input screening for legal questions: empty, too long, not Chinese, or not about law."""

from __future__ import annotations

import re

from toolkit.errors import InvalidInputError

MAX_QUESTION_CHARS = 2000

# Words that mark a question as legal even when retrieval finds little (broad on purpose).
LEGAL_CUES = tuple(
    "法 律 条 权 责 罪 诉 判 赔 偿 罚 违 约 合同 协议 公司 单位 老板 员工 工资 加班 辞退 开除 解雇 裁员 社保 工伤 劳动 试用期 "
    "借 欠 债 还钱 利息 担保 抵押 租 房东 押金 买卖 购房 房产 物业 业主 离婚 婚 抚养 赡养 继承 遗嘱 遗产 子女 监护 "
    "交通 车祸 撞 医疗 事故 保险 消费 退货 假货 商标 专利 著作 版权 侵权 隐私 名誉 肖像 诈骗 盗 抢 打人 伤害 拘留 "
    "警察 派出所 法院 仲裁 起诉 上诉 律师 证据 税 行政 许可 处罚 拆迁 征收 土地 宅基地 环境 污染 网络 个人信息 未成年 "
    "老人 股东 股权 破产 票据 公证 户口 驾照 酒驾 醉驾 毒品 赌博 合伙 经济补偿 违约金 定金 订金 彩礼 家暴 邻居 噪音 "
    "伤 死亡 失踪 成年 年龄 身份证 签字 盖章 处分 学校 医院 钱 买 卖 偷 骗 房 车 遗 扔 抛 咬 拆 罚款".split()
)


def cjk_count(text: str) -> int:
    return sum(1 for c in text if "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf")


def check_question(question) -> str:
    """Return the stripped question; raise InvalidInputError when empty, not text, or too long."""
    if not isinstance(question, str):
        raise InvalidInputError(f"问题必须是文字 (question must be a string), got {type(question).__name__}")
    q = question.strip()
    if not q:
        raise InvalidInputError("问题为空 (empty question)：请输入要咨询的法律问题")
    if len(q) > MAX_QUESTION_CHARS:
        raise InvalidInputError(
            f"问题过长 (question too long): {len(q)} 字，最多 {MAX_QUESTION_CHARS} 字；请概括要点后再问"
        )
    return q


def not_chinese(question: str) -> bool:
    """True when the question is (mostly) in a Latin-script language rather than Chinese."""
    latin = len(re.findall(r"[A-Za-z]", question))
    return cjk_count(question) == 0 or latin > 3 * cjk_count(question) + 10


def has_legal_cue(question: str) -> bool:
    return any(cue in question for cue in LEGAL_CUES)


NOT_CHINESE_MESSAGE = (
    "请用中文提问：翰林的法条问答只检索中华人民共和国现行法律，目前只支持中文问题。\n"
    "Please ask in Chinese: Hanlin's statute Q&A searches current laws of the People's Republic of China "
    "and understands questions in Chinese only."
)

NO_LEGAL_CONTENT_MESSAGE = (
    "这个问题似乎不涉及法律问题，没有找到相关法条。请描述具体的法律事实（谁、做了什么、发生了什么纠纷）。\n"
    "This does not look like a legal question, so no statute was found. Please describe the legal facts "
    "(who did what, what the dispute is)."
)

NO_STATUTE_MESSAGE = (
    "没有检索到与这个问题相关的现行法条。请换一种说法，或补充具体事实（涉及的行为、关系、金额、时间）。\n"
    "No current statute matched this question; please rephrase it or add the concrete facts."
)


# What is left of a question once the words that ask without saying anything are removed; a
# question with (almost) nothing left ("我该怎么办？", "律师你好") cannot be answered.
_FILLER = re.compile(r"我们|我|你们|您|你|他们|他|她|它|该|应该|应当|怎么办|怎么样|怎么|怎样|如何|咋办|咋|办|请问|请|问一下|"
                     r"咨询|一下|问题|事情|事儿|事|这个|那个|这种|那种|这样|情况|现在|现在|想|要|能|可以|会|帮|忙|"
                     r"律师|你好|您好|谢谢|急|在线等|求助|求|help|的|了|吗|呢|啊|吧|呀|嘛|[\s\W\d_]")
MIN_CONTENT_CHARS = 2
# A request to write something (a poem, a story …) rather than a question about law.
_WRITING = re.compile(r"(写|作|来)(一|几)?(首|篇|段|个)?.{0,6}(诗|词|歌|文章|故事|小说|作文|对联)")


def is_writing_request(question: str) -> bool:
    return bool(_WRITING.search(question))


def too_vague(question: str) -> bool:
    """True when the question names no fact at all: nothing left after the asking words are removed."""
    return cjk_count(_FILLER.sub("", question)) < MIN_CONTENT_CHARS


def vague_message() -> str:
    return (
        "问题太笼统，还无法回答：请说明发生了什么事（谁、做了什么）、涉及多少钱、什么时候发生的，以及你想达到什么结果。"
        "例如：“房东不退3000元押金，说我把墙弄脏了要扣钱，怎么办？”\n"
        "Too vague to answer (please say who did what, the amounts and dates, and what you want)."
    )


def not_legal_message(question: str) -> str:
    """The reply to a question with no legal content, naming what is missing (a writing request is told so)."""
    if _WRITING.search(question):
        return (
            "这是写作请求，不是法律问题：法律问答只回答与法律有关的咨询。写诗词请用「诗词」页；"
            "如有法律问题，请描述具体事实（谁、做了什么、发生了什么纠纷）。\n"
            "This is a writing request, not a legal question: use the poetry page to write poems."
        )
    return NO_LEGAL_CONTENT_MESSAGE


def not_chinese_message(question: str) -> str:
    """The not-Chinese reply, led by the language the question was written in (English for Latin script)."""
    zh, en = NOT_CHINESE_MESSAGE.split("\n", 1)
    return f"{en}\n{zh}" if cjk_count(question) == 0 else NOT_CHINESE_MESSAGE
