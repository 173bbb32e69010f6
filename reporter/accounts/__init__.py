"""Accounts, roles and sign-in (WeChat for residents, password for staff)."""
