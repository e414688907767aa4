"""Rendering and delivery of messages: the transactional outbox's far end."""
