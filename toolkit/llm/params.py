"""Generation parameters: one frozen record, validated once, shared by every backend.

Example:
    >>> p = GenParams.from_kwargs(temperature=0.7, max_new_tokens=40, stop=["。"])
    >>> p.do_sample
    True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from toolkit.errors import InvalidInputError

MAX_NEW_TOKENS_LIMIT = 8192


@dataclass(frozen=True)
class GenParams:
    max_new_tokens: int = 256  # tokens to generate at most (1..8192)
    temperature: float = 0.0  # 0 = greedy; sampling otherwise (0..2)
    top_p: float = 1.0  # nucleus sampling mass, (0, 1]
    top_k: int = 0  # keep the k most likely tokens; 0 = off
    repetition_penalty: float = 1.0  # > 0; 1.0 = off (CTRL-style, as in transformers)
    seed: int | None = None  # same seed + same prompt + same params = same text
    stop: tuple[str, ...] = field(default_factory=tuple)  # generation ends before the first stop string
    on_overflow: str = "truncate"  # prompt longer than the context: "truncate" (from the left) or "error"

    @property
    def do_sample(self) -> bool:
        return self.temperature > 0

    @classmethod
    def from_kwargs(cls, **gen) -> "GenParams":
        """Build validated parameters from keyword arguments (OpenAI-style aliases accepted).

        Args:
            **gen: any field of :class:`GenParams`; ``max_tokens`` is accepted for ``max_new_tokens``;
                ``stop`` may be a string or a list of strings; ``None`` values mean "default".

        Raises:
            InvalidInputError: unknown parameter, or a value out of its valid range (the message names both).
        """
        gen = {k: v for k, v in gen.items() if v is not None}
        if "max_tokens" in gen:
            gen.setdefault("max_new_tokens", gen.pop("max_tokens"))
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(gen) - known)
        if unknown:
            raise InvalidInputError(
                f"未知的生成参数 {unknown[0]!r} (unknown generation parameter); 可选 (valid): {', '.join(sorted(known))}"
            )
        if "stop" in gen:
            gen["stop"] = _stop_tuple(gen["stop"])
        p = cls(**gen)
        p.validate()
        return p

    def replace(self, **changes) -> "GenParams":
        return GenParams.from_kwargs(**{**asdict(self), **changes})

    def validate(self) -> None:
        _check_number("temperature", self.temperature, 0.0, 2.0, "0 ≤ temperature ≤ 2")
        _check_number("top_p", self.top_p, 0.0, 1.0, "0 < top_p ≤ 1", open_low=True)
        _check_int("top_k", self.top_k, 0, None, "top_k ≥ 0 (0 = off)")
        _check_int("max_new_tokens", self.max_new_tokens, 1, MAX_NEW_TOKENS_LIMIT, f"1 ≤ max_new_tokens ≤ {MAX_NEW_TOKENS_LIMIT}")
        _check_number("repetition_penalty", self.repetition_penalty, 0.0, None, "repetition_penalty > 0", open_low=True)
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise InvalidInputError(f"参数 seed 必须是整数 (seed must be an int), got {self.seed!r}")
        if self.on_overflow not in ("truncate", "error"):
            raise InvalidInputError(
                f"参数 on_overflow 无效 (invalid on_overflow) {self.on_overflow!r}; 可选 (valid): truncate, error"
            )


def _stop_tuple(stop) -> tuple[str, ...]:
    if isinstance(stop, str):
        stop = [stop]
    if not isinstance(stop, (list, tuple)) or not all(isinstance(s, str) for s in stop):
        raise InvalidInputError(f"参数 stop 必须是字符串列表 (stop must be a list of str), got {stop!r}")
    if any(s == "" for s in stop):
        raise InvalidInputError("参数 stop 不能包含空字符串 (stop strings must be non-empty)")
    return tuple(stop)


def _check_number(name, value, low, high, valid, open_low=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"参数 {name} 必须是数字 (must be a number), got {value!r}; 有效范围 (valid range): {valid}")
    too_low = value <= low if open_low else value < low
    if too_low or (high is not None and value > high) or value != value:
        raise InvalidInputError(f"参数 {name}={value!r} 超出范围 (out of range); 有效范围 (valid range): {valid}")


def _check_int(name, value, low, high, valid):
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"参数 {name} 必须是整数 (must be an int), got {value!r}; 有效范围 (valid range): {valid}")
    if value < low or (high is not None and value > high):
        raise InvalidInputError(f"参数 {name}={value!r} 超出范围 (out of range); 有效范围 (valid range): {valid}")
