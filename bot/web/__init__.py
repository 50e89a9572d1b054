"""The local web server: the citizen chat page and its API (officer console and public pages are
mounted from feedback/)."""
