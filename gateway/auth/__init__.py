"""Authentication and authorisation: bearer JWTs (pyjwt), SMART scopes, one access decision for both faces."""
