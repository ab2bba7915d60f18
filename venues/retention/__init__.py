"""Retention of personal data: sensitive incidents' free text and leavers' certificates."""
