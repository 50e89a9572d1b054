"""The app shell: settings, the wiring of the services, the CLI, the process runner and the web app.

Everything below it (``nlu``, ``knowledge``, ``feedback``, ``bot``) is configured from here and
never imports it back, except ``bot``'s action server and channel processes, which start here.
"""
