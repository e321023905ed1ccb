"""Retrieval and grounded answering with citations (reads the index, never writes it)."""
