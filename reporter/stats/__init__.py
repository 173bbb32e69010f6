"""Supervision: the monthly bulletin and ranking (月通报、月排名), exports, map layers, dashboard, typical cases."""
