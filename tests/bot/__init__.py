"""Tests of the core (`bot/`), on a real database and a simulated clock where they need one."""
