"""Rasa custom actions (served by rasa-sdk: `python -m rasa_sdk --actions bot.actions`).

Actions stay thin: they read the conversation, ask knowledge/ or feedback/, and phrase the answer.
"""
