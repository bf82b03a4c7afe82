"""ASGI middleware in front of both faces: authentication, rate limits, security headers."""
