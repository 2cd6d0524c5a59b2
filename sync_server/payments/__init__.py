"""Payments at the desk (issue 13): consultation fees, the append-only ledger, receipts and cash reports."""
