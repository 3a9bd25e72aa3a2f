"""Framing: tone per article and toward each entity, and loaded language."""
