"""Tests of the console adapter: sessions, completion, the real terminal."""
