"""Phản ánh, kiến nghị: petitions filed by citizens, routed to the responsible unit, handled by officers.

The core (``service``, ``models``, ``routing``) knows nothing of Rasa or of the web server: the bot's
custom actions and the FastAPI routers in ``feedback.web`` both call ``feedback.service``.
"""
