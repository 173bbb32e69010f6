"""Residents' reports (有奖举报): submission from the mini-program, following, anonymity, notifications."""
