"""getnative.api.likes"""
