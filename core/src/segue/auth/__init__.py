"""Authentication: password hashing, tokens and API keys, the middleware, guards."""
