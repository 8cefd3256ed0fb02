"""getnative.media"""
