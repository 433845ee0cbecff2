"""The embedded model: a small DeepseekV2-architecture MoE trained here on poetry (plus some statute text).

Modules, one idea each:
    format     the text format (control tokens, prompt builder) shared with generation code
    tokenizer  the character-level ``tokenizers`` tokenizer saved as ``tokenizer.json``
    config     model and training hyperparameters (frozen dataclasses) -> ``DeepseekV2Config``
    data       corpus -> formatted documents, held-out split, packed training batches
    balance    the auxiliary load-balancing loss and expert-load statistics
    ngram      the character 3-gram (interpolated Kneser-Ney) baseline
    evaluate   held-out perplexity and expert utilisation of a model
    train      the resumable training loop behind ``hanlin model train``
    card       the model card (README.md) with loss curve and expert histogram
"""

from .format import CONTROL_TOKENS, KINDS, SPECIAL_TOKENS, build_prompt, format_document

__all__ = ["CONTROL_TOKENS", "KINDS", "SPECIAL_TOKENS", "build_prompt", "format_document"]
