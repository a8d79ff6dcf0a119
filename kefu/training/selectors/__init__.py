"""Scoped reads of the training app, one module per area (kefu.accounts.access)."""
