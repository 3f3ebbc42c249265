"""The "as of now" marts, merged from the loads new to each (pipelines/assets/marts.py runs
them)."""

from pipelines.assets import accounts, conversations, purchases

STATE_SPECS = [*purchases.SPECS, *conversations.SPECS, *accounts.SPECS]
# The longest first: purchases takes as long as the others together on the data measured.
STATE_TRANSFORMS = [*purchases.TRANSFORMS, *conversations.TRANSFORMS, *accounts.TRANSFORMS]
