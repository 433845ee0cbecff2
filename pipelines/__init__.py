"""Hanlin task pipelines: poetry, legal, qa. Each is a small class plus a langchain-core Runnable."""
