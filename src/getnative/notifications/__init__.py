"""getnative.notifications"""
