"""getnative.api"""
