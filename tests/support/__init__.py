"""Helpers shared by the test suites: a live server, seed data, fault injection."""
