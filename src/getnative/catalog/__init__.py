"""getnative.catalog"""
