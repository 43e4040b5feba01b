"""Directives, campaigns, content items, the approval workflow and content quotas."""
