"""Tenants, people and who may do what: users, memberships and roles, invitations, API keys,
the audit log, and the tenant-scoping mechanism every tenant-owned model is built on."""
