"""Writes of data protection: exports, erasure and retention."""
