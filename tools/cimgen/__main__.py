"""``python -m tools.cimgen``: regenerate ``cim/model`` from ../shared/data/cim-schema."""

from __future__ import annotations

from tools.cimgen import OUTPUT, generate


def main() -> None:
    """Write every generated file, removing none of the hand-written ones."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(generate().items()):
        (OUTPUT / name).write_text(text, encoding="utf-8")
        print(f"{OUTPUT / name}: {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
