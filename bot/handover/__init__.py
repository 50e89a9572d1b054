"""Handing a conversation to a person: "gặp cán bộ" puts it in a queue that an officer or a
community digital-technology team member claims from the web console, answers in the same chat,
and hands back to the bot."""
