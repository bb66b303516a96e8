"""A flow with typed parameters and defaults."""

from typing import Literal, Optional

from prefect import flow, get_run_logger


@flow(name="greet-people", log_prints=True)
def greet(
    names: list[str] = ["Ada", "Grace"],
    punctuation: str = "!",
    times: int = 1,
    style: Literal["plain", "shout"] = "plain",
    sign_off: Optional[str] = None,
) -> list[str]:
    """Greet each person by name.

    Args:
        names: Who to greet.
        punctuation: What ends each greeting.
        times: How often to greet each person.
        style: "shout" upper-cases the greeting.
        sign_off: An optional last line.
    """
    logger = get_run_logger()
    lines = []
    for name in names:
        for _ in range(times):
            line = f"Hello, {name}{punctuation}"
            lines.append(line.upper() if style == "shout" else line)
    if sign_off:
        lines.append(sign_off)
    for line in lines:
        logger.info(line)
    return lines
