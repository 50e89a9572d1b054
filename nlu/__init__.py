"""Vietnamese language handling shared by both environments.

``nlu.normalize`` and ``nlu.segment`` import only underthesea and the standard library, so the
Rasa server (Python 3.10) and the application (Python 3.11) read text the same way.
``nlu.rasa_tokenizer`` is the Rasa component and is loaded only inside the Rasa environment.
"""
