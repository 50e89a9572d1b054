"""Channel adapters: each translates one platform's messages to and from Rasa's REST channel."""
