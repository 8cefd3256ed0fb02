"""getnative.api.rockpack"""
