"""Accounts, roles, sessions, API tokens and invitations."""
