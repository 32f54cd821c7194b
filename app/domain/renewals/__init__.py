"""Renewal management (SPEC §12): renew flags (R-6), the renewal list (R-7), batch renewal (R-8),
the unified expiry day (R-9) and cancelling a renewal that has not started (F-5)."""
