"""How registers plug into other features: cases opening near sites, the bulletin's campaign and 暗访 tables."""


def wire() -> None:
    """Register the reactions (called once when the API module is imported)."""
    from reporter.registers import campaigns, links, undercover
    from reporter.stats.bulletin import register_section

    links.wire()
    register_section("campaigns", campaigns.bulletin_rows)
    register_section("undercover", undercover.bulletin_rows)
