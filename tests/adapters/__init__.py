"""Tests of the adapters: each platform against its fake, the console, the composition root."""
