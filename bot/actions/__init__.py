"""Rasa custom actions (served by rasa-sdk: `python -m rasa_sdk --actions bot.actions`).

Actions stay thin: they read the conversation, ask knowledge/ or feedback/, and phrase the answer.
"""

import threading

import tqdm

# Index building shows tqdm progress bars; tqdm's default lock is a multiprocessing lock, which
# fixes multiprocessing's start method before rasa-sdk's Sanic server sets its own, and the
# server then refuses to start. A thread lock is all a single-process progress bar needs.
tqdm.tqdm.set_lock(threading.RLock())
