"""Dialogs of the start-up flow and of account management."""
