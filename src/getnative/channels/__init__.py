"""getnative.channels"""
