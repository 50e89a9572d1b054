"""Vietnamese language handling shared by both environments.

``nlu.text`` (folding, the diacritics check, syllables, the tagged stop words) imports only the
standard library and PyYAML: every package uses it, feedback included. ``nlu.normalize``,
``nlu.lexicon`` and ``nlu.segment`` add underthesea, so the Rasa server (Python 3.10) and the
application (Python 3.11) read text the same way. ``nlu.rasa_tokenizer`` is the Rasa component and
is loaded only inside the Rasa environment.
"""
