"""Persistence: the only package that imports motor/pymongo."""
