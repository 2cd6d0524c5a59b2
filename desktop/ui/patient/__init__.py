"""The patient screen (demographics, history timeline, documents, the desk's payments) and the cash report."""
