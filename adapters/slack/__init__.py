"""The Slack adapter: `/followup`, DM nudges with buttons, the add form, App Home and OAuth,
on slack-bolt's `AsyncApp`. `SlackAdapter` is the entry point, built by `adapters.bootstrap`."""

from adapters.slack.adapter import SlackAdapter, SlackConfigError

__all__ = ["SlackAdapter", "SlackConfigError"]
