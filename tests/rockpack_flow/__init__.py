"""Rockpack end-to-end flow and discovery listings."""
