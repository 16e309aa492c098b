"""Consumers of the events slot: job handler declarations and the consumer loop."""
