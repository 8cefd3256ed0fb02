"""getnative.accounts"""
