import itertools


def uid(n: int) -> str:
    return f"{6260000000000000 + n:016d}"


_fresh = itertools.count(900_000)


def with_codes(lines):
    """Lines as a counter sends them for tracked drugs: a pack code on every line that has
    none (tests about pack codes themselves post their lines as they are)."""
    if not isinstance(lines, list):
        return lines
    return [{**line, "uid": uid(next(_fresh))} if isinstance(line, dict) and "uid" not in line
            else line for line in lines]
