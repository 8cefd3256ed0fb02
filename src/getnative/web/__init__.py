"""getnative.web"""
