"""getnative.likes"""
