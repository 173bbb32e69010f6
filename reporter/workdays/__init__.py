"""The Chinese working-day calendar: statutory holidays and adjusted working days (调休)."""
