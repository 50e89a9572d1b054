"""Rasa tokenizer that segments Vietnamese into words with underthesea.

Vietnamese writes one syllable per space ("đăng ký khai sinh" is two words, four syllables), so
Rasa's whitespace tokenizer feeds the classifier meaningless syllables. This component keeps
underthesea's word segmentation for token text and offsets, and puts the diacritic-folded,
canonical form in each token's lemma: Rasa's CountVectorsFeaturizer reads lemmas by default, so
"đăng ký" and "dang ky" produce the same features.

Loaded only in the Rasa environment (it imports rasa); see config.yml.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from nlu.segment import segment_words
from nlu.text import syllables


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(Tokenizer):
    """Word tokens from underthesea, lemmas folded for diacritic-insensitive features."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["underthesea"]

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return ["vi"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "VietnameseTokenizer":
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        spans = [span for span in segment_words(text) if syllables(span.text)]
        if not spans:
            # Emoji-only or punctuation-only input still needs one token downstream.
            return [Token(text, 0, len(text), lemma=text)]
        tokens = [Token(s.text, s.start, s.end, lemma=s.key) for s in spans]
        return self._apply_token_pattern(tokens)
