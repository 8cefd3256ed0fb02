"""getnative.api.getnative"""
