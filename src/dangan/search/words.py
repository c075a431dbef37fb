"""Cutting a query's runs of Chinese into words (jieba with the domain dictionary)."""

from __future__ import annotations

import logging
from collections.abc import Iterable


class Cutter:
    """jieba's precise mode with ``extra`` words added (made once per analyzer)."""

    def __init__(self, extra: Iterable[str]) -> None:
        import jieba

        jieba.setLogLevel(logging.ERROR)
        logging.getLogger("jieba").setLevel(logging.ERROR)
        self.tk = jieba.Tokenizer()
        self.tk.initialize()
        for word in extra:
            self.tk.add_word(word, freq=max(self.tk.suggest_freq(word, tune=False), 2000))

    def cut(self, run: str) -> list[str]:
        return list(self.tk.cut(run, HMM=True))
