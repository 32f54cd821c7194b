"""Webhooks for partners (SPEC §13): endpoints, the transactional outbox and its relay."""
