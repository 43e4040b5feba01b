"""As-run play logs, reconciliation against the plan, and airtime reports."""
