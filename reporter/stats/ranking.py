"""Rankings (月排名): competition ranking ("1, 1, 3") on one figure; small samples are marked and not ranked."""


def rank(rows: list[dict], figure: str, *, key: tuple[str, ...], sample: str | None = None, minimum: int = 0,
         higher_is_better: bool = True) -> list[dict]:
    """Rows ordered by `figure`; equal figures share a rank and the next rank skips (1, 1, 3).

    A row whose `sample` count is below `minimum` (or whose figure is missing) gets `small_sample: true` and
    `rank: null`, and is listed after every ranked row, so a unit with 2 cases is never "best" at 100 %.
    """
    def small(row: dict) -> bool:
        return row.get(figure) is None or (sample is not None and (row.get(sample) or 0) < minimum)

    ranked = sorted((r for r in rows if not small(r)), key=lambda r: r[figure], reverse=higher_is_better)
    out, previous, position = [], object(), 0
    for index, row in enumerate(ranked, start=1):
        if row[figure] != previous:
            position, previous = index, row[figure]
        out.append({**{k: row[k] for k in key}, figure: row[figure], "rank": position, "small_sample": False,
                    **({sample: row[sample]} if sample else {})})
    unranked = sorted((r for r in rows if small(r)), key=lambda r: (r.get(figure) is None, -(r.get(figure) or 0)))
    out += [{**{k: row[k] for k in key}, figure: row.get(figure), "rank": None, "small_sample": True,
             **({sample: row.get(sample)} if sample else {})} for row in unranked]
    return out
