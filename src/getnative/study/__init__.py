"""getnative.study"""
