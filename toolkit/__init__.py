"""Hanlin (翰林) core library: config, text, corpus, index, llm, prosody, legal, prompts.

``toolkit`` knows nothing of tasks or UI; ``pipelines`` and ``web`` build on it.
"""

__version__ = "0.1.0"
