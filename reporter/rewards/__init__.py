"""Rewards (奖励) for citizen reports: policy, eligibility, the two-person flow, claims, payment and the ledger."""
