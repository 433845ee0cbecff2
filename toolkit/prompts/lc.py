"""langchain-core adapter: a StringPromptTemplate that renders a registry template in the sandbox."""

from __future__ import annotations

from typing import Any

from langchain_core.prompts import StringPromptTemplate


class RegistryPromptTemplate(StringPromptTemplate):
    """A langchain prompt whose ``format`` calls :meth:`PromptRegistry.render` (sandboxed, strict).

    Example:
        >>> p = PromptRegistry().as_langchain("kb_followup")
        >>> p.invoke({"question": "那第二条呢？", "history": []}).to_string()[:2]
    """

    registry: Any
    template_name: str

    def format(self, **kwargs: Any) -> str:
        kwargs = {**self.partial_variables, **kwargs}
        return self.registry.render(self.template_name, **kwargs)

    @property
    def _prompt_type(self) -> str:
        return "hanlin-registry"


def as_langchain(registry, name: str) -> RegistryPromptTemplate:
    t = registry.get(name)
    return RegistryPromptTemplate(
        registry=registry,
        template_name=name,
        input_variables=list(t.input_variables),
        optional_variables=list(t.optional_variables),
        metadata={"task": t.task, "version": t.version, "source": t.source},
    )
